// A private room's post of exactly the composer's limit (src-shared/post-size.ts, roomPostRoom) on
// real peers (UDP on 127.0.0.1, SQLite, identity files): sealed, sent and stored by the room's host,
// and read back whole by the guest; one byte more is refused before anything is sent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatReadDto } from '../../src-shared/api.js';
import { roomPostRoom } from '../../src-shared/post-size.js';
import { ComposedPeers, call, hostAndGuestOfRoom } from '../../test/support/composed-peer.js';

let peers: ComposedPeers;
beforeEach(() => {
  peers = new ComposedPeers();
});
afterEach(() => peers.dispose());

describe('a private room post at the size limit', () => {
  it('is stored by a real host when exactly at the limit; one byte more is refused as too large, unsent', async () => {
    const { host, guest, room } = await hostAndGuestOfRoom(peers, 'nance-roomsize', 'big posts');

    // Japanese text to the last byte the composer allows (then ASCII for the bytes a 文 cannot fill).
    const max = roomPostRoom(room.chatUuid, 'guest', '').max;
    let content = '文'.repeat(Math.floor(max / 3) - 1);
    content += 'a'.repeat(roomPostRoom(room.chatUuid, 'guest', content).remaining);
    expect(roomPostRoom(room.chatUuid, 'guest', content)).toMatchObject({ remaining: 0, fits: true });

    const ref = { host: room.host, chatUuid: room.chatUuid };
    await call(guest, 'postMessage', { ...ref, name: 'guest', content });
    expect(host.store.listMessages(room.chatUuid, 0, 10)).toHaveLength(2);
    const read = await call<ChatReadDto>(guest, 'readChat', ref);
    expect(read.messages.map((m) => m.content)).toEqual(['first', content]);
    expect(read.messages[1]?.mine).toBe(true);

    const over = await guest.service.dispatch('postMessage', {
      ...ref,
      name: 'guest',
      content: `${content}a`,
    });
    expect(over).toMatchObject({ ok: false, error: { kind: 'too-large' } });
    expect(over.ok || over.error.message).toMatch(/1 bytes over/);
    expect(host.store.listMessages(room.chatUuid, 0, 10)).toHaveLength(2);
  }, 30_000);
});
