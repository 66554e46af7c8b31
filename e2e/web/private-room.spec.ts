// Issue 12's invite flow in real Chromium against the web host: A creates a private room, opens its
// Invite panel (link, copy, QR), B joins by pasting the link; the room opens on both sides, each
// reads the other's messages, and the room is in neither window's public list.
import { expect, test } from '@playwright/test';
import { Cluster } from '../support/peers.js';
import {
  chatItem,
  closeAll,
  messageWithText,
  openOnboarded,
  type PeerWindow,
  skippedWithoutChromium,
  type WindowOptions,
} from '../support/ui.js';

/** The invite panel's Copy writes the clipboard, which the test reads back. */
const WINDOW: WindowOptions = { permissions: ['clipboard-read', 'clipboard-write'] };

if (!skippedWithoutChromium('web')) {
  test.describe('a private room between two windows', () => {
    test.describe.configure({ mode: 'serial' });

    let cluster: Cluster;
    let A: PeerWindow;
    let B: PeerWindow;
    const room = { title: 'Surprise party plans', first: 'Cake at 7, keep it quiet' };

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A', 'B']);
      [A, B] = await Promise.all([
        openOnboarded(browser, cluster, 'A', 'Alice', WINDOW),
        openOnboarded(browser, cluster, 'B', 'Bob', WINDOW),
      ]);
    });

    test.afterAll(() => closeAll(cluster, [A, B]));

    test('the invite link opens the room in the second window and both read each other', async () => {
      // A: a private room from the new-chat form, and a public chat beside it.
      await A.page.getByTestId('new-chat').click();
      await A.page.getByTestId('new-chat-name').fill('Public lobby');
      await A.page.getByTestId('new-chat-message').fill('hello all');
      await A.page.getByTestId('new-chat-submit').click();
      await expect(A.page.getByTestId('chat-title')).toHaveText('Public lobby');

      await A.page.getByTestId('new-chat').click();
      await A.page.getByTestId('new-chat-name').fill(room.title);
      await A.page.getByTestId('new-chat-message').fill(room.first);
      await A.page.getByTestId('new-chat-private').check();
      await A.page.getByTestId('new-chat-submit').click();
      await expect(A.page.getByTestId('chat-title')).toHaveText(room.title);
      await expect(messageWithText(A.page, room.first)).toBeVisible();
      await expect(A.page.getByTestId('room-item').filter({ hasText: room.title })).toBeVisible();
      await expect(chatItem(A.page, room.title)).toHaveCount(0);

      // The Invite panel: the link, a working copy button, a QR image.
      await A.page.getByTestId('invite-button').click();
      const linkBox = A.page.getByTestId('invite-link');
      await expect(linkBox).toHaveValue(
        /^nance:\/\/join\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/[0-9a-f-]{36}#[A-Za-z0-9_-]{43}$/,
      );
      const link = await linkBox.inputValue();
      await A.page.getByTestId('invite-copy').click();
      await expect(A.page.getByTestId('invite-copy')).toHaveText('Copied');
      expect(await A.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
      await expect(A.page.getByTestId('invite-qr')).toBeVisible();
      await A.page.getByTestId('invite-close').click();

      // B: A's public chat shows up in its list, the room never does.
      await expect(chatItem(B.page, 'Public lobby')).toBeVisible({ timeout: 15_000 });
      await expect(chatItem(B.page, room.title)).toHaveCount(0);
      await expect(B.page.getByTestId('room-item')).toHaveCount(0);

      // B joins by pasting the link: the room opens with its title and A's first message.
      await B.page.getByTestId('join-room').click();
      await B.page.getByTestId('join-room-link').fill(link);
      await B.page.getByTestId('join-room-submit').click();
      await expect(B.page.getByTestId('chat-title')).toHaveText(room.title);
      await expect(messageWithText(B.page, room.first)).toBeVisible();
      await expect(B.page.getByTestId('room-item').filter({ hasText: room.title })).toBeVisible();

      // Each reads the other's messages.
      await B.page.getByTestId('message-input').fill('Bringing candles');
      await B.page.getByTestId('message-submit').click();
      await expect(messageWithText(B.page, 'Bringing candles')).toBeVisible();
      await expect(messageWithText(A.page, 'Bringing candles')).toBeVisible({ timeout: 5_000 });
      await A.page.getByTestId('message-input').fill('Perfect, see you');
      await A.page.getByTestId('message-submit').click();
      await expect(messageWithText(B.page, 'Perfect, see you')).toBeVisible({ timeout: 5_000 });
    });

    test('a malformed link is refused with a sentence, and nothing is joined', async () => {
      await B.page.getByTestId('join-room').click();
      await B.page.getByTestId('join-room-link').fill('nance://join/127.0.0.1:1/short/room#key');
      await B.page.getByTestId('join-room-submit').click();
      await expect(B.page.getByTestId('join-room-error')).toHaveText(/not a valid invite link/);
      await expect(B.page.getByTestId('room-item')).toHaveCount(1);
    });
  });
}
