// The chat list and the message view of a messenger, in real Chromium against the web host: a
// bootstrap and three peers as separate processes. A hosts two chats, C posts into them over
// --stdio, and B's window shows what a messenger shows: unread counts (kept across a reload),
// previews, the most active chat first, the unread total in the title, a browser notification,
// "jump to latest" with the count of new messages, links that open a new tab without an opener
// (javascript: stays text), and "show more". Screenshots of both views in en and ja, light and
// dark, go to test-results/screenshots/.
import { type BrowserContext, expect, type Locator, type Page, test } from '@playwright/test';
import type { ChatDto, EndpointDto } from '../../src-shared/api.js';
import { Cluster, filler } from '../support/peers.js';
import {
  chatItem,
  messageWithText,
  onboard,
  openWindow,
  SCREENSHOT_DIR,
  screenshotBoth,
  skippedWithoutChromium,
  waitLoaded,
} from '../support/ui.js';

/** Records every Notification the page creates, then lets the real one show it. */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notes = [];
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      window.__notes.push({ title: args[0], body: args[1] && args[1].body });
      return Reflect.construct(target, args);
    },
  });
})();`;

if (!skippedWithoutChromium('messenger')) {
  test.describe('a messenger: chat list and message view, three peers and a bootstrap', () => {
    test.describe.configure({ mode: 'serial' });

    let cluster: Cluster;
    let context: BrowserContext;
    let page: Page;
    let aHost: EndpointDto;
    let lunch: ChatDto;
    let carolPosts = 0;

    /** C posts into one of A's chats over --stdio, as another reader would. */
    const carolSays = async (chat: ChatDto, content: string) => {
      carolPosts += 1;
      await cluster.get('C').ok('postMessage', { host: aHost, chatUuid: chat.uuid, name: 'Carol', content });
    };
    const item = (name: string): Locator => chatItem(page, name);
    const pinnedNames = () => page.locator('[data-group="pinned"] .chat-item-name').allTextContents();

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A', 'B', 'C']);
      const A = cluster.get('A');
      aHost = A.udp;
      lunch = await A.ok('createChat', {
        name: 'Lunch plans',
        message: 'Noodles on Friday?',
        author: 'Alice',
      });
      await A.ok('createChat', { name: 'Book club', message: 'Next: Kokoro', author: 'Alice' });
      ({ context, page } = await openWindow(browser, cluster.get('B'), {
        permissions: ['notifications'],
        initScripts: [RECORD_NOTIFICATIONS],
      }));
      await onboard(page, { name: 'Bob', bootstrap: cluster.bootstrap.hostPort });
    });

    test.afterAll(async () => {
      await context?.close();
      await cluster?.teardown();
    });

    test('chats I open or post in are pinned, the most recently active first', async () => {
      await expect(item('Lunch plans')).toBeVisible({ timeout: 15_000 });
      await expect(item('Book club')).toBeVisible({ timeout: 15_000 });
      await expect(page.locator('[data-group="pinned"]')).toHaveCount(0);

      await item('Lunch plans').click();
      await expect(messageWithText(page, 'Noodles on Friday?')).toBeVisible();
      await page.getByTestId('message-input').fill('Count me in');
      await page.getByTestId('message-submit').click();
      await expect(messageWithText(page, 'Count me in')).toBeVisible();
      await item('Book club').click();
      await expect(messageWithText(page, 'Next: Kokoro')).toBeVisible();
      await page.getByTestId('message-input').fill('Reading it now');
      await page.getByTestId('message-submit').click();
      await expect(messageWithText(page, 'Reading it now')).toBeVisible();
      // Both pinned; Book club had the newest post.
      await expect.poll(pinnedNames).toEqual(['Book club', 'Lunch plans']);
    });

    test("another reader's posts: unread count, preview, order, title and a notification", async () => {
      const testInfo = test.info();
      for (const text of [
        'Where though?',
        'Maybe the ramen place',
        'At noon, see https://example.com/ramen',
      ]) {
        await carolSays(lunch, text);
      }
      // B's window reads its pinned chats in the background (every 5 s).
      await expect(item('Lunch plans')).toHaveAttribute('data-unread', '3', { timeout: 15_000 });
      await expect(item('Lunch plans').getByTestId('chat-preview')).toHaveText(
        'Carol: At noon, see https://example.com/ramen',
      );
      await expect.poll(pinnedNames).toEqual(['Lunch plans', 'Book club']);
      await expect(page).toHaveTitle(/^\(3\) Nance/);
      // B posted in Lunch, so its news is worth a notification even with another chat open.
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { __notes: { body: string }[] }).__notes))
        .toEqual([{ title: 'Nance', body: 'New message in “\u2068Lunch plans\u2069”' }]);

      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshotBoth(page, `messenger-list-${scheme}`, testInfo, {
          ready: item('Lunch plans').getByTestId('unread-count'),
        });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });

    test('the counts survive a reload; opening the chat clears them and the title', async () => {
      await page.reload();
      await waitLoaded(page);
      await expect(item('Lunch plans')).toHaveAttribute('data-unread', '3');
      await expect(page).toHaveTitle(/^\(3\) Nance/);
      await item('Lunch plans').click();
      await expect(messageWithText(page, 'Maybe the ramen place')).toBeVisible();
      await expect(item('Lunch plans')).toHaveAttribute('data-unread', '0');
      await expect(page).toHaveTitle(/^Nance/);
    });

    test('a link opens in a new tab without an opener; javascript: and data: stay text', async () => {
      // A link to this window's own host (only loopback traffic in the tests).
      const target = `${new URL(cluster.get('B').webUrl).origin}/menu-from-carol`;
      await carolSays(lunch, `Menu: ${target} and javascript:alert(1) and data:text/html,hi`);
      const message = page.getByTestId('message-item').filter({ hasText: 'Menu:' });
      await expect(message).toBeVisible({ timeout: 5_000 });
      const links = message.getByTestId('message-link');
      await expect(links).toHaveCount(1);
      await expect(links).toHaveAttribute('href', target);
      await expect(links).toHaveAttribute('rel', 'noopener noreferrer');
      const [tab] = await Promise.all([context.waitForEvent('page'), links.click()]);
      await tab.waitForLoadState('domcontentloaded');
      expect(tab.url()).toBe(target);
      expect(await tab.evaluate(() => window.opener)).toBeNull();
      expect(await tab.evaluate(() => document.referrer)).toBe('');
      await tab.close();
    });

    test('emoji draw with the Noto Color Emoji font the app serves itself (the CSP allows it)', async () => {
      const blocked: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
      });
      await carolSays(lunch, 'Ramen 🍜 it is 🎉');
      await expect(messageWithText(page, 'Ramen 🍜 it is 🎉')).toBeVisible({ timeout: 5_000 });
      const loaded = await page.evaluate(async () => {
        const faces = await document.fonts.load('16px "Noto Color Emoji"', '🍜');
        return faces.map((f) => f.status);
      });
      expect(loaded).toEqual(['loaded']);
      // Served by the app's own origin: the font file came from the web host, not from anywhere else.
      const fontUrls = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((n) => /noto-color-emoji/.test(n)),
      );
      expect(fontUrls.length).toBeGreaterThan(0);
      for (const url of fontUrls) expect(new URL(url).origin).toBe(new URL(page.url()).origin);
      expect(blocked).toEqual([]);
    });

    test('a long message shows collapsed, with show more', async () => {
      await carolSays(lunch, `${filler(1_500)} THE END`);
      const message = page.getByTestId('message-item').filter({ has: page.getByTestId('message-more') });
      await expect(message).toBeVisible({ timeout: 5_000 });
      await expect(message.getByTestId('message-content')).not.toContainText('THE END');
      await message.getByTestId('message-more').click();
      await expect(message.getByTestId('message-content')).toContainText('THE END');
      await expect(message.getByTestId('message-more')).toHaveAttribute('aria-expanded', 'true');
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshotBoth(page, `messenger-chat-${scheme}`, test.info(), {
          ready: page.getByTestId('message-list'),
        });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });

    test('scrolled up, new messages show "jump to latest" with their count', async () => {
      for (let i = 1; i <= 25; i++) await carolSays(lunch, `filler line ${i}`);
      await expect(messageWithText(page, 'filler line 25')).toBeVisible({ timeout: 5_000 });
      const list = page.getByTestId('message-list');
      await expect(page.getByTestId('jump-latest')).toHaveCount(0);
      await list.evaluate((el) => {
        el.scrollTop = 0;
        el.dispatchEvent(new Event('scroll'));
      });
      await expect(page.getByTestId('jump-latest')).toBeVisible();
      await carolSays(lunch, 'are you there?');
      await carolSays(lunch, 'hello?');
      await expect(page.getByTestId('jump-latest-count')).toHaveText('2 new', { timeout: 5_000 });
      // The reader stayed where they were.
      expect(await list.evaluate((el) => el.scrollTop)).toBeLessThan(50);

      // (The screenshots in both languages switch through Settings, which leaves the chat's
      // scroll position: this one is taken here, in English.)
      await page.screenshot({ path: `${SCREENSHOT_DIR}/messenger-jump-latest.en.png` });

      await page.getByTestId('jump-latest').click();
      await expect(page.getByTestId('jump-latest')).toHaveCount(0);
      await expect(messageWithText(page, 'hello?')).toBeInViewport();
      expect(carolPosts).toBeGreaterThan(25);
    });
  });
}
