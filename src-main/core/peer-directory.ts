// Known peers: only verified ones (they answered a ping) are kept; failing ones are dropped. Only
// those that answered us straight (not through a relay) are listed to others.
// Recording them never throws: sync, traversal and registrations call it from timers and
// handlers, and a store that cannot write (a full disk) reports that itself (Store.health).
import type { PeerAddress } from '../../src-shared/protocol/index.js';
import { isPrivateAddress } from './addresses.js';
import type { AnsweredAddresses } from './answered-addresses.js';
import { Lru } from './lru.js';
import type { Clock, Endpoint, PeerRole, Store, StoredPeer } from './ports.js';
import { endpointKey, sameEndpoint } from './ports.js';
import { ViewHolders } from './view-holders.js';

/** Peers only a NAT-traversing peer can reach. */
const TRAVERSAL_ONLY = new Set(['Symmetric', 'Blocked']);

/**
 * Whether a peer behind `natType`, once verified, is kept in a view (synced, pushed chats, its
 * paths kept warm). Not behind a symmetric NAT: only its bootstrap can list it (its mapping toward
 * anyone else is of use to nobody else), so every sync with it would be an introduction or a relay
 * there, and those syncs were the busiest node's load (docs/scale.md). Such a peer is visited when
 * listed (its chats fetched), syncs outward itself, and its bootstrap heralds its new chats: a
 * client of the mesh, as in libp2p's Kademlia client mode.
 */
export const keptInViews = (natType: string) => natType !== 'Symmetric';

/** The closest type a base peer accepts: reachable unsolicited, or only after it sent to you. */
function baseNatType(natType: string): 'Full Cone' | 'Restricted Cone' {
  return natType === 'Full Cone' || natType === 'Open Internet' ? 'Full Cone' : 'Restricted Cone';
}

/** The NAT type of a host heard of only from a chat announcement: it never answered us yet. */
export const UNKNOWN_NAT = 'Unknown';
/** Hosts heard of (and not yet known) remembered at most. */
const MAX_HEARD_OF = 10_000;

/** A host heard of only from an announcement. */
export interface HeardOf {
  /** The host key that signed the announcement. */
  key: string;
  /** The address did not prove that key: its listing went, and no request goes there for it. */
  refused: boolean;
  /** It answered nothing: no request (nor reach) goes there before this time (ms). */
  silentUntil: number;
}
/** Types reached only through a punch (or a relay), so only through a rendezvous of theirs. */
const NEEDS_RENDEZVOUS = new Set(['Restricted Cone', 'Port Restricted Cone', 'Symmetric']);

/** Types an ordinary peer lists too (they register with ordinary peers): a bootstrap lists them last. */
const PUNCHED_VIA_OTHERS = new Set(['Restricted Cone', 'Port Restricted Cone']);

/** Rows a `g/i` answer's sample spans at least (read only as far as the answer fills). */
const MIN_SAMPLE_ROWS = 256;
/**
 * How long a registration with an ordinary peer makes it a rendezvous for the registrant: the
 * registrant keeps its binding toward us open while it knows us (keepalive.ts), and registers
 * again at each full sync with us (every few minutes).
 */
export const RENDEZVOUS_FRESH_MS = 10 * 60_000;
const MAX_REGISTRANTS = 10_000;
/**
 * Peers of ours behind a NAT an ordinary peer is rendezvous for at once. Each pings it once per
 * keepalive interval to keep its binding open and is introduced through it; beyond this a
 * registration is refused (20) and the registrant looks for room at another peer. Each registrant
 * keeps 4 rendezvous (our-rendezvous.ts) and about as many peers are public as behind a NAT, so
 * the mean is ~5 at any N; the bound holds a peer that many views happen to share.
 */
export const MAX_RENDEZVOUS_CLIENTS = 16;

export class PeerDirectory {
  /**
   * Hosts whose chats we listed from an announcement (gossip) and never heard from, with the key
   * that announced them: not peers of ours (nothing is sent to them unasked), but a user's first
   * request finds a path first and must find that key there (NancePeer.requireAnnouncedKey).
   */
  private readonly heardOf = new Lru<string, HeardOf>(MAX_HEARD_OF);
  /** When each peer last registered with us (`r/i`, its address proven by the ping-back). */
  private readonly registeredAt = new Lru<string, number>(MAX_REGISTRANTS);
  /** Of those, the peers of ours behind a NAT we are rendezvous for, oldest registration first. */
  private readonly rendezvousClients = new Lru<string, number>(MAX_REGISTRANTS);
  /** Peers of ours that keep us in their view (an ordinary peer serves a bounded number). */
  private readonly holders: ViewHolders;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Who answered us straight: a peer known only through a relay is never listed to others. */
    private readonly answered: Pick<AnsweredAddresses, 'has'>,
    /** Consecutive failed checks after which a peer is forgotten. */
    private readonly maxFailures = 3,
    /** Where each `g/i` answer's sample starts. */
    private readonly random: () => number = Math.random,
    /**
     * Peers kept at most (an ordinary peer's bounded view, docs/scale.md; a bootstrap keeps what the
     * store holds): beyond it the least recently seen ordinary peer is forgotten.
     */
    private readonly viewSize: () => number = () => Number.POSITIVE_INFINITY,
  ) {
    this.holders = new ViewHolders(clock);
  }

  /**
   * A proven `g/i` from a peer of ours: whether it may keep us in its view. A bootstrap serves
   * everyone; an ordinary peer its holders, and new ones while it has room (view-holders.ts).
   */
  admitsHolder(asker: Endpoint): boolean {
    return !Number.isFinite(this.viewSize()) || this.holders.admit(asker);
  }

  /**
   * Whether we may put ourselves into `peer`'s view (a registration inserts the registrant): not
   * while we are in as many views as we serve and it is not one of them (it would tell us busy).
   */
  mayJoinViewOf(peer: Endpoint): boolean {
    return !Number.isFinite(this.viewSize()) || this.holders.takes(peer);
  }

  get(e: Endpoint): StoredPeer | undefined {
    return this.store.getPeer(e.host, e.port);
  }

  all(): StoredPeer[] {
    return this.store.listPeers();
  }

  /** A chat of `host` was listed from an announcement signed by `hostKey`: its NAT is unknown. */
  announced(host: Endpoint, hostKey: string): void {
    if (this.get(host) || this.heardOf.peek(endpointKey(host))?.key === hostKey) return;
    this.heardOf.set(endpointKey(host), { key: hostKey, refused: false, silentUntil: 0 });
  }

  /** What we heard of `e` from an announcement, while it is not a peer of ours. */
  heardOfAt(e: Endpoint): HeardOf | undefined {
    return this.get(e) ? undefined : this.heardOf.peek(endpointKey(e));
  }

  /** `e` answered nothing: it is left alone until `until` (it may be the host, offline). */
  silent(e: Endpoint, until: number): void {
    const heard = this.heardOf.peek(endpointKey(e));
    if (heard) heard.silentUntil = until;
  }

  /** `e` did not prove the key that announced it: no request goes there for that key again. */
  refuse(e: Endpoint): void {
    const heard = this.heardOf.peek(endpointKey(e));
    if (heard) heard.refused = true;
  }

  /**
   * The NAT type `e` is behind as far as we know: its record's; UNKNOWN_NAT for a host heard of
   * only from an announcement (and not refused); undefined for a stranger.
   */
  natTypeOf(e: Endpoint): string | undefined {
    const heard = this.heardOfAt(e);
    return this.get(e)?.natType ?? (heard && !heard.refused ? UNKNOWN_NAT : undefined);
  }

  /** Records a peer that just proved it is reachable. */
  markAlive(e: Endpoint, natType?: string, role?: PeerRole): StoredPeer {
    const old = this.get(e);
    const peer = this.aliveRecord(e, old, natType, role);
    this.write(() => this.store.upsertPeer(peer));
    if (!old) this.trimView();
    return peer;
  }

  /**
   * As markAlive, for a registration (`r/i` answered by its ping-back): committed with the other
   * registrations of this tick, and resolved only once it is durable, so an answer 0 is never
   * lost to a crash. Never rejects (a store that cannot write says so through its health).
   */
  async register(e: Endpoint, natType: string, asRendezvous = false): Promise<void> {
    const old = this.get(e);
    try {
      await this.store.registerPeer(this.aliveRecord(e, old, natType));
    } catch {
      return; // Not remembered this time; the peer registers again on its next join.
    }
    const now = this.clock.now();
    this.registeredAt.set(endpointKey(e), now);
    if (asRendezvous && this.servesAsRendezvous(natType)) this.rendezvousClients.set(endpointKey(e), now);
    if (!old) this.trimView();
  }

  /**
   * Whether a peer of ours behind `natType` at `e` may register with us (`r/i`) now: a bootstrap
   * takes everyone; an ordinary peer takes the registrants it is rendezvous for already, and new
   * ones while it serves fewer than MAX_RENDEZVOUS_CLIENTS.
   */
  hasRoomFor(e: Endpoint, natType: string): boolean {
    if (!this.servesAsRendezvous(natType)) return true;
    const now = this.clock.now();
    this.rendezvousClients.dropOldestWhile((at) => now - at >= RENDEZVOUS_FRESH_MS);
    return (
      this.rendezvousClients.peek(endpointKey(e)) !== undefined ||
      this.rendezvousClients.size < MAX_RENDEZVOUS_CLIENTS
    );
  }

  /** An ordinary peer (a bounded view) registering a peer that keeps a NAT binding toward it. */
  private servesAsRendezvous(natType: string): boolean {
    return Number.isFinite(this.viewSize()) && natType !== 'Open Internet';
  }

  private aliveRecord(
    e: Endpoint,
    old: StoredPeer | undefined,
    natType?: string,
    role?: PeerRole,
  ): StoredPeer {
    const now = this.clock.now();
    return {
      host: e.host,
      port: e.port,
      natType: natType ?? old?.natType ?? 'Restricted Cone',
      role: role ?? old?.role ?? 'peer',
      firstSeen: old?.firstSeen ?? now,
      lastSeen: now,
      failures: 0,
    };
  }

  /**
   * Whether `e` registered with us lately: it keeps its NAT's binding toward us open (a rendezvous
   * of its own, keepalive.ts), so a direct ping reaches it without a punch.
   */
  registeredLately(e: Endpoint): boolean {
    const at = this.registeredAt.peek(endpointKey(e));
    return at !== undefined && this.clock.now() - at < RENDEZVOUS_FRESH_MS;
  }

  /** Up to `n` known peers from a random point of the table (a bootstrap's liveness pings). */
  sample(n: number): StoredPeer[] {
    return [...this.store.peersFrom(this.random(), n)];
  }

  /** Room in the view for peers not known yet (a bootstrap's is unbounded). */
  room(): number {
    const max = this.viewSize();
    return Number.isFinite(max) ? Math.max(0, max - this.all().length) : Number.POSITIVE_INFINITY;
  }

  /** Forgets the least recently seen ordinary peers beyond the view (bootstraps are kept). */
  private trimView(): void {
    const max = this.viewSize();
    if (!Number.isFinite(max)) return;
    const known = this.all();
    const over = known.length - max;
    if (over <= 0) return;
    const oldest = known.filter((p) => p.role === 'peer').slice(-over);
    for (const p of oldest) this.write(() => this.store.removePeer(p.host, p.port));
  }

  /** Counts a failed check; returns true when the peer was dropped. */
  markFailed(e: Endpoint): boolean {
    const old = this.get(e);
    if (!old) return false;
    if (old.failures + 1 >= this.maxFailures) {
      this.write(() => this.store.removePeer(e.host, e.port));
      return true;
    }
    this.write(() => this.store.upsertPeer({ ...old, failures: old.failures + 1 }));
    return false;
  }

  /** Drops a peer at once (its key was proven at another address: it moved). */
  forget(e: Endpoint): void {
    this.registeredAt.delete(endpointKey(e));
    this.rendezvousClients.delete(endpointKey(e));
    this.write(() => this.store.removePeer(e.host, e.port));
  }

  private write(run: () => void): void {
    try {
      run();
    } catch {
      // Not remembered this time; the next check or registration tries again.
    }
  }

  /**
   * The `g/i` answer for `asker`: never the asker itself; private addresses only to private askers.
   * An asker that traverses NATs (`allTypes`) gets every peer with its true NAT type; any other gets
   * the types a base peer knows ("Full Cone", "Restricted Cone") and no peer it could never reach
   * (behind a symmetric NAT, or blocked: only punching or a relay gets to those). Never a peer
   * whose address has not answered us straight lately (a relay's word for it proves nothing).
   * A sample: from a table larger than the sample read, some listable peers are left out.
   *
   * An ordinary peer (a bounded view) lists a peer behind a restricted NAT to a traversing asker
   * only if that peer registered with us lately: the asker takes the lister as its rendezvous for
   * it (connector.ts), and only a peer that registered with us takes our `n/p` and keeps its NAT
   * open to us. Punches then land on ordinary peers, not on the bootstraps (docs/scale.md).
   */
  listFor(asker: Endpoint, max: number, allTypes = false): PeerAddress[] {
    const askerPrivate = isPrivateAddress(asker.host);
    const bounded = Number.isFinite(this.viewSize());
    const introducible = (p: StoredPeer) =>
      !bounded || !NEEDS_RENDEZVOUS.has(p.natType) || this.registeredLately(p);
    // A bootstrap lists peers reachable straight first: every NATed peer it lists to a joiner is
    // one more introduction through it, and ordinary peers list those (as above). Not a peer behind
    // a symmetric NAT: it registers with bootstraps alone (sync.ts), so only they list it.
    const straightFirst = allTypes && !bounded;
    // An ordinary peer lists no bootstrap to a peer of ours: that one has its own, and one heard of
    // from a listing only took a slot of its view (with 30 bootstraps, most views held many).
    const listsNoBootstrap = allTypes && bounded;
    const listable = (p: StoredPeer) =>
      p.failures === 0 &&
      !(listsNoBootstrap && p.role === 'bootstrap') &&
      !sameEndpoint(p, asker) &&
      (askerPrivate || !isPrivateAddress(p.host)) &&
      (allTypes ? introducible(p) : !TRAVERSAL_ONLY.has(p.natType)) &&
      this.answered.has(p); // last: a lookup in a map of every registered address
    // A sample from a random point of the table, not the most recent peers: what one answer costs
    // stays bounded at 100,000 registered peers, and askers do not all learn the same few peers.
    // Walked only until the answer is full: the first `max` listable rows of the sample (peers
    // reachable straight before the others, when those go first), as if all of it were filtered.
    const first: StoredPeer[] = [];
    const after: StoredPeer[] = [];
    for (const p of this.store.peersFrom(this.random(), Math.max(MIN_SAMPLE_ROWS, 4 * max))) {
      if (first.length >= max) break;
      if (listable(p)) (straightFirst && PUNCHED_VIA_OTHERS.has(p.natType) ? after : first).push(p);
    }
    return [...first, ...after]
      .slice(0, max)
      .map((p) => ({ natConeType: allTypes ? p.natType : baseNatType(p.natType), ip: p.host, port: p.port }));
  }
}
