// The window's work per pushed message and per clock tick (issue 13: post -> visible p99), in real
// Chromium against the web host of reader R, with host H a separate process pushing to it. React's
// DevTools hook and a MutationObserver (test/support/window-probe.mjs) count what each commit
// rendered and what the DOM changed: a pushed message must render and add only its own row, and
// the once-a-second clock or a chat-list refresh must render no row at all (only the labels that
// changed). Both were O(rows) before: the tick rendered every chat row and day separator, a push
// every day separator.
import { expect, test } from '@playwright/test';
import { probeScript, readProbe, watchRows } from '../../test/support/window-probe.mjs';
import { Cluster, type PeerProcess, waitForRemoteChat } from '../support/peers.js';
import {
  chatItem,
  closeAll,
  messageWithText,
  openOnboarded,
  type PeerWindow,
  skippedWithoutChromium,
} from '../support/ui.js';

const CHATS = 6;
const EARLIER = 12;
const PUSHES = 5;

/** `after - before` per key. */
function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) !== 0) out[k] = n - (before[k] ?? 0);
  return out;
}

if (!skippedWithoutChromium('push render')) {
  test.describe('the window renders per push and per tick only what changed', () => {
    test.describe.configure({ mode: 'serial' });

    let cluster: Cluster;
    let H: PeerProcess;
    let R: PeerWindow;
    let chatUuid: string;

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['H', 'R']);
      H = cluster.get('H');
      const chat = await H.ok('createChat', { name: 'Pushes', message: 'earlier 0', author: 'Hana' });
      chatUuid = chat.uuid;
      for (let i = 1; i < EARLIER; i++)
        await H.ok('postMessage', { host: null, chatUuid, name: 'Hana', content: `earlier ${i}` });
      for (let i = 1; i < CHATS; i++)
        await H.ok('createChat', { name: `Room ${i}`, message: 'hello', author: 'Hana' });
      R = await openOnboarded(browser, cluster, 'R', 'Rita', { initScripts: [probeScript] });
      await waitForRemoteChat(R.peer, `Room ${CHATS - 1}`);
      await expect(R.page.getByTestId('chat-item')).toHaveCount(CHATS, { timeout: 15_000 });
      await chatItem(R.page, 'Pushes').click();
      await expect(R.page.getByTestId('message-item')).toHaveCount(EARLIER, { timeout: 10_000 });
      await watchRows(R.page);
    });

    test.afterAll(() => closeAll(cluster, [R]));

    test('clock ticks and chat-list refreshes render no chat row, message row or day separator', async () => {
      const page = R.page;
      const countdown = page.getByTestId('wipe-countdown');
      const age = page.locator('[data-testid="chat-item"] .chat-item-time').first();
      const before = await readProbe(page);
      const shownBefore = await countdown.textContent();
      const ageBefore = await age.textContent();
      // At least three ticks of the 1 s clock and ~10 sync rounds (300 ms) of the chat list.
      await page.waitForTimeout(3_500);
      // The clock did tick and the labels follow it: the countdown moved, and a chat row's age
      // ("now", "12 seconds ago") changes without its row rendering again.
      await expect(countdown).not.toHaveText(shownBefore ?? '');
      await expect(age).not.toHaveText(ageBefore ?? '', { timeout: 20_000 });
      const after = await readProbe(page);
      expect(after.commits).toBeGreaterThan(before.commits);
      expect(diff(before.rowRenders, after.rowRenders)).toEqual({});
      expect(diff(before.rowMounts, after.rowMounts)).toEqual({});
      expect(after.oldRowMutations - before.oldRowMutations).toBe(0);
    });

    test('a pushed message renders and adds only its own row: rows already shown are neither rendered again nor changed', async () => {
      const page = R.page;
      const before = await readProbe(page);
      for (let n = 1; n <= PUSHES; n++) {
        await H.ok('postMessage', { host: null, chatUuid, name: 'Hana', content: `bench ${n}` });
        await expect(messageWithText(page, `bench ${n}`)).toBeVisible({ timeout: 10_000 });
      }
      const after = await readProbe(page);
      const renders = diff(before.rowRenders, after.rowRenders);
      expect(renders['message-item'] ?? 0).toBe(0);
      expect(renders['day-separator'] ?? 0).toBe(0);
      expect(diff(before.rowMounts, after.rowMounts)['message-item']).toBe(PUSHES);
      expect(after.rowsAdded - before.rowsAdded).toBe(PUSHES);
      expect(after.oldRowMutations - before.oldRowMutations).toBe(0);
      await expect(page.getByTestId('message-item')).toHaveCount(EARLIER + PUSHES);
    });
  });
}
