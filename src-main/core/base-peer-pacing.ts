// Gentle toward base peers (docs/protocol.md, "Toward base peers"). The original Python peer takes
// requests on a 0.5 s poll, one at a time, and crashes when two requests that touch its database
// are in flight. So toward a peer that has not advertised `nance` in a ping answer (PeerClient
// first pings a peer it never pinged, and paces it too if it stays silent), every store request
// (g/c, g/m, g/i, s/m, r/i) waits for the previous one to be answered plus a short gap, is retried
// no sooner than 1.5 s, and a registration is sent once with one long wait (the original pings us
// back before it answers). Pings are exempt: they touch no
// store and are how we learn what a peer is. Peers of ours keep the fast defaults.
import type { Request } from '../../src-shared/protocol/index.js';
import { NanceError } from './errors.js';
import type { Clock, Endpoint } from './ports.js';
import { endpointKey } from './ports.js';
import type { RetryPolicy } from './request-engine.js';

export interface BasePacingSettings {
  /** Retries of a store request; with its jitter the first resend is never sooner than 1.5 s. */
  retry: RetryPolicy;
  /** The one wait of a registration (sent once): the original's poll, its ping-back, its next poll. */
  registerWaitMs: number;
  /** Pause after an answer before the next request to the same base peer. */
  gapMs: number;
  /** Requests that may wait behind the one in flight, per base peer; more fail at once. */
  maxQueued: number;
}

export const DEFAULT_BASE_PACING: Readonly<BasePacingSettings> = Object.freeze({
  retry: Object.freeze({ timeoutMs: 2_000, attempts: 3, backoff: 2, jitter: 0.25 }),
  registerWaitMs: 10_000,
  gapMs: 250,
  maxQueued: 16,
});

const STORE_REQUESTS = new Set<Request['type']>([
  'getChats',
  'getMessages',
  'getPeers',
  'postMessage',
  'register',
]);

/**
 * Whether a request is paced when its destination is not known to be a peer of ours: the base
 * requests that touch a store. Extension requests go only to peers that advertised them.
 */
export const touchesStore = (request: Request): boolean => STORE_REQUESTS.has(request.type);

/** The retry policy of a store request to a base peer. */
export function baseRetryPolicy(request: Request, settings: BasePacingSettings): Partial<RetryPolicy> {
  if (request.type === 'register') return { timeoutMs: settings.registerWaitMs, attempts: 1, jitter: 0 };
  return settings.retry;
}

/** A caller's retry policy with its first resend no sooner than a store request's (pings to base peers). */
export function slowFirstRetry(
  policy: Partial<RetryPolicy> | undefined,
  settings: BasePacingSettings,
): Partial<RetryPolicy> {
  const { timeoutMs, jitter } = settings.retry;
  return { ...policy, timeoutMs: Math.max(policy?.timeoutMs ?? 0, timeoutMs), jitter };
}

interface Lane {
  /** Starters of the requests waiting behind the one in flight. */
  waiting: (() => void)[];
}

/** One request in flight per base peer, the rest in a bounded queue, a gap between them. */
export class BasePeerPacer {
  /** Base peers with a request in flight (or in its gap); a lane goes once it is idle. */
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: () => BasePacingSettings,
  ) {}

  /** Runs `send` when no other paced request to `to` is in flight; rejects at once when the queue is full. */
  run<T>(to: Endpoint, send: () => Promise<T>): Promise<T> {
    const key = endpointKey(to);
    const lane = this.lanes.get(key);
    if (!lane) {
      this.lanes.set(key, { waiting: [] });
      return this.start(key, send);
    }
    const { maxQueued } = this.settings();
    if (lane.waiting.length >= maxQueued) {
      return Promise.reject(
        new NanceError('exception', `base peer ${key} is busy: ${maxQueued} requests already wait for it`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      lane.waiting.push(() => void this.start(key, send).then(resolve, reject));
    });
  }

  private start<T>(key: string, send: () => Promise<T>): Promise<T> {
    const done = send();
    const next = () => {
      const lane = this.lanes.get(key);
      const starter = lane?.waiting.shift();
      if (starter) starter();
      else this.lanes.delete(key);
    };
    done.then(
      () => this.clock.setTimeout(next, this.settings().gapMs),
      // Shutting down: what waits fails at once, no need to pace it.
      (err: unknown) =>
        err instanceof NanceError && err.kind === 'closed'
          ? next()
          : this.clock.setTimeout(next, this.settings().gapMs),
    );
    return done;
  }
}
