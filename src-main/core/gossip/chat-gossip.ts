// Gossip of chat announcements (docs/protocol.md, "gossip"; docs/scale.md): a host announces each
// public chat it creates, signed by its key, to a few peers of its view; each peer that lists a new
// announcement passes it on once, to a few peers of its own view, until its hop limit or age ends
// it. So a new chat reaches every peer in a few hops whatever N, at a cost per peer bounded by the
// fan-out and the per-second budgets here, and no peer asks the host anything.
//
// What the network can make of it (docs/security.md): an unproven sender gets nothing (no answer,
// nothing listed, nothing sent anywhere); a relaying peer can pass on, delay or drop genuine
// announcements, but never list a chat for a key that did not sign it; a replay lists a chat its
// host really made, and only within `maxAgeMs` of its creation.
//
// A host behind a symmetric NAT has no one address: each peer sees it at another mapping, so it
// cannot announce to its fan-out. Its home bootstrap heralds for it: it takes the host's own
// announcements (hop 0, the key it proved, registered with it lately) and passes them on at the
// mapping it lists the host under, which its introductions and relays serve (docs/protocol.md).
import type { ChatAnnouncement, Response } from '../../../src-shared/protocol/index.js';
import { parseTimestamp, ResultCode } from '../../../src-shared/protocol/index.js';
import { MAX_ANNOUNCEMENTS_PER_REQUEST, MAX_GOSSIP_HOPS } from '../../../src-shared/protocol/schemas.js';
import { isIPv6 } from '../addresses.js';
import { RateLimiter, type RateLimitSettings } from '../guard/rate-limiter.js';
import type { Signer } from '../identity/keys.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { PeerClient } from '../peer-client.js';
import { keptInViews, type PeerDirectory } from '../peer-directory.js';
import type { Clock, Endpoint, PeerRole, StoredChat, TimerHandle } from '../ports.js';
import { endpointKey } from '../ports.js';
import type { RemoteChats } from '../remote-chats.js';
import type { RequestContext } from '../request-context.js';
import { announceChat, verifyAnnouncement } from './chat-announcement.js';

export interface GossipSettings {
  /** Peers each announcement is passed to (once, by each peer that lists it). */
  fanOut: number;
  /** An announcement older than this (by its signed time, either way) is neither listed nor passed on. */
  maxAgeMs: number;
  /** Hops an announcement travels at most (≤ MAX_GOSSIP_HOPS, the wire's bound). */
  maxHops: number;
  /** Wait before passing on (announcements heard together go in one request). */
  batchMs: number;
  /** Least time between two sends to the fan-out: at most `fanOut` requests per this. */
  minIntervalMs: number;
  /**
   * For this long after listing an announcement, a peer of ours that contacts us (a shuffle) and
   * was neither told it nor told us is told it: peers no fan-out picked (just joined) still hear of
   * a new chat within a sync round. A peer kept in no view (behind a symmetric NAT) is told it for
   * as long as it is fresh (`maxAgeMs`). 0: off.
   */
  onContactMs: number;
}

export const DEFAULT_GOSSIP: GossipSettings = {
  // Each peer receives each announcement about fanOut times: 3, with the peers that shuffle with us
  // told on contact, reaches everyone (docs/scale.md).
  fanOut: 3,
  maxAgeMs: 10 * 60_000,
  maxHops: MAX_GOSSIP_HOPS,
  batchMs: 100,
  minIntervalMs: 1_000,
  onContactMs: 30_000,
};

/**
 * Signature checks a flood of announcements can buy (each ~0.1 ms): an honest peer passes on each
 * new chat once, at most 8 per second, so 16/s per source (32 at once) and 400/s in all (≈ 4 % of a
 * core) are never reached by honest traffic.
 */
const VERIFY_BUDGET: RateLimitSettings = {
  perSourceRate: 16,
  perSourceBurst: 32,
  bytesPerExtraToken: 0,
  globalRate: 400,
  globalBurst: 800,
  maxSources: 10_000,
};

/**
 * With nobody to pass announcements to (we just started: our view is still empty), they wait and
 * are tried again this often, while fresh: a chat made at start-up was otherwise announced to
 * nobody, and found only by the host's next full syncs (docs/scale.md).
 */
const NO_TARGET_RETRY_MS = 2_000;
/** Tries at most, in fan-outs, to have `fanOut` peers take a chat's first hop (see `flush`). */
const MAX_FIRST_HOP_TRIES = 3;
/** Announcements waiting to be passed on; past this the oldest are dropped (a burst of new chats). */
const MAX_QUEUED = 64;
/** (host key, chat uuid) pairs listed and passed on already: never again. */
const MAX_SEEN = 10_000;
/** Announcements told on contact (the latest), and peers remembered as knowing each. */
const MAX_RECENT = MAX_ANNOUNCEMENTS_PER_REQUEST;
const MAX_TOLD_PER_ANNOUNCEMENT = 1_024;

/** The extension a bootstrap that heralds for its symmetric peers advertises. */
export const HERALD_EXTENSION = 'herald';
/** Registered peers a bootstrap draws its fan-out from (a random run of its table, not all of it). */
const HERALD_POOL = 64;
/** NAT types a bootstrap can send to unasked; anyone else only while it keeps a binding open to us. */
const REACHABLE_UNASKED = new Set(['Open Internet', 'Full Cone']);

export interface GossipDeps {
  client: Pick<PeerClient, 'advertises' | 'announce' | 'known' | 'ping' | 'keys'>;
  /**
   * Our view (the fan-out), where a host heard of from an announcement is recorded, and (as a
   * bootstrap) whom we herald for.
   */
  peers: Pick<PeerDirectory, 'all' | 'announced' | 'sample' | 'natTypeOf' | 'registeredLately'>;
  remoteChats: Pick<RemoteChats, 'announced'>;
  clock: Clock;
  random: () => number;
  logger: Logger;
  role(): PeerRole;
  identity(): Signer;
  settings(): GossipSettings;
  /** A fresh address token for `to` (a sender whose token went stale resends with it: code 4). */
  addressToken(to: Endpoint): string;
  isSelf(e: Endpoint): boolean;
  /**
   * Whether our address means the same to everyone: behind a symmetric NAT each peer sees another
   * mapping, so an announcement would send readers to an address only its first receiver can use
   * (our home bootstrap heralds our chats instead).
   */
  announceable(): boolean;
  /** Bootstraps we are registered with: heralds of our chats when we cannot announce them. */
  registeredBootstraps(): Endpoint[];
  /**
   * The IPv4 name of the peer holding `key` that named IPv6 endpoint `source` as its own (hosts are
   * listed by IPv4: the wire's `ip` and every chat list are IPv4), if any.
   */
  ipv4NameOf(source: Endpoint, key: string): Endpoint | undefined;
  /** Finds a path to `to` first when it needs traversal and has none (Traversal.ensurePath). */
  ensurePath(to: Endpoint): Promise<void>;
  /** Whether our path to `to` goes through a relay (an `a/c` out of a relay is refused: `receive`). */
  relayedTo(to: Endpoint): boolean;
  onChange(): void;
}

export interface GossipStats {
  listed: number;
  /** Announcements whose signature did not hold for the key they name. */
  forged: number;
  /** Dropped unchecked: over the signature budget, too old, or without an address. */
  dropped: number;
}

/** An announcement listed lately, told to peers that contact us, and who knows it already. */
interface Recent {
  announcement: ChatAnnouncement;
  listedAt: number;
  told: Lru<string, true>;
}

interface Queued {
  announcement: ChatAnnouncement;
  /** Who told us (not told again). */
  from: string | undefined;
}

export class ChatGossip {
  readonly stats: GossipStats = { listed: 0, forged: 0, dropped: 0 };
  private readonly seen = new Lru<string, true>(MAX_SEEN);
  private readonly verifyBudget: RateLimiter;
  private queue: Queued[] = [];
  private recent: Recent[] = [];
  private timer: TimerHandle | undefined;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(private readonly deps: GossipDeps) {
    this.verifyBudget = new RateLimiter(VERIFY_BUDGET, deps.clock.now());
  }

  /**
   * A chat we created: announced to our fan-out, or, behind a symmetric NAT, to the bootstraps we
   * are registered with that herald (a private room never is: it is never listed).
   */
  created(chat: StoredChat): void {
    if (chat.visibility === 'private' || this.deps.role() !== 'peer') return;
    const announcement = announceChat(this.deps.identity(), chat);
    this.seen.set(`${announcement.k} ${announcement.u}`, true);
    if (!this.deps.announceable()) {
      this.askHeralds(announcement);
      return;
    }
    this.remember(announcement, undefined);
    this.enqueue({ announcement, from: undefined });
  }

  /**
   * An `a/c` from `ctx.from`: null sends no answer at all. Only straight (not out of a relay), from
   * a sender that proved its address; an ordinary peer lists each announcement only when its host's
   * key signed it, a bootstrap heralds only its symmetric peers' own.
   */
  receive(ctx: RequestContext, chats: ChatAnnouncement[]): Response | null {
    const role = this.deps.role();
    if (ctx.relayed || (role !== 'peer' && role !== 'bootstrap'))
      return { r: ResultCode.UnknownFormat, c: {} };
    if (!ctx.proven) {
      // A stale token: a fresh one to resend with (smaller than the request). No token: silence.
      return ctx.asksProof
        ? { r: ResultCode.ProveAddress, c: { k: this.deps.addressToken(ctx.from) } }
        : null;
    }
    if (role === 'bootstrap') return this.herald(ctx.from, chats);
    let listed = false;
    for (const a of chats) if (this.take(a, ctx.from)) listed = true;
    if (listed) this.deps.onChange();
    return { r: ResultCode.Ok, c: {} };
  }

  /**
   * A peer of ours sent us a request (its address proven, straight): announcements listed within
   * `onContactMs` that it neither told us nor was told go to it, over the path it just used; to a
   * peer kept in no view (behind a symmetric NAT: nobody pushes to it), every one still fresh
   * (`maxAgeMs`). A peer never pinged is pinged first (its answer says whether it speaks gossip,
   * what NAT it is behind, and gives its token).
   */
  contacted(from: Endpoint): void {
    const { onContactMs, maxAgeMs } = this.deps.settings();
    if (this.stopped || onContactMs <= 0 || this.recent.length === 0 || this.deps.role() !== 'peer') return;
    const now = this.deps.clock.now();
    const longest = Math.max(onContactMs, maxAgeMs);
    this.recent = this.recent.filter((r) => now - r.listedAt <= longest);
    const key = endpointKey(from);
    if (!this.recent.some((r) => !r.told.peek(key))) return;
    const { client } = this.deps;
    const known = client.known(from) ? Promise.resolve() : client.ping(from).then(() => undefined);
    void known
      .then(() => {
        if (!client.advertises(from, 'gossip')) return;
        const window = keptInViews(client.known(from)?.nat ?? '') ? onContactMs : longest;
        const news = this.recent.filter((r) => now - r.listedAt <= window && !r.told.peek(key));
        if (news.length === 0) return;
        for (const r of news) r.told.set(key, true);
        return client.announce(
          from,
          news.map((r) => r.announcement),
        );
      })
      .catch((err: unknown) => {
        this.deps.logger.debug({ to: key, err: String(err) }, 'announce on contact not taken');
      });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.queue = [];
    this.recent = [];
  }

  /** Lists one announcement if it is new, fresh and signed by the key it names; queues it on. */
  private take(a: ChatAnnouncement, from: Endpoint): boolean {
    // From the host itself (hop 0) its source is its address (over IPv6: the IPv4 name of the peer
    // with its key that named that source, or none); a relay must say where it knows it.
    const host: Endpoint | undefined =
      a.ip !== undefined && a.port !== undefined
        ? { host: a.ip, port: a.port }
        : a.h !== 0
          ? undefined
          : isIPv6(from.host)
            ? this.deps.ipv4NameOf(from, a.k)
            : from;
    if (!this.admit(a, from, host) || host === undefined) return false;
    const at = this.deps.remoteChats.announced(a.k, host, { uuid: a.u, name: a.n, timestamp: a.t });
    // Its NAT is unknown: the first request to it finds a path (Connector.ensurePath).
    this.deps.peers.announced(at.host, a.k);
    this.stats.listed++;
    this.passOn(a, at.host, from);
    return true;
  }

  /**
   * As a bootstrap: a registered peer behind a symmetric NAT asks us to pass its own new chats on
   * (`created`). We do, at the mapping we list it under (hop 1), as if we had listed them; anyone
   * else, or another key's chat, gets nothing passed on (a replay through us would otherwise send
   * readers to the replayer).
   */
  private herald(from: Endpoint, chats: ChatAnnouncement[]): Response {
    const { peers, client } = this.deps;
    const key = client.keys.keyAt(from);
    if (key === undefined || !peers.registeredLately(from) || peers.natTypeOf(from) !== 'Symmetric') {
      return { r: ResultCode.UnknownFormat, c: {} };
    }
    for (const a of chats) {
      if (a.h === 0 && a.k === key && this.admit(a, from, from)) this.passOn(a, from, from);
    }
    return { r: ResultCode.Ok, c: {} };
  }

  /**
   * Whether an announcement is new, fresh, about a host other than us, within the signature budget,
   * and signed by the key it names; a verified one is remembered (never admitted twice).
   */
  private admit(a: ChatAnnouncement, from: Endpoint, host: Endpoint | undefined): boolean {
    const { clock, identity, settings } = this.deps;
    const id = `${a.k} ${a.u}`;
    // Seen (listed or ours): nothing to check. Only a verified one is remembered, so a forgery
    // arriving first cannot keep the real announcement out.
    if (this.seen.peek(id) || a.k === identity().publicKey) return false;
    const now = clock.now();
    const age = now - parseTimestamp(a.t);
    if (!(Math.abs(age) <= settings().maxAgeMs) || host === undefined || this.deps.isSelf(host)) {
      this.stats.dropped++;
      return false;
    }
    if (!this.verifyBudget.allow(endpointKey(from), now)) {
      this.stats.dropped++;
      return false;
    }
    if (!verifyAnnouncement(a)) {
      this.stats.forged++;
      return false;
    }
    this.seen.set(id, true);
    return true;
  }

  /** Queues `a` on, one hop further, naming the host at `host`; `from` told us (not told again). */
  private passOn(a: ChatAnnouncement, host: Endpoint, from: Endpoint): void {
    if (a.h + 1 > Math.min(this.deps.settings().maxHops, MAX_GOSSIP_HOPS)) return;
    const onward = { ...a, h: a.h + 1, ip: host.host, port: host.port };
    this.remember(onward, from);
    this.enqueue({ announcement: onward, from: endpointKey(from) });
  }

  /** Our announcement to each bootstrap we are registered with that heralds (see `herald`). */
  private askHeralds(announcement: ChatAnnouncement): void {
    const { client, logger } = this.deps;
    for (const b of this.deps.registeredBootstraps()) {
      if (!client.advertises(b, HERALD_EXTENSION)) continue;
      void client.announce(b, [announcement]).catch((err: unknown) => {
        logger.debug({ to: endpointKey(b), err: String(err) }, 'herald did not take our announcement');
      });
    }
  }

  /** Keeps an announcement to tell peers that contact us (`contacted`); `from` knows it already. */
  private remember(announcement: ChatAnnouncement, from: Endpoint | undefined): void {
    const told = new Lru<string, true>(MAX_TOLD_PER_ANNOUNCEMENT);
    if (from) told.set(endpointKey(from), true);
    this.recent.push({ announcement, listedAt: this.deps.clock.now(), told });
    if (this.recent.length > MAX_RECENT) this.recent.splice(0, this.recent.length - MAX_RECENT);
  }

  private enqueue(item: Queued): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    this.schedule();
  }

  /** One send to the fan-out per `minIntervalMs` at most, after `batchMs` to batch what came together. */
  private schedule(atLeastMs = 0): void {
    if (this.timer || this.stopped) return;
    const { batchMs, minIntervalMs } = this.deps.settings();
    const now = this.deps.clock.now();
    const wait = Math.max(batchMs, atLeastMs, this.lastSentAt + minIntervalMs - now);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        this.flush();
      } catch (err) {
        // The view lives in the store: a failing store costs this round of gossip, not the process.
        this.deps.logger.error({ err: String(err) }, 'passing announcements on failed');
      }
    }, wait);
  }

  private flush(): void {
    if (this.stopped || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_ANNOUNCEMENTS_PER_REQUEST);
    const now = this.deps.clock.now();
    const skip = new Set(batch.flatMap((q) => [q.from, endpointKey(hostOf(q.announcement) ?? NOWHERE)]));
    const targets = this.targets(skip);
    if (targets.length === 0) {
      const { maxAgeMs } = this.deps.settings();
      const fresh = batch.filter((q) => now - parseTimestamp(q.announcement.t) < maxAgeMs);
      this.queue.unshift(...fresh);
      if (this.queue.length > 0) this.schedule(NO_TARGET_RETRY_MS);
      return;
    }
    this.lastSentAt = now;
    const chats = batch.map((q) => q.announcement);
    // A chat's first hop (our own, or one we herald) is its only way in: a fan-out drawn from a view
    // or a table that still holds peers who left must not be its end. Each try that fails is made
    // good by another candidate until `fanOut` took it (MAX_FIRST_HOP_TRIES in all). A later hop
    // is one of many copies: no retries.
    const firstHop = this.deps.role() === 'bootstrap' || batch.some((q) => q.from === undefined);
    const tried = new Set([...skip, ...targets.map(endpointKey)]);
    let sparesLeft = firstHop ? MAX_FIRST_HOP_TRIES * this.deps.settings().fanOut - targets.length : 0;
    const tell = (to: Endpoint): void => {
      const key = endpointKey(to);
      for (const q of batch) this.recent.find((r) => r.announcement === q.announcement)?.told.set(key, true);
      // Over a live path: a peer behind a NAT whose hole closed is punched again first. Not through
      // a relay: the receiver refuses it (`receive`), so the relay would carry it for nothing; that
      // peer hears of the chat on contact (`contacted`) or by its next `g/c` of the host.
      void this.deps
        .ensurePath(to)
        .then(() => {
          if (this.deps.relayedTo(to)) throw new Error('reached only through a relay');
          return this.deps.client.announce(to, chats);
        })
        .catch((err: unknown) => {
          this.deps.logger.debug({ to: key, err: String(err) }, 'announce not taken');
          if (this.stopped || sparesLeft <= 0) return;
          sparesLeft--;
          const [spare] = this.targets(tried, 1);
          if (spare === undefined) return;
          tried.add(endpointKey(spare));
          tell(spare);
        });
    };
    for (const to of targets) tell(to);
    if (this.queue.length > 0) this.schedule();
  }

  /**
   * `count` ordinary peers that speak gossip, at random, none of `skip` and none we reach only
   * through a relay: of our view, or, as a bootstrap, of a random run of our table that we can
   * reach unasked.
   */
  private targets(skip: Set<string | undefined>, count = this.deps.settings().fanOut): Endpoint[] {
    const { peers } = this.deps;
    const pool =
      this.deps.role() === 'bootstrap'
        ? peers
            .sample(HERALD_POOL)
            .filter((p) => REACHABLE_UNASKED.has(p.natType) || peers.registeredLately(p))
        : peers.all();
    const candidates = pool.filter(
      (p) =>
        p.role === 'peer' &&
        !skip.has(endpointKey(p)) &&
        !this.deps.isSelf(p) &&
        !this.deps.relayedTo(p) &&
        this.deps.client.advertises(p, 'gossip'),
    );
    const picked: Endpoint[] = [];
    while (picked.length < count && candidates.length > 0) {
      const i = Math.floor(this.deps.random() * candidates.length);
      const [p] = candidates.splice(i, 1);
      if (p) picked.push({ host: p.host, port: p.port });
    }
    return picked;
  }
}

const NOWHERE: Endpoint = { host: '0.0.0.0', port: 0 };
const hostOf = (a: ChatAnnouncement): Endpoint | undefined =>
  a.ip !== undefined && a.port !== undefined ? { host: a.ip, port: a.port } : undefined;
