// The service over real peers in the simulator: remote chats are read incrementally.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness } from '../../test/support/sim-harness.js';
import { NanceService } from './nance-service.js';

let h: SimHarness;
afterEach(async () => {
  await h?.close();
});

/** The `after` cursors of every paged g/m the reader sent. */
function pageCursors(sent: { obj?: unknown }[]): number[] {
  return sent
    .map((r) => r.obj as { t?: string; d?: string; a?: { after?: number } } | undefined)
    .filter((o) => o?.t === 'g' && o.d === 'm' && o.a?.after !== undefined)
    .map((o) => o?.a?.after as number);
}

describe('NanceService.readChat of a remote chat', () => {
  it('fetches only new messages on later reads and returns the whole chat each time', async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const reader = h.addPeer();
    const service = new NanceService(reader.peer, reader.store);
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'alice'));
    for (let i = 0; i < 5; i++) await h.settle(host.peer.postMessage(null, chat.uuid, 'alice', `m${i}`));
    const read = async () => {
      const reply = await h.settle(
        service.dispatch('readChat', { host: host.endpoint, chatUuid: chat.uuid }),
      );
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as { content: string }[]).map((m) => m.content);
    };

    expect(await read()).toEqual(['hello', 'm0', 'm1', 'm2', 'm3', 'm4']);
    const sentBefore = reader.tap.sent.length;
    await h.settle(host.peer.postMessage(null, chat.uuid, 'bob', 'new'));
    expect(await read()).toEqual(['hello', 'm0', 'm1', 'm2', 'm3', 'm4', 'new']);
    // The second read asked only for what follows the sixth message.
    expect(pageCursors(reader.tap.sent.slice(sentBefore))).toEqual([6]);
  });
});
