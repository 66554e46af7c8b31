import { describe, expect, it } from 'vitest';
import { fingerprint, KeyPair, keyHue, PUBLIC_KEY_PATTERN, verifySignature } from './keys.js';

const data = Buffer.from('a post');

describe('KeyPair', () => {
  it('signs what verifies under its public key, and nothing else', () => {
    const keys = KeyPair.generate();
    expect(keys.publicKey).toMatch(PUBLIC_KEY_PATTERN);
    const sig = keys.sign(data);
    expect(verifySignature(keys.publicKey, data, sig)).toBe(true);
    expect(verifySignature(keys.publicKey, Buffer.from('a post!'), sig)).toBe(false);
    expect(verifySignature(KeyPair.generate().publicKey, data, sig)).toBe(false);
  });

  it('is rebuilt from its seed with the same public key', () => {
    const keys = KeyPair.generate();
    const again = KeyPair.fromSeed(keys.seed());
    expect(again.publicKey).toBe(keys.publicKey);
    expect(verifySignature(keys.publicKey, data, again.sign(data))).toBe(true);
    expect(() => KeyPair.fromSeed(Buffer.alloc(31))).toThrow(/32 bytes/);
  });

  it('matches the RFC 8032 test vector 1 (an empty message)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const keys = KeyPair.fromSeed(seed);
    expect(Buffer.from(keys.publicKey, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(keys.sign(Buffer.alloc(0)), 'base64url').toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });
});

describe('verifySignature', () => {
  it('says false, never throws, for malformed keys and signatures', () => {
    const keys = KeyPair.generate();
    const sig = keys.sign(data);
    for (const badKey of ['', 'x', `${keys.publicKey}A`, '!'.repeat(43), 'A'.repeat(43)]) {
      expect(verifySignature(badKey, data, sig)).toBe(false);
    }
    for (const badSig of ['', 'x', `${sig}A`, '-'.repeat(86), 'A'.repeat(86)]) {
      expect(verifySignature(keys.publicKey, data, badSig)).toBe(false);
    }
  });
});

describe('fingerprint and hue', () => {
  it('are stable for a key and differ between keys', () => {
    const a = KeyPair.generate().publicKey;
    const b = KeyPair.generate().publicKey;
    expect(fingerprint(a)).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(fingerprint(a)).toBe(fingerprint(a));
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(keyHue(a)).toBe(keyHue(a));
    expect(keyHue(a)).toBeGreaterThanOrEqual(0);
    expect(keyHue(a)).toBeLessThan(360);
  });
});
