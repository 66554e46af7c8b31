// A Map kept in least-recently-used order with a hard size cap: the one bounded map of the core.
// Every per-address record (the guard's, the client's, sync's, traversal's) must stay bounded
// whatever the number of (possibly spoofed) sources. Ours rather than the lru-cache package: the
// core needs only this, with no TTLs or size functions, and no dependency of its own.
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Returns the entry and marks it most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Returns the entry without touching its place. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /**
   * Deletes least recently used entries while `stale` holds for them: for a map of times kept in
   * set order (each `set` moves an entry last), the entries older than an age limit.
   */
  dropOldestWhile(stale: (value: V) => boolean): void {
    for (const [key, value] of this.map) {
      if (!stale(value)) return;
      this.map.delete(key);
    }
  }

  /** Every value, least recently used first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }
}
