// A bootstrap's `g/i` draws its sample from the peers table of a real SQLite file: read in chunks
// as it is walked, from a random row, wrapping round to the start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPeer } from '../core/ports.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-sample-'));
  store = SqliteStore.open({ path: path.join(dir, 'store.db'), now: () => 1_000 });
  await Promise.all(Array.from({ length: 300 }, (_, i) => store.registerPeer(peer(i + 1))));
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const peer = (port: number): StoredPeer => ({
  host: '127.3.0.1',
  port,
  natType: 'Full Cone',
  role: 'peer',
  firstSeen: 1,
  lastSeen: port,
  failures: 0,
});

describe('SqliteStore.peersFrom', () => {
  it('reads only the chunks a caller walks: 16 rows of a 256-row sample cost 24 rows, not 256', () => {
    const before = store.rowsRead;
    const taken: StoredPeer[] = [];
    for (const p of store.peersFrom(0.5, 256)) {
      taken.push(p);
      if (taken.length === 16) break;
    }
    expect(store.rowsRead - before).toBe(8 + 16);
    expect(taken.map((p) => p.port)).toEqual(Array.from({ length: 16 }, (_, i) => 151 + i));
  });

  it('wraps round from its random row to the start, each row once, as the rows are stored', () => {
    const sample = [...store.peersFrom(0.9, 256)];
    expect(sample.map((p) => p.port)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => 271 + i),
      ...Array.from({ length: 226 }, (_, i) => 1 + i),
    ]);
    expect(sample[0]).toEqual(store.getPeer('127.3.0.1', 271));
    expect([...store.peersFrom(0, 1_000)]).toHaveLength(300); // never more than the table
  });
});
