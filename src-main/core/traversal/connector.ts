// Reaching another peer (docs/nat.md, "The order of attempts"): the known path if it still answers,
// else direct, else a hole punched through a rendezvous, else a relay; each proven by a ping.
import { ResultCode } from '../../../src-shared/protocol/index.js';
import { isPrivateAddress } from '../addresses.js';
import { NanceError } from '../errors.js';
import { homeBootstrap } from '../home-bootstrap.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { PeerClient, PingInfo } from '../peer-client.js';
import { type PeerDirectory, UNKNOWN_NAT } from '../peer-directory.js';
import type { Clock, Endpoint } from '../ports.js';
import { endpointKey, endpointOf, sameEndpoint } from '../ports.js';
import type { RetryPolicy } from '../request-engine.js';
import { isDirectIpv6, type PathTable, type Route } from './path-table.js';
import type { PunchSessions } from './punch.js';

/** NAT types behind which a peer cannot be reached before it has sent to us: punch straight away. */
export const NEEDS_PUNCH = new Set(['Restricted Cone', 'Port Restricted Cone', 'Symmetric']);
/** NAT types a user's request finds a path for first (a host never heard from may be behind any). */
const NEEDS_TRAVERSAL = new Set([...NEEDS_PUNCH, UNKNOWN_NAT]);
/** NAT types that take a datagram from anyone: reached directly or not at all. */
const REACHABLE_UNASKED = new Set(['Open Internet', 'Full Cone']);
/**
 * `n/i` answers that say the rendezvous cannot reach the peer: 3, the peer did not answer its `n/p`;
 * 10, the peer has not answered it lately (or never did). It relays only to peers that did.
 */
const CANNOT_REACH = new Set<number>([ResultCode.Unreachable, ResultCode.NotFound]);
/** Rendezvous / relays tried per peer. */
const MAX_CANDIDATES = 3;
/** Peers that listed a peer to us, remembered per peer (newest first). */
const MAX_INTRODUCERS = 3;
const MAX_REMEMBERED = 10_000;

export interface ConnectorDeps {
  client: PeerClient;
  paths: PathTable;
  punches: PunchSessions;
  peers: PeerDirectory;
  clock: Clock;
  logger: Logger;
  /** How long a direct attempt (and a check of an existing path) waits. */
  directCheck(): Partial<RetryPolicy>;
  bootstrapPeers(): Endpoint[];
  /** Whether joining `bootstrap` failed for us lately (it is down): a peer's home is then the next. */
  bootstrapDown(bootstrap: Endpoint): boolean;
}

export class Connector {
  /** Who listed a peer to us (its rendezvous of choice), newest first, by peer. */
  private readonly introducers = new Lru<string, Endpoint[]>(MAX_REMEMBERED);
  /** Reach attempts running, by peer, so concurrent callers share one. */
  private readonly reaching = new Map<string, Promise<PingInfo>>();

  constructor(private readonly deps: ConnectorDeps) {}

  /**
   * Remembers who listed `peer` to us: a rendezvous (and relay) to ask for it, the newest first.
   * An ordinary peer lists a NATed peer only while it is that peer's rendezvous (peer-directory.ts).
   */
  noteIntroducer(peer: Endpoint, introducer: Endpoint): void {
    const key = endpointKey(peer);
    const before = (this.introducers.peek(key) ?? []).filter((e) => !sameEndpoint(e, introducer));
    this.introducers.set(key, [endpointOf(introducer), ...before].slice(0, MAX_INTRODUCERS));
  }

  /**
   * `peer` named the ordinary rendezvous it is registered with now (`rv` in its ping answer): they
   * replace whoever listed it once (a lister stays its rendezvous only until the registration
   * lapses, then answers our `n/i` "not found", and the peer's home bootstrap took the rest: most
   * of what bootstraps introduced at 1,000 peers, docs/scale.md). An empty list leaves its home.
   * Only from an answer that did not come out of a relay (a relay could rewrite it). A liar gains
   * what a lying lister does: an `n/i` at each address it names (pinged first if it never
   * advertised `punch`); our knocks still go only to the address we hold for it.
   */
  rendezvousNamed(peer: Endpoint, named: Endpoint[]): void {
    if (this.deps.paths.get(peer)?.kind === 'relayed') return;
    // A public peer's rendezvous are public: a private address named would have us ask our own LAN.
    const scoped = isPrivateAddress(peer.host) ? named : named.filter((e) => !isPrivateAddress(e.host));
    const others = scoped.filter((e) => !sameEndpoint(e, peer)).slice(0, MAX_INTRODUCERS);
    if (others.length === 0) this.introducers.delete(endpointKey(peer));
    else this.introducers.set(endpointKey(peer), others.map(endpointOf));
  }

  /**
   * Finds a path to `peer` and proves it with a ping: the known path if it still answers, else
   * direct, else a hole punched through a rendezvous, else a relay. `listedNatType` (from a peer
   * list) lets a peer behind a restricted NAT be punched at once instead of after a direct attempt.
   * Rejects with a timeout (90) when nothing answers.
   */
  reach(peer: Endpoint, listedNatType?: string): Promise<PingInfo> {
    this.deps.paths.markWanted(peer, this.deps.clock.now());
    return this.once(peer, () => this.findPath(peer, listedNatType));
  }

  /**
   * A route punched on a rendezvous's `n/p` (we knocked, they answered): kept once proven, as one
   * of our own reaches would be, unless a reach of ours for that peer is running already.
   */
  proveRoute(peer: Endpoint, route: Route): Promise<PingInfo> {
    return this.once(peer, () => this.keepIfProven(peer, route));
  }

  /** One attempt per peer at a time: callers while it runs share it. */
  private once(peer: Endpoint, attempt: () => Promise<PingInfo>): Promise<PingInfo> {
    const key = endpointKey(peer);
    const running = this.reaching.get(key);
    if (running) return running;
    const started = attempt().finally(() => this.reaching.delete(key));
    this.reaching.set(key, started);
    return started;
  }

  /**
   * Before a user's request goes out: a known peer that may need traversal (behind a restricted
   * NAT, or heard of only from an announcement) and has no path now gets one first. Anyone else
   * (a stranger, a base peer) is asked directly, as always.
   */
  async ensurePath(peer: Endpoint): Promise<void> {
    this.deps.paths.markWanted(peer, this.deps.clock.now());
    // A reach running (a sync's, a punch's proof) decides first: until its challenged ping answers,
    // the route it set is only provisional, and the key there unproven.
    await this.reaching.get(endpointKey(peer))?.catch(() => undefined);
    if (this.deps.paths.get(peer)) return;
    const natType = this.deps.peers.natTypeOf(peer);
    if (natType === undefined || !NEEDS_TRAVERSAL.has(natType)) return;
    await this.reach(peer, natType).catch(() => undefined);
  }

  /** A peer we no longer track: its path and who introduced it go. */
  forget(peer: Endpoint): void {
    this.deps.paths.delete(peer);
    this.introducers.delete(endpointKey(peer));
  }

  private async findPath(peer: Endpoint, listedNatType?: string): Promise<PingInfo> {
    const { client, paths, clock } = this.deps;
    const check = this.deps.directCheck();
    const known = paths.get(peer);
    if (known) {
      try {
        return await client.ping(peer, check);
      } catch (err) {
        if (isClosed(err)) throw err;
        // Only the route that failed: one proven while the ping ran (an IPv6 path) stays.
        if (paths.get(peer) === known) paths.delete(peer);
      }
    }
    // A peer behind a restricted NAT cannot answer before it sent to us: punch at once if we can.
    // Not at a private address (a LAN neighbour): no rendezvous out there could introduce it. Nor
    // one that registered with us lately: it keeps its binding toward us open (docs/scale.md).
    let rendezvous =
      listedNatType &&
      NEEDS_PUNCH.has(listedNatType) &&
      !isPrivateAddress(peer.host) &&
      !this.deps.peers.registeredLately(peer)
        ? await this.candidates(peer, 'punch')
        : [];
    if (rendezvous.length === 0) {
      try {
        const info = await client.ping(peer, check);
        if (!isDirectIpv6(paths.get(peer))) paths.set(peer, { kind: 'direct', since: clock.now() });
        return info;
      } catch (err) {
        if (isClosed(err)) throw err;
      }
    }
    // Open or full cone: anyone may send to it, so a silent one is gone, and a punch or a relay
    // would only ask a rendezvous (most often a bootstrap) to chase it too (docs/scale.md).
    if (listedNatType && REACHABLE_UNASKED.has(listedNatType)) {
      throw NanceError.fromCode(ResultCode.Timeout, `reach ${endpointKey(peer)}: no answer`);
    }
    if (rendezvous.length === 0) rendezvous = await this.candidates(peer, 'punch');
    // Rendezvous that cannot reach the peer (CANNOT_REACH): relaying through them would only carry
    // three pings to nobody (docs/scale.md).
    const cannotReach = new Set<string>();
    // Its home bootstrap (ranked by the key we know) has not heard from it lately: it renews its
    // registration there every few minutes, so it left (or its home failed it and it moved on).
    let homeLostIt = false;
    const keyKnown = client.keys.keyAt(peer) !== undefined;
    for (const r of rendezvous) {
      const info = await this.punchVia(r, peer).catch((err: unknown) => {
        if (isClosed(err)) throw err;
        if (err instanceof NanceError && err.code !== undefined && CANNOT_REACH.has(err.code))
          cannotReach.add(endpointKey(r));
        if (
          err instanceof NanceError &&
          err.code === ResultCode.NotFound &&
          keyKnown &&
          this.isOurBootstrap(r)
        )
          homeLostIt = true;
        this.deps.logger.debug(
          { peer: endpointKey(peer), via: endpointKey(r), err: String(err) },
          'punch failed',
        );
        return undefined;
      });
      if (info) return info;
    }
    for (const r of await this.candidates(peer, 'relay')) {
      if (cannotReach.has(endpointKey(r))) continue;
      try {
        return await this.keepIfProven(peer, { kind: 'relayed', relay: endpointOf(r), since: clock.now() });
      } catch (err) {
        if (isClosed(err)) throw err;
      }
    }
    if (homeLostIt)
      throw new PeerGone(`reach ${endpointKey(peer)}: its home bootstrap has not heard from it`);
    throw NanceError.fromCode(
      ResultCode.Timeout,
      `reach ${endpointKey(peer)}: no direct, punched or relayed path`,
    );
  }

  private async punchVia(rendezvous: Endpoint, peer: Endpoint): Promise<PingInfo | undefined> {
    const token = await this.deps.client.introduce(rendezvous, peer);
    const actual = await this.deps.punches.punch(peer, token);
    if (!actual) return undefined;
    return this.keepIfProven(peer, { kind: 'punched', actual, since: this.deps.clock.now() });
  }

  /**
   * Takes a route learned through a punch or a relay, and keeps it only if a challenged ping over
   * it proves the key we expected at `peer` (any key, on first contact): a third peer that knocked
   * with the token or a relay answering for the target gains no route, and teaches us nothing.
   */
  private async keepIfProven(peer: Endpoint, route: Route): Promise<PingInfo> {
    const { client, paths } = this.deps;
    const expect = client.keys.keyAt(peer);
    // A direct IPv6 path proven while this reach ran (ipv6-paths.ts) beats any IPv4 route it found.
    const current = paths.get(peer);
    const tried = current !== undefined && isDirectIpv6(current) ? current : route;
    paths.set(peer, tried);
    try {
      return await client.ping(peer, this.deps.directCheck(), { force: true, expect });
    } catch (err) {
      if (paths.get(peer) === tried) paths.delete(peer);
      throw err;
    }
  }

  private isOurBootstrap(e: Endpoint): boolean {
    return this.deps.bootstrapPeers().some((b) => sameEndpoint(b, e));
  }

  /**
   * Peers that may introduce us to `peer` (or relay for it): the ordinary peers that listed it
   * (newest first), then a bootstrap that listed it, then its home bootstrap, each only if it
   * advertised the extension (pinged now if we never did). Bootstraps last: they would otherwise
   * introduce most of every view, a load that grows with N (docs/scale.md). When we know the
   * peer's key, its home is the one of our bootstraps the key ranks first among those our last
   * join did not find down (home-bootstrap.ts), as the peer chose it (sync.ts, isHome): the only
   * one it registered with, so the others know no address of it and would answer each `n/i` "not
   * found" and each relayed ping with nothing (three attempts apiece). Without a key, only the
   * peers that listed it (a bootstrap lists only its registrants: it is the home), or every
   * bootstrap when nobody did (a host heard of only from an announcement): asking every bootstrap
   * for a peer a lister could no longer reach (most often one that left) was most of what a
   * bootstrap answered "not found" at 1,000 peers (docs/scale.md).
   */
  private async candidates(peer: Endpoint, ext: 'punch' | 'relay'): Promise<Endpoint[]> {
    const { client } = this.deps;
    const key = client.keys.keyAt(peer) ?? this.deps.peers.heardOfAt(peer)?.key;
    const ours = this.deps.bootstrapPeers();
    const listed = this.introducers.peek(endpointKey(peer)) ?? [];
    const bootstraps =
      key !== undefined
        ? [homeBootstrap(key, ours, (b) => !this.deps.bootstrapDown(b))].filter((b) => b !== undefined)
        : listed.length === 0
          ? ours
          : [];
    const all = [
      ...listed.filter((e) => !this.isOurBootstrap(e)),
      ...listed.filter((e) => this.isOurBootstrap(e)),
      ...bootstraps,
    ];
    const unique = all.filter(
      (e, i) => !sameEndpoint(e, peer) && all.findIndex((o) => sameEndpoint(o, e)) === i,
    );
    const out: Endpoint[] = [];
    for (const e of unique) {
      if (out.length >= MAX_CANDIDATES) break;
      const info = client.known(e) ?? (await client.ping(e, this.deps.directCheck()).catch(() => undefined));
      if (info?.ext.includes(ext)) out.push(e);
    }
    return out;
  }
}

/**
 * No path to a peer, and its home bootstrap has not heard from it lately: it left. To the user as
 * any silence (a timeout); a view drops it at once instead of after `maxFailures` syncs, each of
 * which would have asked its rendezvous and its home again (docs/scale.md).
 */
export class PeerGone extends NanceError {
  constructor(message: string) {
    super('timeout', message, ResultCode.Timeout);
  }
}

export const isClosed = (err: unknown) => err instanceof NanceError && err.kind === 'closed';
