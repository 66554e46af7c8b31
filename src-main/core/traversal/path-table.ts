// How each other peer is reached: directly, through a hole we punched (possibly at an address we
// only learned from the punch itself), or through a relay. Peers are named by their "logical"
// endpoint (the address a peer list gave us, or the source of its first datagram); the table says
// where datagrams for it really go, and which real source addresses stand for which peer.
import { isIPv6 } from '../addresses.js';
import { Lru } from '../lru.js';
import type { Endpoint } from '../ports.js';
import { endpointKey, endpointOf } from '../ports.js';

/** How a peer is reached, as the user sees it. */
export type PathKind = 'direct' | 'punched' | 'mapped' | 'relayed';

export type Route =
  /**
   * Verified by an answer sent straight to the peer: at its own address, or at `actual`, its IPv6
   * endpoint, where a challenged ping proved the key known at its own address (ipv6-paths.ts).
   */
  | { kind: 'direct'; actual?: Endpoint; since: number }
  /** A hole punched through both NATs; `actual` may differ from the logical address (symmetric NAT). */
  | { kind: 'punched'; actual: Endpoint; since: number }
  /** Every datagram goes through `relay`, wrapped (docs/protocol.md, `n/r` and `n/f`). */
  | { kind: 'relayed'; relay: Endpoint; since: number };

export interface PathInfo {
  kind: PathKind;
  /** The relay, for relayed paths. */
  via?: Endpoint;
  /** The address datagrams really go to, when it is not the peer's own (punched through a symmetric NAT, or its IPv6 endpoint). */
  actual?: Endpoint;
  /** The family of the address datagrams go to (for a relayed path: the relay's). */
  family: AddressFamily;
  since: number;
}

export type AddressFamily = 'ipv4' | 'ipv6';

/** Where datagrams for a peer at `peer` really go on `route`. */
export function routeAddress(peer: Endpoint, route: Route): Endpoint {
  if (route.kind === 'relayed') return route.relay;
  return route.actual ?? peer;
}

/** A direct path to the peer's IPv6 endpoint (ipv6-paths.ts): preferred over any IPv4 route. */
export function isDirectIpv6(route: Route | undefined): boolean {
  return route?.kind === 'direct' && route.actual !== undefined && isIPv6(route.actual.host);
}

/** Routes for at most this many peers; the least recently set go first. */
const MAX_ROUTES = 10_000;
/** Answers owed through a relay that brought a request unasked: peers, and requests per peer. */
const MAX_REPLY_PEERS = 1_000;
const MAX_REPLIES_PER_PEER = 32;

export class PathTable {
  private readonly routes = new Map<string, { peer: Endpoint; route: Route }>();
  /** Real source address -> logical peer, for punched routes whose address differs. */
  private readonly aliases = new Map<string, Endpoint>();
  /** Relays in use -> how many routes go through each. */
  private readonly relays = new Map<string, number>();
  /**
   * peer -> (z -> the relay that brought that request unasked): its answer, and only its answer,
   * goes back the same way. Never a route: a relay cannot steer anything else we send to the peer.
   */
  private readonly replyRoutes = new Lru<string, Map<string, Endpoint>>(MAX_REPLY_PEERS);
  /** When we last set out to use each peer's path (reach, ensurePath): keepalives stop when idle. */
  private readonly wanted = new Lru<string, number>(MAX_ROUTES);

  get(peer: Endpoint): Route | undefined {
    // Every datagram we send asks: skip building the key while no route exists at all.
    if (this.routes.size === 0) return undefined;
    return this.routes.get(endpointKey(peer))?.route;
  }

  set(peer: Endpoint, route: Route): void {
    this.delete(peer);
    const key = endpointKey(peer);
    this.routes.set(key, { peer: endpointOf(peer), route });
    if (route.kind !== 'relayed' && route.actual && endpointKey(route.actual) !== key) {
      this.aliases.set(endpointKey(route.actual), endpointOf(peer));
    }
    if (route.kind === 'relayed') this.countRelay(route.relay, 1);
    if (this.routes.size > MAX_ROUTES) {
      const oldest = this.routes.values().next();
      if (!oldest.done) this.delete(oldest.value.peer);
    }
  }

  delete(peer: Endpoint): void {
    const key = endpointKey(peer);
    const old = this.routes.get(key)?.route;
    if (!old) return;
    this.routes.delete(key);
    if (old.kind !== 'relayed' && old.actual) this.aliases.delete(endpointKey(old.actual));
    if (old.kind === 'relayed') this.countRelay(old.relay, -1);
  }

  /** The logical peer a datagram from `source` stands for (itself unless it is a learned alias). */
  logicalOf(source: Endpoint): Endpoint {
    // Every datagram we receive asks: aliases are rare (punched through a symmetric NAT).
    if (this.aliases.size === 0) return source;
    return this.aliases.get(endpointKey(source)) ?? source;
  }

  /** Whether some route goes through this relay (datagrams from it are answers we wait for). */
  isRelayInUse(key: string): boolean {
    return this.relays.has(key);
  }

  /** The answer to request `z` from `peer` goes back through `relay`, which brought the request. */
  replyVia(peer: Endpoint, z: string, relay: Endpoint): void {
    const key = endpointKey(peer);
    const owed = this.replyRoutes.get(key) ?? new Map<string, Endpoint>();
    owed.delete(z);
    owed.set(z, endpointOf(relay));
    for (const oldest of owed.keys()) {
      if (owed.size <= MAX_REPLIES_PER_PEER) break;
      owed.delete(oldest);
    }
    this.replyRoutes.set(key, owed);
  }

  /**
   * Request `z` from `peer` came straight this time (a retry over a path proven since): its answer
   * goes straight back, where the peer now listens, not through the relay that brought it first.
   */
  replyStraight(peer: Endpoint, z: string): void {
    if (this.replyRoutes.size === 0) return;
    const key = endpointKey(peer);
    const owed = this.replyRoutes.peek(key);
    if (!owed?.delete(z) || owed.size > 0) return;
    this.replyRoutes.delete(key);
  }

  /** Whether an answer to `peer` may be owed through a relay (only then is its z worth reading). */
  owesReplyVia(peer: Endpoint): boolean {
    // Every datagram we send asks: skip building the key while no request came through a relay.
    return this.replyRoutes.size > 0 && this.replyRoutes.peek(endpointKey(peer)) !== undefined;
  }

  /** The relay the answer to request `z` from `peer` goes through, if one brought it unasked. */
  replyRelay(peer: Endpoint, z: string): Endpoint | undefined {
    return this.replyRoutes.peek(endpointKey(peer))?.get(z);
  }

  /** We are about to send to `peer` (a sync, gossip, a user's request): its path is in use. */
  markWanted(peer: Endpoint, at: number): void {
    this.wanted.set(endpointKey(peer), at);
  }

  /** When we last set out to use the path to `peer`, if we remember. */
  wantedAt(peer: Endpoint): number | undefined {
    return this.wanted.peek(endpointKey(peer));
  }

  entries(): { peer: Endpoint; route: Route }[] {
    return [...this.routes.values()];
  }

  private countRelay(relay: Endpoint, delta: 1 | -1): void {
    const key = endpointKey(relay);
    const n = (this.relays.get(key) ?? 0) + delta;
    if (n > 0) this.relays.set(key, n);
    else this.relays.delete(key);
  }
}
