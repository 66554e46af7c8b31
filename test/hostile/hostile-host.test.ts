// Issue 11, finding 4: a hostile chat host must not exhaust a reader. On real UDP (127.0.0.1), a
// host that advertises paging answers every paged g/m with `more: true` and a new `seq` — with
// pages far above the maxBytes asked, or with valid small pages forever. Before the read bounds the
// reader's memory grew ~33 MB/s and readChat never returned; now it ends within the 30 s deadline
// with a typed error, and the reader's memory stays within 50 MB of where it started.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NanceError } from '../../src-main/core/errors.js';
import { NancePeer } from '../../src-main/core/peer.js';
import { DEFAULT_READ_DEADLINE_MS } from '../../src-main/core/read-bounds.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';

const MB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const encode = (obj: unknown) =>
  Buffer.from(Buffer.from(JSON.stringify(obj), 'utf8').toString('base64'), 'latin1');

const message = (seq: number, content: string) => ({
  uuid: `00000000-0000-4000-8000-${String(seq % 1e12).padStart(12, '0')}`,
  name: 'hostile',
  content,
  timestamp: '1732412345.123456',
  seq,
});

/** A host on a real socket: a paging advertisement for pings, `page(after, limit)` for every g/m. */
async function hostileHost(page: (after: number, limit: number) => unknown[]) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let answered = 0;
  socket.on('message', (data, rinfo) => {
    let obj: { m?: string; t?: string; d?: string; z?: string; a?: { after?: number; limit?: number } };
    try {
      obj = JSON.parse(Buffer.from(data.toString('latin1'), 'base64').toString('utf8'));
    } catch {
      return;
    }
    const reply =
      obj.m === 'p'
        ? { m: 'R', r: 0, c: { nance: { v: 1, ext: ['page'], role: 'peer' } }, z: obj.z }
        : obj.t === 'g' && obj.d === 'm'
          ? {
              m: 'R',
              r: 0,
              c: { messages: page(obj.a?.after ?? 0, obj.a?.limit ?? 1000), more: true },
              z: obj.z,
            }
          : undefined;
    if (!reply) return;
    answered += 1;
    socket.send(encode(reply), rinfo.port, rinfo.address);
  });
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const { port } = socket.address();
  return { endpoint: { host: '127.0.0.1', port }, answered: () => answered };
}

async function reader(): Promise<NancePeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-hostile-'));
  const store = SqliteStore.open({ path: path.join(dir, 'reader.db'), now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const peer = new NancePeer({ transport, clock: systemClock, store }); // the abuse guard on, as shipped
  peer.start();
  cleanups.push(async () => {
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return peer;
}

/** Reads the chat, sampling RSS meanwhile; returns the error, the time taken and the RSS growth. */
async function attack(peer: NancePeer, host: { host: string; port: number }) {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 50);
  const start = performance.now();
  let error: unknown;
  try {
    await peer.readChat(host, 'chat');
  } catch (err) {
    error = err;
  } finally {
    clearInterval(sampler);
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  return { error, ms: performance.now() - start, growthMb: (rssPeak - rssBefore) / MB };
}

describe('a hostile chat host (real UDP)', () => {
  it('pages far above maxBytes, always more: the read ends at once with bad-host', async () => {
    const filler = 'x'.repeat(1_000);
    // ~60 KB per answer (one full datagram): 40 messages of 1 KB, each with the next seq.
    const host = await hostileHost((after) =>
      Array.from({ length: 40 }, (_, i) => message(after + i + 1, filler)),
    );
    const peer = await reader();
    const { error, ms, growthMb } = await attack(peer, host.endpoint);
    expect(error).toBeInstanceOf(NanceError);
    expect((error as NanceError).kind).toBe('bad-host');
    expect(ms).toBeLessThan(DEFAULT_READ_DEADLINE_MS);
    expect(growthMb).toBeLessThan(50);
    expect(host.answered()).toBeLessThan(20); // the ping and the first pages in flight
  });

  it('valid small pages forever: the read ends by its page bound or deadline, memory bounded', async () => {
    const host = await hostileHost((after) => [message(after + 1, 'y')]);
    const peer = await reader();
    const { error, ms, growthMb } = await attack(peer, host.endpoint);
    expect(error).toBeInstanceOf(NanceError);
    expect(['bad-host', 'timeout']).toContain((error as NanceError).kind);
    expect(ms).toBeLessThan(DEFAULT_READ_DEADLINE_MS + 1_000);
    expect(growthMb).toBeLessThan(50);
    console.info(
      `hostile host, small pages: ${(error as NanceError).kind} after ${Math.round(ms)} ms, ` +
        `${host.answered()} answers, RSS +${growthMb.toFixed(1)} MB`,
    );
  }, 40_000);
});
