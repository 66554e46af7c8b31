// Concurrency on real sockets (127.0.0.1 only): many requests in flight from many senders are each
// answered exactly once with the right z, every post is stored exactly once, and the peer keeps going.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawUdp } from '../../test/support/raw-udp.js';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { GUARD_OFF } from './guard/index.js';
import { NancePeer } from './peer.js';
import type { Endpoint, StoredChat } from './ports.js';

let dir: string;
let store: SqliteStore;
let peer: NancePeer;
let to: Endpoint;
let postChat: StoredChat;
let readChat: StoredChat;
const posted: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-udp-'));
  store = SqliteStore.open({ path: path.join(dir, 'peer.db'), now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  // Bursts from raw sockets that never answer a ping: the abuse guard is tested in test/hardening.
  peer = new NancePeer({ transport, clock: systemClock, store }, { guard: GUARD_OFF });
  peer.start();
  to = peer.localEndpoint();
  postChat = await peer.createChat('posts', 'start', 'first');
  // g/m goes to a chat that stays small, so answers stay small and the burst fits socket buffers.
  readChat = await peer.createChat('reads', 'hello', 'first');
});

afterAll(async () => {
  await peer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function mixedRequest(sender: number, i: number): { z: string; [k: string]: unknown } {
  const z = `s${sender}-r${i}`;
  switch (i % 4) {
    case 0:
      return { m: 'p', z };
    case 1:
      return { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z };
    case 2:
      return { m: 'r', t: 'g', d: 'm', a: { chatUuid: readChat.uuid }, z };
    default: {
      const content = `from ${sender} #${i}`;
      posted.push(content);
      return { m: 'r', t: 's', d: 'm', a: { chatUuid: postChat.uuid, name: `sender${sender}`, content }, z };
    }
  }
}

async function burst(sockets: RawUdp[], perSocket: number, senderBase: number): Promise<void> {
  const expected = new Map<RawUdp, Set<string>>();
  sockets.forEach((socket, s) => {
    const zs = new Set<string>();
    for (let i = 0; i < perSocket; i++) {
      const req = mixedRequest(senderBase + s, i);
      zs.add(req.z);
      socket.send(req, to);
    }
    expected.set(socket, zs);
  });
  const all = await Promise.all(
    sockets.map((socket) => socket.waitFor(() => socket.responses().length >= perSocket, 15_000)),
  );
  expect(all.every(Boolean)).toBe(true);
  // Leave time for any duplicate answer to show up.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const socket of sockets) {
    const zs = socket.responses().map((r) => r.obj?.z as string);
    expect(zs).toHaveLength(perSocket);
    expect(new Set(zs)).toEqual(expected.get(socket));
    for (const r of socket.responses()) {
      expect(r.obj?.r).toBe(0);
      expect(r.peer).toEqual(to);
      const kind = Number(String(r.obj?.z).split('-r')[1]) % 4;
      const c = r.obj?.c as Record<string, unknown>;
      if (kind === 1) expect(c.chats).toHaveLength(2);
      if (kind === 2) expect(c.messages).toEqual([expect.objectContaining({ content: 'hello' })]);
    }
  }
}

describe('a peer on a real UDP socket under concurrent load', () => {
  it('20 senders x 50 requests in flight: each answered once, each post stored once', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => RawUdp.open()));
    try {
      await burst(sockets, 50, 0);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
    const stored = store.listMessages(postChat.uuid, 0, 100_000).map((m) => m.content);
    expect(stored[0]).toBe('start');
    expect(stored.slice(1).sort()).toEqual([...posted].sort());
    expect(stored).toHaveLength(1 + 20 * 12);
  });

  it('256 requests in flight from one socket', async () => {
    const socket = await RawUdp.open();
    const before = posted.length;
    try {
      await burst([socket], 256, 100);
    } finally {
      await socket.close();
    }
    const stored = store.listMessages(postChat.uuid, 0, 100_000).map((m) => m.content);
    expect(stored).toHaveLength(1 + posted.length);
    expect(posted.length - before).toBe(64);
    expect(stored.slice(1).sort()).toEqual([...posted].sort());
  });

  it('still answers afterwards, and garbage on the socket changes nothing', async () => {
    const socket = await RawUdp.open();
    try {
      socket.send('not base64 at all', to);
      socket.send(Buffer.from([0, 1, 2, 255]), to);
      const answer = await socket.request({ m: 'p', z: 'after' }, to);
      expect(String(answer?.text).replace(/,"(k|id)":"[^"]+"/g, '')).toBe(
        '{"m":"R","r":0,"c":{"nance":{"v":1,"ext":["page","proof","sig","push","gossip","punch","relay"],"role":"peer","nat":"Open Internet"}},"z":"after"}',
      );
      const count = await socket.request(
        { m: 'r', t: 'g', d: 'm', a: { chatUuid: postChat.uuid, after: 0, limit: 1 }, z: 'count' },
        to,
      );
      expect(count?.obj?.r).toBe(0);
      expect(socket.responses()).toHaveLength(2);
    } finally {
      await socket.close();
    }
  });
});
