// An identity outside the data dir: the backup file (JSON, optionally sealed with a passphrase)
// and the recovery phrase (the 32-byte seed as 24 BIP-39 words). Both hold the whole secret.
// Reading either names what is wrong (a `BackupProblem`), never guesses, and cannot be made to
// hang: the scrypt cost a file may ask for is bounded.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import type { BackupProblem } from '../../../src-shared/api.js';
import { fingerprint, KeyPair, PUBLIC_KEY_PATTERN } from './keys.js';

/** A backup or phrase that is not taken, with why. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(readonly problem: BackupProblem) {
    super(`identity backup not taken: ${problem.reason}`);
  }
}

// ---- recovery phrase

export const PHRASE_WORDS = 24;
const words = new Set(wordlist);

/** The key's seed as 24 words (the English BIP-39 list; the last word carries an 8-bit checksum). */
export function recoveryPhrase(keys: KeyPair): string {
  return entropyToMnemonic(keys.seed(), wordlist);
}

/**
 * The key pair a recovery phrase holds. Case and spacing do not matter. A wrong word count, a word
 * not on the list (which one) and a failed checksum (a word wrong or two swapped) are told apart.
 */
export function keysFromPhrase(text: string): KeyPair {
  const given = text.normalize('NFKD').toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (given.length !== PHRASE_WORDS) throw new BackupError({ reason: 'word-count', count: given.length });
  const unknown = given.findIndex((w) => !words.has(w));
  if (unknown >= 0) {
    const word = given[unknown] as string;
    throw new BackupError({ reason: 'unknown-word', position: unknown + 1, word: word.slice(0, 32) });
  }
  let seed: Uint8Array;
  try {
    seed = mnemonicToEntropy(given.join(' '), wordlist);
  } catch {
    throw new BackupError({ reason: 'checksum' });
  }
  return KeyPair.fromSeed(seed);
}

// ---- backup file

const FORMAT = 'nance-identity-backup';
const VERSION = 1;
/** scrypt's cost: 2^17 × 8 × 128 bytes = 128 MiB and a few hundred ms per try (OWASP's minimum). */
const WRITE_COST = { n: 2 ** 17, r: 8, p: 1 } as const;
/** The costs a file may ask for: up to ours (a hostile file cannot ask for more memory or time). */
const MIN_LOG_N = 14;
const MAX_LOG_N = 17;

interface SealedSeed {
  kdf: 'scrypt';
  n: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  /** AES-256-GCM of the seed, its 16-byte tag appended. */
  ciphertext: string;
}

interface BackupFileV1 {
  format: typeof FORMAT;
  v: typeof VERSION;
  publicKey: string;
  /** For a person reading the file; the key decides. */
  fingerprint: string;
  createdAt: string;
  /** base64url of the seed, when not sealed. */
  seed?: string;
  sealed?: SealedSeed;
}

/** The public key is bound to the ciphertext: a file with another key pasted in does not open. */
const additionalData = (publicKey: string) => Buffer.from(`${FORMAT}/${VERSION}|${publicKey}`);

/** A backup file's text for `keys`; with a passphrase the seed is sealed (scrypt + AES-256-GCM). */
export async function backupFile(keys: KeyPair, passphrase?: string, now = new Date()): Promise<string> {
  const body: BackupFileV1 = {
    format: FORMAT,
    v: VERSION,
    publicKey: keys.publicKey,
    fingerprint: fingerprint(keys.publicKey),
    createdAt: now.toISOString(),
  };
  if (passphrase === undefined) {
    body.seed = keys.seed().toString('base64url');
  } else {
    const salt = randomBytes(16);
    const nonce = randomBytes(12);
    const key = await deriveKey(passphrase, salt, WRITE_COST);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(additionalData(keys.publicKey));
    const sealed = Buffer.concat([cipher.update(keys.seed()), cipher.final(), cipher.getAuthTag()]);
    body.sealed = {
      kdf: 'scrypt',
      ...WRITE_COST,
      salt: salt.toString('base64url'),
      nonce: nonce.toString('base64url'),
      ciphertext: sealed.toString('base64url'),
    };
  }
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** The key pair in a backup file's text (`passphrase` opens a sealed one). */
export async function keysFromBackup(text: string, passphrase?: string): Promise<KeyPair> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BackupError({ reason: 'not-a-backup' });
  }
  if (!isRecord(parsed) || parsed.format !== FORMAT) throw new BackupError({ reason: 'not-a-backup' });
  if (parsed.v !== VERSION) {
    throw new BackupError({
      reason: typeof parsed.v === 'number' && parsed.v > VERSION ? 'newer-version' : 'damaged',
    });
  }
  const publicKey = parsed.publicKey;
  if (typeof publicKey !== 'string' || !PUBLIC_KEY_PATTERN.test(publicKey)) {
    throw new BackupError({ reason: 'damaged' });
  }
  let seed: Buffer;
  if (typeof parsed.seed === 'string' && parsed.sealed === undefined) {
    seed = exactBytes(parsed.seed, 32);
  } else if (isRecord(parsed.sealed) && parsed.seed === undefined) {
    if (passphrase === undefined) throw new BackupError({ reason: 'passphrase-needed' });
    seed = await openSealed(parsed.sealed, passphrase, publicKey);
  } else {
    throw new BackupError({ reason: 'damaged' });
  }
  const keys = KeyPair.fromSeed(seed);
  // The seed decides the key: a file whose two disagree was edited or damaged.
  if (keys.publicKey !== publicKey) throw new BackupError({ reason: 'damaged' });
  return keys;
}

async function openSealed(
  sealed: Record<string, unknown>,
  passphrase: string,
  publicKey: string,
): Promise<Buffer> {
  const { kdf, n, r, p, salt, nonce, ciphertext } = sealed;
  const cost = typeof n === 'number' ? Math.log2(n) : Number.NaN;
  if (
    kdf !== 'scrypt' ||
    !Number.isInteger(cost) ||
    cost < MIN_LOG_N ||
    cost > MAX_LOG_N ||
    r !== WRITE_COST.r ||
    p !== WRITE_COST.p ||
    typeof salt !== 'string' ||
    typeof nonce !== 'string' ||
    typeof ciphertext !== 'string'
  ) {
    throw new BackupError({ reason: 'damaged' });
  }
  const saltBytes = exactBytes(salt, 16);
  const nonceBytes = exactBytes(nonce, 12);
  const body = exactBytes(ciphertext, 32 + 16);
  const key = await deriveKey(passphrase, saltBytes, { n: n as number, r: WRITE_COST.r, p: WRITE_COST.p });
  const decipher = createDecipheriv('aes-256-gcm', key, nonceBytes);
  decipher.setAAD(additionalData(publicKey));
  decipher.setAuthTag(body.subarray(32));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, 32)), decipher.final()]);
  } catch {
    // GCM cannot tell a wrong passphrase from a changed byte; the passphrase is far likelier.
    throw new BackupError({ reason: 'wrong-passphrase' });
  }
}

type ScryptCost = { n: number; r: number; p: number };

/** The derivation running now: one at a time, so calls in a burst cannot add up their 128 MiB. */
let derivations: Promise<unknown> = Promise.resolve();

/** scrypt off the event loop (the peer keeps answering while it runs), one at a time. */
function deriveKey(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const next = derivations.then(() => scryptOnce(passphrase, salt, cost));
  derivations = next.catch(() => undefined);
  return next;
}

function scryptOnce(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFKC'),
      salt,
      32,
      { N: cost.n, r: cost.r, p: cost.p, maxmem: 256 * cost.n * cost.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** base64url that decodes to exactly `length` bytes (and is the canonical spelling of them). */
function exactBytes(text: string, length: number): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== length || bytes.toString('base64url') !== text)
    throw new BackupError({ reason: 'damaged' });
  return bytes;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
