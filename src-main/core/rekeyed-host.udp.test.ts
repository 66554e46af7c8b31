// A host reinstalled at the same address (a new key, the same chats file): a writer that signed for
// the old key is refused once, proves the new key and posts signed for it, stored once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { GUARD_OFF } from './guard/index.js';
import { KeyPair } from './identity/keys.js';
import { NancePeer } from './peer.js';
import { DEFAULT_RETRY } from './request-engine.js';

const FAST = { ...DEFAULT_RETRY, timeoutMs: 80, attempts: 3 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startPeer(dbPath: string, identity: KeyPair, port = 0) {
  const store = SqliteStore.open({ path: dbPath, now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port });
  const peer = new NancePeer(
    { transport, clock: systemClock, store, identity },
    { guard: GUARD_OFF, retry: FAST },
  );
  peer.start();
  let closed = false;
  const close = async () => {
    if (!closed) await peer.close();
    closed = true;
  };
  cleanups.push(close);
  return { peer, store, close };
}

describe('a host with a new key at the same address', () => {
  it('gets the next post signed for its new key, stored once and read as verified', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-rekey-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const hostDb = path.join(dir, 'host.db');
    let host = await startPeer(hostDb, KeyPair.generate());
    const at = host.peer.localEndpoint();
    const chat = await host.peer.createChat('room', 'start', 'bob');
    const writer = await startPeer(path.join(dir, 'writer.db'), KeyPair.generate());
    await writer.peer.postMessage(at, chat.uuid, 'ann', 'before');

    await host.close();
    const newKey = KeyPair.generate();
    host = await startPeer(hostDb, newKey, at.port);
    await writer.peer.postMessage(at, chat.uuid, 'ann', 'after');

    const stored = host.store.listMessages(chat.uuid, 0, 100);
    expect(stored.map((m) => m.content)).toEqual(['start', 'before', 'after']);
    const read = await writer.peer.readChatSince(at, chat.uuid, 0);
    const after = read.messages.find((m) => m.content === 'after');
    expect(after?.author?.k).toBe(writer.peer.identity.publicKey);
  }, 30_000);
});
