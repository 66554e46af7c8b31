// Joining and staying joined, as the original does: register with the bootstrap peers, learn
// peers from them, keep only peers that answer a ping, and keep syncing with a few known peers
// each round (liveness, their peers, their chat lists, our registration with them).
import type { PeerAddress } from '../../src-shared/protocol/index.js';
import { NanceError } from './errors.js';
import { homeBootstrap } from './home-bootstrap.js';
import type { Logger } from './logger.js';
import { Lru } from './lru.js';
import type { ListedPeers, PeerClient, PingInfo } from './peer-client.js';
import { keptInViews, type PeerDirectory } from './peer-directory.js';
import type { Clock, Endpoint, PeerRole, StoredPeer, TimerHandle } from './ports.js';
import { endpointKey } from './ports.js';
import type { RemoteChats } from './remote-chats.js';
import { PeerGone } from './traversal/connector.js';
import type { Traversal } from './traversal/traversal.js';
import { HOLDER_FRESH_MS } from './view-holders.js';

export interface SyncSettings {
  /** Time between rounds. */
  intervalMs: number;
  /** Known peers synced per round. */
  fanOut: number;
  /** Peers asked of a bootstrap (joining). */
  maxPeersLength: number;
  maxChatsLength: number;
  /**
   * Peers an ordinary peer keeps (its bounded view, docs/scale.md): what it learns, stores and
   * syncs stays bounded however large the network.
   */
  viewSize: number;
  /** Peers asked of an ordinary peer each sync (a shuffle's length): new ones fill the view. */
  shuffleLength: number;
  /**
   * Time between registrations with the same bootstrap once joined (under the 10 minutes a
   * bootstrap lists a peer after its last answer). Sooner while we know no ordinary peer.
   */
  rejoinMs: number;
  /**
   * Time between full syncs (liveness ping, `g/c`, `r/i`) with the same peer of ours that speaks
   * `gossip`: in between, a sync is a shuffle only (`g/i`, whose answer proves it alive), and new
   * chats reach us by gossip. Base peers get a full sync every time, as the original expects.
   */
  refreshMs: number;
}

export const DEFAULT_SYNC: SyncSettings = {
  // Gossip lists new chats; syncs only keep the view fresh. Each sync with a peer behind a NAT
  // punches a path again (idle ones are dropped) and each fresh peer a shuffle lists is verified,
  // so these two set most of a peer's traffic (docs/scale.md: 30 s and 4 halve it against 15 s
  // and 8; a new chat still reaches 90 % in ~22 s at 100 peers).
  intervalMs: 30_000,
  fanOut: 3,
  // A joiner verifies every peer a bootstrap lists through that bootstrap (punch, relay) and asks
  // it again for each later punch: 16, not 50, and shuffles with ordinary peers fill the rest of
  // the view, introduced by them (docs/scale.md: the busiest bootstrap 34x -> 25x at 300 peers).
  maxPeersLength: 16,
  maxChatsLength: 100,
  viewSize: 64,
  shuffleLength: 4,
  rejoinMs: 5 * 60_000,
  refreshMs: 5 * 60_000,
};

/**
 * `client-only`: a bootstrap we do not register with, because our NAT (symmetric, or blocked)
 * lets no base peer reach us, or because it is one of ours but not our home (home-bootstrap.ts);
 * we still learn peers from it.
 */
export type BootstrapState = 'unknown' | 'registered' | 'unreachable' | 'refused' | 'client-only';

export interface SyncDeps {
  client: PeerClient;
  peers: PeerDirectory;
  remoteChats: RemoteChats;
  clock: Clock;
  logger: Logger;
  role(): PeerRole;
  settings(): SyncSettings;
  bootstrapPeers(): Endpoint[];
  /** The natConeType we announce in r/i to base peers. */
  announcedNatType(): string;
  /** Our NAT type as detected: what we tell peers of ours. */
  natType(): string;
  traversal: Traversal;
  /** Our public key: ranks the bootstraps we may register with (home-bootstrap.ts). */
  homeSeed(): string;
  isSelf(e: Endpoint): boolean;
  /**
   * A listed address on our own NAT's public address: a neighbour behind the same router, reached
   * over the LAN (discovery) and never through the public address (no hairpin) or a relay.
   */
  behindOurNat?(e: Endpoint): boolean;
  onChange(what: 'peers' | 'chats' | 'bootstrap'): void;
}

const errorKind = (err: unknown) => (err instanceof NanceError ? err.kind : 'exception');

/** A peer of ours (it advertised traversal): it takes every NAT type and can reach any peer we list. */
const traverses = (info: PingInfo | undefined) => info?.ext.includes('punch') ?? false;

/** Types anyone may send to unasked: such a peer can be our rendezvous and relay. */
const PUBLIC_TYPES = new Set(['Open Internet', 'Full Cone']);

/** Types no base peer could reach us at: we do not register with base peers then (docs/nat.md). */
const BASE_UNREACHABLE = new Set(['Symmetric', 'Blocked']);

/**
 * Ordinary peers in our view from which on it is well stocked: shuffles with them keep it fresh, so
 * bootstraps are no longer synced in the rotation nor asked for peers, and only our home is joined
 * again (to renew our registration). Below it (a small network, or just joined) bootstraps are
 * how we hear of newcomers. Each peer asking every bootstrap every few minutes was most of a
 * bootstrap's load in a settled network of 1,000 (docs/scale.md).
 */
export const STOCKED_VIEW = 16;

/** A listed peer no path reached is tried again after this long (a punch and a relay cost datagrams). */
const UNREACHABLE_RETRY_MS = 120_000;
const MAX_NOT_BEFORE = 10_000;
/** Sync times kept; a forgotten peer counts as never synced, so it is simply picked sooner. */
const MAX_SYNC_TIMES = 10_000;
/** Full sync times kept; a forgotten peer simply gets a full sync next. */
const MAX_FULL_SYNC_TIMES = 10_000;

export class SyncLoop {
  private timer: TimerHandle | undefined;
  private running = false;
  /** The round running now, if any. */
  private inFlight: Promise<void> | undefined;
  /** A round was asked for while one ran (rejoinAll). */
  private rerun = false;
  private stopped = false;
  private readonly bootstrapStates = new Map<string, BootstrapState>();
  /** When we last joined through each bootstrap successfully. */
  private readonly joinedAt = new Map<string, number>();
  /** Bootstraps whose last join failed: not our home until a join through them succeeds. */
  private readonly failedJoins = new Set<string>();
  private readonly lastSynced = new Lru<string, number>(MAX_SYNC_TIMES);
  /** When each peer last had a full sync (ping, chats, registration). */
  private readonly lastFullSync = new Lru<string, number>(MAX_FULL_SYNC_TIMES);
  /**
   * Listed peers not to verify again before a time: nothing reached them lately (not every round),
   * or they were visited lately (kept in no view: visited as often as a view peer is synced in full).
   */
  private readonly notBefore = new Lru<string, number>(MAX_NOT_BEFORE);

  constructor(private readonly deps: SyncDeps) {}

  bootstrapState(e: Endpoint): BootstrapState {
    return this.bootstrapStates.get(endpointKey(e)) ?? 'unknown';
  }

  /** Whether our last join of `e` failed (unreachable or refused): a peer's home is then the next. */
  bootstrapDown(e: Endpoint): boolean {
    const state = this.bootstrapState(e);
    return state === 'unreachable' || state === 'refused';
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    const tick = () => {
      void this.runRound()
        .catch((err: unknown) => this.deps.logger.error({ err: String(err) }, 'sync round failed'))
        .finally(() => {
          if (this.timer) this.timer = this.deps.clock.setTimeout(tick, this.deps.settings().intervalMs);
        });
    };
    this.timer = this.deps.clock.setTimeout(tick, 0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One round; concurrent calls share nothing and a second one while one runs is skipped. */
  runRound(full = false): Promise<void> {
    if (this.running) return Promise.resolve();
    this.inFlight = this.round(full).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * A whole round that starts after this call: one already running (the start-up round, a timer's)
   * may have asked its peers before what the caller wants seen, so it is waited out first.
   */
  async roundFromNow(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    return this.runRound();
  }

  /**
   * The user asked for fresh lists ("refresh"): a round from now whose syncs are all full (`g/c`
   * included), not shuffles: chats no announcement brought us (a base host's, one made before we
   * joined, one whose announcement was lost) show without waiting for the next full sync.
   */
  async fullRoundFromNow(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    return this.runRound(true);
  }

  private async round(full = false): Promise<void> {
    this.running = true;
    this.rerun = false;
    try {
      if (this.deps.role() === 'peer') {
        await Promise.all(this.bootstrapsDue().map((b) => this.joinVia(b)));
        // The home we ranked first failed or was a base peer: the others are joined again next
        // round, one of them the new home.
        const ours = this.deps.bootstrapPeers().filter((b) => traverses(this.deps.client.known(b)));
        if (ours.length > 0 && !ours.some((b) => this.bootstrapState(b) === 'registered'))
          this.joinedAt.clear();
      }
      // Stopped (the peer is closing) while joining: the store may be closed already.
      if (this.stopped) return;
      await Promise.all(this.pickTargets().map((p) => this.syncWith(p, full)));
    } finally {
      this.running = false;
      // A network change during this round: its paths may be from the old network; once more.
      if (this.rerun && !this.stopped) void this.runRound().catch(() => undefined);
    }
  }

  /**
   * Bootstraps to join through this round: not yet joined, or last joined `rejoinMs` ago, or all of
   * them while we know no ordinary peer. So a bootstrap's load grows with joins, not with N × rounds.
   */
  private bootstrapsDue(): Endpoint[] {
    const all = this.deps.bootstrapPeers();
    const ordinary = this.ordinaryPeers();
    if (ordinary === 0) return all;
    const now = this.deps.clock.now();
    const { rejoinMs } = this.deps.settings();
    return all.filter(
      (b) =>
        now - (this.joinedAt.get(endpointKey(b)) ?? Number.NEGATIVE_INFINITY) >= rejoinMs &&
        (ordinary < STOCKED_VIEW || this.registersAt(b)),
    );
  }

  /** Ordinary peers in our view (not bootstraps, not ourselves). */
  private ordinaryPeers(): number {
    return this.deps.peers.all().filter((p) => p.role === 'peer' && !this.deps.isSelf(p)).length;
  }

  /** Whether a join of `bootstrap` registers us there: a base peer, or our home among ours. */
  private registersAt(bootstrap: Endpoint): boolean {
    const info = this.deps.client.known(bootstrap);
    return (
      (info === undefined || this.natConeTypeFor(info) !== undefined) &&
      (!traverses(info) || this.isHome(bootstrap))
    );
  }

  /**
   * Whether `bootstrap` (one of ours: it speaks `punch`) is our home: the first by our rank that
   * has not failed us and is not known to be a base peer. Base bootstraps are registered with as
   * ever (base peers find us only through them); of ours, one lists, keeps and introduces us, so
   * each carries ~N/B peers, not every peer configured with it (home-bootstrap.ts).
   */
  private isHome(bootstrap: Endpoint): boolean {
    const { client } = this.deps;
    const home = homeBootstrap(this.deps.homeSeed(), this.deps.bootstrapPeers(), (b) => {
      const info = client.known(b);
      return !this.failedJoins.has(endpointKey(b)) && (info === undefined || traverses(info));
    });
    return home === undefined || endpointKey(home) === endpointKey(bootstrap);
  }

  private async joinVia(bootstrap: Endpoint): Promise<void> {
    const { client, peers } = this.deps;
    const key = endpointKey(bootstrap);
    const before = this.bootstrapStates.get(key);
    try {
      // Ping first (once): what it speaks decides what we announce and what we ask.
      const info = client.known(bootstrap) ?? (await client.ping(bootstrap));
      const natConeType = this.natConeTypeFor(info);
      if (natConeType === undefined || !this.registersAt(bootstrap)) {
        this.bootstrapStates.set(key, 'client-only');
      } else {
        await client.register(bootstrap, natConeType);
        this.deps.traversal.rendezvous.registered(bootstrap);
        this.bootstrapStates.set(key, 'registered');
      }
      peers.markAlive(bootstrap, 'Full Cone', 'bootstrap');
      const listed =
        this.ordinaryPeers() < STOCKED_VIEW
          ? (await client.getPeers(bootstrap, this.deps.settings().maxPeersLength, traverses(info))).peers
          : [];
      this.joinedAt.set(key, this.deps.clock.now());
      this.failedJoins.delete(key);
      await this.learn(listed, bootstrap);
    } catch (err) {
      const kind = errorKind(err);
      this.failedJoins.add(key);
      this.bootstrapStates.set(key, kind === 'timeout' ? 'unreachable' : 'refused');
      this.deps.logger.warn({ bootstrap: key, err: String(err) }, 'bootstrap join failed');
    }
    if (before !== this.bootstrapStates.get(key)) this.deps.onChange('bootstrap');
  }

  /**
   * What we announce in r/i to a peer: the truth to peers of ours, the closest base value to base
   * peers, and nothing (no registration) to base peers when none of them could reach us anyway.
   */
  private natConeTypeFor(info: PingInfo): string | undefined {
    if (traverses(info)) return this.deps.natType();
    return BASE_UNREACHABLE.has(this.deps.natType()) ? undefined : this.deps.announcedNatType();
  }

  private isBootstrap(e: Endpoint): boolean {
    return this.deps.bootstrapPeers().some((b) => endpointKey(b) === endpointKey(e));
  }

  /**
   * Verifies listed peers we do not know yet before keeping them: reached directly, through a hole
   * punched with the help of the peer that listed them, or through a relay. One kept in no view
   * (`keptInViews`) is visited: its chats listed, itself not kept; listed again, it is visited
   * again at most once per `refreshMs` (as often as a peer of the view is synced in full).
   */
  private async learn(listed: PeerAddress[], introducer: Endpoint): Promise<void> {
    const { peers, traversal } = this.deps;
    const now = this.deps.clock.now();
    // A peer we know, listed again by an ordinary peer: that one is a rendezvous of its now
    // (peer-directory.ts), the first to ask at the next punch instead of the bootstrap we met it
    // through.
    if (!this.isBootstrap(introducer))
      for (const p of listed) {
        const at = { host: p.ip, port: p.port };
        if (peers.get(at)) traversal.noteIntroducer(at, introducer);
      }
    const fresh = listed
      .map((p) => ({ host: p.ip, port: p.port, natType: p.natConeType }))
      .filter((p) => !this.deps.isSelf(p) && !this.deps.behindOurNat?.(p) && !peers.get(p))
      .filter((p) => (this.notBefore.peek(endpointKey(p)) ?? 0) <= now)
      // A full view verifies nobody new: peers that register with us replace its oldest instead.
      .slice(0, peers.room());
    const verified = await Promise.all(
      fresh.map(async (p) => {
        try {
          traversal.noteIntroducer(p, introducer);
          const info = await traversal.reach(p, p.natType);
          const kept = keptInViews(p.natType);
          if (kept) {
            peers.markAlive(p, p.natType, info.role ?? 'peer');
            this.notBefore.delete(endpointKey(p));
            // Just reached, its chats fetched below: as good as a full sync (the registration waits).
            this.lastFullSync.set(endpointKey(p), this.deps.clock.now());
          } else this.notBefore.set(endpointKey(p), this.deps.clock.now() + this.deps.settings().refreshMs);
          // Its chats now, not next round: one slow peer (a relay found after a failed punch)
          // must not hold up the listing of the others learned with it.
          if (this.deps.role() === 'peer' && (info.role ?? 'peer') === 'peer') {
            await this.fetchChats(p);
            this.deps.onChange('chats');
          }
          return kept;
        } catch {
          // Tried again only after a while, not every round (a punch and a relay cost datagrams).
          this.notBefore.set(endpointKey(p), this.deps.clock.now() + UNREACHABLE_RETRY_MS);
          return false;
        }
      }),
    );
    if (verified.some(Boolean)) this.deps.onChange('peers');
  }

  /**
   * A peer found on our link (LAN discovery) that proved a key by a challenged ping straight to it:
   * kept like any verified peer, its chats fetched now.
   */
  async learnNearby(at: Endpoint, info: PingInfo): Promise<void> {
    const role = info.role ?? 'peer';
    this.deps.peers.markAlive(at, info.nat, role);
    this.notBefore.delete(endpointKey(at));
    this.deps.onChange('peers');
    if (this.deps.role() === 'peer' && role === 'peer') {
      await this.fetchChats(at);
      this.deps.onChange('chats');
    }
  }

  /**
   * The network changed (roaming): every bootstrap is joined again, in the next round; one running
   * now is followed by another at once.
   */
  rejoinAll(): void {
    this.joinedAt.clear();
    this.rerun = true;
  }

  /** Fetches a host's chat list into what we know of remote chats (a failure is recorded there). */
  private fetchChats(host: Endpoint): Promise<unknown> {
    const { client, remoteChats, clock } = this.deps;
    return client.getChats(host, this.deps.settings().maxChatsLength).then(
      (chats) => remoteChats.set(host, chats, clock.now()),
      (err) => remoteChats.failed(host, errorKind(err), clock.now()),
    );
  }

  /**
   * The known peers synced least recently, bootstraps included until our view is well stocked
   * (STOCKED_VIEW: then only our home hears from us, at its rejoins); first a rendezvous of ours
   * whose registration is due to be renewed (a full view syncs each peer only every ~11 min,
   * longer than a registration lasts). A bootstrap, whose table is every registered peer, pings a
   * random sample of it instead.
   */
  private pickTargets(): StoredPeer[] {
    if (this.deps.role() === 'bootstrap') return this.deps.peers.sample(this.deps.settings().fanOut);
    const { rendezvous } = this.deps.traversal;
    const last = (p: StoredPeer) =>
      rendezvous.renewalDue(p) ? -1 : (this.lastSynced.peek(endpointKey(p)) ?? 0);
    const stocked = this.ordinaryPeers() >= STOCKED_VIEW;
    // Every bootstrap, not only ours: one in our view that is not ours (a view peer switched to
    // bootstrap mode, a base peer listed it) was otherwise synced by every view that held it.
    const inRotation = (p: StoredPeer) =>
      !this.deps.isSelf(p) && !(stocked && (p.role === 'bootstrap' || this.isBootstrap(p)));
    return this.deps.peers
      .all()
      .filter(inRotation)
      .sort((a, b) => last(a) - last(b))
      .slice(0, this.deps.settings().fanOut);
  }

  /**
   * A full sync (a route found or confirmed by ping, its chats, our registration) once per
   * `refreshMs` with a peer of ours that gossips, a shuffle in between; every time with anyone else.
   */
  private async syncWith(peer: StoredPeer, full = false): Promise<void> {
    const { clock } = this.deps;
    const key = endpointKey(peer);
    const now = clock.now();
    this.lastSynced.set(key, now);
    const fresh =
      now - (this.lastFullSync.peek(key) ?? Number.NEGATIVE_INFINITY) < this.deps.settings().refreshMs &&
      !this.deps.traversal.rendezvous.renewalDue(peer);
    if (!full && fresh && this.deps.role() === 'peer' && this.deps.client.advertises(peer, 'gossip')) {
      if (await this.shuffleWith(peer)) return;
    }
    this.lastFullSync.set(key, now);
    await this.fullSyncWith(peer);
  }

  /** `g/i` only: its answer proves the peer alive (false: it did not answer, sync it in full). */
  private async shuffleWith(peer: StoredPeer): Promise<boolean> {
    const { client, peers } = this.deps;
    let listed: ListedPeers;
    try {
      // A peer behind a NAT whose hole closed gets it punched again first, as a full sync would.
      await this.deps.traversal.ensurePath(peer);
      listed = await client.getPeers(peer, this.deps.settings().shuffleLength, traverses(client.known(peer)));
    } catch (err) {
      return errorKind(err) === 'closed';
    }
    if (listed.busy) {
      await this.takeListing(listed, peer);
      return true;
    }
    peers.markAlive(peer, undefined, 'peer');
    await Promise.all([this.learn(listed.peers, peer), this.registerIfFewRendezvous(peer)]);
    return true;
  }

  /**
   * Learns what `lister` listed; a lister that is `busy` (in as many views as it serves,
   * view-holders.ts) leaves our view first, so its room goes to one it listed. Its chats stay
   * listed; it is not verified again for as long as it counts us as a holder.
   */
  private takeListing(listed: ListedPeers, lister: StoredPeer): Promise<void> {
    if (listed.busy && this.deps.peers.get(lister)) {
      this.deps.peers.forget(lister);
      this.deps.traversal.forget(lister);
      this.notBefore.set(endpointKey(lister), this.deps.clock.now() + HOLDER_FRESH_MS);
      this.deps.onChange('peers');
    }
    return this.learn(listed.peers, lister);
  }

  /**
   * Behind a NAT with fewer than 2 ordinary rendezvous (just joined: full syncs, which register,
   * come minutes apart): register now with this peer of ours if anyone can send to it (it can
   * then relay for us too), so ordinary peers list and introduce us, and our bootstrap need not
   * keep us (docs/scale.md). Not behind a symmetric NAT (as full syncs).
   */
  private async registerIfFewRendezvous(peer: StoredPeer): Promise<void> {
    const nat = this.deps.natType();
    if (nat === 'Open Internet' || nat === 'Symmetric' || !PUBLIC_TYPES.has(peer.natType)) return;
    if (this.deps.traversal.rendezvous.ordinary().length >= 2) return;
    const info = this.deps.client.known(peer);
    const natConeType = info ? this.natConeTypeFor(info) : undefined;
    if (natConeType === undefined) return;
    await this.registerWith(peer, natConeType);
  }

  /**
   * `r/i` with `peer`: a rendezvous of ours (or renewed) on 0. A peer that has as many registrants
   * as it serves refuses with 20: it is no rendezvous of ours, and we look for room elsewhere.
   */
  private registerWith(peer: StoredPeer, natConeType: string): Promise<void> {
    const { rendezvous } = this.deps.traversal;
    return this.deps.client.register(peer, natConeType).then(
      () => {
        // Not one that left our view meanwhile (busy): we neither sync nor keep a binding to it.
        if (this.deps.peers.get(peer)) rendezvous.registered(peer);
      },
      (err: unknown) => {
        if (errorKind(err) === 'full') rendezvous.drop(peer);
      },
    );
  }

  /**
   * Whether a full sync registers us with `peer` (it then lists and introduces us). Not behind a
   * symmetric NAT: the address an ordinary peer would store is a mapping only it can use, and
   * listed to others it would send them chasing a dead end (bootstraps list us instead). Not with
   * a peer behind a symmetric NAT, nor one we reach only through a relay: whoever it introduced us
   * to would first have to reach it through its bootstrap (a punch or a relay there), and it would
   * count as a rendezvous of ours that keeps our own bootstrap's binding (docs/scale.md). Behind
   * any other NAT, only while we keep it as one of our few rendezvous (our-rendezvous.ts): each
   * costs it a keepalive from us per interval. Behind none, only into a view we may join (a
   * registration puts us there; view-holders.ts).
   */
  private registersWith(peer: StoredPeer): boolean {
    const nat = this.deps.natType();
    return (
      nat !== 'Symmetric' &&
      peer.natType !== 'Symmetric' &&
      !this.deps.traversal.relayedTo(peer) &&
      (nat === 'Open Internet'
        ? this.deps.peers.mayJoinViewOf(peer)
        : this.deps.traversal.rendezvous.wants(peer))
    );
  }

  private async fullSyncWith(peer: StoredPeer): Promise<void> {
    const { client, peers, remoteChats, clock } = this.deps;
    let info: PingInfo;
    try {
      // The known path if it still answers; else found again (direct, punched, relayed).
      info = await this.deps.traversal.reach(peer, peer.natType);
      peers.markAlive(peer, undefined, info.role ?? peer.role);
    } catch (err) {
      // Our own shutdown is no failure of theirs (and the store may already be closed).
      if (errorKind(err) === 'closed') return;
      // Its chats stay listed (greyed, "offline since") until it answers again or the daily wipe.
      if (remoteChats.get(peer)) remoteChats.failed(peer, errorKind(err), clock.now());
      if (err instanceof PeerGone) peers.forget(peer);
      if (err instanceof PeerGone || peers.markFailed(peer)) {
        this.deps.traversal.forget(peer);
        this.deps.onChange('peers');
      }
      this.deps.onChange('chats');
      return;
    }
    if (this.deps.role() === 'bootstrap') return; // a bootstrap only keeps its table alive
    const settings = this.deps.settings();
    const role = info.role ?? peer.role;
    const natConeType = this.natConeTypeFor(info);
    const tasks: Promise<unknown>[] = [
      client.getPeers(peer, settings.shuffleLength, traverses(info)).then((l) => this.takeListing(l, peer)),
    ];
    if (role === 'peer') {
      tasks.push(
        this.fetchChats(peer),
        ...(natConeType === undefined || !this.registersWith(peer)
          ? []
          : [this.registerWith(peer, natConeType)]),
      );
    } else {
      remoteChats.forget(peer); // a bootstrap hosts no chats (this one may have been a peer before)
    }
    await Promise.allSettled(tasks);
    this.deps.onChange('chats');
  }
}
