// This install's identity key, kept in the data dir as `identity.json` (0600, the dir 0700).
// The file holds the 32-byte Ed25519 seed; a host that can seal secrets (Electron's safeStorage)
// passes a `SecretBox` and the seed is stored sealed.
import fs from 'node:fs';
import path from 'node:path';
import { KeyPair } from '../core/identity/keys.js';

export const IDENTITY_FILE = 'identity.json';

/** Seals and opens a secret with a key the OS keeps (Electron's safeStorage). */
export interface SecretBox {
  seal(plain: Buffer): Buffer;
  open(sealed: Buffer): Buffer;
}

interface IdentityFileV1 {
  v: 1;
  /** base64url of the seed, or of the sealed seed when `sealed`. */
  seed: string;
  sealed?: boolean;
}

/** Reads the identity in `dataDir`, or creates one the first time. A damaged file is an error, never replaced. */
export function loadOrCreateIdentity(dataDir: string, box?: SecretBox): KeyPair {
  const file = path.join(dataDir, IDENTITY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const created = KeyPair.generate();
    saveIdentity(dataDir, created, box);
    return created;
  }
  const { seed, sealed } = parseIdentityFile(text, file, box);
  const keys = KeyPair.fromSeed(seed);
  // A keychain that appeared since (the desktop app after the CLI): seal the plain file now.
  if (box && !sealed) saveIdentity(dataDir, keys, box);
  return keys;
}

/** Writes `keys` as the identity of `dataDir` (atomically: a crash leaves the old file or the new). */
export function saveIdentity(dataDir: string, keys: KeyPair, box?: SecretBox): void {
  const seed = keys.seed();
  const body: IdentityFileV1 = box
    ? { v: 1, seed: box.seal(seed).toString('base64url'), sealed: true }
    : { v: 1, seed: seed.toString('base64url') };
  const file = path.join(dataDir, IDENTITY_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true }); // no copy of the secret left behind
    throw err;
  }
}

function parseIdentityFile(
  text: string,
  file: string,
  box: SecretBox | undefined,
): { seed: Buffer; sealed: boolean } {
  let body: Partial<IdentityFileV1>;
  try {
    body = JSON.parse(text) as Partial<IdentityFileV1>;
  } catch {
    throw new Error(`${file} is damaged (not JSON); restore it from a backup or move it away`);
  }
  if (body.v !== 1 || typeof body.seed !== 'string') {
    throw new Error(`${file} is not an identity file this version reads`);
  }
  const raw = Buffer.from(body.seed, 'base64url');
  if (!body.sealed) return { seed: raw, sealed: false };
  if (!box) throw new Error(`${file} is sealed by the desktop app's keychain; open it with the desktop app`);
  return { seed: box.open(raw), sealed: true };
}
