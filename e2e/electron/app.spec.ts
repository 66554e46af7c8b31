// The main flows against the Electron build, through Playwright's Electron driver: the window is
// peer A (its own data dir), with a bootstrap and a headless peer B (driven over --stdio) as
// separate processes. Where no Electron binary exists (npm installs with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1), the whole file reports one skip that says so.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, expect, type Page, test } from '@playwright/test';
import { Cluster, fillChat, filler, type PeerProcess, ROOT, waitForRemoteChat } from '../support/peers.js';
import {
  chatItem,
  createChatInUi,
  messageWithText,
  onboard,
  screenshotBoth,
  setLanguage,
  strings,
  waitLoaded,
} from '../support/ui.js';

const MAIN = path.join(ROOT, 'build', 'src-main', 'host', 'electron', 'main.js');
const SKIP_REASON =
  'Electron binary not available here (ELECTRON_SKIP_BINARY_DOWNLOAD); Electron specs skipped';

/** Whether the electron package's binary was downloaded, checked without importing 'electron'. */
function electronBinaryPresent(): boolean {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(require.resolve('electron'));
  } catch {
    return false;
  }
  return existsSync(path.join(dir, 'path.txt')) && existsSync(path.join(dir, 'dist'));
}

if (!electronBinaryPresent()) {
  test(SKIP_REASON, () => {
    test.skip(true, SKIP_REASON);
  });
} else {
  test.describe('Nance in the Electron window, with a headless peer and a bootstrap', () => {
    test.describe.configure({ mode: 'serial' });

    let cluster: Cluster;
    let B: PeerProcess;
    let app: ElectronApplication;
    let page: Page;
    let dataDir: string;
    const lunch = { name: 'Lunch on Friday', first: 'Noodles at noon?' };

    test.beforeAll(async () => {
      expect(existsSync(MAIN), `${path.relative(ROOT, MAIN)} is missing: run npm run build`).toBe(true);
      cluster = await Cluster.start(['B'], { web: false });
      B = cluster.get('B');
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'nance-e2e-electron-'));
      app = await _electron.launch({ args: [MAIN, '--data-dir', dataDir], cwd: ROOT });
      page = await app.firstWindow();
      await waitLoaded(page);
      await setLanguage(page, 'en');
    });

    test.afterAll(async () => {
      await app?.close().catch(() => {});
      await cluster?.teardown();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    test('the window is app://nance/index.html, under the CSP header (no network)', async () => {
      expect(page.url()).toBe('app://nance/index.html');
      expect(await page.evaluate(() => typeof (window as unknown as { nance?: unknown }).nance)).toBe(
        'object',
      );
      // The page's own <meta> (written for the web host) allows ws://127.0.0.1:*; the header of the
      // app:// handler says connect-src 'none', and both apply: the socket must be refused.
      const violated = await page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), {
              once: true,
            });
            try {
              new WebSocket('ws://127.0.0.1:9/');
            } catch {
              resolve('connect-src');
            }
            setTimeout(() => resolve('not blocked'), 3_000);
          }),
      );
      expect(violated).toBe('connect-src');
    });

    test('onboarding: a display name and the bootstrap', async () => {
      const testInfo = test.info();
      await screenshotBoth(page, 'electron-onboarding', testInfo, { ready: page.getByTestId('onboarding') });
      await onboard(page, { name: 'Alice', bootstrap: cluster.bootstrap.hostPort });
      await expect(page.getByTestId('mode-indicator')).toHaveAttribute('data-mode', 'peer');
    });

    test('the window creates a chat; B posts to it; the window shows it within 1 s', async () => {
      const testInfo = test.info();
      await createChatInUi(page, lunch.name, lunch.first);
      const { host, chat } = await waitForRemoteChat(B, lunch.name);

      const post = `Count me in! (${Date.now()})`;
      await page.evaluate((text) => {
        const w = window as unknown as { __shownAt?: number };
        const observer = new MutationObserver(() => {
          const seen = Array.from(document.querySelectorAll('[data-testid="message-content"]')).some(
            (el) => el.textContent === text,
          );
          if (seen && w.__shownAt === undefined) {
            w.__shownAt = Date.now();
            observer.disconnect();
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      }, post);
      const sentAt = Date.now();
      await B.ok('postMessage', { host, chatUuid: chat.uuid, name: 'Bob', content: post });
      const ackAt = Date.now();
      await expect(messageWithText(page, post)).toBeVisible({ timeout: 5_000 });
      const shownAt = await page.evaluate(() => (window as unknown as { __shownAt?: number }).__shownAt);
      expect(shownAt).toBeDefined();
      const line = `electron post latency: B send→window ${(shownAt as number) - sentAt} ms; B ack→window ${(shownAt as number) - ackAt} ms`;
      console.log(line);
      testInfo.annotations.push({ type: 'latency', description: line });
      expect((shownAt as number) - ackAt).toBeLessThan(1_000);
      await screenshotBoth(page, 'electron-chat-view', testInfo, { ready: messageWithText(page, post) });
    });

    test("the window finds B's chat and posts to it", async () => {
      const testInfo = test.info();
      const chat = await B.ok('createChat', { name: 'Hosted by B', message: 'Hello from B', author: 'Bob' });
      const item = chatItem(page, 'Hosted by B');
      await expect(item).toBeVisible({ timeout: 15_000 });
      await screenshotBoth(page, 'electron-chat-list', testInfo, { ready: item });
      await item.click();
      await expect(messageWithText(page, 'Hello from B')).toBeVisible();
      await page.getByTestId('message-input').fill('Hello from the window');
      await page.getByTestId('message-input').press('Enter');
      await expect(messageWithText(page, 'Hello from the window')).toBeVisible();
      const { messages } = await B.ok('readChat', { host: null, chatUuid: chat.uuid });
      expect(messages.map((m) => m.content)).toContain('Hello from the window');
    });

    test('peers and settings; the mode switch turns chats off and back on', async () => {
      const testInfo = test.info();
      await page.getByTestId('nav-peers').click();
      await expect(page.getByTestId('peer-list')).toBeVisible();
      await screenshotBoth(page, 'electron-peers', testInfo, { ready: page.getByTestId('peer-list') });
      await page.getByTestId('nav-settings').click();
      await screenshotBoth(page, 'electron-settings', testInfo, { ready: page.getByTestId('settings') });

      await page.getByTestId('settings-mode-switch').click();
      await page.getByTestId('mode-confirm-yes').click();
      await expect(page.getByTestId('mode-indicator')).toHaveAttribute('data-mode', 'bootstrap');
      await page.getByTestId('nav-chats').click();
      await expect(page.getByTestId('bootstrap-panel')).toBeVisible();
      await expect(page.getByTestId('chat-list')).toHaveCount(0);
      await expect(page.getByTestId('new-chat')).toHaveCount(0);
      await screenshotBoth(page, 'electron-bootstrap-mode', testInfo, {
        ready: page.getByTestId('bootstrap-panel'),
      });

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-mode-switch').click();
      await page.getByTestId('mode-confirm-yes').click();
      await expect(page.getByTestId('mode-indicator')).toHaveAttribute('data-mode', 'peer');
      await page.getByTestId('nav-chats').click();
      await expect(page.getByTestId('chat-list')).toBeVisible();
    });

    test('error 20: posting to a full chat says so in words', async () => {
      const testInfo = test.info();
      const chat = await B.ok('createChat', { name: 'Full house', message: 'Fill me up', author: 'Bob' });
      await fillChat(B, chat.uuid, 600);
      const item = chatItem(page, 'Full house');
      await expect(item).toBeVisible({ timeout: 15_000 });
      await item.click();
      await expect(page.getByTestId('message-list')).toBeVisible({ timeout: 20_000 });
      await page.getByTestId('message-input').fill(filler(1_500));
      await page.getByTestId('message-submit').click();
      const banner = page.getByTestId('error-banner');
      await expect(banner).toHaveAttribute('data-kind', 'full', { timeout: 15_000 });
      await expect(banner.locator('.banner-main')).toHaveText((await strings('en'))['error.full']);
      await screenshotBoth(page, 'electron-error-20-full', testInfo, { ready: banner });
      await banner.getByRole('button').click();
    });

    /** Stops B and starts it again on the same port and store (an optional retention, in s). */
    async function restartB(retentionS?: number): Promise<void> {
      const { port } = B.udp;
      const bDir = B.dataDir;
      await B.stop();
      if (retentionS !== undefined) await new Promise((r) => setTimeout(r, retentionS * 1000 + 100));
      B = await cluster.add('B', { web: false, port, dataDir: bDir, ...(retentionS ? { retentionS } : {}) });
    }

    test('error 90: when B stops, the window says the host did not answer', async () => {
      const testInfo = test.info();
      const en = await strings('en');
      await chatItem(page, 'Hosted by B').click();
      await expect(messageWithText(page, 'Hello from B')).toBeVisible({ timeout: 10_000 });
      await B.stop();
      const error = page.getByTestId('chat-notice');
      await expect(error).toHaveText(en['chat.offlineNotice'], { timeout: 20_000 });
      await screenshotBoth(page, 'electron-error-90-timeout', testInfo, { ready: error });

      // B comes back (same port and store): the chat reads again and the error goes.
      await restartB();
      await expect(error).toHaveCount(0, { timeout: 20_000 });
    });

    test('error 10: when the chat vanishes on B, the window says it no longer exists', async () => {
      const testInfo = test.info();
      await expect(messageWithText(page, 'Hello from B')).toBeVisible();
      // A 1-second retention: the wipe at start deletes every chat B hosts.
      await restartB(1);
      const error = page.getByTestId('chat-wiped');
      await expect(error).toBeVisible({ timeout: 20_000 });
      await expect(page.getByTestId('chat-state')).toHaveAttribute('data-condition', 'wiped');
      await screenshotBoth(page, 'electron-error-10-gone', testInfo, { ready: error });
    });
  });
}
