import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_FILE, loadOrCreateIdentity, type SecretBox, saveIdentity } from './identity-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-identity-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A reversible box (XOR), standing in for the OS keychain. */
const xorBox: SecretBox = {
  seal: (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
  open: (b) => Buffer.from(b.map((x) => x ^ 0x5a)),
};

describe('identity file', () => {
  it('is created once, private, and read back with the same key', () => {
    const dir = tempDir();
    const first = loadOrCreateIdentity(dir);
    const file = path.join(dir, IDENTITY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateIdentity(dir).publicKey).toBe(first.publicKey);
  });

  it('stores the seed sealed when a box is given, and needs the box to read it', () => {
    const dir = tempDir();
    const keys = loadOrCreateIdentity(dir, xorBox);
    const text = fs.readFileSync(path.join(dir, IDENTITY_FILE), 'utf8');
    expect(text).not.toContain(keys.seed().toString('base64url'));
    expect(loadOrCreateIdentity(dir, xorBox).publicKey).toBe(keys.publicKey);
    expect(() => loadOrCreateIdentity(dir)).toThrow(/sealed/);
  });

  it('refuses a damaged file instead of replacing the identity', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, IDENTITY_FILE), '{oops');
    expect(() => loadOrCreateIdentity(dir)).toThrow(/damaged/);
    expect(fs.readFileSync(path.join(dir, IDENTITY_FILE), 'utf8')).toBe('{oops');
  });

  it('saveIdentity replaces the key (an import)', () => {
    const dir = tempDir();
    loadOrCreateIdentity(dir);
    const other = loadOrCreateIdentity(tempDir());
    saveIdentity(dir, other);
    expect(loadOrCreateIdentity(dir).publicKey).toBe(other.publicKey);
  });

  it('a plain file is sealed once a box is there (the desktop app after the CLI), same key', () => {
    const dir = tempDir();
    const keys = loadOrCreateIdentity(dir);
    expect(loadOrCreateIdentity(dir, xorBox).publicKey).toBe(keys.publicKey);
    const text = fs.readFileSync(path.join(dir, IDENTITY_FILE), 'utf8');
    expect(JSON.parse(text)).toMatchObject({ sealed: true });
    expect(text).not.toContain(keys.seed().toString('base64url'));
    expect(fs.statSync(path.join(dir, IDENTITY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('a save that fails leaves the old file and no copy of the secret beside it', () => {
    const dir = tempDir();
    const file = path.join(dir, IDENTITY_FILE);
    fs.mkdirSync(file); // its place taken: the rename fails, as on a broken disk
    const keys = loadOrCreateIdentity(tempDir());
    expect(() => saveIdentity(dir, keys)).toThrow();
    expect(fs.readdirSync(dir)).toEqual([IDENTITY_FILE]);
  });
});
