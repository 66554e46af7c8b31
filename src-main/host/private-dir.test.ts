// Private data (issue 11, finding 7): the data dir 0700 and every file in it 0600, with real files,
// for the paths the desktop app writes (desktop-config.ts) and for the CLI build (its db, -wal,
// -shm and logs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupAll, isBuilt, NanceProcess } from '../../test/cli/cli-harness.js';
import { preparePrivateDir } from './private-dir.js';
import { DESKTOP_SETTINGS_FILE } from './shell/desktop-config.js';

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;
/** Every entry under `dir` (itself included) with its mode, for one readable assertion. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': modeOf(dir).toString(8) };
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    out[entry] = modeOf(path.join(dir, entry)).toString(8);
  }
  return out;
}

let root: string;
let umask: number;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-private-'));
  umask = process.umask();
});
afterEach(async () => {
  process.umask(umask);
  await cleanupAll();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the data dir is private', () => {
  it('tightens a desktop data dir an older version left world-readable, and keeps new files private', () => {
    process.umask(0o022);
    const dir = path.join(root, 'userData');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o755 });
    for (const file of [
      DESKTOP_SETTINGS_FILE,
      'nance.db',
      'nance.db-wal',
      'nance.db-shm',
      'logs/nance.1.log',
    ]) {
      fs.writeFileSync(path.join(dir, file), 'x', { mode: 0o644 });
    }
    fs.chmodSync(dir, 0o755);
    preparePrivateDir(dir);
    fs.writeFileSync(path.join(dir, 'written-later'), 'x');
    expect(modes(dir)).toEqual({
      '.': '700',
      logs: '700',
      [DESKTOP_SETTINGS_FILE]: '600',
      'nance.db': '600',
      'nance.db-wal': '600',
      'nance.db-shm': '600',
      [path.join('logs', 'nance.1.log')]: '600',
      'written-later': '600',
    });
  });

  it('creates a missing data dir 0700, parents included', () => {
    process.umask(0o022);
    const dir = path.join(root, 'a', 'b');
    preparePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it.skipIf(!isBuilt)(
    'the CLI build keeps its db, -wal, -shm and logs private (needs npm run build)',
    async () => {
      const dir = path.join(root, 'cli');
      fs.mkdirSync(dir, { mode: 0o755 });
      fs.chmodSync(dir, 0o755);
      const peer = await NanceProcess.start({ dataDir: dir, extraArgs: ['--no-stun'] });
      await peer.ok('createChat', { name: 'c', message: 'hello', author: 'me' });
      const seen = modes(dir);
      const wanted = Object.fromEntries(
        Object.keys(seen).map((entry) => [
          entry,
          fs.statSync(path.join(dir, entry)).isDirectory() ? '700' : '600',
        ]),
      );
      await peer.stop();
      expect(Object.keys(seen)).toEqual(
        expect.arrayContaining(['nance.db', 'nance.db-wal', 'nance.db-shm', 'logs']),
      );
      expect(seen).toEqual(wanted);
    },
  );
});
