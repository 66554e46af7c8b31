// Issue 12's "who said it", in real Chromium against the web host: Alice (A) hosts a chat; a post
// with her name from a forged source address shows as unsigned and not as hers; Bob (B) posts and
// shows with his name and fingerprint; Carol (C) calls herself "Alice" and the name is flagged.
import { expect, type Page, test } from '@playwright/test';
import { encodeWire } from '../../test/support/sim-harness.js';
import { Spoofer, spoofUnavailable } from '../../test/support/spoof.js';
import { Cluster } from '../support/peers.js';
import { createChatInUi, onboard, openWindow, skippedWithoutChromium, strings } from '../support/ui.js';

const FINGERPRINT = /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/;

/** The message item whose text is exactly `content`. */
const item = (page: Page, content: string) =>
  page
    .getByTestId('message-item')
    .filter({ has: page.getByTestId('message-content').filter({ hasText: content }) });

if (!skippedWithoutChromium('identity')) {
  test.describe('who said it: signed posts in the window', () => {
    test.describe.configure({ mode: 'serial' });
    let cluster: Cluster;
    let page: Page;
    let chatUuid: string;
    const room = { name: 'Who said it', first: 'Hello from the real Alice' };

    test.beforeAll(async ({ browser }) => {
      cluster = await Cluster.start(['A', 'B', 'C']);
      ({ page } = await openWindow(browser, cluster.get('A')));
      await onboard(page, { name: 'Alice', bootstrap: cluster.bootstrap.hostPort });
      await createChatInUi(page, room.name, room.first);
      const list = await cluster.get('A').ok('listChats', {});
      chatUuid = list.mine.find((c) => c.name === room.name)?.uuid as string;
    });

    test.afterAll(async () => {
      await page?.context().close();
      await cluster?.teardown();
    });

    test("the owner's own post is hers: signed, with her fingerprint", async () => {
      const own = item(page, room.first);
      await expect(own).toHaveAttribute('data-mine', 'yes');
      await expect(own.getByTestId('message-fingerprint')).toHaveText(FINGERPRINT);
      await expect(own.getByTestId('message-unsigned')).toHaveCount(0);
    });

    test("a spoofed-source post with the owner's name shows as unsigned, not as the owner's", async () => {
      const why = spoofUnavailable();
      test.skip(why !== undefined, why);
      const spoofer = new Spoofer();
      try {
        const post = {
          m: 'r',
          t: 's',
          d: 'm',
          a: { chatUuid, name: 'Alice', content: 'Spoofed words' },
          z: 'e2e-sp',
        };
        spoofer.send(encodeWire(post), { host: '127.0.0.3', port: 4242 }, cluster.get('A').udp);
        await spoofer.flushed();
      } finally {
        spoofer.close();
      }
      const forged = item(page, 'Spoofed words');
      await expect(forged).toBeVisible();
      await expect(forged).toHaveAttribute('data-mine', 'no');
      await expect(forged.getByTestId('message-unsigned')).toHaveText(
        (await strings('en'))['author.unsigned'],
      );
      await expect(forged.getByTestId('message-fingerprint')).toHaveCount(0);
    });

    test('a real author shows name and fingerprint', async () => {
      const host = cluster.get('A').udp;
      await cluster.get('B').ok('postMessage', { host, chatUuid, name: 'Bob', content: 'Bob was here' });
      const bob = item(page, 'Bob was here');
      await expect(bob.getByTestId('message-author')).toHaveText('Bob');
      await expect(bob.getByTestId('message-fingerprint')).toHaveText(FINGERPRINT);
      await expect(bob).toHaveAttribute('data-mine', 'no');
      const alices = await item(page, room.first).getByTestId('message-fingerprint').textContent();
      await expect(bob.getByTestId('message-fingerprint')).not.toHaveText(alices as string);
      await expect(bob.getByTestId('message-name-collision')).toHaveCount(0);
    });

    test('a name used by two keys is flagged on their messages', async () => {
      const host = cluster.get('A').udp;
      await cluster.get('C').ok('postMessage', { host, chatUuid, name: 'Alice', content: 'Also an Alice' });
      const carol = item(page, 'Also an Alice');
      const text = (await strings('en'))['author.nameCollision'];
      await expect(carol.getByTestId('message-name-collision')).toHaveText(text);
      await expect(carol).toHaveAttribute('data-mine', 'no');
      await expect(item(page, room.first).getByTestId('message-name-collision')).toHaveText(text);
      await expect(item(page, 'Bob was here').getByTestId('message-name-collision')).toHaveCount(0);
    });
  });
}
