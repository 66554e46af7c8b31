// The peer's protection against abuse from the network, consulted by peer.ts on each datagram in
// and each reply out: rate limits (rate-limiter.ts) and anti-amplification (amplification.ts).
// See docs/protocol.md, "Abuse limits".
import type { RetryPolicy } from '../request-engine.js';
import { AmplificationGuard, type AmplificationSettings, DEFAULT_AMPLIFICATION } from './amplification.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitSettings } from './rate-limiter.js';

export interface GuardSettings {
  rate: RateLimitSettings;
  amplification: AmplificationSettings;
  /** Addresses whose answers may wait for a validation ping at once; more are simply not answered. */
  maxPendingValidations: number;
  /** Answers held per address while it is being validated (the newest are kept). */
  maxHeldPerAddress: number;
  /** The validation ping: short, it holds up the asker's answer by one round trip. */
  validationPing: Partial<RetryPolicy>;
}

export const DEFAULT_GUARD: GuardSettings = {
  rate: DEFAULT_RATE_LIMITS,
  amplification: DEFAULT_AMPLIFICATION,
  maxPendingValidations: 256,
  maxHeldPerAddress: 4,
  validationPing: { timeoutMs: 250, attempts: 3, backoff: 1.5 },
};

/** Rate limits off and the amplification rule off: for tests and benches that need raw throughput. */
export const GUARD_OFF: GuardSettings = {
  ...DEFAULT_GUARD,
  rate: { ...DEFAULT_RATE_LIMITS, perSourceRate: 0, globalRate: 0 },
  amplification: { ...DEFAULT_AMPLIFICATION, factor: 0 },
};

export interface GuardStats {
  allowed: number;
  droppedPerSource: number;
  droppedGlobal: number;
  amplificationBlocked: number;
  validations: number;
  heldReplies: number;
  trackedSources: number;
  trackedAddresses: number;
}

export class Guard {
  readonly rate: RateLimiter;
  readonly amplification: AmplificationGuard;
  heldReplies = 0;

  constructor(
    readonly settings: GuardSettings,
    now: number,
  ) {
    this.rate = new RateLimiter(settings.rate, now);
    this.amplification = new AmplificationGuard(settings.amplification);
  }

  stats(): GuardStats {
    return {
      ...this.rate.stats,
      amplificationBlocked: this.amplification.stats.blocked,
      validations: this.amplification.stats.validations,
      heldReplies: this.heldReplies,
      trackedSources: this.rate.trackedSources,
      trackedAddresses: this.amplification.trackedAddresses,
    };
  }
}
