// Helpers for driving the Nance window (the web host's page or the Electron window) through its
// stable data-testids (src-renderer/README.md): language, onboarding, screenshots in en and ja.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type Browser,
  type BrowserContext,
  expect,
  type Locator,
  type Page,
  type TestInfo,
  test,
} from '@playwright/test';
import { en } from '../../src-renderer/i18n/en.js';
import { type Cluster, type PeerProcess, ROOT } from './peers.js';

export type Lang = 'en' | 'ja';
export type MessageKey = keyof typeof en;
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

let jaStrings: Record<MessageKey, string> | undefined;

/** The window's own sentences, so the specs compare against exactly what a person reads. */
export async function strings(lang: Lang): Promise<Record<MessageKey, string>> {
  if (lang === 'en') return en;
  if (!jaStrings) {
    // Loaded at run time: ja.ts is written for the renderer's bundler resolution.
    const specifier = '../../src-renderer/i18n/ja.js';
    jaStrings = ((await import(specifier)) as { ja: Record<MessageKey, string> }).ja;
  }
  return jaStrings;
}

/** The window starts in `lang` unless it already remembers a choice (set once per context). */
export function initialLanguageScript(lang: Lang): string {
  return `try { if (!localStorage.getItem('nance.lang')) localStorage.setItem('nance.lang', ${JSON.stringify(lang)}); } catch {}`;
}

/** Waits until the window has loaded: it shows onboarding, the chats, or the bootstrap panel. */
export async function waitLoaded(page: Page): Promise<void> {
  await expect(
    page.getByTestId('onboarding').or(page.getByTestId('chat-list')).or(page.getByTestId('bootstrap-panel')),
  ).toBeVisible({ timeout: 15_000 });
}

/** Debian's Chromium, which the 'web' project drives (playwright.config.ts). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * True when Chromium is missing, after adding one test that is skipped saying so ("`what` specs
 * skipped: ..."); a spec defines its tests only when this is false.
 */
export function skippedWithoutChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return false;
  test(`${what} specs skipped: ${CHROMIUM} missing (apt-get install chromium)`, () => {
    test.skip(true, `${CHROMIUM} is not installed; scripts/system-packages.txt lists it`);
  });
  return true;
}

/** A window on one peer: its own browser context (close it when done) and page. */
export interface PeerWindow {
  peer: PeerProcess;
  context: BrowserContext;
  page: Page;
}

export interface WindowOptions {
  /** Default 1280×800. */
  viewport?: { width: number; height: number };
  /** The browser's locale; default 'en-US'; null leaves Chromium's own. */
  locale?: string | null;
  /** The window's first language (`initialLanguageScript`); default 'en'; null adds no script. */
  lang?: Lang | null;
  /** Permissions granted to the peer's web origin (before any script is added). */
  permissions?: string[];
  /** More init scripts, added after the language one. */
  initScripts?: string[];
}

/** Opens a new context on `peer`'s web host (with its token) and waits until the window loaded. */
export async function openWindow(
  browser: Browser,
  peer: PeerProcess,
  opts: WindowOptions = {},
): Promise<PeerWindow> {
  const { viewport = { width: 1280, height: 800 }, locale = 'en-US', lang = 'en' } = opts;
  const context = await browser.newContext(locale === null ? { viewport } : { viewport, locale });
  if (opts.permissions) {
    await context.grantPermissions(opts.permissions, { origin: new URL(peer.webUrl).origin });
  }
  if (lang !== null) await context.addInitScript(initialLanguageScript(lang));
  for (const script of opts.initScripts ?? []) await context.addInitScript(script);
  const page = await context.newPage();
  await page.goto(peer.webUrl);
  await waitLoaded(page);
  return { peer, context, page };
}

/**
 * Switches the language through the UI: the selector on the onboarding screen, or Settings (then
 * back to the view that was showing; the open chat and any error banner stay as they were).
 */
export async function setLanguage(page: Page, lang: Lang): Promise<void> {
  const html = page.locator('html');
  if ((await html.getAttribute('lang')) === lang) return;
  const onboardingSelect = page.getByTestId('onboarding-language');
  if (await onboardingSelect.isVisible()) {
    await onboardingSelect.selectOption(lang);
  } else {
    const current = await page.locator('nav [aria-current="page"]').getAttribute('data-testid');
    if (current !== 'nav-settings') await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption(lang);
    if (current && current !== 'nav-settings') await page.getByTestId(current).click();
  }
  await expect(html).toHaveAttribute('lang', lang);
}

/**
 * Saves `NAME.en.png` and `NAME.ja.png` under test-results/screenshots (and attaches them to the
 * test), switching the language through the UI; the window is left in English. `ready` (if given)
 * must be visible before each shot; `check` runs in each language before the shot.
 */
export async function screenshotBoth(
  page: Page,
  name: string,
  testInfo: TestInfo,
  opts: { ready?: Locator; check?: (lang: Lang) => Promise<void> } = {},
): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const lang of ['en', 'ja'] as const) {
    await setLanguage(page, lang);
    if (opts.ready) await expect(opts.ready).toBeVisible();
    await opts.check?.(lang);
    const file = path.join(SCREENSHOT_DIR, `${name}.${lang}.png`);
    await page.screenshot({ path: file });
    await testInfo.attach(`${name}.${lang}`, { path: file, contentType: 'image/png' });
    files.push(file);
  }
  await setLanguage(page, 'en');
  return files;
}

/** Completes the first-run screen: a display name and a bootstrap address, or "skip for now". */
export async function onboard(
  page: Page,
  profile: { name: string; bootstrap: string } | 'skip',
): Promise<void> {
  await expect(page.getByTestId('onboarding')).toBeVisible();
  if (profile === 'skip') {
    await page.getByTestId('onboarding-skip').click();
  } else {
    await page.getByTestId('onboarding-name').fill(profile.name);
    await page.getByTestId('onboarding-bootstrap').fill(profile.bootstrap);
    await page.getByTestId('onboarding-submit').click();
  }
  await expect(page.getByTestId('onboarding')).toHaveCount(0);
  await expect(page.getByTestId('chat-list')).toBeVisible();
}

/** A window on the cluster's peer `label`, onboarded as `name` with the cluster's bootstrap. */
export async function openOnboarded(
  browser: Browser,
  cluster: Cluster,
  label: string,
  name: string,
  opts: WindowOptions = {},
): Promise<PeerWindow> {
  const window = await openWindow(browser, cluster.get(label), opts);
  await onboard(window.page, { name, bootstrap: cluster.bootstrap.hostPort });
  return window;
}

/** Closes the windows (those that opened), then stops the cluster's peers and removes their dirs. */
export async function closeAll(
  cluster: Cluster | undefined,
  windows: (PeerWindow | undefined)[],
): Promise<void> {
  await Promise.all(windows.map((w) => w?.context.close()));
  await cluster?.teardown();
}

/** The chat list entry with this name (in any host's group). */
export function chatItem(page: Page, name: string): Locator {
  return page.getByTestId('chat-item').filter({ has: page.locator('.chat-item-name', { hasText: name }) });
}

/** Messages shown in the open chat whose text is exactly `content`. */
export function messageWithText(page: Page, content: string): Locator {
  return page.getByTestId('message-content').filter({ hasText: content });
}

/** Creates a chat through the new-chat form and waits until it is open. */
export async function createChatInUi(page: Page, name: string, message: string): Promise<void> {
  await page.getByTestId('new-chat').click();
  await page.getByTestId('new-chat-name').fill(name);
  await page.getByTestId('new-chat-message').fill(message);
  await page.getByTestId('new-chat-submit').click();
  await expect(page.getByTestId('chat-title')).toHaveText(name);
  await expect(messageWithText(page, message)).toBeVisible();
}
