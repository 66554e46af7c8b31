// The relay's side: forwards a datagram from one peer to another when neither can reach the other
// (symmetric NAT against a port-restricted or symmetric one). Only to peers this relay has verified
// itself (so it is no open reflector aimed at arbitrary addresses), and within a byte budget per
// source and in total (so it cannot be made to carry more than its operator offered).
import { encodeRequest } from '../../../src-shared/protocol/index.js';
import { RateLimiter } from '../guard/rate-limiter.js';
import { Lru } from '../lru.js';
import type { Clock, Endpoint } from '../ports.js';
import { endpointKey } from '../ports.js';

export interface RelaySettings {
  /**
   * Whether we relay for others: 'auto' = as a bootstrap, and as an ordinary peer anyone can send
   * to (traversal.ts, offersRelay); 'always' also as any other ordinary peer; 'never'.
   */
  offer: 'auto' | 'always' | 'never';
  /**
   * Bytes per second one source may have relayed, and its burst (a chat's full read is ~1.3 MB),
   * as a bootstrap; an ordinary peer offers ORDINARY_RELAY_SHARE of every budget.
   */
  perSourceBytesPerSecond: number;
  perSourceBurstBytes: number;
  /** Bytes per second relayed for everyone together, and the burst. */
  totalBytesPerSecond: number;
  totalBurstBytes: number;
}

export const DEFAULT_RELAY: RelaySettings = {
  offer: 'auto',
  perSourceBytesPerSecond: 256 * 1024,
  perSourceBurstBytes: 2 * 1024 * 1024,
  totalBytesPerSecond: 2 * 1024 * 1024,
  totalBurstBytes: 8 * 1024 * 1024,
};

/**
 * The share of the budgets an ordinary peer relays with: a bootstrap is run to serve the network,
 * a user's machine relays on a home uplink (64 KiB/s per source, 512 KiB/s in all by default).
 */
export const ORDINARY_RELAY_SHARE = 0.25;

/**
 * For this long after a proven `n/r` from an address, answers to it are carried back there though
 * it never answered us: its address is proven (our token came back from it) and its NAT binding
 * toward us is fresh. Without this, a relay that is not the requester's own rendezvous forwarded
 * each request and dropped every answer: a reader whose home is another bootstrap could not even
 * list a symmetric host's chats (docs/scale.md). Only answers (`m: "R"`): nothing unasked.
 */
export const ANSWER_BACK_MS = 30_000;
const MAX_REQUESTERS = 10_000;

export type RelayOutcome = 'forwarded' | 'unknown-target' | 'over-budget' | 'too-large';

export interface RelayStats {
  forwarded: number;
  forwardedBytes: number;
  unknownTarget: number;
  overBudget: number;
}

export interface RelayDeps {
  clock: Clock;
  /**
   * Whether we verified `target` ourselves (a registered peer, or one that answered our ping). The
   * caller of `forward` has checked that `origin` proved its address (docs/nat.md, "whom we serve").
   */
  canReach(target: Endpoint): boolean;
  /** Whether we run as a bootstrap now (full budgets) or as an ordinary peer (a share of them). */
  isBootstrap(): boolean;
  /** Sends on the socket, bypassing routes: relays talk to both sides directly. */
  send(data: Uint8Array, to: Endpoint): void;
}

export class RelayService {
  readonly stats: RelayStats = { forwarded: 0, forwardedBytes: 0, unknownTarget: 0, overBudget: 0 };
  private readonly bootstrapBudget: RateLimiter;
  private readonly ordinaryBudget: RateLimiter;
  /** Proven requesters, by address, with the time of their last `n/r`: their answers come back. */
  private readonly requesters = new Lru<string, number>(MAX_REQUESTERS);

  /** The budgets are fixed at start (a change of settings takes a restart; of role, not). */
  constructor(
    private readonly deps: RelayDeps,
    settings: RelaySettings,
  ) {
    this.bootstrapBudget = budgetOf(settings, 1, deps.clock.now());
    this.ordinaryBudget = budgetOf(settings, ORDINARY_RELAY_SHARE, deps.clock.now());
  }

  /** Forwards `msg` from `origin` (its address proven) to `target` as an `n/f`. */
  forward(origin: Endpoint, target: Endpoint, msg: Record<string, unknown>): RelayOutcome {
    const now = this.deps.clock.now();
    this.requesters.set(endpointKey(origin), now);
    if (!this.reaches(target, msg, now) || endpointKey(target) === endpointKey(origin)) {
      this.stats.unknownTarget++;
      return 'unknown-target';
    }
    let datagram: Uint8Array;
    try {
      datagram = encodeRequest({ type: 'forwarded', origin, msg });
    } catch {
      return 'too-large';
    }
    const budget = this.deps.isBootstrap() ? this.bootstrapBudget : this.ordinaryBudget;
    if (!budget.allow(endpointKey(origin), now, datagram.length)) {
      this.stats.overBudget++;
      return 'over-budget';
    }
    this.stats.forwarded++;
    this.stats.forwardedBytes += datagram.length;
    this.deps.send(datagram, target);
    return 'forwarded';
  }

  /** A peer we verified ourselves takes anything; a proven requester, answers within ANSWER_BACK_MS. */
  private reaches(target: Endpoint, msg: Record<string, unknown>, now: number): boolean {
    if (this.deps.canReach(target)) return true;
    const askedAt = this.requesters.peek(endpointKey(target));
    return msg.m === 'R' && askedAt !== undefined && now - askedAt <= ANSWER_BACK_MS;
  }
}

function budgetOf(settings: RelaySettings, share: number, now: number): RateLimiter {
  return new RateLimiter(
    {
      perSourceRate: settings.perSourceBytesPerSecond * share,
      perSourceBurst: settings.perSourceBurstBytes * share,
      bytesPerExtraToken: 0,
      globalRate: settings.totalBytesPerSecond * share,
      globalBurst: settings.totalBurstBytes * share,
      maxSources: 10_000,
    },
    now,
  );
}
