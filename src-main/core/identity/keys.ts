// A peer's identity: an Ed25519 key pair (Node's crypto), named on the wire by its raw 32-byte
// public key in base64url (43 characters). Verification never throws: a malformed key or
// signature is simply "not verified".
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN } from '../../../src-shared/protocol/schemas.js';

// The wire forms are the protocol's (schemas.ts validates them in requests and answers).
export { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN };

// DER prefixes that wrap a raw 32-byte Ed25519 seed / public key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** What core needs of an identity: its public key, and signing with it. */
export interface Signer {
  /** base64url of the raw public key. */
  readonly publicKey: string;
  /** base64url of the Ed25519 signature of `data`. */
  sign(data: Uint8Array): string;
}

export class KeyPair implements Signer {
  readonly publicKey: string;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly seedBytes: Buffer,
  ) {
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(SPKI_PREFIX.length).toString('base64url');
  }

  static generate(): KeyPair {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    return new KeyPair(privateKey, Buffer.from(pkcs8.subarray(PKCS8_PREFIX.length)));
  }

  /** The key pair of a 32-byte seed (what a backup or recovery phrase holds). */
  static fromSeed(seed: Uint8Array): KeyPair {
    if (seed.length !== 32) throw new Error(`an Ed25519 seed has 32 bytes, not ${seed.length}`);
    const der = Buffer.concat([PKCS8_PREFIX, seed]);
    return new KeyPair(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), Buffer.from(seed));
  }

  /** The secret 32 bytes: only for writing the key file or a backup. */
  seed(): Buffer {
    return Buffer.from(this.seedBytes);
  }

  sign(data: Uint8Array): string {
    return sign(null, data, this.privateKey).toString('base64url');
  }
}

const publicKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 4_096;

function publicKeyObject(publicKey: string): KeyObject | null {
  const cached = publicKeys.get(publicKey);
  if (cached) return cached;
  if (!PUBLIC_KEY_PATTERN.test(publicKey)) return null;
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKey, 'base64url')]),
      format: 'der',
      type: 'spki',
    });
    // Parsing a key costs more than the check itself: keep the recent ones, bounded.
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.delete(publicKeys.keys().next().value as string);
    publicKeys.set(publicKey, key);
    return key;
  } catch {
    return null;
  }
}

/** Whether `signature` (base64url) is `publicKey`'s over `data`. False for anything malformed. */
export function verifySignature(publicKey: string, data: Uint8Array, signature: string): boolean {
  if (!SIGNATURE_PATTERN.test(signature)) return false;
  const key = publicKeyObject(publicKey);
  if (!key) return false;
  try {
    return verify(null, data, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * `verifySignature` off the event loop (libuv's thread pool): a host checks every signed post, and
 * on its one thread that check (~0.1 ms) would cap how many posts it takes per second.
 */
export function verifySignatureAsync(
  publicKey: string,
  data: Uint8Array,
  signature: string,
): Promise<boolean> {
  if (!SIGNATURE_PATTERN.test(signature)) return Promise.resolve(false);
  const key = publicKeyObject(publicKey);
  if (!key) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, data, key, Buffer.from(signature, 'base64url'), (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

const FINGERPRINT_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * What a person compares: 60 bits of SHA-256 of the public key in Crockford base32, in three
 * groups of four ("k7f3-9qxa-2m4b"). Finding another key with the same fingerprint costs ~2^60
 * key generations.
 */
export function fingerprint(publicKey: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest();
  let bits = 0n;
  for (let i = 0; i < 8; i++) bits = (bits << 8n) | BigInt(digest[i] as number);
  bits >>= 4n; // 64 -> 60 bits
  let out = '';
  for (let i = 11; i >= 0; i--) out += FINGERPRINT_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
}

/** A stable hue (0-359) for a key, so one author keeps one colour in every window. */
export function keyHue(publicKey: string): number {
  const digest = createHash('sha256').update(`hue|${publicKey}`).digest();
  return digest.readUInt16BE(0) % 360;
}
