// Keepalives: NAT bindings die when idle, so every punched path that answered nothing of ours
// within an interval, every relay we route through lately and every rendezvous we registered with
// while behind a NAT gets one ping per interval; the answer refreshes the NATs' bindings on the
// way. A relayed path holds no binding of its own (the far side keeps its own toward the relay it
// registered with): it is kept by keeping ours toward the relay while we use it, and never dropped
// for idleness, since it costs nothing while it waits (our next request through it opens our
// binding again) and proving it again costs a failed punch and a challenged ping through the
// relay (docs/scale.md). A punched path that stays silent twice in a row is
// dropped: found again on use. So is one we have not set out to use for `idleMs`: keeping every
// path of a 64-peer view open cost most of a peer's traffic, and punching one again on use costs
// less. The interval adapts to what the rounds show (keepalive-interval.ts).
import type { AnsweredAddresses } from '../answered-addresses.js';
import type { PeerClient } from '../peer-client.js';
import type { Clock, Endpoint, TimerHandle } from '../ports.js';
import { endpointKey } from '../ports.js';
import { isClosed } from './connector.js';
import {
  type KeepaliveCadence,
  type KeepaliveOutcome,
  nextCadence,
  startCadence,
} from './keepalive-interval.js';
import { type PathTable, type Route, routeAddress } from './path-table.js';

/** Keepalive failures in a row after which a punched or relayed path is dropped. */
const MAX_KEEPALIVE_FAILURES = 2;
const PING = { attempts: 1, timeoutMs: 2_000 };

export interface KeepaliveDeps {
  client: PeerClient;
  paths: PathTable;
  clock: Clock;
  /** Who answered us straight, and when: a binding used within the interval needs no ping. */
  answered: AnsweredAddresses;
  /** The user's setting: the longest interval allowed (read again for every round); 0 or less: off. */
  intervalMs(): number;
  /**
   * Rendezvous whose binding toward us must stay open so they can introduce others to us (our
   * registrations): empty when we are not behind a NAT. Sync re-registers too, but its interval
   * may be longer than a router's binding lifetime.
   */
  rendezvous(): Endpoint[];
  /** A path not wanted (PathTable.markWanted) for this long is dropped, not kept; 0 or less: never. */
  idleMs(): number;
}

export class Keepalive {
  private readonly failures = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private cadence: KeepaliveCadence = { intervalMs: 0, keptRounds: 0 };
  /** Bumped on restart: a round still in flight then no longer schedules the next. */
  private generation = 0;

  constructor(private readonly deps: KeepaliveDeps) {}

  start(): void {
    this.cadence = startCadence(this.deps.intervalMs());
    this.schedule();
  }

  /** The setting changed: the cadence starts over from it (also turning keepalives on or off). */
  restart(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.generation++;
    this.start();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The interval the next round waits (0: off). */
  get currentIntervalMs(): number {
    return this.cadence.intervalMs;
  }

  private schedule(): void {
    const interval = this.cadence.intervalMs;
    if (interval <= 0 || this.stopped) return;
    const generation = this.generation;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.round(interval).then((outcome) => {
        if (generation !== this.generation) return;
        this.cadence = nextCadence(this.cadence, outcome, this.deps.intervalMs());
        this.schedule();
      });
    }, interval);
  }

  /**
   * One ping per binding that went quiet for `interval`: a punched path that answered anything of
   * ours within it needs none (that answer refreshed both NATs' bindings on the way), and a relayed
   * path is kept by keeping our binding toward its relay (one direct ping per relay, not one
   * relayed ping per peer through it: the far side keeps its own toward the relay it registered
   * with). Resolves with what the round showed.
   */
  private async round(interval: number): Promise<KeepaliveOutcome> {
    const { client, paths, answered, clock } = this.deps;
    const quietSince = clock.now() - interval;
    const answeredLately = (e: Endpoint) =>
      (answered.lastAnswerAt(e) ?? Number.NEGATIVE_INFINITY) > quietSince;
    const pings: Promise<boolean>[] = [];
    const bindings = new Map<string, Endpoint>();
    for (const { peer, route } of paths.entries()) {
      // A direct IPv6 path is kept too: a stateful IPv6 firewall forgets like a NAT, and a lost one
      // must be dropped so requests fall back to IPv4.
      if (route.kind === 'direct' && !route.actual) continue;
      if (route.kind === 'punched' && this.unwanted(peer, route)) {
        paths.delete(peer);
        this.failures.delete(endpointKey(peer));
        continue;
      }
      if (route.kind === 'relayed') {
        // Only while the path is in use: our own next request through the relay opens our binding
        // again, and a relay kept open for every idle relayed path made each bootstrap answer a
        // ping per 20 s from every peer that had a symmetric peer in its view (docs/scale.md).
        if (!this.unwanted(peer, route)) bindings.set(endpointKey(route.relay), route.relay);
        continue;
      }
      if (answeredLately(routeAddress(peer, route))) {
        this.failures.delete(endpointKey(peer));
        continue;
      }
      pings.push(this.keepPath(peer, route));
    }
    for (const rv of this.deps.rendezvous()) bindings.set(endpointKey(rv), rv);
    for (const binding of bindings.values()) {
      if (answeredLately(binding)) continue;
      // A failed ping here drops nothing: sync finds out whether the registration still holds, and
      // a relayed path whose relay is gone fails on use and is found again.
      pings.push(
        client.ping(binding, PING).then(
          () => true,
          () => true,
        ),
      );
    }
    if (pings.length === 0) return 'idle';
    const kept = await Promise.all(pings);
    return kept.every(Boolean) ? 'kept' : 'lost';
  }

  /** Whether nothing set out to use this path (PathTable.markWanted) for `idleMs`. */
  private unwanted(peer: Endpoint, route: Route): boolean {
    const idleMs = this.deps.idleMs();
    const wanted = this.deps.paths.wantedAt(peer) ?? route.since;
    return idleMs > 0 && this.deps.clock.now() - wanted > idleMs;
  }

  /** Pings a punched or relayed path; false when this failure dropped it. */
  private keepPath(peer: Endpoint, route: Route): Promise<boolean> {
    const { client, paths } = this.deps;
    const key = endpointKey(peer);
    return client.ping(peer, PING).then(
      () => {
        this.failures.delete(key);
        return true;
      },
      (err: unknown) => {
        if (isClosed(err)) return true;
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        if (failures >= MAX_KEEPALIVE_FAILURES && paths.get(peer) === route) {
          paths.delete(peer);
          this.failures.delete(key);
          return false;
        }
        return true;
      },
    );
  }
}
