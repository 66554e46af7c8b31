// Direct IPv6 paths (docs/nat.md, "IPv6"): a Nance peer names its own IPv6 endpoints (`a6`) in
// the ping answers it gives our peers. Each is only a candidate: we take it as the path to that
// peer once a challenged ping sent there proves the very key proven at the peer's IPv4 address.
// A peer naming someone else's IPv6 address gains nothing (the key there is not its own), and the
// IPv6 address never stands for the key in the key directory: the peer keeps its name (its IPv4
// address) and only the route changes. Preferred over any IPv4 path (no NAT to punch, no relay);
// when it goes silent, keepalive or the failed request drops it and IPv4 takes over again.
// Through two stateful firewalls only the second prober's probe gets in (the first one's opened
// its own firewall on the way out): a probe from a candidate a peer named is answered with a probe
// back at once, so both sides get the path. A v6 source that proves a known peer's key in any
// other challenged ping is that peer's path too (`adopt`), never a second peer.
import { isIPv6 } from '../addresses.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { KeyCheck, PingInfo } from '../peer-client.js';
import type { Clock, Endpoint } from '../ports.js';
import { endpointKey, endpointOf } from '../ports.js';
import type { RetryPolicy } from '../request-engine.js';
import { isDirectIpv6, type PathTable } from './path-table.js';

/** A peer whose candidates all failed is tried again after this long (its firewall may open). */
export const IPV6_RETRY_MS = 5 * 60_000;
/** Peers remembered as tried (the oldest are forgotten first: at worst tried again early). */
const MAX_TRIED = 10_000;
/** A probe is short: IPv4 works meanwhile, and a filtered candidate must not hold anything up. */
const PROBE: Partial<RetryPolicy> = { attempts: 2, timeoutMs: 1_000 };
/**
 * A probe back is one datagram, answering a probe that came in (its firewall was just opened by
 * it): a spoofed probe must not make us send more than it sent.
 */
const PROBE_BACK: Partial<RetryPolicy> = { attempts: 1, timeoutMs: 1_000 };
/**
 * Probes back to one peer per retry window, at most one per gap: a lost one is made good by the
 * peer's next probe or keepalive over the path it proved (else we would stay relayed for the
 * window), and a flood of probes, spoofed or not, still gets at most this many.
 */
const MAX_PROBES_BACK = 3;
const PROBE_BACK_GAP_MS = 2_000;
/** Candidates remembered (IPv6 endpoint -> the peer that named it and its key). */
const MAX_CANDIDATES = 10_000;

export interface Ipv6PathDeps {
  ping(to: Endpoint, policy: Partial<RetryPolicy>, check: KeyCheck): Promise<unknown>;
  paths: PathTable;
  clock: Clock;
  logger: Logger;
  /** Our own IPv6 endpoints: without one we have no IPv6 to reach anyone with. */
  ours(): readonly Endpoint[];
}

export class Ipv6Paths {
  /** Peer -> when its candidates were last tried. */
  private readonly tried = new Lru<string, number>(MAX_TRIED);
  /** IPv6 endpoint -> the peer (by its IPv4 name) that named it in `a6`, and the key proven there. */
  private readonly candidates = new Lru<string, { peer: Endpoint; key: string }>(MAX_CANDIDATES);
  /** Peer -> our probes back to it in the current retry window (see MAX_PROBES_BACK). */
  private readonly probedBack = new Lru<string, { since: number; last: number; count: number }>(MAX_TRIED);

  constructor(private readonly deps: Ipv6PathDeps) {}

  /**
   * The peer (by its IPv4 name) that named IPv6 endpoint `source` as its own in `a6`, if the key
   * proven at that name is `key`: peers are named by IPv4 (g/i, chat lists, the base wire).
   */
  nameOf(source: Endpoint, key: string): Endpoint | undefined {
    const named = this.candidates.peek(endpointKey(source));
    return named?.key === key ? endpointOf(named.peer) : undefined;
  }

  /** A ping answer from `peer` (at its own address): probe the IPv6 endpoints it names, once in a while. */
  learned(peer: Endpoint, info: PingInfo): void {
    const { clock } = this.deps;
    const key = info.key;
    if (key === undefined || !info.a6 || this.deps.ours().length === 0 || isIPv6(peer.host)) return;
    for (const candidate of info.a6)
      this.candidates.set(endpointKey(candidate), { peer: endpointOf(peer), key });
    if (this.hasPath(peer)) return;
    const now = clock.now();
    const last = this.tried.peek(endpointKey(peer));
    if (last !== undefined && now - last < IPV6_RETRY_MS) return;
    this.tried.set(endpointKey(peer), now);
    void this.prove(peer, key, info.a6);
  }

  /**
   * A ping came in from `source` (an IPv6 address no route stands for). When a peer named it as
   * its own, that peer is probing us: its probe got through our firewall, ours may not have got
   * through its — probe back now, which its probe just let in (see MAX_PROBES_BACK).
   */
  pingedBy(source: Endpoint): void {
    if (!isIPv6(source.host) || this.deps.ours().length === 0) return;
    const named = this.candidates.peek(endpointKey(source));
    if (named === undefined || this.hasPath(named.peer)) return;
    const now = this.deps.clock.now();
    const key = endpointKey(named.peer);
    const window = this.probedBack.peek(key);
    if (window === undefined || now - window.since >= IPV6_RETRY_MS) {
      this.probedBack.set(key, { since: now, last: now, count: 1 });
    } else if (window.count < MAX_PROBES_BACK && now - window.last >= PROBE_BACK_GAP_MS) {
      this.probedBack.set(key, { since: window.since, last: now, count: window.count + 1 });
    } else {
      return;
    }
    void this.prove(named.peer, named.key, [source], PROBE_BACK);
  }

  /** A challenged ping at `alternate` (IPv6) proved the key of `peer` (IPv4): its path, as a probe's would be. */
  adopt(peer: Endpoint, alternate: Endpoint): void {
    if (this.deps.ours().length === 0 || this.hasPath(peer)) return;
    this.deps.paths.set(peer, {
      kind: 'direct',
      actual: endpointOf(alternate),
      since: this.deps.clock.now(),
    });
  }

  private hasPath(peer: Endpoint): boolean {
    return isDirectIpv6(this.deps.paths.get(peer));
  }

  /** The first candidate that proves `key` becomes the path to `peer`. */
  private async prove(
    peer: Endpoint,
    key: string,
    candidates: readonly Endpoint[],
    policy = PROBE,
  ): Promise<void> {
    for (const candidate of candidates) {
      try {
        await this.deps.ping(candidate, policy, { expect: key, alternate: true });
      } catch (err) {
        this.deps.logger.debug(
          { peer: endpointKey(peer), candidate: endpointKey(candidate), err: String(err) },
          'IPv6 candidate not proven',
        );
        continue;
      }
      this.deps.paths.set(peer, {
        kind: 'direct',
        actual: endpointOf(candidate),
        since: this.deps.clock.now(),
      });
      return;
    }
  }
}
