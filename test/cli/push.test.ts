// Push delivery as a script sees it over `--stdio`: a reader process that opened a chat of another
// process with `readChat` gets every new post of that chat as a `message` event line, content
// included, without reading again.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, eventually, isBuilt, NanceProcess, suiteName } from './cli-harness.js';

describe.skipIf(!isBuilt)(suiteName('push delivery over --stdio'), () => {
  afterAll(cleanupAll);

  it('a script that read a remote chat with readChat receives the next posts as message events with their content', async () => {
    const host = await NanceProcess.start();
    const reader = await NanceProcess.start();
    const poster = await NanceProcess.start();
    const { uuid: chatUuid } = await host.ok('createChat', { name: 'live', message: 'hello', author: 'h' });
    const first = await reader.ok('readChat', { host: host.address, chatUuid });
    expect(first.lastSeq).toBe(1);
    // The subscription is made beside the first read; a later read says it is live.
    await eventually(
      async () =>
        (await reader.ok('readChat', { host: host.address, chatUuid, afterSeq: 1 })).live || undefined,
      'the subscription to be live',
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    // Posted by the host's own window, and by a third process through the network.
    await host.ok('postMessage', { host: null, chatUuid, name: 'h', content: 'ライブ 1' });
    await poster.ok('postMessage', { host: host.address, chatUuid, name: 'p', content: 'live 2' });
    await reader.waitFor(
      () => reader.eventsOf('message').filter((e) => e.payload.pushed).length >= 2,
      'two pushed message events',
    );
    const pushed = reader
      .eventsOf('message')
      .filter((e) => e.payload.pushed)
      .map((e) => e.payload);
    expect(pushed).toEqual([
      {
        host: host.address,
        chatUuid,
        pushed: {
          afterSeq: 1,
          lastSeq: 2,
          messages: [expect.objectContaining({ name: 'h', content: 'ライブ 1' })],
        },
      },
      {
        host: host.address,
        chatUuid,
        pushed: {
          afterSeq: 2,
          lastSeq: 3,
          messages: [expect.objectContaining({ name: 'p', content: 'live 2' })],
        },
      },
    ]);
  }, 30_000);

  it('a post too big to push (a nudge) still reaches the script as a message event with its content, once, in order', async () => {
    const host = await NanceProcess.start();
    const reader = await NanceProcess.start();
    const { uuid: chatUuid } = await host.ok('createChat', { name: 'nudged', message: 'hello', author: 'h' });
    await reader.ok('readChat', { host: host.address, chatUuid });
    await eventually(
      async () =>
        (await reader.ok('readChat', { host: host.address, chatUuid, afterSeq: 1 })).live || undefined,
      'the subscription to be live',
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    // 2,000 bytes of content do not fit a push datagram (1,200 B): the host nudges "read up to 2".
    const big = `大きい投稿 ${'x'.repeat(2_000)}`;
    await host.ok('postMessage', { host: null, chatUuid, name: 'h', content: big });
    await host.ok('postMessage', { host: null, chatUuid, name: 'h', content: 'small after' });
    await reader.waitFor(
      () => reader.eventsOf('message').filter((e) => e.payload.pushed).length >= 2,
      'two pushed message events',
    );
    await new Promise((r) => setTimeout(r, 300)); // nothing more (no second copy) follows
    const contents = reader
      .eventsOf('message')
      .flatMap((e) => e.payload.pushed?.messages ?? [])
      .map((m) => m.content);
    expect(contents).toEqual([big, 'small after']);
  }, 30_000);
});
