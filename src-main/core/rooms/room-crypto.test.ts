import { describe, expect, it } from 'vitest';
import { KeyPair } from '../identity/keys.js';
import { newRoomSecret, RoomCipher } from './room-crypto.js';
import { openPost, sealPost } from './room-post.js';

const room = { hostKey: KeyPair.generate().publicKey, chatUuid: '8c1e4f3a-7b2d-4c9e-a1f0-123456789abc' };

describe('RoomCipher', () => {
  it('opens what it sealed, with a fresh nonce each time', () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    const a = cipher.seal('hello 日本 🌸');
    const b = cipher.seal('hello 日本 🌸');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(cipher.open(a)).toBe('hello 日本 🌸');
    expect(cipher.open(b)).toBe('hello 日本 🌸');
  });

  it('a ciphertext moved to another room (other chat, other host) does not open', () => {
    const secret = newRoomSecret();
    const sealed = new RoomCipher(secret, room).seal('moved');
    expect(new RoomCipher(secret, { ...room, chatUuid: 'a'.repeat(8) }).open(sealed)).toBeNull();
    expect(
      new RoomCipher(secret, { ...room, hostKey: KeyPair.generate().publicKey }).open(sealed),
    ).toBeNull();
  });

  it('the wrong secret or any altered byte opens nothing', () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    const sealed = cipher.seal('tamper with me');
    expect(new RoomCipher(newRoomSecret(), room).open(sealed)).toBeNull();
    const [prefix, nonce, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    for (const i of [0, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[i] = (flipped[i] as number) ^ 1;
      expect(cipher.open(`${prefix}.${nonce}.${flipped.toString('base64url')}`)).toBeNull();
    }
  });

  it('garbage is refused without throwing', () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    for (const text of [
      '',
      'hello',
      'r1.',
      'r1..',
      'r1.AAAA.BBBB',
      'r1.!!!.???',
      `r1.${'A'.repeat(16)}.AA`,
      'r1.a.b.c',
    ]) {
      expect(cipher.open(text)).toBeNull();
    }
  });

  it('refuses a secret that is not 32 bytes', () => {
    expect(() => new RoomCipher(new Uint8Array(16), room)).toThrow(/32 bytes/);
  });
});

describe('a sealed post', () => {
  it("carries its author's verified key", () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    const alice = KeyPair.generate();
    const sealed = sealPost(
      cipher,
      room,
      { name: 'Alice', content: 'hi', title: 'T' },
      alice,
      Date.now(),
      'z1',
    );
    expect(openPost(cipher, room, sealed)).toEqual({
      name: 'Alice',
      content: 'hi',
      title: 'T',
      authorKey: alice.publicKey,
    });
  });

  it('a member who claims another key (a signature that does not verify) is unsigned', () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    const alice = KeyPair.generate();
    const mallory = KeyPair.generate();
    // Mallory holds the room key and signs with her own key while naming Alice's.
    const forger = { publicKey: alice.publicKey, sign: (data: Uint8Array) => mallory.sign(data) };
    const sealed = sealPost(cipher, room, { name: 'Alice', content: 'pay me' }, forger, Date.now(), 'z2');
    expect(openPost(cipher, room, sealed)).toMatchObject({
      name: 'Alice',
      content: 'pay me',
      authorKey: null,
    });
  });

  it('a sealed text that is not a post opens as nothing', () => {
    const cipher = new RoomCipher(newRoomSecret(), room);
    for (const plaintext of ['not json', '{}', '[1]', JSON.stringify({ v: 1, n: 'a', c: 'b' })]) {
      expect(openPost(cipher, room, cipher.seal(plaintext))).toBeNull();
    }
  });
});
