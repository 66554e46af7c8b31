// Accessibility checked by a maintained engine (axe-core through @axe-core/playwright) over every
// view of the window (onboarding, chats, a chat, peers, settings, new chat), in light and dark, in
// English and Japanese: no serious or critical violation of WCAG 2.x A/AA anywhere. Each view is
// kept as a full-page screenshot, test-results/screens/<view>-<lang>-<theme>.png (issue 13).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { Cluster, type PeerProcess, waitForRemoteChat } from '../support/peers.js';
import { chatItem, openWindow, SCREENSHOT_DIR, skippedWithoutChromium } from '../support/ui.js';

/** Every view this spec visits, in order (e2e/README.md lists them). */
const VIEWS = ['onboarding', 'chats', 'chat', 'new-chat', 'peers', 'settings', 'mode-confirmation'] as const;
type View = (typeof VIEWS)[number];
const SCREENS_DIR = path.join(path.dirname(SCREENSHOT_DIR), 'screens');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Theme = 'light' | 'dark';
type Lang = 'en' | 'ja';

/** The window in `lang` and `theme` from its first paint (what Settings would store). */
function prefsScript(lang: Lang, theme: Theme): string {
  return `try { localStorage.setItem('nance.lang', ${JSON.stringify(lang)}); localStorage.setItem('nance.theme', ${JSON.stringify(theme)}); } catch {}`;
}

/** Serious and critical violations on the page as it is now, as "rule: target" lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary ?? ''}`),
    );
}

if (!skippedWithoutChromium('accessibility')) {
  test.describe('accessibility (axe-core): every view, light and dark, en and ja', () => {
    test.describe.configure({ mode: 'serial' });
    let cluster: Cluster;
    let host: PeerProcess;
    let fresh: PeerProcess;
    let reader: PeerProcess;

    test.beforeAll(async () => {
      cluster = await Cluster.start(['host', 'reader', 'fresh']);
      host = cluster.get('host');
      reader = cluster.get('reader');
      fresh = cluster.get('fresh');
      await host.ok('createChat', { name: 'Accessible chat', message: 'Hello there', author: 'Hana' });
      await reader.ok('updateSettings', { displayName: 'Rei', onboarded: true });
      await waitForRemoteChat(reader, 'Accessible chat');
    });

    test.afterAll(async () => {
      await cluster?.teardown();
    });

    for (const theme of ['light', 'dark'] as const) {
      for (const lang of ['en', 'ja'] as const) {
        test(`${theme}, ${lang}`, async ({ browser }) => {
          test.setTimeout(120_000);
          const started = Date.now();
          const found: Partial<Record<View, string[]>> = {};
          const screenOf = (view: View) => path.join(SCREENS_DIR, `${view}-${lang}-${theme}.png`);
          const check = async (page: Page, view: View) => {
            await expect(page.locator('html')).toHaveAttribute('lang', lang);
            found[view] = await seriousViolations(page);
            await page.screenshot({ path: screenOf(view), fullPage: true });
          };
          // Chromium's own locale; the language and theme come from the stored preferences only.
          const open = (peer: PeerProcess) =>
            openWindow(browser, peer, { locale: null, lang: null, initScripts: [prefsScript(lang, theme)] });

          const first = await open(fresh);
          await expect(first.page.getByTestId('onboarding')).toBeVisible();
          await check(first.page, 'onboarding');
          await first.context.close();

          const { context, page } = await open(reader);
          await expect(page.getByTestId('chat-list')).toBeVisible();
          await check(page, 'chats');
          await expect(chatItem(page, 'Accessible chat')).toBeVisible({ timeout: 15_000 });
          await chatItem(page, 'Accessible chat').click();
          await expect(page.getByTestId('message-content').first()).toBeVisible({ timeout: 10_000 });
          await check(page, 'chat');
          await page.getByTestId('new-chat').click();
          await expect(page.getByTestId('new-chat-name')).toBeVisible();
          await check(page, 'new-chat');
          await page.getByTestId('nav-peers').click();
          await expect(page.getByTestId('peer-list')).toBeVisible();
          await check(page, 'peers');
          await page.getByTestId('nav-settings').click();
          await expect(page.getByTestId('settings')).toBeVisible();
          await check(page, 'settings');
          await page.getByTestId('settings-mode-switch').click();
          await check(page, 'mode-confirmation');
          await context.close();

          expect(found).toEqual(Object.fromEntries(VIEWS.map((v) => [v, []])));
          // A screenshot of every view, written by this run, a non-empty PNG.
          for (const view of VIEWS) {
            const file = screenOf(view);
            expect(statSync(file).mtimeMs, file).toBeGreaterThanOrEqual(started - 1_000);
            const bytes = readFileSync(file);
            expect(bytes.length, file).toBeGreaterThan(PNG_SIGNATURE.length + 1_000);
            expect(bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE), file).toBe(true);
          }
        });
      }
    }
  });
}
