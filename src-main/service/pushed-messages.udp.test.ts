// Nudges on real peers (UDP on 127.0.0.1, SQLite, identity files): a private room's post too big
// to push (sealed, it is 4/3 of its text) reaches the guest's `message` event read, opened with
// the room's key, once; the next small post follows it, pushed whole.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatReadDto, EventPayloads } from '../../src-shared/api.js';
import { ComposedPeers, call, hostAndGuestOfRoom } from '../../test/support/composed-peer.js';

let peers: ComposedPeers;
beforeEach(() => {
  peers = new ComposedPeers();
});
afterEach(() => peers.dispose());

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a nudge completed by the service', () => {
  it("a room post too big to push reaches the guest's message event with its opened content, once, in order", async () => {
    const { host, guest, room } = await hostAndGuestOfRoom(peers, 'nance-nudge', 'nudged room');
    const ref = { host: room.host, chatUuid: room.chatUuid };
    const events: EventPayloads['message'][] = [];
    guest.service.events.on('message', (e) => events.push(e));

    // Read as the window does until the host pushes to the guest.
    let read = await call<ChatReadDto>(guest, 'readChat', ref);
    for (let i = 0; i < 100 && read.live !== true; i++) {
      await new Promise((r) => setTimeout(r, 50));
      read = await call<ChatReadDto>(guest, 'readChat', { ...ref, afterSeq: read.lastSeq });
    }
    expect(read.live).toBe(true);

    // 1,000 characters sealed are ~1.5 KB: over a push datagram (1,200 B), so the host nudges.
    const big = `大きい ${'y'.repeat(1_000)}`;
    await call(host, 'postMessage', { host: null, chatUuid: room.chatUuid, name: 'host', content: big });
    await call(host, 'postMessage', { host: null, chatUuid: room.chatUuid, name: 'host', content: 'small' });
    const pushedContents = () => events.flatMap((e) => e.pushed?.messages ?? []).map((m) => m.content);
    await until(() => pushedContents().length >= 2, 'two pushed messages');
    await new Promise((r) => setTimeout(r, 300));
    expect(pushedContents()).toEqual([big, 'small']);
    expect(events.every((e) => e.host?.port === room.host?.port && e.chatUuid === room.chatUuid)).toBe(true);
  }, 30_000);
});
