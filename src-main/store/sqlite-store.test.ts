import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage, StoredPeer } from '../core/ports.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const builtStore = path.join(projectRoot, 'build/src-main/store/sqlite-store.js');

const CHAT = 'chat-1';
const BIG = 1_000_000;

let dir: string;
let dbPath: string;
let opened: SqliteStore[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-store-'));
  dbPath = path.join(dir, 'store.db');
  opened = [];
});

afterEach(() => {
  for (const store of opened) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = SqliteStore.open({ path: dbPath, now: () => 1_000, ...options });
  opened.push(store);
  return store;
}

function msg(n: number, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    chatUuid: CHAT,
    uuid: `m-${n}`,
    name: 'alice',
    content: `hello ${n}`,
    createdAt: 10_000 + n,
    jsonBytes: 10,
    ...overrides,
  };
}

async function withChat(store: SqliteStore, first: NewMessage = msg(1)) {
  return store.createChat({ uuid: CHAT, name: 'general', createdAt: 5_000 }, first);
}

function peer(overrides: Partial<StoredPeer> = {}): StoredPeer {
  return {
    host: '10.0.0.1',
    port: 4000,
    natType: 'full-cone',
    role: 'peer',
    firstSeen: 100,
    lastSeen: 200,
    failures: 0,
    ...overrides,
  };
}

describe('SqliteStore chats and messages', () => {
  it('creates a chat with its first message and reads it back', async () => {
    const store = open();
    const created = await withChat(store);
    expect(created).toEqual({
      uuid: CHAT,
      name: 'general',
      createdAt: 5_000,
      jsonBytes: 10,
      messageCount: 1,
      updatedAt: 10_001,
      visibility: 'public',
    });
    expect(store.getChat(CHAT)).toEqual(created);
    expect(store.getChat('nope')).toBeUndefined();
    expect(store.listMessages(CHAT, 0, 10)).toEqual([
      { seq: 1, uuid: 'm-1', chatUuid: CHAT, name: 'alice', content: 'hello 1', createdAt: 10_001 },
    ]);
  });

  it('lists chats by last activity, newest first', async () => {
    const store = open();
    await store.createChat({ uuid: 'a', name: 'a', createdAt: 1 }, msg(1, { chatUuid: 'a', createdAt: 100 }));
    await store.createChat({ uuid: 'b', name: 'b', createdAt: 2 }, msg(2, { chatUuid: 'b', createdAt: 200 }));
    expect(store.listChats(10).map((c) => c.uuid)).toEqual(['b', 'a']);
    await store.appendMessage(msg(3, { chatUuid: 'a', createdAt: 300 }), BIG);
    expect(store.listChats(10).map((c) => c.uuid)).toEqual(['a', 'b']);
    expect(store.listChats(1).map((c) => c.uuid)).toEqual(['a']);
  });

  it('appends in order with consecutive seqs and tracks size', async () => {
    const store = open();
    await withChat(store);
    for (let n = 2; n <= 5; n++) {
      const result = await store.appendMessage(msg(n), BIG);
      expect(result).toMatchObject({ status: 'stored', message: { seq: n, uuid: `m-${n}` } });
    }
    // Five 10-byte messages and four commas.
    expect(store.getChat(CHAT)).toMatchObject({ messageCount: 5, jsonBytes: 54, updatedAt: 10_005 });
    expect(store.listMessages(CHAT, 2, 2).map((m) => m.seq)).toEqual([3, 4]);
    expect([...store.messagesNewestFirst(CHAT)].map((m) => m.seq)).toEqual([5, 4, 3, 2, 1]);
    expect([...store.messagesAfter(CHAT, 3)].map((m) => m.seq)).toEqual([4, 5]);
  });

  it('reads lazily in growing chunks: a caller that stops early reads few rows more than it took', async () => {
    const store = open();
    await withChat(store);
    await Promise.all(Array.from({ length: 999 }, (_, i) => store.appendMessage(msg(i + 2), BIG)));
    const before = store.rowsRead;
    const seen: number[] = [];
    for (const m of store.messagesAfter(CHAT, 500)) {
      seen.push(m.seq);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([501, 502, 503]);
    expect(store.rowsRead - before).toBe(8);
    // Read to the end, every chunk continues where the last stopped.
    expect([...store.messagesAfter(CHAT, 0)].map((m) => m.seq)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    expect([...store.messagesNewestFirst(CHAT)].map((m) => m.seq)).toEqual(
      Array.from({ length: 1000 }, (_, i) => 1000 - i),
    );
  });

  it('reads chats lazily in listChats order, ties on activity included', async () => {
    const store = open();
    for (let i = 0; i < 40; i++) {
      const uuid = `c${String(i).padStart(2, '0')}`;
      await store.createChat(
        { uuid, name: uuid, createdAt: 1 },
        msg(i, { chatUuid: uuid, createdAt: 100 + (i % 3) }),
      );
    }
    expect([...store.chatsByActivity()]).toEqual(store.listChats(100));
  });

  it('stores a resent post once and answers the resend with the original', async () => {
    const store = open();
    await withChat(store);
    const first = await store.appendMessage(msg(2, { dedupeKey: '1.2.3.4:5#7' }), BIG);
    const again = await store.appendMessage(msg(3, { dedupeKey: '1.2.3.4:5#7', content: 'x' }), BIG);
    expect(first.status).toBe('stored');
    expect(again).toEqual({ status: 'duplicate', message: first.status === 'stored' ? first.message : null });
    expect(store.listMessages(CHAT, 0, 10)).toHaveLength(2);
    expect(store.getChat(CHAT)?.messageCount).toBe(2);
  });

  it('dedupes within one batch', async () => {
    const store = open();
    await withChat(store);
    const [a, b] = await Promise.all([
      store.appendMessage(msg(2, { dedupeKey: 'k' }), BIG),
      store.appendMessage(msg(3, { dedupeKey: 'k' }), BIG),
    ]);
    expect(a?.status).toBe('stored');
    expect(b).toMatchObject({ status: 'duplicate', message: { seq: 2, uuid: 'm-2' } });
  });

  it('answers not-found for an unknown chat', async () => {
    const store = open();
    expect(await store.appendMessage(msg(1, { chatUuid: 'missing' }), BIG)).toEqual({ status: 'not-found' });
  });

  it('stores a post that exactly fits and refuses one byte more', async () => {
    const store = open();
    await withChat(store); // 10 bytes
    // 10 + comma + 5 = 16.
    expect(await store.appendMessage(msg(2, { jsonBytes: 5 }), 15)).toEqual({ status: 'full' });
    expect(store.getChat(CHAT)).toMatchObject({ jsonBytes: 10, messageCount: 1 });
    expect((await store.appendMessage(msg(2, { jsonBytes: 5 }), 16)).status).toBe('stored');
    expect(store.getChat(CHAT)).toMatchObject({ jsonBytes: 16, messageCount: 2 });
  });

  it('lets items of one batch see each other when they overflow together', async () => {
    const store = open();
    await withChat(store);
    // Each alone fits in 30 (10 + 1 + 10 = 21), together they need 32.
    const results = await Promise.all([store.appendMessage(msg(2), 30), store.appendMessage(msg(3), 30)]);
    expect(results.map((r) => r.status)).toEqual(['stored', 'full']);
    expect(store.getChat(CHAT)).toMatchObject({ jsonBytes: 21, messageCount: 2 });
  });

  it('commits 500 concurrent appends in one transaction', async () => {
    const store = open();
    await withChat(store);
    const before = store.commitCount;
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.appendMessage(msg(i + 2), BIG)),
    );
    const seqs = results.map((r) => (r.status === 'stored' ? r.message.seq : -1));
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 2));
    expect(store.listMessages(CHAT, 0, 1000)).toHaveLength(501);
    // All 500 were queued in the same tick, so one flush took them all.
    expect(store.commitCount - before).toBe(1);
  });

  it('rejects the whole batch and stores nothing when its transaction fails', async () => {
    const store = open();
    await withChat(store);
    const good = store.appendMessage(msg(2), BIG);
    // SQLite cannot bind an object, so the second insert throws mid-transaction.
    const bad = store.appendMessage(msg(3, { content: {} as unknown as string }), BIG);
    await expect(good).rejects.toThrow();
    await expect(bad).rejects.toThrow();
    expect(store.getChat(CHAT)?.messageCount).toBe(1);
    expect(store.listMessages(CHAT, 0, 10)).toHaveLength(1);
  });

  it('wipes chats and messages but keeps peers and settings', async () => {
    const store = open();
    await withChat(store);
    await store.appendMessage(msg(2), BIG);
    store.upsertPeer(peer());
    store.setSetting('nick', 'alice');
    store.wipeChats(4);
    expect(store.lastWipePeriod()).toBe(4);
    expect(store.listChats(10)).toEqual([]);
    expect(store.listMessages(CHAT, 0, 10)).toEqual([]);
    expect(store.listPeers()).toHaveLength(1);
    expect(store.getSetting('nick')).toBe('alice');
    // The chat can be created again: no stale message rows hold its seqs.
    await withChat(store);
    expect(store.getChat(CHAT)?.messageCount).toBe(1);
  });
});

describe('SqliteStore peers and settings', () => {
  it('upserts a peer, keeping when it was first seen', () => {
    const store = open();
    store.upsertPeer(peer());
    store.upsertPeer(peer({ firstSeen: 999, lastSeen: 500, failures: 2, role: 'bootstrap' }));
    expect(store.getPeer('10.0.0.1', 4000)).toEqual(
      peer({ firstSeen: 100, lastSeen: 500, failures: 2, role: 'bootstrap' }),
    );
    expect(store.getPeer('10.0.0.1', 4001)).toBeUndefined();
  });

  it('lists peers most recently seen first and removes them', () => {
    const store = open();
    store.upsertPeer(peer({ port: 1, lastSeen: 10 }));
    store.upsertPeer(peer({ port: 2, lastSeen: 30 }));
    store.upsertPeer(peer({ port: 3, lastSeen: 20 }));
    expect(store.listPeers().map((p) => p.port)).toEqual([2, 3, 1]);
    store.removePeer('10.0.0.1', 3);
    expect(store.listPeers().map((p) => p.port)).toEqual([2, 1]);
  });

  it('keeps at most maxPeers, forgetting the least recently seen, however many register', () => {
    const store = open({ maxPeers: 5 });
    for (let port = 1; port <= 50; port++) store.upsertPeer(peer({ port, lastSeen: 1_000 + port }));
    expect(store.listPeers().map((p) => p.port)).toEqual([50, 49, 48, 47, 46]);
    // A known peer seen again is refreshed, not added: nothing is evicted for it.
    store.upsertPeer(peer({ port: 46, lastSeen: 9_999 }));
    expect(store.listPeers().map((p) => p.port)).toEqual([46, 50, 49, 48, 47]);
    // Removing makes room again; the cap holds across a reopen.
    store.removePeer('10.0.0.1', 50);
    store.upsertPeer(peer({ port: 60, lastSeen: 10_000 }));
    expect(store.listPeers()).toHaveLength(5);
    store.close();
    const again = open({ maxPeers: 5 });
    again.upsertPeer(peer({ port: 61, lastSeen: 10_001 }));
    expect(again.listPeers().map((p) => p.port)).toEqual([61, 60, 46, 49, 48]);
  });

  it('commits a wave of 500 registrations in one transaction and stores every one', async () => {
    const store = open();
    const before = store.commitCount;
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.registerPeer(peer({ host: `127.2.${i >> 8}.${i & 255}` }))),
    );
    expect(store.commitCount - before).toBe(1);
    expect(store.listPeers()).toHaveLength(500);
  });

  it('resolves a registration only once another connection can read it, never before', async () => {
    const store = open();
    const reader = new Database(dbPath, { readonly: true });
    try {
      const seen = () => reader.prepare('SELECT count(*) FROM peers WHERE port = 4000').pluck().get();
      const registered = store.registerPeer(peer()).then(seen);
      expect(seen()).toBe(0); // queued for this tick's commit: not answered, not stored yet
      expect(await registered).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('rejects every registration of a batch whose transaction fails, stores none, and keeps the cap', async () => {
    const store = open({ maxPeers: 3 });
    const good = store.registerPeer(peer({ port: 1 }));
    // SQLite cannot bind an object, so the second upsert throws mid-transaction.
    const bad = store.registerPeer(peer({ port: {} as unknown as number }));
    await expect(good).rejects.toThrow();
    await expect(bad).rejects.toThrow();
    expect(store.listPeers()).toHaveLength(0);
    // The rolled-back row was not counted: three fit before the cap evicts.
    for (let port = 10; port < 13; port++) await store.registerPeer(peer({ port, lastSeen: port }));
    expect(store.listPeers().map((p) => p.port)).toEqual([12, 11, 10]);
  });

  it('commits pending registrations on close and rejects registrations after it', async () => {
    const store = open();
    const pending = store.registerPeer(peer());
    store.close();
    await expect(pending).resolves.toBeUndefined();
    await expect(store.registerPeer(peer({ port: 2 }))).rejects.toThrow('SqliteStore is closed');
    expect(open().getPeer('10.0.0.1', 4000)).toBeDefined();
  });

  it.skipIf(!fs.existsSync(builtStore))(
    'keeps every resolved registration when the process is SIGKILLed mid-wave (needs `npm run build` first)',
    async () => {
      const acked = await runAndKill(writeRegistrationChildScript(), 2_000);
      expect(acked.length).toBeGreaterThanOrEqual(2_000);
      const store = open();
      for (const { port } of acked) expect(store.getPeer('127.3.0.1', port as number)).toBeDefined();
    },
  );

  it('round-trips JSON settings', () => {
    const store = open();
    expect(store.getSetting('missing')).toBeUndefined();
    const value = { port: 4000, bootstraps: ['1.2.3.4:5'], nested: { on: true }, none: null };
    store.setSetting('net', value);
    expect(store.getSetting('net')).toEqual(value);
    store.setSetting('net', 7);
    expect(store.getSetting<number>('net')).toBe(7);
    store.setSetting('net', undefined);
    expect(store.getSetting('net')).toBeUndefined();
  });
});

describe('SqliteStore lifecycle', () => {
  it('runs in WAL mode at the newest schema version', () => {
    open();
    const probe = new Database(dbPath, { readonly: true });
    try {
      expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(probe.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      probe.close();
    }
  });

  it('keeps the epoch and last wipe period across restarts', () => {
    const first = open({ now: () => 1_000 });
    expect(first.epoch()).toBe(1_000);
    expect(first.lastWipePeriod()).toBe(-1);
    first.setLastWipePeriod(3);
    first.close();
    const second = open({ now: () => 2_000 });
    expect(second.epoch()).toBe(1_000);
    expect(second.lastWipePeriod()).toBe(3);
  });

  it('shows all data after close and reopen', async () => {
    const first = open();
    await withChat(first);
    await first.appendMessage(msg(2, { dedupeKey: 'k' }), BIG);
    first.upsertPeer(peer());
    first.setSetting('nick', 'alice');
    first.close();
    const second = open({ durability: 'normal' });
    expect(second.getChat(CHAT)).toMatchObject({ messageCount: 2, jsonBytes: 21 });
    expect(second.listMessages(CHAT, 0, 10).map((m) => m.uuid)).toEqual(['m-1', 'm-2']);
    expect((await second.appendMessage(msg(9, { dedupeKey: 'k' }), BIG)).status).toBe('duplicate');
    expect(second.getPeer('10.0.0.1', 4000)).toEqual(peer());
    expect(second.getSetting('nick')).toBe('alice');
  });

  it('commits pending appends on close and rejects appends after it', async () => {
    const store = open();
    await withChat(store);
    const pending = store.appendMessage(msg(2), BIG);
    store.close();
    store.close(); // idempotent
    expect((await pending).status).toBe('stored');
    await expect(store.appendMessage(msg(3), BIG)).rejects.toThrow('SqliteStore is closed');
    expect(open().getChat(CHAT)?.messageCount).toBe(2);
  });

  it.skipIf(!fs.existsSync(builtStore))(
    'keeps every acknowledged append when the process is SIGKILLed (needs `npm run build` first)',
    async () => {
      const acked = await runAndKill(writeChildScript(), 200);
      expect(acked.length).toBeGreaterThanOrEqual(200);
      const check = new Database(dbPath);
      try {
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        check.close();
      }
      const store = open();
      const stored = new Map(store.listMessages(CHAT, 0, 1_000_000).map((m) => [m.seq, m.uuid]));
      for (const { seq, uuid } of acked) expect(stored.get(seq as number)).toBe(uuid);
    },
  );
});

/** A child that appends forever, 8 in flight, printing each acknowledged message as a JSON line. */
function writeChildScript(): string {
  const script = path.join(dir, 'child.mjs');
  fs.writeFileSync(
    script,
    `import { SqliteStore } from ${JSON.stringify(pathToFileURL(builtStore).href)};
const store = SqliteStore.open({ path: process.argv[2], now: Date.now });
const msg = (n) => ({ chatUuid: ${JSON.stringify(CHAT)}, uuid: 'm-' + n, name: 'kid', content: 'x'.repeat(n % 50),
  createdAt: Date.now(), jsonBytes: 10 });
await store.createChat({ uuid: ${JSON.stringify(CHAT)}, name: 'c', createdAt: Date.now() }, msg(1));
let n = 1;
async function worker() {
  for (;;) {
    const result = await store.appendMessage(msg(++n), ${BIG * 1000});
    process.stdout.write(JSON.stringify({ seq: result.message.seq, uuid: result.message.uuid }) + '\\n');
  }
}
for (let i = 0; i < 8; i++) worker();
`,
  );
  return script;
}

/** A child that registers peers forever in waves of 64, printing each resolved one as a JSON line. */
function writeRegistrationChildScript(): string {
  const script = path.join(dir, 'register-child.mjs');
  fs.writeFileSync(
    script,
    `import { SqliteStore } from ${JSON.stringify(pathToFileURL(builtStore).href)};
const store = SqliteStore.open({ path: process.argv[2], now: Date.now });
let port = 0;
for (;;) {
  const wave = Array.from({ length: 64 }, () => {
    const p = ++port;
    return store
      .registerPeer({ host: '127.3.0.1', port: p, natType: 'Full Cone', role: 'peer', firstSeen: 1, lastSeen: p, failures: 0 })
      .then(() => process.stdout.write(JSON.stringify({ port: p }) + '\\n'));
  });
  await Promise.all(wave);
}
`,
  );
  return script;
}

/** Runs the child, SIGKILLs it after `acks` acknowledgements, and returns all it acknowledged. */
function runAndKill(script: string, acks: number): Promise<Record<string, unknown>[]> {
  const child = spawn(process.execPath, [script, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    acked.push(JSON.parse(line));
    if (acked.length === acks) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' rather than 'exit': it waits for stdout to drain, so no printed ack is missed.
    child.on('close', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited without being killed: ${stderr}`));
    });
  });
}

describe('signed posts in the store', () => {
  const author = (k: string, z: string) => ({
    k: k.repeat(43),
    s: 's'.repeat(86),
    t: '1732412345.123000',
    z,
  });

  it('keeps a signed post with its signature, and one copy per (chat, author, z) whatever the sender', async () => {
    const store = open();
    await store.createChat({ uuid: CHAT, name: 'c', createdAt: 1 }, msg(1, { author: author('a', 'z1') }));
    const again = await store.appendMessage(
      msg(2, { author: author('a', 'z1'), dedupeKey: 'other/z1' }),
      BIG,
    );
    expect(again.status).toBe('duplicate');
    // Another author may use the same z, and the same author another z.
    expect((await store.appendMessage(msg(3, { author: author('b', 'z1') }), BIG)).status).toBe('stored');
    expect((await store.appendMessage(msg(4, { author: author('a', 'z2') }), BIG)).status).toBe('stored');
    expect((await store.appendMessage(msg(5), BIG)).status).toBe('stored');
    const messages = store.listMessages(CHAT, 0, 10);
    expect(messages.map((m) => m.author?.z ?? null)).toEqual(['z1', 'z1', 'z2', null]);
    expect(messages[0]?.author).toEqual(author('a', 'z1'));
    expect([...store.messagesAfter(CHAT, 0)]).toEqual(messages);
  });

  it('upgrades a file of the previous version, keeping its messages (unsigned)', async () => {
    const old = new Database(dbPath);
    old.exec(`
      CREATE TABLE chats (uuid TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, json_bytes INTEGER NOT NULL, message_count INTEGER NOT NULL);
      CREATE TABLE messages (chat_uuid TEXT NOT NULL REFERENCES chats (uuid) ON DELETE CASCADE,
        seq INTEGER NOT NULL, uuid TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
        created_at INTEGER NOT NULL, dedupe_key TEXT UNIQUE, PRIMARY KEY (chat_uuid, seq)) WITHOUT ROWID;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE peers (host TEXT NOT NULL, port INTEGER NOT NULL, nat_type TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('peer', 'bootstrap')), first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, failures INTEGER NOT NULL, PRIMARY KEY (host, port));
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE INDEX peers_by_last_seen ON peers (last_seen);
      INSERT INTO chats VALUES ('${CHAT}', 'c', 1, 1, 10, 1);
      INSERT INTO messages VALUES ('${CHAT}', 1, 'u1', 'n', 'kept', 1, NULL);
      PRAGMA user_version = 2;
    `);
    old.close();
    const store = open();
    const [kept] = store.listMessages(CHAT, 0, 10);
    expect(kept).toMatchObject({ content: 'kept' });
    expect(kept?.author).toBeUndefined();
    expect((await store.appendMessage(msg(2, { author: author('a', 'z') }), BIG)).status).toBe('stored');
  });
});
