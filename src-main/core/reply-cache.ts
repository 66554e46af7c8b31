// Remembers the answer to each recent (sender, z) so that a resent request is answered again
// from memory instead of being executed twice. Bounded in size and age.
import type { Request } from '../../src-shared/protocol/index.js';
import type { Clock } from './ports.js';

/**
 * Requests that change state run once per (sender, z): a post, a registration, and an
 * introduction (it makes the rendezvous message the target). Everything else is simply run again.
 */
export function changesState(request: Request): boolean {
  return request.type === 'postMessage' || request.type === 'register' || request.type === 'introduce';
}

type Entry = { state: 'running'; at: number } | { state: 'done'; at: number; reply: Uint8Array };

export class ReplyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 20_000,
    private readonly ttlMs = 120_000,
  ) {}

  /** What to do with a request: run it, resend a remembered reply, or drop it (the first is still running). */
  begin(key: string): { action: 'run' } | { action: 'resend'; reply: Uint8Array } | { action: 'drop' } {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) {
      return entry.state === 'done' ? { action: 'resend', reply: entry.reply } : { action: 'drop' };
    }
    this.entries.delete(key);
    this.entries.set(key, { state: 'running', at: now });
    this.evict();
    return { action: 'run' };
  }

  /** The request did not run (it was asked to prove its address first): its resend runs. */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  finish(key: string, reply: Uint8Array): void {
    if (this.entries.has(key)) this.entries.set(key, { state: 'done', at: this.clock.now(), reply });
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Oldest entries go first (Map keeps insertion order). One iterator is kept across calls: a
   * fresh `keys().next()` walks over every deleted slot at the front of V8's table, which cost
   * ~14 µs per request once the cache was full (docs/benchmarks.md). Entries are only ever added
   * at the end, so every live entry is still ahead of this iterator.
   */
  private oldest: Iterator<string> | undefined;

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      this.oldest ??= this.entries.keys();
      const next = this.oldest.next();
      if (next.done) {
        this.oldest = undefined; // cannot happen while entries remain; start over to be safe
        continue;
      }
      this.entries.delete(next.value);
    }
  }
}
