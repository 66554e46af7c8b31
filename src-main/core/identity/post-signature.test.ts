import { describe, expect, it } from 'vitest';
import { KeyPair } from './keys.js';
import {
  checkSignedPost,
  MAX_AUTHOR_CLOCK_SKEW_MS,
  type PostFields,
  postSignatureBytes,
  signPost,
  verifiedAuthor,
  verifyPost,
} from './post-signature.js';

// Fixed keys, so the vector below is the same on every machine (Ed25519 signing is deterministic).
const author = KeyPair.fromSeed(Buffer.alloc(32, 7));
const host = KeyPair.fromSeed(Buffer.alloc(32, 9));
const NOW = 1_732_412_345_123;
const post: PostFields = {
  hostKey: host.publicKey,
  chatUuid: 'c0ffee00-0000-4000-8000-000000000001',
  name: 'Alice',
  content: 'こんにちは',
  z: '2b1f4d4e-1c2a-4f3b-9d8e-7a6b5c4d3e2f',
};

describe('post signatures', () => {
  it('signs the documented bytes (a fixed vector another implementation can check against)', () => {
    expect(
      Buffer.from(postSignatureBytes(post, author.publicKey, '1732412345.123000')).toString('utf8'),
    ).toBe(
      JSON.stringify([
        'nance-post/1',
        host.publicKey,
        post.chatUuid,
        author.publicKey,
        'Alice',
        'こんにちは',
        '1732412345.123000',
        post.z,
      ]),
    );
    expect(signPost(author, post, NOW)).toEqual({
      k: author.publicKey,
      s: VECTOR_SIGNATURE,
      t: '1732412345.123000',
    });
  });

  it('verifies what was signed', () => {
    expect(verifyPost(post, signPost(author, post, NOW))).toBe(true);
  });

  it.each([
    ['hostKey', { hostKey: KeyPair.fromSeed(Buffer.alloc(32, 1)).publicKey }],
    ['hostKey (none)', { hostKey: '' }],
    ['chatUuid', { chatUuid: 'c0ffee00-0000-4000-8000-000000000002' }],
    ['name', { name: 'Alicf' }],
    ['content', { content: 'こんにちわ' }],
    ['z', { z: '2b1f4d4e-1c2a-4f3b-9d8e-7a6b5c4d3e20' }],
  ])('fails when the %s is changed', (_, change) => {
    const signed = signPost(author, post, NOW);
    expect(verifyPost({ ...post, ...change }, signed)).toBe(false);
  });

  it("fails for another time, another author's key, or another key's signature", () => {
    const signed = signPost(author, post, NOW);
    const other = KeyPair.fromSeed(Buffer.alloc(32, 3));
    expect(verifyPost(post, { ...signed, t: '1732412345.123001' })).toBe(false);
    // The claimed key is another's: the signature is not that key's.
    expect(verifyPost(post, { ...signed, k: other.publicKey })).toBe(false);
    // Another key signed it in the author's name.
    expect(verifyPost(post, { ...signPost(other, post, NOW), k: author.publicKey })).toBe(false);
  });

  it('refuses non-canonical base64url spellings and malformed fields without throwing', () => {
    const signed = signPost(author, post, NOW);
    // The last character of 86 base64url characters carries 2 unused bits: flip one.
    const last = signed.s.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const sameBytes = `${signed.s.slice(0, -1)}${twin}`;
    expect(Buffer.from(sameBytes, 'base64url').equals(Buffer.from(signed.s, 'base64url'))).toBe(true);
    expect(verifyPost(post, { ...signed, s: sameBytes })).toBe(false);
    expect(verifyPost(post, { ...signed, s: 'x' })).toBe(false);
    expect(verifyPost(post, { ...signed, k: '!'.repeat(43) })).toBe(false);
    expect(verifyPost({ ...post, z: 'not a usable z' }, signed)).toBe(false);
  });

  it('a host takes a post only within a day of its clock', async () => {
    const signed = signPost(author, post, NOW);
    expect(await checkSignedPost(post, signed, NOW + MAX_AUTHOR_CLOCK_SKEW_MS)).toBe('ok');
    expect(await checkSignedPost(post, signed, NOW - MAX_AUTHOR_CLOCK_SKEW_MS)).toBe('ok');
    expect(await checkSignedPost(post, signed, NOW + 2 * 24 * 3600_000)).toBe('out-of-time');
    expect(await checkSignedPost(post, signed, NOW - 2 * 24 * 3600_000)).toBe('out-of-time');
    expect(await checkSignedPost({ ...post, content: 'x' }, signed, NOW)).toBe('bad-signature');
    // The same checks as verifyPost, off the event loop: another key, a malformed signature.
    expect(await checkSignedPost(post, { ...signed, k: KeyPair.generate().publicKey }, NOW)).toBe(
      'bad-signature',
    );
    expect(await checkSignedPost(post, { ...signed, s: 'A'.repeat(86) }, NOW)).toBe('bad-signature');
  });

  it("a reader keeps a message's author only when it verifies for the host it read from", () => {
    const signed = { ...signPost(author, post, NOW), z: post.z };
    const message = { uuid: 'm', name: post.name, content: post.content, timestamp: '1', author: signed };
    expect(verifiedAuthor(host.publicKey, post.chatUuid, message)).toEqual(signed);
    expect(verifiedAuthor(host.publicKey, post.chatUuid, { ...message, content: 'altered' })).toBeNull();
    expect(verifiedAuthor(author.publicKey, post.chatUuid, message)).toBeNull();
    expect(verifiedAuthor(host.publicKey, 'another chat', message)).toBeNull();
    const { author: _, ...unsigned } = message;
    expect(verifiedAuthor(host.publicKey, post.chatUuid, unsigned)).toBeNull();
  });
});

const VECTOR_SIGNATURE =
  'FY83nsQGxB17ma_iXMGlhn0VPA7UjgD1PxBzNCJNpURFKwmMeNs3ViH8aoRXAeFKkX4hUvYtgPX5TZ3ncEMpCQ';
