// The samples a `g/i` draws come from memory (PeerMirror), never from the file; these tests hold
// the mirror to the file itself (a real SQLite file, read back with SQL) through every way the
// peers table changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPeer } from '../core/ports.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
let dbPath: string;
let opened: SqliteStore[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-mirror-'));
  dbPath = path.join(dir, 'store.db');
  opened = [];
});

afterEach(() => {
  for (const store of opened) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(maxPeers?: number): SqliteStore {
  const store = SqliteStore.open({ path: dbPath, now: () => 1_000, ...(maxPeers ? { maxPeers } : {}) });
  opened.push(store);
  return store;
}

const peer = (port: number, over: Partial<StoredPeer> = {}): StoredPeer => ({
  host: '127.3.0.1',
  port,
  natType: 'Full Cone',
  role: 'peer',
  firstSeen: 1,
  lastSeen: port,
  failures: 0,
  ...over,
});

/** Every row, as the sample sees it and as the file holds it, in one order. */
const sorted = (rows: StoredPeer[]) => rows.map((p) => ({ ...p })).sort((a, b) => a.port - b.port);
const sampled = (store: SqliteStore) => sorted(store.peersFrom(0, Number.MAX_SAFE_INTEGER));
const inFile = (store: SqliteStore) => sorted(store.listPeers());

/** A small seeded generator, so a failure replays. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the peers sample, from memory', () => {
  it('stays the file’s rows through registrations, refreshes, failure counts, removals, the cap and a reopen', async () => {
    const store = open(20);
    const random = seeded(14);
    let clock = 100;
    for (let step = 0; step < 400; step++) {
      const port = 1 + Math.floor(random() * 40);
      const roll = random();
      clock++;
      if (roll < 0.35) {
        await store.registerPeer(peer(port, { lastSeen: clock, firstSeen: clock }));
      } else if (roll < 0.55) {
        // A wave: several in one commit, the same peer twice among them.
        await Promise.all([
          store.registerPeer(peer(port, { lastSeen: clock })),
          store.registerPeer(peer(port + 1, { lastSeen: clock })),
          store.registerPeer(peer(port, { lastSeen: clock, natType: 'Restricted Cone' })),
        ]);
      } else if (roll < 0.75) {
        // markFailed's write: the same row, one more failure (the listing skips failing peers).
        const known = store.getPeer('127.3.0.1', port);
        if (known) store.upsertPeer({ ...known, failures: known.failures + 1 });
        // The upsert keeps the first time the row was seen, whatever the caller says.
        else store.upsertPeer(peer(port, { lastSeen: clock, firstSeen: clock }));
      } else {
        store.removePeer('127.3.0.1', port); // expired or forgotten (it moved)
      }
      expect(sampled(store)).toEqual(inFile(store));
    }
    expect(inFile(store)).toHaveLength(20); // the cap evicted along the way
    store.close();
    const again = open(20);
    expect(sampled(again)).toEqual(inFile(again));
  });

  it('takes nothing from a batch whose transaction rolled back', async () => {
    const store = open(3);
    await store.registerPeer(peer(1));
    const good = store.registerPeer(peer(2));
    // SQLite cannot bind an object: the second upsert throws mid-transaction and the batch rolls back.
    const bad = store.registerPeer(peer({} as unknown as number));
    await expect(good).rejects.toThrow();
    await expect(bad).rejects.toThrow();
    expect(sampled(store).map((p) => p.port)).toEqual([1]);
    expect(sampled(store)).toEqual(inFile(store));
  });

  it('reads no row of the file for a sample, and wraps round from a random point', async () => {
    const store = open();
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.registerPeer(peer(i + 1))));
    const before = store.rowsRead;
    const sample = store.peersFrom(0.9, 256);
    expect(store.rowsRead - before).toBe(0);
    expect(new Set(sample.map((p) => p.port)).size).toBe(256); // 30 from the end, then from the start
  });

  it('hands out rows no caller can change', async () => {
    const store = open();
    await store.registerPeer(peer(1));
    const [row] = store.peersFrom(0, 1) as [StoredPeer];
    expect(() => {
      row.failures = 5;
    }).toThrow(TypeError);
    expect(store.peersFrom(0, 1)[0]?.failures).toBe(0);
  });
});
