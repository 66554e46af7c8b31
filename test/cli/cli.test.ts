// The headless CLI as a user (or a supervisor) sees it: flags, startup errors, the ready line,
// signals, the log file, the stdio channel, persistence across restarts, the wipe, and a kill -9.
import dgram from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  eventually,
  isBuilt,
  NanceProcess,
  runNance,
  suiteName,
  tempDataDir,
} from './cli-harness.js';

const LOG_FILE = /^nance\.\d+\.log$/;

async function readLogLines(dataDir: string): Promise<{ msg?: string; level?: number }[]> {
  const dir = path.join(dataDir, 'logs');
  const files = (await readdir(dir)).filter((f) => LOG_FILE.test(f)).sort();
  const lines: { msg?: string }[] = [];
  for (const f of files) {
    const text = await readFile(path.join(dir, f), 'utf8');
    for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  }
  return lines;
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.length > 0);
}

describe.skipIf(!isBuilt)(suiteName('nance CLI'), () => {
  afterAll(cleanupAll);

  it('rejects bad flags with one "nance:" line on stderr and a non-zero exit', async () => {
    const dataDir = await tempDataDir();
    const cases = [
      ['--port', 'abc'],
      ['--bogus'],
      ['--port', '70000'],
      ['--sync-interval', '5'],
      ['--bootstrap-peer', 'nowhere'],
      ['--log-level', 'loud'],
      ['stray-argument'],
    ];
    const results = await Promise.all(
      cases.map((flags) => runNance(['--host', '127.0.0.1', '--data-dir', dataDir, ...flags])),
    );
    results.forEach((r, i) => {
      const label = cases[i]?.join(' ');
      expect(r.code, label).not.toBe(0);
      expect(r.code, label).not.toBeNull();
      const lines = stderrLines(r.stderr);
      expect(lines, label).toHaveLength(1);
      expect(lines[0], label).toMatch(/^nance: /);
      expect(r.stdout, label).toBe('');
    });
    expect(stderrLines(results[0]?.stderr ?? '')[0]).toContain('abc');
    expect(stderrLines(results[1]?.stderr ?? '')[0]).toContain('--bogus');
  });

  it('--help prints the usage once and exits 0', async () => {
    const r = await runNance(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.match(/Usage: nance/g)).toHaveLength(1);
    expect(r.stdout).toContain('--bootstrap-peer');
  });

  it('a port in use: one line naming the address, non-zero exit, quickly', async () => {
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    try {
      const r = await runNance([
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--data-dir',
        await tempDataDir(),
      ]);
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      const lines = stderrLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^nance: /);
      expect(lines[0]).toContain(`127.0.0.1:${port}`);
      expect(r.stdout).toBe('');
      expect(r.ms).toBeLessThan(5000);
    } finally {
      blocker.close();
    }
  });

  it('prints a ready line with the port, mode, NAT type and next wipe', async () => {
    const before = Date.now();
    const [peer, boot] = await Promise.all([NanceProcess.start(), NanceProcess.start({ bootstrap: true })]);
    for (const p of [peer, boot]) {
      const r = p.ready;
      expect(r.event).toBe('ready');
      expect(r.udp.host).toBe('127.0.0.1');
      expect(r.udp.port).toBeGreaterThan(0);
      expect(r.pid).toBe(p.pid);
      expect(typeof r.natType).toBe('string');
      expect(r.natType.length).toBeGreaterThan(0);
      expect(r.dataDir).toBe(path.resolve(p.dataDir));
      // Default retention: one day from the store's first start (which is now).
      expect(r.nextWipeAt).toBeGreaterThan(before + 86_400_000 - 60_000);
      expect(r.nextWipeAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    }
    expect(peer.ready.mode).toBe('peer');
    expect(boot.ready.mode).toBe('bootstrap');
    // The ready line agrees with getStatus.
    const status = await peer.ok('getStatus', {});
    expect(status).toMatchObject({ mode: 'peer', udp: peer.ready.udp, nextWipeAt: peer.ready.nextWipeAt });
    // A bootstrap peer has no chats.
    expect(await boot.call('createChat', { name: 'x', message: 'y', author: 'z' })).toMatchObject({
      ok: false,
      error: { kind: 'wrong-mode' },
    });
    await Promise.all([peer.stop(), boot.stop()]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s ends it with exit code 0, promptly', async (signal) => {
    const p = await NanceProcess.start({ syncIntervalMs: 100 });
    await p.ok('createChat', { name: 'n', message: 'm', author: 'a' });
    const sent = Date.now();
    expect(await p.stop(signal, 3000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(p.stderr).toBe('');
  });

  it('logs JSON lines to a file under <data-dir>/logs, flushed before a SIGTERM exit', async () => {
    // SIGTERM right at the ready line, while the log's first writes may still be in flight.
    const p = await NanceProcess.start({ extraArgs: ['--log-level', 'debug'] });
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const files = await readdir(path.join(p.dataDir, 'logs'));
    expect(files.filter((f) => LOG_FILE.test(f))).toHaveLength(1);
    const lines = await readLogLines(p.dataDir);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toContain('ready');
    expect(msgs.slice(-2)).toEqual(['stopping', 'stopped']);
    // A restart appends to the same file.
    const again = await NanceProcess.start({ dataDir: p.dataDir });
    await again.stop();
    expect((await readLogLines(p.dataDir)).filter((l) => l.msg === 'ready')).toHaveLength(2);
  });

  it('keeps its chats across a restart on the same data dir', async () => {
    const first = await NanceProcess.start();
    const chat = await first.ok('createChat', { name: 'durable', message: 'still here?', author: 'ann' });
    await first.ok('postMessage', { host: null, chatUuid: chat.uuid, name: 'ann', content: 'second' });
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = await NanceProcess.start({ dataDir: first.dataDir });
    const list = await second.ok('listChats', {});
    expect(list.mine).toEqual([chat]);
    const { messages } = await second.ok('readChat', { host: null, chatUuid: chat.uuid });
    expect(messages.map((m) => m.content)).toEqual(['still here?', 'second']);
    // The wipe clock counts from the first start, not from this one.
    expect(second.ready.nextWipeAt).toBe(first.ready.nextWipeAt);
    await second.stop();
  });

  it('--retention 2 wipes chats every 2 s and moves nextWipeAt forward', async () => {
    const p = await NanceProcess.start({ retentionS: 2 });
    const firstWipe = p.ready.nextWipeAt;
    expect(firstWipe - Date.now()).toBeLessThanOrEqual(2000);
    const chat = await p.ok('createChat', { name: 'ephemeral', message: 'bye soon', author: 'eve' });
    expect((await p.ok('listChats', {})).mine.map((c) => c.uuid)).toEqual([chat.uuid]);

    await eventually(
      async () => ((await p.ok('listChats', {})).mine.length === 0 ? true : undefined),
      'the chat to be wiped',
      { timeoutMs: 6000, intervalMs: 100 },
    );
    expect(await p.call('readChat', { host: null, chatUuid: chat.uuid })).toMatchObject({
      ok: false,
      error: { kind: 'not-found', code: 10 },
    });
    const status = await p.ok('getStatus', {});
    expect(status.nextWipeAt).toBeGreaterThan(firstWipe);
    expect(status.nextWipeAt).toBeGreaterThan(Date.now());
    expect(status.nextWipeAt - Date.now()).toBeLessThanOrEqual(2000);
    expect(p.eventsOf('chatsChanged').length).toBeGreaterThanOrEqual(2); // create, then wipe
    await p.stop();
  });

  it('answers malformed lines, unknown commands and bad arguments with invalid-argument, and goes on', async () => {
    const p = await NanceProcess.start();
    p.sendLine('this is not json');
    p.sendLine('null');
    p.sendLine('[1,2]');
    p.sendLine('{"id":"no-cmd"}');
    await p.waitFor(() => p.unmatchedReplies.length === 4, 'four replies to raw lines');
    expect(p.unmatchedReplies.map((r) => r.id)).toEqual([null, null, null, 'no-cmd']);
    for (const r of p.unmatchedReplies) {
      expect(r).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    }

    expect(await p.call('launchRockets' as never, {} as never)).toMatchObject({
      ok: false,
      error: { kind: 'invalid-argument', message: expect.stringContaining('launchRockets') },
    });
    expect(await p.call('createChat', { name: '', message: 'm', author: 'a' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-argument', message: expect.stringContaining('name') },
    });
    expect(await p.call('createChat', { name: 'n', message: 'm', author: '   ' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-argument' },
    });
    expect(
      await p.call('readChat', { host: { host: 'not-an-ip', port: 1 }, chatUuid: 'x' } as never),
    ).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(await p.call('readChat', { host: null, chatUuid: 'nope' })).toMatchObject({
      ok: false,
      error: { kind: 'not-found', code: 10 },
    });

    // Still alive and answering; nothing else was printed.
    expect((await p.call('getStatus', {})).ok).toBe(true);
    expect(p.hasExited).toBe(false);
    expect(p.strayLines).toEqual([]);
    expect(await p.stop()).toEqual({ code: 0, signal: null });
    expect(p.stderr).toBe('');
  });

  it('kill -9 while posts stream in: every acknowledged post is there after a restart', async () => {
    const host = await NanceProcess.start();
    const poster = await NanceProcess.start();
    const chat = await host.ok('createChat', { name: 'crash', message: 'm0', author: 'host' });
    const target = host.address;

    const acked: string[] = [];
    const failed: string[] = [];
    let killed: Promise<unknown> | undefined;
    let restarted: NanceProcess | undefined;
    for (let i = 1; i <= 100; i++) {
      const content = `m${i}`;
      const reply = await poster.call('postMessage', {
        host: target,
        chatUuid: chat.uuid,
        name: 'poster',
        content,
      });
      (reply.ok ? acked : failed).push(content);
      if (killed) break; // the post that was in flight at the kill has settled
      if (acked.length === 50) {
        killed = host.kill('SIGKILL');
        // Keep streaming: the next post goes out while the host dies. Restart it on the same port so
        // the poster's retries (same z) land on the new process.
        void killed.then(async () => {
          restarted = await NanceProcess.start({ dataDir: host.dataDir, port: target.port });
        });
      }
    }
    await killed;
    const after = await eventually(() => restarted, 'the host to restart');
    expect(host.hasExited).toBe(true);
    expect(after.address).toEqual(target);

    const stored = (await after.ok('readChat', { host: null, chatUuid: chat.uuid })).messages.map(
      (m) => m.content,
    );
    expect(acked.length).toBeGreaterThanOrEqual(50);
    for (const content of acked) expect(stored).toContain(content);
    // Nothing twice, nothing out of order, nothing that was never sent.
    expect(new Set(stored).size).toBe(stored.length);
    const sent = ['m0', ...Array.from({ length: 100 }, (_, i) => `m${i + 1}`)];
    expect(stored).toEqual(sent.slice(0, stored.length));
    expect(stored.length).toBeLessThanOrEqual(acked.length + failed.length + 1);
    await Promise.all([after.stop(), poster.stop()]);
  });
});
