// The relay's side: forwards a datagram from one peer to another when neither can reach the other
// (symmetric NAT against a port-restricted or symmetric one). Only to peers this relay has verified
// itself (so it is no open reflector aimed at arbitrary addresses), and within a byte budget per
// source and in total (so it cannot be made to carry more than its operator offered).
import { encodeRequest } from '../../../src-shared/protocol/index.js';
import { RateLimiter } from '../guard/rate-limiter.js';
import type { Clock, Endpoint } from '../ports.js';
import { endpointKey } from '../ports.js';

export interface RelaySettings {
  /**
   * Whether we relay for others: 'auto' = when we are a bootstrap peer (public by definition, and
   * run to serve the network); 'always' also as an ordinary peer; 'never'.
   */
  offer: 'auto' | 'always' | 'never';
  /** Bytes per second one source may have relayed, and its burst (a chat's full read is ~1.3 MB). */
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

export type RelayOutcome = 'forwarded' | 'unknown-target' | 'over-budget' | 'too-large';

export interface RelayStats {
  forwarded: number;
  forwardedBytes: number;
  unknownTarget: number;
  overBudget: number;
}

export interface RelayDeps {
  clock: Clock;
  /** Whether we verified `target` ourselves (a registered peer, or one that answered our ping). */
  canReach(target: Endpoint): boolean;
  /** Sends on the socket, bypassing routes: relays talk to both sides directly. */
  send(data: Uint8Array, to: Endpoint): void;
}

export class RelayService {
  readonly stats: RelayStats = { forwarded: 0, forwardedBytes: 0, unknownTarget: 0, overBudget: 0 };
  private readonly budget: RateLimiter;

  /** The budget is fixed at start (a change of settings takes a restart). */
  constructor(
    private readonly deps: RelayDeps,
    settings: RelaySettings,
  ) {
    this.budget = new RateLimiter(
      {
        perSourceRate: settings.perSourceBytesPerSecond,
        perSourceBurst: settings.perSourceBurstBytes,
        bytesPerExtraToken: 0,
        globalRate: settings.totalBytesPerSecond,
        globalBurst: settings.totalBurstBytes,
        maxSources: 10_000,
      },
      deps.clock.now(),
    );
  }

  /** Forwards `msg` from `origin` to `target` as an `n/f`. */
  forward(origin: Endpoint, target: Endpoint, msg: Record<string, unknown>): RelayOutcome {
    if (!this.deps.canReach(target) || endpointKey(target) === endpointKey(origin)) {
      this.stats.unknownTarget++;
      return 'unknown-target';
    }
    let datagram: Uint8Array;
    try {
      datagram = encodeRequest({ type: 'forwarded', origin, msg });
    } catch {
      return 'too-large';
    }
    if (!this.budget.allow(endpointKey(origin), this.deps.clock.now(), datagram.length)) {
      this.stats.overBudget++;
      return 'over-budget';
    }
    this.stats.forwarded++;
    this.stats.forwardedBytes += datagram.length;
    this.deps.send(datagram, target);
    return 'forwarded';
  }
}
