// The chat experience of issue 13 in real Chromium against the web host, a bootstrap and three
// peers as processes: the outbox (host stopped, three posts queued, host restarted: each appears
// exactly once, in order), drafts kept per chat across switching, Escape and a reload, the byte
// limit of the composer for a Japanese message, a host that switched to bootstrap mode, the
// confirmation before a mode switch, and the page for a missing or stale web token. Screenshots in
// English and Japanese go to test-results/screenshots/.
import { expect, test } from '@playwright/test';
import { Cluster, type PeerProcess, waitForRemoteChat } from '../support/peers.js';
import {
  chatItem,
  initialLanguageScript,
  messageWithText,
  onboard,
  openWindow,
  type PeerWindow,
  screenshotBoth,
  skippedWithoutChromium,
  strings,
  waitLoaded,
} from '../support/ui.js';

if (!skippedWithoutChromium('experience')) {
  test.describe('the chat experience, three peers and a bootstrap', () => {
    test.describe.configure({ mode: 'serial' });

    let cluster: Cluster;
    let A: PeerProcess;
    let B: PeerWindow;
    let C: PeerWindow;

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A', 'B', 'C']);
      A = cluster.get('A');
      [B, C] = await Promise.all([
        openWindow(browser, cluster.get('B')),
        openWindow(browser, cluster.get('C')),
      ]);
      const bootstrap = cluster.bootstrap.hostPort;
      await onboard(B.page, { name: 'Bob', bootstrap });
      await onboard(C.page, { name: 'Cleo', bootstrap });
    });

    test.afterAll(async () => {
      await Promise.all([B, C].map((w) => w?.context.close()));
      await cluster?.teardown();
    });

    test('outbox: host stopped, three posts queued, host restarted: each appears exactly once, in order', async () => {
      const testInfo = test.info();
      const chat = await A.ok('createChat', { name: 'Outbox', message: 'Before the outage', author: 'Ann' });
      await waitForRemoteChat(B.peer, 'Outbox');
      const page = B.page;
      await expect(chatItem(page, 'Outbox')).toBeVisible({ timeout: 15_000 });
      await chatItem(page, 'Outbox').click();
      await expect(messageWithText(page, 'Before the outage')).toBeVisible({ timeout: 10_000 });

      const { port } = A.udp;
      const dataDir = A.dataDir;
      await A.stop();
      await expect(page.getByTestId('chat-state')).toHaveAttribute('data-condition', 'offline', {
        timeout: 20_000,
      });
      const posts = ['first while away', 'second while away', 'third while away'];
      for (const text of posts) {
        await page.getByTestId('message-input').fill(text);
        await page.getByTestId('message-submit').click();
        await expect(page.getByTestId('pending-post').filter({ hasText: text })).toBeVisible({
          timeout: 20_000,
        });
      }
      await expect(page.getByTestId('pending-post')).toHaveCount(3);
      await expect(page.getByTestId('error-banner')).toHaveCount(0);
      await screenshotBoth(page, 'outbox-pending', testInfo, {
        ready: page.getByTestId('pending-posts'),
        check: async (lang) => {
          const s = await strings(lang);
          await expect(page.getByTestId('pending-state').first()).toHaveText(s['chat.pending']);
        },
      });

      A = await cluster.add('A', { web: false, port, dataDir });
      await expect(page.getByTestId('pending-post')).toHaveCount(0, { timeout: 30_000 });
      for (const text of posts) await expect(messageWithText(page, text)).toHaveCount(1, { timeout: 15_000 });
      const stored = await A.ok('readChat', { host: null, chatUuid: chat.uuid });
      expect(stored.messages.map((m) => m.content)).toEqual(['Before the outage', ...posts]);
      await expect(page.getByTestId('chat-state')).toHaveAttribute('data-condition', 'live', {
        timeout: 15_000,
      });
    });

    test('drafts stay with their chat across switching chats, Escape and a reload', async () => {
      const page = B.page;
      const other = await A.ok('createChat', { name: 'Drafts two', message: 'hello', author: 'Ann' });
      expect(other.name).toBe('Drafts two');
      await waitForRemoteChat(B.peer, 'Drafts two');
      await expect(chatItem(page, 'Drafts two')).toBeVisible({ timeout: 15_000 });

      await chatItem(page, 'Outbox').click();
      await page.getByTestId('message-input').fill('draft for Outbox');
      await chatItem(page, 'Drafts two').click();
      await expect(page.getByTestId('message-input')).toHaveValue('');
      await page.getByTestId('message-input').fill('下書き for two');
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('chat-view')).toHaveCount(0);
      await chatItem(page, 'Outbox').click();
      await expect(page.getByTestId('message-input')).toHaveValue('draft for Outbox');

      await page.reload();
      await waitLoaded(page);
      await chatItem(page, 'Drafts two').click();
      await expect(page.getByTestId('message-input')).toHaveValue('下書き for two');
      // Sent: the draft is gone.
      await page.getByTestId('message-submit').click();
      await expect(messageWithText(page, '下書き for two')).toBeVisible({ timeout: 10_000 });
      await expect(page.getByTestId('message-input')).toHaveValue('');
    });

    test('a Japanese message too large for one datagram is refused before Send, saying by how much', async () => {
      const testInfo = test.info();
      const page = B.page;
      await chatItem(page, 'Drafts two').click();
      const input = page.getByTestId('message-input');
      await input.fill('あ'.repeat(17_000));
      await expect(page.getByTestId('message-submit')).toBeDisabled();
      const hint = page.getByTestId('composer-hint');
      await expect(hint).toHaveText(/bytes too long/);
      await screenshotBoth(page, 'composer-too-long', testInfo, {
        ready: hint,
        check: async (lang) => {
          await expect(hint).toHaveText(lang === 'ja' ? /バイト長すぎます/ : /bytes too long/);
        },
      });
      // Shortened to what fits, it goes.
      await input.fill('あ'.repeat(16_000));
      await expect(page.getByTestId('message-submit')).toBeEnabled();
      await expect(hint).toHaveText(/bytes left/);
      await input.fill('');
    });

    test('a title over 256 characters is refused in the form, not cut silently', async () => {
      const page = C.page;
      await page.getByTestId('new-chat').click();
      const title = 'T'.repeat(500);
      await page.getByTestId('new-chat-name').fill(title);
      await expect(page.getByTestId('new-chat-name')).toHaveValue(title);
      const en = await strings('en');
      await expect(page.getByTestId('new-chat-name-error')).toHaveText(
        en['validation.nameTooLong'].replace('{max}', '256'),
      );
      await page.getByTestId('new-chat-message').fill('first');
      await page.getByTestId('new-chat-submit').click();
      await expect(page.getByTestId('new-chat-form')).toBeVisible();
      expect((await C.peer.ok('listChats', {})).mine).toEqual([]);
      await page.keyboard.press('Escape');
    });

    test('switching mode asks first; cancelled, nothing changes', async () => {
      const page = C.page;
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-mode-switch').click();
      const confirm = page.getByTestId('mode-confirm');
      await expect(confirm).toBeVisible();
      await screenshotBoth(page, 'mode-confirm', test.info(), {
        ready: confirm,
        check: async (lang) => {
          const s = await strings(lang);
          await expect(confirm.locator('p')).toHaveText(s['mode.confirmBootstrap']);
        },
      });
      await page.getByTestId('mode-confirm-no').click();
      await expect(confirm).toHaveCount(0);
      expect((await C.peer.ok('getStatus', {})).mode).toBe('peer');
      await expect(page.getByTestId('mode-indicator')).toHaveAttribute('data-mode', 'peer');
      await page.getByTestId('nav-chats').click();
    });

    test('a chat whose host switched to bootstrap mode says so precisely and leaves the list', async () => {
      const testInfo = test.info();
      const page = C.page;
      await A.ok('createChat', { name: 'Soon a bootstrap', message: 'hi', author: 'Ann' });
      await waitForRemoteChat(C.peer, 'Soon a bootstrap');
      await expect(chatItem(page, 'Soon a bootstrap')).toBeVisible({ timeout: 15_000 });
      await chatItem(page, 'Soon a bootstrap').click();
      await expect(messageWithText(page, 'hi')).toBeVisible({ timeout: 10_000 });

      await A.ok('setMode', { mode: 'bootstrap' });
      const state = page.getByTestId('chat-state');
      await expect(state).toHaveAttribute('data-condition', 'host-bootstrap', { timeout: 20_000 });
      const en = await strings('en');
      await expect(page.getByTestId('chat-notice')).toHaveText(en['error.host-bootstrap']);
      await expect(page.getByTestId('chat-notice')).not.toContainText('version');
      await expect(chatItem(page, 'Soon a bootstrap')).toHaveCount(0, { timeout: 15_000 });
      await screenshotBoth(page, 'host-bootstrap', testInfo, {
        ready: state,
        check: async (lang) => {
          const s = await strings(lang);
          await expect(page.getByTestId('chat-notice')).toHaveText(s['error.host-bootstrap']);
        },
      });
      await A.ok('setMode', { mode: 'peer' });
    });

    test('the address without its token, and a tab whose token went stale, say to open the new link', async ({
      browser,
    }) => {
      const testInfo = test.info();
      const base = new URL(B.peer.webUrl);
      const bare = await browser.newContext({ locale: 'en-US' });
      await bare.addInitScript(initialLanguageScript('en'));
      const page = await bare.newPage();
      await page.goto(`${base.origin}/`);
      const tokenPage = page.getByTestId('token-page');
      await expect(tokenPage).toHaveAttribute('data-reason', 'no-token');
      const en = await strings('en');
      await expect(tokenPage.locator('p')).toHaveText(en['token.missing']);
      await page.screenshot({ path: testInfo.outputPath('token-missing.en.png') });
      await bare.close();

      // B restarts: its web host has a new token; the old tab says so instead of reconnecting.
      const { port } = B.peer.udp;
      const dataDir = B.peer.dataDir;
      await B.peer.stop();
      const restarted = await cluster.add('B', { port, dataDir, webPort: Number(base.port) });
      const old = B.page.getByTestId('token-page');
      await expect(old).toHaveAttribute('data-reason', 'token-refused', { timeout: 30_000 });
      await expect(B.page.getByTestId('connection-banner')).toHaveCount(0);
      await expect(old.locator('p')).toHaveText(en['token.stale']);
      await B.page.screenshot({ path: testInfo.outputPath('token-stale.en.png') });
      // The new link works.
      // Same origin, only the fragment differs: load it for real.
      await B.page.goto(restarted.webUrl);
      await B.page.reload();
      await waitLoaded(B.page);
      B.peer = restarted;
    });
  });
}
