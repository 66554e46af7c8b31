// The peers table's rows in memory, for the samples a `g/i` answer and a bootstrap's liveness pings
// draw (Store.peersFrom). Reading 256 rows from SQLite per `g/i` cost ~0.5 ms of CPU and ~50 KB of
// garbage: a young-generation GC every ~70 answers, the tail of `g/i` latency (docs/scale.md,
// "g/i p99"). SqliteStore loads it at open and applies each write to it only after that write
// committed, so it holds exactly what the file holds (a rolled-back batch changes neither).
import type { StoredPeer } from '../core/ports.js';

const keyOf = (host: string, port: number) => `${host}:${port}`;

export class PeerMirror {
  /** Every row, in no particular order (a removal moves the last row into the hole). */
  private readonly rows: Readonly<StoredPeer>[] = [];
  /** Where each peer's row is in `rows`. */
  private readonly index = new Map<string, number>();

  constructor(rows: Iterable<StoredPeer>) {
    for (const row of rows) this.put(row);
  }

  get size(): number {
    return this.rows.length;
  }

  /**
   * As the upsert writes it: a known peer keeps its first-seen time. Rows are frozen, since callers
   * get them by reference: nobody can change the mirror but the store.
   */
  put(peer: StoredPeer): void {
    const key = keyOf(peer.host, peer.port);
    const at = this.index.get(key);
    if (at === undefined) {
      this.index.set(key, this.rows.length);
      this.rows.push(Object.freeze({ ...peer }));
    } else {
      const old = this.rows[at] as StoredPeer;
      this.rows[at] = Object.freeze({ ...peer, firstSeen: old.firstSeen });
    }
  }

  drop(host: string, port: number): void {
    const key = keyOf(host, port);
    const at = this.index.get(key);
    if (at === undefined) return;
    this.index.delete(key);
    const last = this.rows.pop() as Readonly<StoredPeer>;
    if (at === this.rows.length) return;
    this.rows[at] = last;
    this.index.set(keyOf(last.host, last.port), at);
  }

  /** Up to `limit` rows from the row `at` (0..1) of the way in, wrapping round to the start. */
  from(at: number, limit: number): StoredPeer[] {
    const n = this.rows.length;
    const count = Math.min(limit, n);
    const start = Math.floor(Math.min(Math.max(at, 0), 0.999_999) * n);
    const out: StoredPeer[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.rows[(start + i) % n] as StoredPeer;
    return out;
  }
}
