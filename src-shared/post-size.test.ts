// The composer's byte limit is the wire's: postRoom agrees with the real codec (the datagram the
// post travels in) and the host's store limit, for ASCII, Japanese, emoji and escaped text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatHost } from '../src-main/core/chat-host.js';
import { SqliteStore } from '../src-main/store/sqlite-store.js';
import { MAX_MESSAGE_JSON_BYTES, messageJsonBytes, postRequestJsonBytes, postRoom } from './post-size.js';
import { DatagramTooLargeError, encodeRequest } from './protocol/index.js';

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
