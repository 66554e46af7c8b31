// Request rate limits: one token bucket per source address and one for the whole peer, so a
// flooding source is held to its own share and cannot starve the others. Excess requests are
// dropped silently (an answer would only feed the flood). Per-source state is an LRU, bounded.
import { Lru } from '../lru.js';

export interface RateLimitSettings {
  /** Requests per second one source address (ip:port) may sustain; 0 or less disables the limit. */
  perSourceRate: number;
  /** Requests one source may send in a burst. */
  perSourceBurst: number;
  /**
   * Answers cost their sender one more token per this many bytes (0: off), so a cheap request
   * for an expensive answer (a base g/m of a full chat, ~64 KB) counts for what it costs.
   */
  bytesPerExtraToken: number;
  /** Requests per second for all sources together; 0 or less disables the limit. */
  globalRate: number;
  globalBurst: number;
  /** Sources tracked at most (least recently seen forgotten first). */
  maxSources: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  // A reader loading a full chat in 1,200-byte pages asks ~700-1,000 pages: the burst covers it.
  perSourceRate: 500,
  perSourceBurst: 1_000,
  bytesPerExtraToken: 4_096,
  globalRate: 5_000,
  globalBurst: 10_000,
  maxSources: 10_000,
};

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiterStats {
  allowed: number;
  droppedPerSource: number;
  droppedGlobal: number;
}

export class RateLimiter {
  private readonly sources: Lru<string, Bucket>;
  private readonly global: Bucket;
  readonly stats: RateLimiterStats = { allowed: 0, droppedPerSource: 0, droppedGlobal: 0 };

  constructor(
    private readonly settings: RateLimitSettings,
    now: number,
  ) {
    this.sources = new Lru(Math.max(1, settings.maxSources));
    this.global = { tokens: settings.globalBurst, at: now };
  }

  get trackedSources(): number {
    return this.sources.size;
  }

  /**
   * Takes `cost` tokens for `source` (and as many global ones); false means: drop this request.
   * (The relay's byte budget is a limiter whose tokens are bytes.)
   */
  allow(source: string, now: number, cost = 1): boolean {
    const s = this.settings;
    let bucket: Bucket | undefined;
    if (s.perSourceRate > 0) {
      bucket = this.sources.get(source);
      if (!bucket) {
        bucket = { tokens: s.perSourceBurst, at: now };
        this.sources.set(source, bucket);
      }
      refill(bucket, s.perSourceRate, s.perSourceBurst, now);
      if (bucket.tokens < cost) {
        this.stats.droppedPerSource++;
        return false;
      }
    }
    if (s.globalRate > 0) {
      refill(this.global, s.globalRate, s.globalBurst, now);
      if (this.global.tokens < cost) {
        this.stats.droppedGlobal++;
        return false;
      }
      this.global.tokens -= cost;
    }
    if (bucket) bucket.tokens -= cost;
    this.stats.allowed++;
    return true;
  }

  /** Charges `source` for an answer of `bytes` (see `bytesPerExtraToken`); no new state is created. */
  charge(source: string, bytes: number): void {
    const s = this.settings;
    if (s.perSourceRate <= 0 || s.bytesPerExtraToken <= 0) return;
    const extra = Math.floor(bytes / s.bytesPerExtraToken);
    if (extra <= 0) return;
    const bucket = this.sources.peek(source);
    if (bucket) bucket.tokens = Math.max(-s.perSourceBurst, bucket.tokens - extra);
  }
}

function refill(b: Bucket, rate: number, burst: number, now: number): void {
  const elapsed = Math.max(0, now - b.at);
  b.tokens = Math.min(burst, b.tokens + (elapsed * rate) / 1000);
  b.at = now;
}
