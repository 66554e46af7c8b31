// Anti-amplification: what we may send to an address that has not proven it asked. A request that
// carries a valid address token (address-tokens.ts) is proven and its answer goes out whatever its
// size; every other answer is limited here, so a spoofer who names a victim as the source gains
// little: at most `factor` × the bytes received from that address (the rule of RFC 9000 §8.1),
// plus a small byte allowance per address and for the whole peer (response rate limiting, as DNS
// servers do), which is what lets an original peer — it cannot echo tokens — still read a chat of
// one datagram. Answering one of our pings proves nothing here: every peer answers any ping.
// State per address lives in an LRU, bounded.
import { Lru } from '../lru.js';

export interface AmplificationSettings {
  /** Bytes we may send per byte received to an unproven address; 0 or less disables the rule. */
  factor: number;
  /** Addresses tracked at most (least recently seen forgotten first). */
  maxAddresses: number;
  /** Allowance beyond `factor` per address: a bucket of this many bytes… */
  allowanceBurst: number;
  /** …refilled at this rate. */
  allowancePerSecond: number;
  /** The same for all unproven addresses together. */
  globalAllowanceBurst: number;
  globalAllowancePerSecond: number;
}

export const DEFAULT_AMPLIFICATION: AmplificationSettings = {
  factor: 3,
  maxAddresses: 10_000,
  // One full base g/m answer (≤ 65,507 bytes), then 4 KiB/s: an original peer re-reads a full
  // chat every ~16 s and a small one as often as it polls.
  allowanceBurst: 65_536,
  allowancePerSecond: 4_096,
  globalAllowanceBurst: 1_048_576,
  globalAllowancePerSecond: 524_288,
};

interface Bucket {
  bytes: number;
  at: number;
}

interface Account {
  received: number;
  /** Bytes sent against `factor` × received. */
  sent: number;
  allowance: Bucket;
}

export interface AmplificationStats {
  /** Answers not sent because they would have broken the rule. */
  blocked: number;
  /** Answers that went out only thanks to the allowance. */
  allowanceUsed: number;
}

export class AmplificationGuard {
  private readonly accounts: Lru<string, Account>;
  private readonly global: Bucket;
  readonly stats: AmplificationStats = { blocked: 0, allowanceUsed: 0 };

  constructor(
    private readonly settings: AmplificationSettings,
    now = 0,
  ) {
    this.accounts = new Lru(Math.max(1, settings.maxAddresses));
    this.global = { bytes: settings.globalAllowanceBurst, at: now };
  }

  get enabled(): boolean {
    return this.settings.factor > 0;
  }

  get trackedAddresses(): number {
    return this.accounts.size;
  }

  private account(key: string, now: number): Account {
    let a = this.accounts.get(key);
    if (!a) {
      a = { received: 0, sent: 0, allowance: { bytes: this.settings.allowanceBurst, at: now } };
      this.accounts.set(key, a);
    }
    return a;
  }

  received(key: string, bytes: number, now: number): void {
    if (!this.enabled) return;
    this.account(key, now).received += bytes;
  }

  /**
   * Sends `bytes` to an unproven address if the rule allows it: from the `factor` credit first,
   * then from the allowance (the address's and the global one; none when `allowance` is false: the
   * address is a peer of ours, which never asks without a token). Records it and says yes, or
   * records nothing and says no (counted in `stats.blocked` when `count`).
   */
  trySend(key: string, bytes: number, now: number, allowance = true, count = true): boolean {
    if (!this.enabled) return true;
    const a = this.account(key, now);
    const credit = this.settings.factor * a.received - a.sent;
    if (bytes <= credit) {
      a.sent += bytes;
      return true;
    }
    if (!allowance) {
      if (count) this.stats.blocked++;
      return false;
    }
    const own = refill(a.allowance, now, this.settings.allowanceBurst, this.settings.allowancePerSecond);
    const all = refill(
      this.global,
      now,
      this.settings.globalAllowanceBurst,
      this.settings.globalAllowancePerSecond,
    );
    if (bytes <= own && bytes <= all) {
      a.allowance.bytes -= bytes;
      this.global.bytes -= bytes;
      this.stats.allowanceUsed++;
      return true;
    }
    if (count) this.stats.blocked++;
    return false;
  }
}

/** Brings a bucket up to date and returns its bytes. */
function refill(bucket: Bucket, now: number, burst: number, perSecond: number): number {
  const elapsed = Math.max(0, now - bucket.at);
  bucket.bytes = Math.min(burst, bucket.bytes + (elapsed * perSecond) / 1000);
  bucket.at = now;
  return bucket.bytes;
}
