// The peer: one transport, one store, both roles. It answers every request it receives and offers
// the typed client calls the window (or a CLI) makes. Composition only; the rules live in the
// modules it wires together.

import type {
  ChatMessage,
  Decoded,
  NatType,
  Request,
  Response,
  SignedAuthor,
} from '../../src-shared/protocol/index.js';
import { BASE_NAT_TYPES, encodeResponse, ResultCode } from '../../src-shared/protocol/index.js';
import { budgetKey, isIPv6 } from './addresses.js';
import { AnsweredAddresses } from './answered-addresses.js';
import { ChatHost, type NewChatOptions } from './chat-host.js';
import { NanceError } from './errors.js';
import { Emitter } from './events.js';
import { ExpiryScheduler } from './expiry.js';
import { deepFreeze } from './frozen.js';
import { GivenTokens } from './given-tokens.js';
import { ChatGossip, DEFAULT_GOSSIP, type GossipSettings, type GossipStats } from './gossip/chat-gossip.js';
import type { AddressTokens } from './guard/address-tokens.js';
import {
  type AnswerVerdict,
  DEFAULT_GUARD,
  Guard,
  type GuardSettings,
  type GuardStats,
} from './guard/index.js';
import { RateLimiter, type RateLimitSettings } from './guard/rate-limiter.js';
import { KeyPair, verifySignature } from './identity/keys.js';
import { signPost, verifiedAuthor } from './identity/post-signature.js';
import { KeyDirectory } from './key-directory.js';
import { behindSameNat } from './lan/links.js';
import { type Logger, silentLogger } from './logger.js';
import { PeerClient } from './peer-client.js';
import { PeerDirectory } from './peer-directory.js';
import type { Clock, Endpoint, PeerRole, Store, StoredChat, Transport } from './ports.js';
import { endpointKey, endpointOf, sameEndpoint } from './ports.js';
import { DEFAULT_PUSH, PushHost, type PushSettings } from './push/push-host.js';
import { type Pushed, PushReader } from './push/push-reader.js';
import { type ChatRead, DEFAULT_READ_DEADLINE_MS, readDeadline } from './read-bounds.js';
import { type HostChats, RemoteChats } from './remote-chats.js';
import { changesState, ReplyCache } from './reply-cache.js';
import type { RequestContext } from './request-context.js';
import { DEFAULT_RETRY, RequestEngine, type RetryPolicy } from './request-engine.js';
import { type HandledRequest, RequestHandler } from './request-handler.js';
import { type BootstrapState, DEFAULT_SYNC, SyncLoop, type SyncSettings } from './sync.js';
import { Ipv6Paths } from './traversal/ipv6-paths.js';
import { type PathInfo, PathTable, routeAddress } from './traversal/path-table.js';
import { PathTransport } from './traversal/path-transport.js';
import { DEFAULT_TRAVERSAL, Traversal, type TraversalSettings } from './traversal/traversal.js';

export interface PeerConfig {
  role: PeerRole;
  bootstrapPeers: Endpoint[];
  /** Our NAT behaviour, as detected (or assumed with --no-stun). */
  natType: NatType;
  /** Where others reach us, if known (STUN, or the bound address with --no-stun). */
  publicEndpoint?: Endpoint;
  sync: SyncSettings;
  retry: RetryPolicy;
  /** The ping-back of a registration: short, it holds up the registrant's answer. */
  pingBack: Partial<RetryPolicy>;
  retentionMs: number;
  chatCapBytes?: number;
  /** Rate limits and the anti-amplification rule (docs/protocol.md, "Abuse limits"). */
  guard: GuardSettings;
  /** Our port is forwarded by the gateway (NAT-PMP / UPnP): said in our ping answer. */
  mapped?: boolean;
  /** Hole punching, relaying and keepalives (docs/nat.md). */
  traversal: TraversalSettings;
  /** Time one read of a remote chat may take, whatever the host answers. */
  readDeadlineMs: number;
  /** Push delivery to readers of our chats: leases and caps (docs/protocol.md, "push"). */
  push: PushSettings;
  /**
   * Our own IPv6 endpoints others may reach directly (global or ULA addresses of the udp6 socket):
   * named to our peers (`a6`), and without one we seek no IPv6 paths.
   */
  ipv6Endpoints: readonly Endpoint[];
  /** Gossip of chat announcements: fan-out, age and hop limits, budgets (docs/protocol.md, "gossip"). */
  gossip: GossipSettings;
}

/** Frozen all the way down: every peer starts from these and none can change them for the others. */
export const DEFAULT_CONFIG: Readonly<PeerConfig> = deepFreeze({
  role: 'peer',
  bootstrapPeers: [],
  natType: 'Open Internet',
  sync: DEFAULT_SYNC,
  retry: DEFAULT_RETRY,
  pingBack: { timeoutMs: 250, attempts: 3, backoff: 1.5 },
  retentionMs: 24 * 60 * 60 * 1000,
  guard: DEFAULT_GUARD,
  traversal: DEFAULT_TRAVERSAL,
  readDeadlineMs: DEFAULT_READ_DEADLINE_MS,
  push: DEFAULT_PUSH,
  ipv6Endpoints: [],
  gossip: DEFAULT_GOSSIP,
});

/**
 * What may change after construction: what NAT detection and port mapping find before the start,
 * and while running, the window's settings and the tray's mode switch.
 */
export type ConfigPatch = Partial<
  Pick<
    PeerConfig,
    'role' | 'bootstrapPeers' | 'traversal' | 'natType' | 'publicEndpoint' | 'mapped' | 'ipv6Endpoints'
  >
>;

export interface PeerEvents extends Record<string, unknown> {
  /** A message was stored in a chat we host. */
  message: { chatUuid: string };
  /** A host pushed what is new in a chat we read (push delivery). */
  pushed: Pushed;
  chatsChanged: undefined;
  peersChanged: undefined;
  statusChanged: undefined;
  modeChanged: { role: PeerRole };
  /** A host proved its key at a new address (it restarted elsewhere, or roamed). */
  hostMoved: { hostKey: string; to: Endpoint };
}

export interface Deps {
  transport: Transport;
  clock: Clock;
  store: Store;
  logger?: Logger;
  random?: () => number;
  /** The address-token issuer (tests give a fixed secret; by default a random one per process). */
  addressTokens?: AddressTokens;
  /** This install's key pair (the host loads it from the data dir; by default a fresh one). */
  identity?: KeyPair;
  /**
   * Check signed posts inline instead of in libuv's pool: for the simulator, whose virtual time
   * must not wait for a thread. A real peer leaves it off (the pool uses the second core).
   */
  checkSignaturesInline?: boolean;
}

/**
 * Signatures a flood of challenged pings can buy (each ~50 µs of CPU): an honest peer challenges an
 * address once per 5 minutes and on a new route, so 20/s per source (40 at once) and 1,000/s in
 * all (≈ 5 % of a core) are never reached; beyond them a ping is answered without `sig`.
 */
const KEY_PROOF_BUDGET: RateLimitSettings = {
  perSourceRate: 20,
  perSourceBurst: 40,
  bytesPerExtraToken: 0,
  globalRate: 1_000,
  globalBurst: 2_000,
  maxSources: 10_000,
};

/** A LAN probe: two sends of one challenged ping (2 × 184 bytes measured; PROBE_BYTES is 512). */
const LAN_PROBE_POLICY: Partial<RetryPolicy> = { timeoutMs: 500, attempts: 2, backoff: 2 };

/** Requests answered by `serve` (the relay wrappers are not answered like requests). */
type ServedRequest = HandledRequest;

/** Where a chat lives: `null` is this peer. */
export type ChatHostRef = Endpoint | null;

/**
 * How long an announced address that answered nothing is left alone: the host may be offline, or
 * the address a liar's victim, which then gets one reach (a few pings) per reader per this time.
 */
const ANNOUNCED_SILENCE_MS = 30_000;

export class NancePeer {
  readonly events = new Emitter<PeerEvents>();
  private current: Readonly<PeerConfig>;
  private readonly log: Logger;
  private readonly engine: RequestEngine;
  private readonly client: PeerClient;
  private readonly chats: ChatHost;
  private readonly peers: PeerDirectory;
  /** Which key is at which address (proven by challenged pings): the one owner of that fact. */
  private readonly keys = new KeyDirectory();
  private readonly remote = new RemoteChats(undefined, (at) => this.keys.keyAt(at));
  private readonly paths = new PathTable();
  private readonly ipv6: Ipv6Paths;
  /** The address tokens other peers gave us (sent as `k`), shared by the engine and relayed paths. */
  private readonly tokens = new GivenTokens();
  /** Addresses that answered our requests straight (the one owner of that fact). */
  private readonly answered: AnsweredAddresses;
  /** The socket as the peer sees it: by logical address, whatever the path (direct, punched, relayed). */
  private readonly transport: PathTransport;
  private readonly traversal: Traversal;
  private readonly replies: ReplyCache;
  private readonly handler: RequestHandler;
  private readonly sync: SyncLoop;
  private readonly expiry: ExpiryScheduler;
  private readonly guard: Guard;
  private readonly pushHost: PushHost;
  private readonly pushReader: PushReader;
  private readonly gossip: ChatGossip;
  private closed = false;
  /** Key proofs (signatures) we give challenged pings: docs/security.md, "Hosts are keys". */
  private readonly proofBudget: RateLimiter;
  private currentIdentity: KeyPair;

  constructor(
    private readonly deps: Deps,
    config: Partial<PeerConfig> = {},
  ) {
    this.current = deepFreeze({ ...DEFAULT_CONFIG, ...config });
    const { clock, store } = deps;
    this.log = deps.logger ?? silentLogger;
    this.currentIdentity = deps.identity ?? KeyPair.generate();
    const transport = new PathTransport(deps.transport, this.paths, this.tokens);
    this.transport = transport;
    this.engine = new RequestEngine(transport, clock, this.config.retry, deps.random, undefined, this.tokens);
    this.guard = new Guard(this.config.guard, clock.now(), deps.addressTokens);
    this.proofBudget = new RateLimiter(KEY_PROOF_BUDGET, clock.now());
    this.answered = new AnsweredAddresses(clock);
    // An answer from the very address asked (never one out of a relay) proves it is alive and
    // receives what we send — not that it asked for anything: the guard trusts tokens only.
    // Traversal may introduce or relay to it, the directory list it.
    this.engine.onAnswered = (from) => this.answered.note(from);
    this.engine.logicalOf = (source) => this.paths.logicalOf(source);
    this.engine.destinationOf = (peer) => {
      const route = this.paths.get(peer);
      // A relayed datagram's `k` rides inside the relay's wrapper, for the peer itself.
      return route === undefined || route.kind === 'relayed' ? peer : routeAddress(peer, route);
    };
    this.client = new PeerClient(
      this.engine,
      (data, to) => deps.transport.send(data, to),
      undefined,
      undefined,
      this.keys,
    );
    const ipv6 = new Ipv6Paths({
      ping: (to, policy, check) => this.client.ping(to, policy, check),
      paths: this.paths,
      clock,
      logger: this.log,
      ours: () => this.config.ipv6Endpoints,
    });
    this.client.onPinged = (to, info) => {
      ipv6.learned(to, info);
      // Not us (we may be one of its rendezvous): we introduce nobody to ourselves.
      if (info.rv)
        this.traversal.rendezvousNamed(
          to,
          info.rv.filter((e) => !this.isSelf(e)),
        );
    };
    this.client.onAlternate = (peer, alternate) => ipv6.adopt(peer, alternate);
    this.ipv6 = ipv6;
    this.chats = new ChatHost(store, clock, this.config.chatCapBytes);
    this.pushHost = new PushHost({
      clock,
      store,
      settings: () => this.config.push,
      // A subscriber's path (punched, relayed) is in use while we push to it: kept alive.
      request: (to, request, policy) => {
        this.paths.markWanted(to, clock.now());
        return this.engine.request(to, request, policy);
      },
      proofFor: (to) => this.tokens.proofFor(to),
      logger: this.log,
    });
    this.chats.onStored = (message) => this.pushHost.stored(message);
    this.pushReader = new PushReader({
      clock,
      // The path pushes come back on is in use while we hold the subscription: kept alive.
      subscribe: (host, chatUuid, after, sub) => {
        this.paths.markWanted(host, clock.now());
        return this.client.subscribe(host, chatUuid, after, sub);
      },
      ping: (host) => this.client.ping(host),
      onPushed: (pushed) =>
        this.events.emit('pushed', {
          ...pushed,
          messages: this.withVerifiedAuthors(pushed.host, pushed.chatUuid, pushed.messages),
        }),
      logger: this.log,
    });
    this.peers = new PeerDirectory(store, clock, this.answered, undefined, deps.random, () =>
      this.config.role === 'peer' ? this.config.sync.viewSize : Number.POSITIVE_INFINITY,
    );
    this.replies = new ReplyCache(clock);
    this.traversal = new Traversal({
      client: this.client,
      paths: this.paths,
      sendRaw: (data, to) => deps.transport.send(data, to),
      peers: this.peers,
      answered: this.answered,
      clock,
      logger: this.log,
      role: () => this.config.role,
      settings: () => this.config.traversal,
      bootstrapPeers: () => this.config.bootstrapPeers,
      // The sync loop exists by the time traversal asks (it is built just below).
      bootstrapDown: (b) => this.sync.bootstrapDown(b),
      natType: () => this.config.natType,
      dispatchRelayed: (data, origin) => this.dispatch(data, origin, true),
    });
    this.handler = new RequestHandler({
      traversal: this.traversal,
      selfDescription: () => ({ nat: this.config.natType, ...(this.config.mapped ? { mapped: true } : {}) }),
      addressToken: (to) => this.guard.tokens.issue(endpointKey(to), clock.now()),
      identity: () => this.identity,
      ipv6Endpoints: () => this.config.ipv6Endpoints,
      mayProveKey: (from) => this.proofBudget.allow(endpointKey(from), clock.now()),
      now: () => clock.now(),
      ...(deps.checkSignaturesInline ? { signatureCheck: verifySignature } : {}),
      role: () => this.config.role,
      chats: this.chats,
      peers: this.peers,
      pingBack: (to) =>
        this.client.ping(to, this.config.pingBack).then(
          () => this.paths.logicalOf(to),
          () => null,
        ),
      keyAt: (at) => this.keys.keyAt(at),
      provenAlive: (at) => this.answered.note(at),
    });
    this.sync = new SyncLoop({
      client: this.client,
      peers: this.peers,
      remoteChats: this.remote,
      clock,
      logger: this.log,
      role: () => this.config.role,
      settings: () => this.config.sync,
      bootstrapPeers: () => this.config.bootstrapPeers,
      announcedNatType: () => this.announcedNatType(),
      natType: () => this.config.natType,
      traversal: this.traversal,
      homeSeed: () => this.identity.publicKey,
      isSelf: (e) => this.isSelf(e),
      behindOurNat: (e) => behindSameNat(e, this.config),
      onChange: (what) =>
        this.events.emit(
          what === 'peers' ? 'peersChanged' : what === 'chats' ? 'chatsChanged' : 'statusChanged',
          undefined,
        ),
    });
    this.gossip = new ChatGossip({
      client: this.client,
      peers: this.peers,
      remoteChats: this.remote,
      clock,
      random: deps.random ?? Math.random,
      logger: this.log,
      role: () => this.config.role,
      identity: () => this.identity,
      settings: () => this.config.gossip,
      addressToken: (to) => this.guard.tokens.issue(endpointKey(to), clock.now()),
      isSelf: (e) => this.isSelf(e),
      announceable: () => this.config.natType !== 'Symmetric',
      registeredBootstraps: () =>
        this.config.bootstrapPeers.filter((b) => this.sync.bootstrapState(b) === 'registered'),
      ipv4NameOf: (source, key) => this.ipv6.nameOf(source, key),
      ensurePath: (to) => this.traversal.ensurePath(to),
      relayedTo: (to) => this.traversal.relayedTo(to),
      onChange: () => this.events.emit('chatsChanged', undefined),
    });
    this.expiry = new ExpiryScheduler(
      store,
      clock,
      this.config.retentionMs,
      () => {
        this.remote.clear();
        this.pushHost.clear();
        this.log.info({}, 'daily wipe: all chats and messages deleted');
        this.events.emit('chatsChanged', undefined);
      },
      (err) => this.log.error({ err: String(err) }, 'daily wipe failed; retrying'),
    );
    // A host proved its key at a new address (a restart on another port): the same host. Its chats
    // follow it; the old address is no longer a peer of ours (sync would only count its failures).
    this.keys.onMoved = (key, from, to) => {
      this.remote.moved(key, to);
      this.peers.forget(from);
      this.traversal.forget(from);
      this.events.emit('chatsChanged', undefined);
      this.events.emit('hostMoved', { hostKey: key, to });
    };
    transport.onDatagram((data, from) => this.onDatagram(data, from));
  }

  start(): void {
    this.expiry.start();
    this.sync.start();
    this.traversal.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync.stop();
    this.expiry.stop();
    this.traversal.stop();
    this.pushReader.stop();
    this.gossip.stop();
    this.engine.close();
    await this.deps.transport.close();
    this.deps.store.close();
  }

  // ---------------------------------------------------------------- server side

  private onDatagram(data: Uint8Array, from: Endpoint, source: Endpoint = from): void {
    try {
      this.dispatch(data, from, false, source);
    } catch (err) {
      // Nothing from the network may take the peer down; decoding is total, this guards the rest.
      this.log.error({ err: String(err), from: endpointKey(from) }, 'datagram handling failed');
    }
  }

  /**
   * `relayed`: the datagram came out of an `n/f` (it may not carry another). `source`: where it
   * really came from, when a learned address stands for `from` (address proof is per real address).
   */
  private dispatch(data: Uint8Array, from: Endpoint, relayed = false, source: Endpoint = from): void {
    const key = endpointKey(from);
    const now = this.deps.clock.now();
    const awaited = this.engine.isAwaiting(key) || this.paths.isRelayInUse(key);
    // Budgets per IPv4 address and port, per IPv6 /64; address proof stays per exact address.
    const decoded = this.guard.admit(data, budgetKey(from), awaited, now);
    if (!decoded) return;
    switch (decoded.kind) {
      case 'response':
        // Only from the address our request went to (out of a relay: the origin it names, and only
        // over our own route through that relay, traversal.forwarded); a relayed answer proves
        // nothing about the origin's address.
        this.engine.handleResponse(decoded.response, decoded.z, from, !relayed);
        return;
      case 'invalid':
        if (decoded.reply) {
          const ctx = { from, proven: false, asksProof: false, relayed };
          this.reply({ r: ResultCode.UnknownFormat, c: {} }, decoded.z, ctx);
        }
        return;
      case 'request': {
        const proven = this.guard.isProven(decoded.proof, endpointKey(source), now);
        const ctx = { from, proven, asksProof: decoded.proof !== undefined, relayed };
        // A retry that came straight (over a path proven since its first send) is answered straight.
        if (!relayed && decoded.z !== undefined) this.paths.replyStraight(from, decoded.z);
        this.serveRequest(decoded, source === from ? ctx : { ...ctx, source });
        if (decoded.request.type === 'ping' && source === from && !relayed) this.ipv6.pingedBy(from);
        // A peer of ours shuffling with us: news it may lack (a chat announced lately) goes back.
        if (proven && !relayed && decoded.request.type === 'getPeers') this.gossip.contacted(from);
      }
    }
  }

  /** Relay messages are not answered like requests (docs/protocol.md, `n/r` and `n/f`). */
  private serveRequest(decoded: Extract<Decoded, { kind: 'request' }>, ctx: RequestContext): void {
    const { request, z } = decoded;
    if (request.type === 'forwarded') {
      if (!ctx.relayed) this.traversal.forwarded(ctx.from, request.origin, request.msg);
      return;
    }
    if (request.type === 'relay') {
      if (ctx.relayed) return;
      const refusal = this.traversal.relayRequest(ctx, request.target, request.msg);
      if (refusal) this.reply(refusal, z, ctx);
      return;
    }
    if (request.type === 'subscribe' || request.type === 'push' || request.type === 'announce') {
      const answer =
        request.type === 'announce' ? this.gossip.receive(ctx, request.chats) : this.servePush(request, ctx);
      if (answer) this.guard.rate.charge(endpointKey(ctx.from), this.reply(answer, z, ctx).length);
      return;
    }
    this.serve(request, z, ctx);
  }

  /** Push delivery (docs/protocol.md, "push"); null: no answer at all (an unproven subscribe). */
  private servePush(
    request: Extract<Request, { type: 'subscribe' | 'push' }>,
    ctx: RequestContext,
  ): Response | null {
    if (request.type === 'subscribe') {
      if (this.config.role !== 'peer') return { r: ResultCode.UnknownFormat, c: {} };
      return this.pushHost.subscribe(ctx, request.chatUuid, request.after, request.sub);
    }
    // A push is taken only straight from the host subscribed to (its check), never out of a relay.
    if (ctx.relayed) return { r: ResultCode.UnknownFormat, c: {} };
    return this.pushReader.push(ctx.from, request.chatUuid, request.sub, request.upTo, request.messages);
  }

  /**
   * Runs a request; a state-changing one (post, registration) only once per (sender, z): a resend
   * gets the remembered answer. Reads are simply run again, which keeps large answers out of memory.
   */
  private serve(request: ServedRequest, z: string | undefined, ctx: RequestContext): void {
    const { from } = ctx;
    const key = z === undefined || !changesState(request) ? undefined : `${endpointKey(from)}/${z}`;
    if (key !== undefined) {
      const plan = this.replies.begin(key);
      if (plan.action === 'drop') return;
      if (plan.action === 'resend') {
        this.sendAnswer(plan.reply, z, ctx);
        return;
      }
    }
    this.handler
      .handle(request, ctx, z)
      .catch((err: unknown) => {
        this.log.error({ err: String(err), request: request.type }, 'request failed');
        return { r: ResultCode.Exception, c: {} };
      })
      .then((answer) => {
        const bytes = request.type === 'ping' ? this.answerPing(answer, z, ctx) : this.reply(answer, z, ctx);
        this.guard.rate.charge(endpointKey(from), bytes.length);
        if (key !== undefined)
          if (answer.r === ResultCode.ProveAddress) this.replies.abandon(key);
          else this.replies.finish(key, bytes);
        if (request.type === 'postMessage' && answer.r === ResultCode.Ok) {
          this.events.emit('message', { chatUuid: request.chatUuid });
        }
      });
  }

  /**
   * A ping is always answered: when the answer with our advertisement would break the
   * anti-amplification rule (a tiny ping with a short z, or a spoofed flood of them), it goes
   * without our IPv6 endpoints (learned at the next, proven ping); else a pinger that speaks the
   * proof extension, straight, is asked to prove its address (`r: 4`: its token is stale, as behind a
   * symmetric NAT whose mapping toward us is new), and anyone else gets the bare base answer,
   * never much larger than the ping that asked for it. A bare answer to a peer of ours would
   * tell it we are a base peer: it would send us no token, and no gossip, from then on.
   */
  private answerPing(answer: Response, z: string | undefined, ctx: RequestContext): Uint8Array {
    for (const candidate of [answer, withoutIpv6Adverts(answer)]) {
      if (candidate === undefined) continue;
      const bytes = this.encode(candidate, z);
      if (this.verdict(bytes.length, ctx) === 'send') {
        this.send(bytes, ctx.from);
        return bytes;
      }
    }
    if (ctx.asksProof && !ctx.relayed) return this.reply(answer, z, ctx);
    const bare = this.encode({ r: ResultCode.Ok, c: {} }, z);
    if (this.verdict(bare.length, ctx) === 'send') this.send(bare, ctx.from);
    return bare;
  }

  private reply(response: Response, z: string | undefined, ctx: RequestContext): Uint8Array {
    const bytes = this.encode(response, z);
    this.sendAnswer(bytes, z, ctx);
    return bytes;
  }

  private encode(response: Response, z: string | undefined): Uint8Array {
    try {
      return encodeResponse(response, z);
    } catch (err) {
      this.log.error({ err: String(err) }, 'response did not fit a datagram');
      return encodeResponse({ r: ResultCode.Exception, c: {} }, z);
    }
  }

  /**
   * Sends an answer as the guard allows: whole to a proven requester or within the
   * anti-amplification rule; otherwise a requester that speaks the proof extension gets a small
   * `r: 4` with a token to resend with, and anyone else silence (docs/protocol.md, "Address proof").
   */
  private sendAnswer(bytes: Uint8Array, z: string | undefined, ctx: RequestContext): void {
    const verdict = this.verdict(bytes.length, ctx);
    if (verdict === 'send') {
      this.send(bytes, ctx.from);
    } else if (verdict === 'prove') {
      const key = endpointKey(ctx.source ?? ctx.from);
      const token = this.guard.tokens.issue(key, this.deps.clock.now());
      const ask = encodeResponse({ r: ResultCode.ProveAddress, c: { k: token } }, z);
      if (this.verdict(ask.length, { ...ctx, asksProof: false }) === 'send') this.send(ask, ctx.from);
    }
  }

  /** The guard's word on an answer of `bytes` to the asker of `ctx`. */
  private verdict(bytes: number, ctx: RequestContext): AnswerVerdict {
    return this.guard.answer(budgetKey(ctx.from), bytes, this.deps.clock.now(), {
      proven: ctx.proven,
      asksProof: ctx.asksProof,
      knownToProve: this.tokens.speaksProof(ctx.from),
    });
  }

  private send(bytes: Uint8Array, to: Endpoint): void {
    if (!this.closed) this.transport.send(bytes, to);
  }

  /** Counters of the rate limiter and the anti-amplification rule. */
  guardStats(): GuardStats {
    return this.guard.stats();
  }

  /** What chat gossip listed, and refused as forged (tests, the scale scenario). */
  gossipStats(): GossipStats {
    return { ...this.gossip.stats };
  }

  // ---------------------------------------------------------------- client side (what a user does)

  get role(): PeerRole {
    return this.config.role;
  }

  /** The configuration in force (frozen: change it with `reconfigure`). */
  get config(): Readonly<PeerConfig> {
    return this.current;
  }

  /**
   * The one way to change the running peer: a new role (the window follows by `modeChanged`, and a
   * sync round re-registers in it), new bootstrap peers (used from the next round), new traversal
   * settings (the keepalive timer re-armed at once).
   */
  reconfigure(patch: ConfigPatch): void {
    const before = this.current;
    this.current = deepFreeze({ ...before, ...patch });
    if (patch.traversal !== undefined && patch.traversal !== before.traversal)
      this.traversal.settingsChanged();
    if (patch.role !== undefined && patch.role !== before.role) {
      this.events.emit('modeChanged', { role: patch.role });
      void this.sync.runRound();
    }
  }

  /** This peer's key pair: it signs our posts and proves our answers. Read it at each use: it can be replaced. */
  get identity(): KeyPair {
    return this.currentIdentity;
  }

  /**
   * The one way to change our key (an imported backup): what we sign and prove from now on uses
   * `keys`; what was signed before stays signed by the old key. Saving it is the host's job.
   */
  replaceIdentity(keys: KeyPair): void {
    this.currentIdentity = keys;
  }

  private requirePeerRole(): void {
    if (this.config.role !== 'peer') throw new NanceError('wrong-mode', 'chats are off in bootstrap mode');
  }

  async createChat(
    name: string,
    firstMessage: string,
    author: string,
    options: NewChatOptions = {},
  ): Promise<StoredChat> {
    this.requirePeerRole();
    // A room's author signs inside its ciphertext: an outer signature would name the author to the host.
    const sign =
      options.visibility === 'private'
        ? undefined
        : (chatUuid: string) => this.signLocal(chatUuid, author, firstMessage, this.engine.newId());
    const chat = await this.chats.createChat(name, firstMessage, author, {
      ...options,
      ...(sign ? { sign } : {}),
    });
    this.gossip.created(chat);
    this.events.emit('chatsChanged', undefined);
    return chat;
  }

  /** My chats, newest first. */
  myChats(max = 1000): StoredChat[] {
    return this.deps.store.listChats(max);
  }

  /** What we know of every other host's chats. */
  remoteChats(): HostChats[] {
    return this.remote.all();
  }

  /**
   * Where a chat's host is now: the address its key was last proven at, when the window names the
   * host by key and we know one; else the address the window gave.
   */
  resolveHost(host: ChatHostRef, hostKey?: string): ChatHostRef {
    if (host === null || hostKey === undefined) return host;
    return this.keys.addressOf(hostKey) ?? host;
  }

  /** The key proven at an address, if any (a base peer has none). */
  keyAt(at: Endpoint): string | undefined {
    return this.keys.keyAt(at);
  }

  /** Asks one host for its chat list now. */
  async refreshChats(host: Endpoint): Promise<HostChats> {
    this.requirePeerRole();
    try {
      const chats = await this.overPath(host, () =>
        this.client.getChats(host, this.config.sync.maxChatsLength),
      );
      return this.remote.set(host, chats, this.deps.clock.now());
    } catch (err) {
      if (err instanceof NanceError) return this.remote.failed(host, err.kind, this.deps.clock.now());
      throw err;
    } finally {
      this.events.emit('chatsChanged', undefined);
    }
  }

  /** A whole chat: the messages of `readChatSince(host, chatUuid, 0)`. */
  async readChat(host: ChatHostRef, chatUuid: string): Promise<ChatMessage[]> {
    return (await this.readChatSince(host, chatUuid, 0)).messages;
  }

  /**
   * What is new in a chat since `afterSeq` (a `lastSeq` of an earlier read; 0 reads everything).
   * The caller keeps the cursor (the window, per open chat); `full` means `messages` is the whole
   * chat (a base host cannot page): replace, do not append. A remote read ends by
   * `config.readDeadlineMs`, including a retry over a new path.
   */
  async readChatSince(
    host: ChatHostRef,
    chatUuid: string,
    afterSeq = 0,
    /** Keep a push subscription while this chat is read (false: a background read). */
    subscribe = true,
  ): Promise<ChatRead> {
    this.requirePeerRole();
    let read: ChatRead | undefined;
    if (host === null) {
      read = this.chats.read(chatUuid, afterSeq);
      if (!read) throw NanceError.fromCode(ResultCode.NotFound, 'read chat');
    } else {
      const deadline = readDeadline(this.deps.clock, this.config.readDeadlineMs);
      try {
        read = await this.overPath(host, () =>
          this.client.getMessagesSince(host, chatUuid, afterSeq, deadline),
        );
      } catch (err) {
        throw await this.whyRefused(host, err);
      }
      // The window reads this chat: keep a subscription for pushes while it does.
      if (subscribe && this.client.advertises(host, 'push'))
        this.pushReader.reading(host, chatUuid, read.lastSeq);
    }
    return { ...read, messages: this.withVerifiedAuthors(host, chatUuid, read.messages) };
  }

  /**
   * A host of ours refuses chat requests (2) in bootstrap mode: asked again what it is, a host that
   * says bootstrap gets its own error, and its chats leave the list (it hosts none now).
   */
  private async whyRefused(host: Endpoint, err: unknown): Promise<unknown> {
    if (!(err instanceof NanceError && err.kind === 'bad-request')) return err;
    const info = await this.client.ping(host).catch(() => undefined);
    if (info?.role !== 'bootstrap') return err;
    this.remote.forget(host);
    this.events.emit('chatsChanged', undefined);
    return new NanceError('host-bootstrap', `${endpointKey(host)} is in bootstrap mode: it hosts no chats`);
  }

  /**
   * The host may lie: a message keeps its author only if the signature holds for this host's key
   * (read or pushed alike).
   */
  private withVerifiedAuthors(host: ChatHostRef, chatUuid: string, messages: ChatMessage[]): ChatMessage[] {
    const hostKey = host === null ? this.identity.publicKey : (this.client.signingKeyOf(host) ?? '');
    return messages.map((m) => {
      const { author, ...rest } = m;
      const verified = verifiedAuthor(hostKey, chatUuid, m);
      return verified ? { ...rest, author: verified } : rest;
    });
  }

  /** Whether a host pushes what is new in this chat now (the window then polls only as fallback). */
  pushLive(host: ChatHostRef, chatUuid: string): boolean {
    return host !== null && this.pushReader.isLive(host, chatUuid);
  }

  /** Readers subscribed to our chats now. */
  pushSubscribers(): number {
    return this.pushHost.subscriberCount;
  }

  /**
   * Posts as `name`, signed with our key where the host verifies signatures (our own chats
   * always). `z`: the post's id, chosen before signing; a caller resending the same post (across
   * restarts too) passes the same one.
   */
  async postMessage(
    host: ChatHostRef,
    chatUuid: string,
    name: string,
    content: string,
    z: string = this.engine.newId(),
    /** False for a room's sealed post: its signature is inside, an outer one would name the author. */
    sign = true,
  ): Promise<void> {
    this.requirePeerRole();
    if (host !== null) {
      // Not sent again on a new path: the first one may have arrived with only its answers lost,
      // and a second z would store it twice. The path is found again for the user's next try.
      const signer = sign ? this.identity : null;
      const post = () => this.client.postMessage(host, chatUuid, name, content, signer, z);
      try {
        return await this.overPath(host, post, false);
      } catch (err) {
        throw await this.whyRefused(host, err);
      }
    }
    const author = sign ? this.signLocal(chatUuid, name, content, z) : undefined;
    const result = await this.chats.post(chatUuid, name, content, undefined, author);
    if (result.status === 'not-found') throw NanceError.fromCode(ResultCode.NotFound, 'post');
    if (result.status === 'full') throw NanceError.fromCode(ResultCode.Full, 'post');
    if (result.status === 'too-large')
      throw new NanceError('too-large', 'post: the message does not fit one datagram');
    this.events.emit('message', { chatUuid });
  }

  /** Our signature of a post to a chat we host (the host's key is ours). */
  private signLocal(chatUuid: string, name: string, content: string, z: string): SignedAuthor {
    const post = { hostKey: this.identity.publicKey, chatUuid, name, content, z };
    return { ...signPost(this.identity, post, this.deps.clock.now()), z };
  }

  knownPeers() {
    return this.peers.all();
  }

  bootstrapStates(): { endpoint: Endpoint; state: BootstrapState }[] {
    return this.config.bootstrapPeers.map((endpoint) => ({
      endpoint,
      state: this.sync.bootstrapState(endpoint),
    }));
  }

  nextWipeAt(): number {
    return this.expiry.nextWipeAt();
  }

  localEndpoint(): Endpoint {
    return this.deps.transport.localEndpoint();
  }

  /** Runs one whole sync round that starts now, after any running one (tests, "refresh" in the window). */
  syncNow(): Promise<void> {
    return this.sync.roundFromNow();
  }

  /** "Refresh" in the window: a round from now that fetches every synced peer's chat list anew. */
  refreshLists(): Promise<void> {
    return this.sync.fullRoundFromNow();
  }

  /**
   * Runs a user's request to `host` on a path that works: a peer known to need traversal gets one
   * first if it has none, and when a request times out on a punched or relayed path (the NAT
   * binding expired, the relay went away) the path is found again and, if `retry`, the request
   * is sent once more.
   */
  private async overPath<T>(host: Endpoint, request: () => Promise<T>, retry = true): Promise<T> {
    this.leaveSilentAnnouncedAlone(host);
    await this.traversal.ensurePath(host);
    await this.requireAnnouncedKey(host);
    const before = this.paths.get(host);
    try {
      const answer = await request();
      this.hostAnswered(host);
      return answer;
    } catch (err) {
      // A direct path is stale only when it went to the peer's IPv6 endpoint: IPv4 is the fallback.
      const stale =
        before !== undefined &&
        (before.kind !== 'direct' || before.actual !== undefined) &&
        this.paths.get(host) === before;
      if (!(err instanceof NanceError && err.kind === 'timeout') || !stale) throw err;
      this.paths.delete(host);
      const found = await this.traversal.reach(host, this.peers.get(host)?.natType).then(
        () => true,
        () => false,
      );
      if (!found || !retry) throw err;
      const answer = await request();
      this.hostAnswered(host);
      return answer;
    }
  }

  /**
   * A host heard of only from an announcement is asked only once a challenged ping there (its
   * reach, ensurePath) proved the key that announced it: a relaying peer sets the address, so it
   * may be anyone's (docs/security.md, "Announced addresses"). An address that answered with
   * another key or none loses that key's listing, and no request goes there for it again; one that
   * answered nothing is offline (a timeout) and left alone for ANNOUNCED_SILENCE_MS. An answer that
   * proved no key is challenged once more first (it may have gone bare or unsigned: a flood spent
   * the host's signing budget, or the guard cut the answer); if the address then names the
   * announced key without proving it, it is left alone like a silent one: a flood must not make
   * the host's readers drop it.
   */
  private async requireAnnouncedKey(host: Endpoint): Promise<void> {
    const heard = this.peers.heardOfAt(host);
    if (heard === undefined || this.keys.keyAt(host) === heard.key) return;
    if (!heard.refused) {
      // What the address said last (undefined: never answered; no id: named no key).
      const last = this.client.known(host);
      if (last !== undefined && (last.id === undefined || last.id === heard.key)) {
        const proven = await this.client.ping(host, undefined, { expect: heard.key }).then(
          () => true,
          () => false,
        );
        if (proven) return;
      }
      const latest = this.client.known(host);
      if (latest === undefined || latest.id === heard.key) {
        this.peers.silent(host, this.deps.clock.now() + ANNOUNCED_SILENCE_MS);
        throw NanceError.fromCode(ResultCode.Timeout, `${endpointKey(host)}: no answer`);
      }
      this.peers.refuse(host);
      this.remote.forgetKeyAt(heard.key, host);
      this.events.emit('chatsChanged', undefined);
    }
    throw new NanceError('not-found', `${endpointKey(host)} did not prove the key that announced its chats`);
  }

  /** An announced address that was silent a moment ago gets nothing now: offline, said at once. */
  private leaveSilentAnnouncedAlone(host: Endpoint): void {
    const heard = this.peers.heardOfAt(host);
    if (heard && !heard.refused && heard.silentUntil > this.deps.clock.now())
      throw NanceError.fromCode(ResultCode.Timeout, `${endpointKey(host)}: no answer lately`);
  }

  /** A host that answered is online again: the chat list stops showing its chats as offline. */
  private hostAnswered(host: Endpoint): void {
    if (this.remote.answered(host)) this.events.emit('chatsChanged', undefined);
  }

  /**
   * LAN discovery heard of a peer at `at`: a challenged ping straight to it (at most PROBE_BYTES,
   * lan-announcement.ts) must prove a key; then it is a peer like any other, on a direct path.
   * Resolves whether it did. Never throws.
   */
  async probeNearby(at: Endpoint): Promise<boolean> {
    if (this.closed || this.isSelf(at)) return false;
    try {
      const info = await this.client.ping(at, LAN_PROBE_POLICY, { force: true });
      if (info.key === undefined) return false;
      this.paths.set(at, { kind: 'direct', since: this.deps.clock.now() });
      await this.sync.learnNearby(at, info);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether `key` is proven at `at` and the peer is known there: LAN discovery need not probe it. */
  knowsNearby(at: Endpoint, key: string): boolean {
    return this.keys.keyAt(at) === key && this.peers.get(at) !== undefined;
  }

  /**
   * The machine's addresses or default route changed (roaming, host/roaming.ts): every path was
   * made from the old network (punched holes and relays through the old mapping, LAN neighbours),
   * so each is found again on next use; every bootstrap is joined again now, from the new address.
   */
  networkChanged(): void {
    for (const { peer } of this.paths.entries()) this.paths.delete(peer);
    this.sync.rejoinAll();
    void this.sync.runRound().catch(() => undefined);
    this.events.emit('statusChanged', undefined);
  }

  /** How a peer is reached now (null: not yet known, we have not needed to reach it). */
  pathTo(e: Endpoint): PathInfo | null {
    const route = this.paths.get(e);
    if (!route) return null;
    const { since } = route;
    const family = isIPv6(routeAddress(e, route).host) ? 'ipv6' : 'ipv4';
    if (route.kind === 'relayed') return { kind: 'relayed', via: endpointOf(route.relay), family, since };
    const actual = route.actual && !sameEndpoint(route.actual, e) ? { actual: endpointOf(route.actual) } : {};
    const mapped = this.client.known(e)?.mapped === true;
    // Punched straight to a host's forwarded port (it punched to us first): that port is the path.
    const toForwardedPort = mapped && !('actual' in actual);
    if (route.kind === 'punched' && !toForwardedPort) return { kind: 'punched', ...actual, family, since };
    return { kind: mapped ? 'mapped' : 'direct', ...actual, family, since };
  }

  /** What we tell base peers in r/i: they accept only "Full Cone" and "Restricted Cone". */
  announcedNatType(): string {
    const t = this.config.natType;
    if ((BASE_NAT_TYPES as readonly string[]).includes(t)) return t;
    return t === 'Open Internet' ? 'Full Cone' : 'Restricted Cone';
  }

  private isSelf(e: Endpoint): boolean {
    const local = this.localEndpoint();
    const pub = this.config.publicEndpoint;
    if (pub && sameEndpoint(pub, e)) return true;
    // Behind a symmetric NAT every peer sees us at another port: a listed address on our public IP
    // is us (or a neighbour behind the same NAT, whom no public address reaches without hairpinning).
    if (pub && pub.host === e.host && this.config.natType === 'Symmetric') return true;
    return e.port === local.port && [local.host, '127.0.0.1', '0.0.0.0'].includes(e.host);
  }
}

/** A ping answer without its `a6` list (undefined when it had none): a smaller first answer. */
function withoutIpv6Adverts(answer: Response): Response | undefined {
  const nance = (answer.c as { nance?: Record<string, unknown> }).nance;
  if (!nance || !('a6' in nance)) return undefined;
  const { a6: _a6, ...rest } = nance;
  return { ...answer, c: { ...answer.c, nance: rest } };
}
