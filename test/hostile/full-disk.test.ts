// A full disk never takes the peer down (issue 11, finding 6): the CLI build as a child process,
// its data dir on a real 1 MiB tmpfs filled to ENOSPC. The daily wipe fails and is retried until it
// commits; a post is refused with code 1; the peer keeps answering pings and serving its chats, and
// says what is wrong in its status. A start on a full disk comes up the same way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusDto } from '../../src-shared/api.js';
import { cleanupAll, eventually, isBuilt, NanceProcess, tempDataDir } from '../cli/cli-harness.js';
import { RawUdp } from '../support/raw-udp.js';

const skip = process.getuid?.() !== 0 ? 'needs root (mount -t tmpfs)' : isBuilt ? '' : 'needs npm run build';

const mounts: string[] = [];
const sockets: RawUdp[] = [];
const started: NanceProcess[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) await s.close();
  for (const p of started.splice(0)) if (!p.hasExited) await p.stop();
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
  await cleanupAll();
});

async function start(dataDir: string, retentionS?: number): Promise<NanceProcess> {
  const p = await NanceProcess.start({
    dataDir,
    extraArgs: ['--no-stun'],
    ...(retentionS ? { retentionS } : {}),
  });
  started.push(p);
  return p;
}

async function smallDisk(): Promise<string> {
  const dir = await tempDataDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Writes a file until the disk refuses (ENOSPC); returns it, to free the space later. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

async function pingAnswered(peer: NanceProcess, z: string): Promise<boolean> {
  const udp = await RawUdp.open();
  sockets.push(udp);
  return (await udp.request({ m: 'p', z }, peer.address, 2000)) !== undefined;
}

describe.skipIf(skip !== '')(`a full disk${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  it('the daily wipe on a full disk is retried, the peer keeps answering and says why', async () => {
    const dataDir = await smallDisk();
    const peer = await start(dataDir, 4);
    const chat = await peer.ok('createChat', { name: 'kept', message: 'hello', author: 'me' });
    const filler = fill(dataDir);

    // The wipe falls due and fails: the status says so, and the process lives on.
    const status = await eventually(async () => {
      const s = await peer.ok('getStatus', {});
      return s.storage.ok ? undefined : s;
    }, 'the storage problem in the status');
    expect(status.storage).toEqual({ ok: false, problem: 'disk-full' });
    expect(peer.events.some((e) => e.event === 'statusChanged' && !(e.payload as StatusDto).storage.ok)).toBe(
      true,
    );
    expect(peer.hasExited).toBe(false);
    expect(await pingAnswered(peer, 'alive-1')).toBe(true);
    // Reads are served; a post is refused with code 1 (Exception), not a crash.
    expect((await peer.ok('listChats', {})).mine.map((c) => c.uuid)).toEqual([chat.uuid]);
    const udp = await RawUdp.open();
    sockets.push(udp);
    const post = await udp.request(
      { m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: 'x', content: 'y' }, z: 'post-1' },
      peer.address,
    );
    expect(post?.obj?.r).toBe(1);

    // Room again: the retried wipe commits and the status clears.
    fs.rmSync(filler);
    await eventually(
      async () => ((await peer.ok('listChats', {})).mine.length === 0 ? true : undefined),
      'the wipe',
      {
        timeoutMs: 8000,
      },
    );
    expect((await peer.ok('getStatus', {})).storage).toEqual({ ok: true, problem: null });
    expect(peer.hasExited).toBe(false);
  });

  it('a peer started on a full disk comes up, serves its chats and reports the problem', async () => {
    const dataDir = await smallDisk();
    const first = await start(dataDir);
    const chat = await first.ok('createChat', { name: 'before', message: 'hello', author: 'me' });
    expect((await first.stop()).code).toBe(0);
    fill(dataDir);

    const second = await start(dataDir);
    expect(await pingAnswered(second, 'alive-2')).toBe(true);
    expect((await second.ok('getStatus', {})).storage).toEqual({ ok: false, problem: 'disk-full' });
    expect((await second.ok('listChats', {})).mine.map((c) => c.uuid)).toEqual([chat.uuid]);
    expect(
      (await second.ok('readChat', { host: null, chatUuid: chat.uuid })).messages.map((m) => m.content),
    ).toEqual(['hello']);
    expect(second.hasExited).toBe(false);
  });
});
