// CPU per request (issue 11, finding 5), on a real socket: a paged g/m asking for 10,000 messages
// in a 512-byte answer makes the host read a few rows, in a 10,000-message chat as in a 10-message
// one; so does a g/c asking for a million chats. Rows read are counted by the real SQLite store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatHost } from '../../src-main/core/chat-host.js';
import { NancePeer } from '../../src-main/core/peer.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { RawUdp } from '../support/raw-udp.js';

let dir: string;
let store: SqliteStore;
let peer: NancePeer;
let attacker: RawUdp;
const chats: Record<'small' | 'large', string> = { small: '', large: '' };

async function chatOf(count: number): Promise<string> {
  // A roomy cap holds 10,000 short messages (the real one ~5,000); the peer reads any size the same.
  const host = new ChatHost(store, systemClock, 10 * 819_200);
  const chat = await host.createChat('c', 'm0', 'a');
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => host.post(chat.uuid, 'a', `m${i + 1}`)));
  return chat.uuid;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-page-cost-'));
  store = SqliteStore.open({ path: path.join(dir, 'peer.db'), now: Date.now });
  chats.small = await chatOf(10);
  chats.large = await chatOf(10_000);
  // The stock guard: the attacker stays within its per-source limits (a few requests).
  peer = new NancePeer({
    transport: await UdpTransport.bind({ host: '127.0.0.1', port: 0 }),
    clock: systemClock,
    store,
  });
  peer.start();
  attacker = await RawUdp.open();
});

afterAll(async () => {
  await attacker.close();
  await peer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Rows the host read to answer one request from a spoofable source (the answer itself may be held
 * by the anti-amplification rule: the reading is done by then, and that is the cost measured).
 */
async function rowsFor(a: Record<string, unknown>, d: string, z: string): Promise<number> {
  const before = store.rowsRead;
  attacker.send({ m: 'r', t: 'g', d, a, z }, peer.localEndpoint());
  await attacker.waitFor(() => store.rowsRead > before, 2000);
  await new Promise((resolve) => setTimeout(resolve, 50)); // any further reading of the same request
  return store.rowsRead - before;
}

describe('a request costs what its answer carries', () => {
  it('a paged g/m with limit 10,000 and maxBytes 512 reads as few rows in 10,000 messages as in 10', async () => {
    const page = { after: 0, limit: 10_000, maxBytes: 512 };
    const small = await rowsFor({ chatUuid: chats.small, ...page }, 'm', 'small-page');
    const large = await rowsFor({ chatUuid: chats.large, ...page }, 'm', 'large-page');
    expect(large).toBe(small);
    expect(large).toBeGreaterThan(0);
    expect(large).toBeLessThanOrEqual(8);
  });

  it('a g/c asking for a million chats reads only what fits its answer', async () => {
    const rows = await rowsFor({ maxChatsLength: 1_000_000 }, 'c', 'chats');
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(8);
  });
});
