// The peer's protection against abuse from the network, consulted by peer.ts on each datagram in
// and each answer out: rate limits before decoding (rate-limiter.ts), address tokens that prove a
// requester asked (address-tokens.ts), and anti-amplification for everyone else
// (amplification.ts). See docs/protocol.md, "Abuse limits", and docs/security.md.
import { type Decoded, decodeDatagram } from '../../../src-shared/protocol/index.js';
import { AddressTokens } from './address-tokens.js';
import { AmplificationGuard, type AmplificationSettings, DEFAULT_AMPLIFICATION } from './amplification.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitSettings } from './rate-limiter.js';

export interface GuardSettings {
  rate: RateLimitSettings;
  amplification: AmplificationSettings;
}

export const DEFAULT_GUARD: GuardSettings = Object.freeze({
  rate: Object.freeze({ ...DEFAULT_RATE_LIMITS }),
  amplification: Object.freeze({ ...DEFAULT_AMPLIFICATION }),
});

/** Rate limits off and the amplification rule off: for tests and benches that need raw throughput. */
export const GUARD_OFF: GuardSettings = Object.freeze({
  rate: Object.freeze({ ...DEFAULT_RATE_LIMITS, perSourceRate: 0, globalRate: 0 }),
  amplification: Object.freeze({ ...DEFAULT_AMPLIFICATION, factor: 0 }),
});

export interface GuardStats {
  allowed: number;
  droppedPerSource: number;
  droppedGlobal: number;
  amplificationBlocked: number;
  allowanceUsed: number;
  proofsAsked: number;
  trackedSources: number;
  trackedAddresses: number;
}

/** What the guard weighs about whoever an answer goes to. */
export interface AskerFacts {
  /** The request echoed a valid address token for this address. */
  proven: boolean;
  /** The request carried a `k` at all: its sender speaks the proof extension. */
  asksProof: boolean;
  /** The address is a peer that advertised `proof` to us. */
  knownToProve: boolean;
}

/** How an answer may leave: whole, as a request to prove the address (`r: 4`), or not at all. */
export type AnswerVerdict = 'send' | 'prove' | 'drop';

export class Guard {
  readonly rate: RateLimiter;
  readonly amplification: AmplificationGuard;
  readonly tokens: AddressTokens;
  private proofsAsked = 0;

  constructor(
    readonly settings: GuardSettings,
    now: number,
    tokens = new AddressTokens(),
  ) {
    this.rate = new RateLimiter(settings.rate, now);
    this.amplification = new AmplificationGuard(settings.amplification, now);
    this.tokens = tokens;
  }

  /**
   * A datagram in: decoded, or undefined when the rate limits drop it. Everything is charged to
   * its source before decoding, so a flood costs as little as possible — except that from an
   * address we await answers of (`awaited`), answers are decoded first and not charged (a chat
   * read brings hundreds of pages from one host), nor are the relay wrappers (`n/f`) that carry
   * them: what a wrapper carries is admitted again, under its origin.
   */
  admit(data: Uint8Array, key: string, awaited: boolean, now: number): Decoded | undefined {
    if (!awaited && !this.rate.allow(key, now)) return undefined;
    const decoded = decodeDatagram(data);
    const exempt =
      decoded.kind === 'response' || (decoded.kind === 'request' && decoded.request.type === 'forwarded');
    if (awaited && !exempt && !this.rate.allow(key, now)) return undefined;
    // Bytes of dropped datagrams earn no amplification credit (stricter, and cheaper under a flood).
    this.amplification.received(key, data.length, now);
    return decoded;
  }

  /** Whether a request's address token (`k`) is ours, for exactly the address it came from. */
  isProven(proof: string | undefined, key: string, now: number): boolean {
    return proof !== undefined && this.tokens.verify(key, proof, now);
  }

  /**
   * May an answer of `bytes` go to `key`? A proven requester gets any answer; anyone else within
   * the amplification rule. Over it, a requester that speaks the proof extension (`asksProof`: it
   * sent a `k`, even a stale one) is told to prove its address; base requesters get silence.
   * The allowance is for base requesters only, which cannot prove: a requester that sends `k` can
   * (a made-up `k` must not buy a spoofer the allowance), and an address that advertised `proof` to
   * us sends `k` with every request, so one without is forged in its name.
   */
  answer(key: string, bytes: number, now: number, asker: AskerFacts): AnswerVerdict {
    const allowance = !asker.asksProof && !asker.knownToProve;
    if (asker.proven || this.amplification.trySend(key, bytes, now, allowance)) return 'send';
    if (!asker.asksProof) return 'drop';
    this.proofsAsked++;
    return 'prove';
  }

  stats(): GuardStats {
    return {
      ...this.rate.stats,
      amplificationBlocked: this.amplification.stats.blocked,
      allowanceUsed: this.amplification.stats.allowanceUsed,
      proofsAsked: this.proofsAsked,
      trackedSources: this.rate.trackedSources,
      trackedAddresses: this.amplification.trackedAddresses,
    };
  }
}
