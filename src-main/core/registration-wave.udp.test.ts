// A wave of registrations at a bootstrap, on real sockets (127.0.0.0/8) and a real SQLite file, with
// the abuse limits on (the defaults a real bootstrap runs): every registrant from a distinct address
// is answered 0 and stored, and the wave is written in a few commits, not one per registration.
// One fsync per registration held the event loop so long under load that ping-back answers were
// read only after their timers fired (answered 3: docs/scale.md, "Bootstrap load").
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { decodeDatagram, encodeObject } from '../../src-shared/protocol/index.js';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { NancePeer } from './peer.js';
import type { Endpoint } from './ports.js';

const REGISTRANTS = 200;

let dir: string;
let dbPath: string;
let store: SqliteStore;
let bootstrap: NancePeer;
let to: Endpoint;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-wave-'));
  dbPath = path.join(dir, 'nance.db');
  store = SqliteStore.open({ path: dbPath, now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  bootstrap = new NancePeer({ transport, clock: systemClock, store }, { role: 'bootstrap' });
  bootstrap.start();
  to = bootstrap.localEndpoint();
});

afterEach(async () => {
  await bootstrap.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A base peer on `host` registering: it answers the ping-back, and resolves with the r/i answer's code. */
async function register(
  host: string,
): Promise<{ code: number | undefined; port: number; socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const code = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 10_000);
    socket.on('message', (data) => {
      const decoded = decodeDatagram(data);
      if (decoded.kind === 'request' && decoded.request.type === 'ping') {
        socket.send(encodeObject({ m: 'R', r: 0, c: {}, z: decoded.z }), to.port, to.host);
      } else if (decoded.kind === 'response' && decoded.z === `reg-${host}`) {
        clearTimeout(timer);
        resolve(decoded.response.r);
      }
    });
    socket.send(
      encodeObject({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: `reg-${host}` }),
      to.port,
      to.host,
    );
  });
  return { code, port: socket.address().port, socket };
}

it(`answers and stores a wave of ${REGISTRANTS} registrations from distinct addresses in a few commits, limits on`, async () => {
  const wal = new Database(dbPath);
  try {
    wal.pragma('wal_checkpoint(TRUNCATE)');
    const hosts = Array.from({ length: REGISTRANTS }, (_, i) => `127.4.${i >> 8}.${(i & 255) + 1}`);
    const results = await Promise.all(hosts.map(register));
    expect(results.map((r) => r.code)).toEqual(hosts.map(() => 0));
    for (const [i, { port }] of results.entries())
      expect(store.getPeer(hosts[i] as string, port)).toBeDefined();
    for (const { socket } of results) socket.close();
    // Each commit appends at least one frame to the WAL: fewer frames than registrations means
    // registrations shared commits (one each wrote ~3 frames: the table and its two indexes).
    const [checkpoint] = wal.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(checkpoint?.log).toBeLessThan(REGISTRANTS / 2);
  } finally {
    wal.close();
  }
});
