// Anti-amplification (the rule of RFC 9000 §8.1): to an address that has not proven it receives
// what we send, never send more than `factor` × the bytes received from it. An address is
// validated once it answers one of our requests with the matching z (a fresh UUID an off-path
// spoofer cannot guess) — a ping, a ping-back of a registration, any sync request.
// State per address (received, sent, validated) lives in an LRU, bounded.
import { Lru } from './lru.js';

export interface AmplificationSettings {
  /** Bytes we may send per byte received to an unvalidated address; 0 or less disables the rule. */
  factor: number;
  /** Addresses tracked at most (least recently seen forgotten first: it must then validate again). */
  maxAddresses: number;
}

export const DEFAULT_AMPLIFICATION: AmplificationSettings = { factor: 3, maxAddresses: 10_000 };

interface Account {
  received: number;
  sent: number;
  validated: boolean;
}

export interface AmplificationStats {
  /** Replies held back because they would have broken the rule. */
  blocked: number;
  validations: number;
}

export class AmplificationGuard {
  private readonly accounts: Lru<string, Account>;
  readonly stats: AmplificationStats = { blocked: 0, validations: 0 };

  constructor(private readonly settings: AmplificationSettings) {
    this.accounts = new Lru(Math.max(1, settings.maxAddresses));
  }

  get enabled(): boolean {
    return this.settings.factor > 0;
  }

  get trackedAddresses(): number {
    return this.accounts.size;
  }

  private account(key: string): Account {
    let a = this.accounts.get(key);
    if (!a) {
      a = { received: 0, sent: 0, validated: false };
      this.accounts.set(key, a);
    }
    return a;
  }

  received(key: string, bytes: number): void {
    if (!this.enabled) return;
    this.account(key).received += bytes;
  }

  isValidated(key: string): boolean {
    return !this.enabled || this.accounts.peek(key)?.validated === true;
  }

  /** Whether `bytes` more may be sent to `key` now (a refusal is counted in `stats.blocked`). */
  maySend(key: string, bytes: number, count = true): boolean {
    if (!this.enabled) return true;
    const a = this.accounts.peek(key);
    if (a?.validated) return true;
    const allowed = this.settings.factor * (a?.received ?? 0) - (a?.sent ?? 0);
    if (bytes <= allowed) return true;
    if (count) this.stats.blocked++;
    return false;
  }

  sent(key: string, bytes: number): void {
    if (!this.enabled) return;
    const a = this.accounts.peek(key);
    if (a && !a.validated) a.sent += bytes;
  }

  validate(key: string): void {
    if (!this.enabled) return;
    const a = this.account(key);
    if (!a.validated) this.stats.validations++;
    a.validated = true;
  }
}
