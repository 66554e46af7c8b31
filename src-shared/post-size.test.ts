// The composer's byte limit is the wire's: postRoom agrees with the real codec (the datagram the
// post travels in) and the host's store limit, for ASCII, Japanese, emoji and escaped text.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatHost } from '../src-main/core/chat-host.js';
import { KeyPair } from '../src-main/core/identity/keys.js';
import { newRoomSecret, RoomCipher } from '../src-main/core/rooms/room-crypto.js';
import { sealPost } from '../src-main/core/rooms/room-post.js';
import { SqliteStore } from '../src-main/store/sqlite-store.js';
import {
  MAX_MESSAGE_JSON_BYTES,
  messageJsonBytes,
  postRequestJsonBytes,
  postRoom,
  roomPostRoom,
} from './post-size.js';
import { DatagramTooLargeError, encodeRequest } from './protocol/index.js';
import { ROOM_WIRE_NAME } from './sealed-form.js';

const CHAT = '7b0c1f7e-8d52-4d8e-9a40-3c1f2d6b9e11';
const Z = 'f'.repeat(36);
const K = 'k'.repeat(64);

function codecFits(name: string, content: string): boolean {
  try {
    encodeRequest({ type: 'postMessage', chatUuid: CHAT, name, content }, Z, K);
    return true;
  } catch (err) {
    if (err instanceof DatagramTooLargeError) return false;
    throw err;
  }
}

describe('postRoom', () => {
  it('counts the request exactly as the codec writes it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (content, name) => {
          // A signed post with the longest author field (key, signature, time) the schemas allow.
          const author = { k: 'k'.repeat(43), s: 's'.repeat(86), t: '999999999999.999999' };
          const wire = { m: 'r', t: 's', d: 'm', a: { chatUuid: CHAT, name, content, author }, z: Z, k: K };
          expect(postRequestJsonBytes(CHAT, name, content)).toBe(
            new TextEncoder().encode(JSON.stringify(wire)).length,
          );
        },
      ),
    );
  });

  it('refuses a Japanese message at ~16,000 characters, where the datagram ends, not at 40,000', () => {
    const room = (n: number) => postRoom(CHAT, 'ann', '文'.repeat(n));
    let n = 1;
    while (room(n).fits) n *= 2;
    let lo = n / 2;
    let hi = n;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (room(mid).fits) lo = mid;
      else hi = mid;
    }
    // The longest that fits, fits the codec and the host; one more character fits neither rule.
    expect(lo).toBeGreaterThan(15_000);
    expect(lo).toBeLessThan(17_000);
    expect(codecFits('ann', '文'.repeat(lo))).toBe(true);
    expect(messageJsonBytes('ann', '文'.repeat(lo))).toBeLessThanOrEqual(MAX_MESSAGE_JSON_BYTES);
    expect(room(lo + 1).remaining).toBeLessThan(0);
    expect(room(lo).remaining).toBeLessThan(3);
  });

  it('never says "fits" for a post the codec or the host would refuse, nor "too large" for one they take', async () => {
    const store = SqliteStore.open({ path: ':memory:', now: () => 0 });
    const host = new ChatHost(store, { now: () => 1_700_000_000_000, setTimeout: () => ({ cancel() {} }) });
    for (const filler of ['a', '文', '😀', '"', '\n', 'é']) {
      const bytes = new TextEncoder().encode(JSON.stringify(filler)).length - 2;
      for (const target of [10_000, 48_700, 48_900, 49_000, 49_100, 65_000]) {
        const content = filler.repeat(Math.ceil(target / bytes));
        const room = postRoom(CHAT, 'ann', content);
        expect(room.used + room.remaining).toBe(room.max);
        const chat = await host.createChat('room', 'first', 'ann');
        const stored = (await host.post(chat.uuid, 'ann', content)).status === 'stored';
        // The host (store limit) and the codec (datagram) both take exactly what postRoom lets through.
        expect(room.fits).toBe(stored && codecFits('ann', content));
      }
    }
    store.close();
  });
});

describe('roomPostRoom (a private room: the post travels sealed)', () => {
  const keys = KeyPair.generate();
  const binding = { hostKey: keys.publicKey, chatUuid: CHAT };
  const cipher = new RoomCipher(newRoomSecret(), binding);

  /** Seals `content` as the service does, and asks the codec and a real host whether it travels and is stored. */
  async function sealedFits(content: string): Promise<boolean> {
    const z = randomUUID();
    const sealed = sealPost(cipher, binding, { name: 'ann', content }, keys, Date.now(), z);
    const store = SqliteStore.open({ path: ':memory:', now: () => 0 });
    try {
      const host = new ChatHost(store, { now: () => 1_700_000_000_000, setTimeout: () => ({ cancel() {} }) });
      const chat = await host.createChat('private room', 'first', ROOM_WIRE_NAME);
      const stored = (await host.post(chat.uuid, ROOM_WIRE_NAME, sealed)).status === 'stored';
      return stored && codecFits(ROOM_WIRE_NAME, sealed);
    } finally {
      store.close();
    }
  }

  it("lets through a room post the public limit refuses nothing of, but that fails sealed (today's bug)", async () => {
    // 40,000 bytes fit a public post; sealed (4/3) the same text is far over one datagram.
    const content = 'a'.repeat(40_000);
    expect(postRoom(CHAT, 'ann', content).fits).toBe(true);
    expect(await sealedFits(content)).toBe(false);
    expect(roomPostRoom(CHAT, 'ann', content).fits).toBe(false);
  });

  it('is exact: the post of exactly the limit is sealed, sent and stored; one byte more is refused', async () => {
    for (const filler of ['a', '文', '😀', '\n']) {
      const bytes = new TextEncoder().encode(JSON.stringify(filler)).length - 2;
      // Fill to the limit with the filler, then with ASCII to the last byte.
      const max = roomPostRoom(CHAT, 'ann', '').max;
      let content = filler.repeat(Math.floor(max / bytes) - 1);
      content += 'a'.repeat(roomPostRoom(CHAT, 'ann', content).remaining);
      const atLimit = roomPostRoom(CHAT, 'ann', content);
      expect(atLimit).toMatchObject({ remaining: 0, fits: true, max });
      expect(await sealedFits(content)).toBe(true);
      const over = roomPostRoom(CHAT, 'ann', `${content}a`);
      expect(over).toMatchObject({ remaining: -1, fits: false });
      expect(await sealedFits(`${content}a`)).toBe(false);
    }
  });

  it("counts the first message's title too", () => {
    const plain = roomPostRoom(CHAT, 'ann', 'hello');
    const titled = roomPostRoom(CHAT, 'ann', 'hello', 'our room');
    // {"title":"our room"} costs 19 bytes of plaintext.
    expect(plain.remaining - titled.remaining).toBe(19);
  });
});
