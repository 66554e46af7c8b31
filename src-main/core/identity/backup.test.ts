// The recovery phrase and the backup file: each gives back the very key, and each bad input is
// refused with the reason a person can act on (which word, which problem), never a wrong key.
import { describe, expect, it, vi } from 'vitest';
import { BackupError, backupFile, keysFromBackup, keysFromPhrase, recoveryPhrase } from './backup.js';
import { KeyPair } from './keys.js';

/** The problem `run` is refused with. */
async function problemOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    if (err instanceof BackupError) return err.problem;
    throw err;
  }
  throw new Error('was accepted');
}

// BIP-39's published vector for 32 bytes of 0x7f (trezor/python-mnemonic vectors.json).
const VECTOR_SEED = Buffer.alloc(32, 0x7f);
const VECTOR_PHRASE =
  'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';

describe('recovery phrase', () => {
  it('is the seed as the 24 words of the BIP-39 vector, and reads back to the same key', () => {
    const keys = KeyPair.fromSeed(VECTOR_SEED);
    expect(recoveryPhrase(keys)).toBe(VECTOR_PHRASE);
    expect(keysFromPhrase(VECTOR_PHRASE).publicKey).toBe(keys.publicKey);
    const fresh = KeyPair.generate();
    const phrase = recoveryPhrase(fresh);
    expect(phrase.split(' ')).toHaveLength(24);
    expect(keysFromPhrase(phrase).publicKey).toBe(fresh.publicKey);
  });

  it('takes any case and spacing a person types', () => {
    const typed = `  ${VECTOR_PHRASE.toUpperCase().split(' ').join(' \n\t ')}  `;
    expect(keysFromPhrase(typed).publicKey).toBe(KeyPair.fromSeed(VECTOR_SEED).publicKey);
  });

  it('says how many words it got when the count is wrong', async () => {
    const words = VECTOR_PHRASE.split(' ');
    expect(await problemOf(() => keysFromPhrase(words.slice(0, 23).join(' ')))).toEqual({
      reason: 'word-count',
      count: 23,
    });
    expect(await problemOf(() => keysFromPhrase(''))).toEqual({ reason: 'word-count', count: 0 });
  });

  it('names the first word that is not on the list, and where it is', async () => {
    const words = VECTOR_PHRASE.split(' ');
    words[4] = 'wavy';
    expect(await problemOf(() => keysFromPhrase(words.join(' ')))).toEqual({
      reason: 'unknown-word',
      position: 5,
      word: 'wavy',
    });
  });

  it('refuses a listed but wrong word, or two swapped, by the checksum (no other key is made)', async () => {
    const words = VECTOR_PHRASE.split(' ');
    const wrong = [...words];
    wrong[0] = 'abandon';
    expect(await problemOf(() => keysFromPhrase(wrong.join(' ')))).toEqual({ reason: 'checksum' });
    const swapped = [...words];
    [swapped[22], swapped[23]] = [swapped[23] as string, swapped[22] as string];
    expect(await problemOf(() => keysFromPhrase(swapped.join(' ')))).toEqual({ reason: 'checksum' });
  });
});

// Sealing runs scrypt at its real cost (128 MiB, about a second on a busy machine).
vi.setConfig({ testTimeout: 30_000 });

describe('backup file', () => {
  it('round-trips the key, plain and sealed with a passphrase', async () => {
    const keys = KeyPair.generate();
    const plain = await backupFile(keys);
    expect((await keysFromBackup(plain)).publicKey).toBe(keys.publicKey);
    const sealed = await backupFile(keys, 'correct horse battery staple');
    expect(sealed).not.toContain(keys.seed().toString('base64url'));
    expect((await keysFromBackup(sealed, 'correct horse battery staple')).publicKey).toBe(keys.publicKey);
  });

  it('a sealed file needs its passphrase and refuses another', async () => {
    const sealed = await backupFile(KeyPair.generate(), 'right');
    expect(await problemOf(() => keysFromBackup(sealed))).toEqual({ reason: 'passphrase-needed' });
    expect(await problemOf(() => keysFromBackup(sealed, 'wrong'))).toEqual({ reason: 'wrong-passphrase' });
  });

  it('tells a file that is not a backup from a damaged one and from a newer one', async () => {
    const keys = KeyPair.generate();
    const body = JSON.parse(await backupFile(keys)) as Record<string, unknown>;
    expect(await problemOf(() => keysFromBackup('{"format": "nance-identity-b'))).toEqual({
      reason: 'not-a-backup',
    });
    expect(await problemOf(() => keysFromBackup('{"chats": []}'))).toEqual({ reason: 'not-a-backup' });
    expect(await problemOf(() => keysFromBackup(JSON.stringify({ ...body, v: 2 })))).toEqual({
      reason: 'newer-version',
    });
    const seed = body.seed as string;
    const flipped = `${seed.slice(0, 10)}${seed[10] === 'A' ? 'B' : 'A'}${seed.slice(11)}`;
    for (const damaged of [
      { ...body, seed: flipped }, // the seed no longer makes the key the file names
      { ...body, seed: seed.slice(0, 40) }, // cut short
      { ...body, publicKey: KeyPair.generate().publicKey }, // another key pasted in
      { ...body, publicKey: undefined },
      { ...body, seed: undefined },
    ]) {
      expect(await problemOf(() => keysFromBackup(JSON.stringify(damaged)))).toEqual({ reason: 'damaged' });
    }
  });

  it('a sealed file with another key pasted in does not open (the key is bound to the ciphertext)', async () => {
    const sealed = JSON.parse(await backupFile(KeyPair.generate(), 'pw')) as Record<string, unknown>;
    const swapped = JSON.stringify({ ...sealed, publicKey: KeyPair.generate().publicKey });
    expect(await problemOf(() => keysFromBackup(swapped, 'pw'))).toEqual({ reason: 'wrong-passphrase' });
  });

  it('refuses a file asking for a scrypt cost that would stall the peer, before deriving anything', async () => {
    const sealed = JSON.parse(await backupFile(KeyPair.generate(), 'pw')) as {
      sealed: Record<string, unknown>;
    };
    const started = Date.now(); // after sealing: only the refusals are timed
    for (const n of [2 ** 30, 2 ** 18, 2 ** 10, 3 ** 12, -1]) {
      const hostile = JSON.stringify({ ...sealed, sealed: { ...sealed.sealed, n } });
      expect(await problemOf(() => keysFromBackup(hostile, 'pw'))).toEqual({ reason: 'damaged' });
    }
    const hostileR = JSON.stringify({ ...sealed, sealed: { ...sealed.sealed, r: 1024 } });
    expect(await problemOf(() => keysFromBackup(hostileR, 'pw'))).toEqual({ reason: 'damaged' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
