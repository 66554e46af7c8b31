// The identity commands over a composed peer (real UDP on 127.0.0.1, a real SQLite file and the
// real identity file in a temp dir): export, then import into another install, which signs with
// the imported key at once and keeps it across a restart; a refused import changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  CommandArgs,
  CommandName,
  CommandResults,
  IdentityExportDto,
  IdentityImportDto,
} from '../../src-shared/api.js';
import { ComposedPeers } from '../../test/support/composed-peer.js';
import { fingerprint, verifySignature } from '../core/identity/keys.js';
import type { ComposedPeer } from './compose.js';
import { IDENTITY_FILE } from './identity-file.js';

// A sealed backup runs scrypt at its real cost.
vi.setConfig({ testTimeout: 30_000 });

let peers: ComposedPeers;

beforeEach(() => {
  peers = new ComposedPeers();
});

afterEach(() => peers.dispose());

const tempDir = (): string => peers.tempDir('nance-identity-import-');
const install = (dataDir: string): Promise<ComposedPeer> => peers.compose(dataDir);

async function call<K extends CommandName>(c: ComposedPeer, command: K, args: CommandArgs<K>) {
  const reply = await c.service.dispatch(command, args);
  if (!reply.ok) throw new Error(`${command}: ${reply.error.kind} ${reply.error.message}`);
  return reply.result as CommandResults[K];
}

const fileText = (dir: string) => fs.readFileSync(path.join(dir, IDENTITY_FILE), 'utf8');

describe('identity commands on a composed peer', () => {
  it('getIdentity shows the key, its fingerprint and colour, and the display name', async () => {
    const a = await install(tempDir());
    await call(a, 'updateSettings', { displayName: 'Aiko' });
    const id = await call(a, 'getIdentity', {});
    expect(id).toEqual({
      publicKey: a.peer.identity.publicKey,
      fingerprint: fingerprint(a.peer.identity.publicKey),
      hue: expect.any(Number),
      displayName: 'Aiko',
    });
  });

  it.each([
    ['the backup file', (e: IdentityExportDto) => ({ backup: e.backup })],
    ['the recovery phrase', (e: IdentityExportDto) => ({ phrase: e.phrase })],
  ])(
    'importing %s makes the running peer sign with that key at once, and after a restart',
    async (_, pick) => {
      const aDir = tempDir();
      const bDir = tempDir();
      const a = await install(aDir);
      let b = await install(bDir);
      const exported = await call(a, 'exportIdentity', {});
      expect(b.peer.identity.publicKey).not.toBe(a.peer.identity.publicKey);

      const imported = (await call(b, 'importIdentity', pick(exported))) as IdentityImportDto;
      expect(imported).toEqual({
        identity: expect.objectContaining({ publicKey: a.peer.identity.publicKey }),
      });
      // The next thing B signs is signed by A's key.
      const data = Buffer.from('the next post');
      expect(b.peer.identity.publicKey).toBe(a.peer.identity.publicKey);
      expect(verifySignature(a.peer.identity.publicKey, data, b.peer.identity.sign(data))).toBe(true);

      await peers.close(b);
      b = await install(bDir);
      expect(b.peer.identity.publicKey).toBe(a.peer.identity.publicKey);
      expect(fs.statSync(path.join(bDir, IDENTITY_FILE)).mode & 0o777).toBe(0o600);
    },
  );

  it('a sealed backup imports with its passphrase only', async () => {
    const a = await install(tempDir());
    const b = await install(tempDir());
    const { backup } = await call(a, 'exportIdentity', { passphrase: 'long enough passphrase' });
    const before = b.peer.identity.publicKey;
    expect(await call(b, 'importIdentity', { backup })).toEqual({ problem: { reason: 'passphrase-needed' } });
    expect(await call(b, 'importIdentity', { backup, passphrase: 'nope' })).toEqual({
      problem: { reason: 'wrong-passphrase' },
    });
    expect(b.peer.identity.publicKey).toBe(before);
    await call(b, 'importIdentity', { backup, passphrase: 'long enough passphrase' });
    expect(b.peer.identity.publicKey).toBe(a.peer.identity.publicKey);
  });

  it('a preview names the key and changes nothing, in the peer or on disk', async () => {
    const a = await install(tempDir());
    const bDir = tempDir();
    const b = await install(bDir);
    const before = { key: b.peer.identity.publicKey, file: fileText(bDir) };
    const { phrase } = await call(a, 'exportIdentity', {});
    const preview = await call(b, 'importIdentity', { phrase, preview: true });
    expect(preview).toEqual({
      identity: expect.objectContaining({ fingerprint: fingerprint(a.peer.identity.publicKey) }),
    });
    expect(b.peer.identity.publicKey).toBe(before.key);
    expect(fileText(bDir)).toBe(before.file);
  });

  it('a refused phrase or file says why and loses nothing', async () => {
    const bDir = tempDir();
    const b = await install(bDir);
    const before = { key: b.peer.identity.publicKey, file: fileText(bDir) };
    expect(await call(b, 'importIdentity', { phrase: 'abandon '.repeat(12) })).toEqual({
      problem: { reason: 'word-count', count: 12 },
    });
    expect(await call(b, 'importIdentity', { backup: '{"not": "a backup"}' })).toEqual({
      problem: { reason: 'not-a-backup' },
    });
    // Both fields at once, or one too long, is not a valid call at all.
    const both = await b.service.dispatch('importIdentity', { phrase: 'x', backup: 'y' });
    expect(both).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    const huge = await b.service.dispatch('importIdentity', { backup: 'x'.repeat(5000) });
    expect(huge).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(b.peer.identity.publicKey).toBe(before.key);
    expect(fileText(bDir)).toBe(before.file);
  });

  it('a key that cannot be saved is not used (the peer keeps its key)', async () => {
    const a = await install(tempDir());
    const bDir = tempDir();
    const b = await install(bDir);
    const before = b.peer.identity.publicKey;
    const { phrase } = await call(a, 'exportIdentity', {});
    // The file's place taken by a directory: the save fails (as a full or read-only disk would).
    fs.rmSync(path.join(bDir, IDENTITY_FILE));
    fs.mkdirSync(path.join(bDir, IDENTITY_FILE));
    const reply = await b.service.dispatch('importIdentity', { phrase });
    expect(reply).toMatchObject({ ok: false, error: { kind: 'exception' } });
    expect(b.peer.identity.publicKey).toBe(before);
  });
});
