// The peer: one transport, one store, both roles. It answers every request it receives and offers
// the typed client calls the window (or a CLI) makes. Composition only; the rules live in the
// modules it wires together.
import type { ChatMessage, Decoded, NatType, Request, Response } from '../../src-shared/protocol/index.js';
import {
  BASE_NAT_TYPES,
  decodeDatagram,
  encodedResponseSize,
  encodeResponse,
  ResultCode,
} from '../../src-shared/protocol/index.js';
import { ChatHost, toWireMessage } from './chat-host.js';
import { NanceError } from './errors.js';
import { Emitter } from './events.js';
import { ExpiryScheduler } from './expiry.js';
import { DEFAULT_GUARD, Guard, type GuardSettings, type GuardStats } from './guard/index.js';
import { type Logger, silentLogger } from './logger.js';
import { PeerClient } from './peer-client.js';
import { PeerDirectory } from './peer-directory.js';
import type { Clock, Endpoint, PeerRole, Store, StoredChat, Transport } from './ports.js';
import { endpointKey, endpointOf, sameEndpoint } from './ports.js';
import { type HostChats, RemoteChats } from './remote-chats.js';
import { ReplyCache } from './reply-cache.js';
import { DEFAULT_RETRY, RequestEngine, type RetryPolicy } from './request-engine.js';
import { RequestHandler } from './request-handler.js';
import { type BootstrapState, DEFAULT_SYNC, SyncLoop, type SyncSettings } from './sync.js';
import { type PathInfo, PathTable } from './traversal/path-table.js';
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
}

export const DEFAULT_CONFIG: PeerConfig = {
  role: 'peer',
  bootstrapPeers: [],
  natType: 'Open Internet',
  sync: DEFAULT_SYNC,
  retry: DEFAULT_RETRY,
  pingBack: { timeoutMs: 250, attempts: 3, backoff: 1.5 },
  retentionMs: 24 * 60 * 60 * 1000,
  guard: DEFAULT_GUARD,
  traversal: DEFAULT_TRAVERSAL,
};

export interface PeerEvents extends Record<string, unknown> {
  /** A message was stored in a chat we host. */
  message: { chatUuid: string };
  chatsChanged: undefined;
  peersChanged: undefined;
  statusChanged: undefined;
  modeChanged: { role: PeerRole };
}

export interface Deps {
  transport: Transport;
  clock: Clock;
  store: Store;
  logger?: Logger;
  random?: () => number;
}

/** Upper bound of our ping's size on the wire: base64 of {"m":"p","z":"<uuid v4>"}. */
const VALIDATION_PING_BYTES = 72;

/** Where a chat lives: `null` is this peer. */
export type ChatHostRef = Endpoint | null;

export class NancePeer {
  readonly events = new Emitter<PeerEvents>();
  readonly config: PeerConfig;
  private readonly log: Logger;
  private readonly engine: RequestEngine;
  private readonly client: PeerClient;
  private readonly chats: ChatHost;
  private readonly peers: PeerDirectory;
  private readonly remote = new RemoteChats();
  private readonly paths = new PathTable();
  /** The socket as the peer sees it: by logical address, whatever the path (direct, punched, relayed). */
  private readonly transport: PathTransport;
  private readonly traversal: Traversal;
  private readonly replies: ReplyCache;
  private readonly handler: RequestHandler;
  private readonly sync: SyncLoop;
  private readonly expiry: ExpiryScheduler;
  private readonly guard: Guard;
  /** Answers waiting for their address to be validated (anti-amplification), by address. */
  private readonly held = new Map<string, Uint8Array[]>();
  private closed = false;

  constructor(
    private readonly deps: Deps,
    config: Partial<PeerConfig> = {},
  ) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const { clock, store } = deps;
    this.log = deps.logger ?? silentLogger;
    const transport = new PathTransport(deps.transport, this.paths);
    this.transport = transport;
    this.engine = new RequestEngine(transport, clock, this.config.retry, deps.random);
    this.guard = new Guard(this.config.guard, clock.now());
    // An answer from the very address asked proves it receives what we send: the guard lifts its
    // amplification limit, and traversal may introduce or relay to it.
    this.engine.onAnswered = (from) => {
      this.guard.amplification.validate(endpointKey(from));
      this.traversal.noteAnswered(from);
    };
    this.client = new PeerClient(this.engine, (data, to) => deps.transport.send(data, to));
    this.chats = new ChatHost(store, clock, this.config.chatCapBytes);
    this.peers = new PeerDirectory(store, clock);
    this.replies = new ReplyCache(clock);
    this.traversal = new Traversal({
      client: this.client,
      paths: this.paths,
      sendRaw: (data, to) => deps.transport.send(data, to),
      peers: this.peers,
      clock,
      logger: this.log,
      role: () => this.config.role,
      settings: () => this.config.traversal,
      bootstrapPeers: () => this.config.bootstrapPeers,
      dispatchRelayed: (data, origin) => this.dispatch(data, origin, true),
    });
    this.handler = new RequestHandler({
      traversal: this.traversal,
      selfDescription: () => ({ nat: this.config.natType, ...(this.config.mapped ? { mapped: true } : {}) }),
      role: () => this.config.role,
      chats: this.chats,
      peers: this.peers,
      pingBack: (to) =>
        this.client.ping(to, this.config.pingBack).then(
          () => true,
          () => false,
        ),
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
      isSelf: (e) => this.isSelf(e),
      onChange: (what) =>
        this.events.emit(
          what === 'peers' ? 'peersChanged' : what === 'chats' ? 'chatsChanged' : 'statusChanged',
          undefined,
        ),
    });
    this.expiry = new ExpiryScheduler(store, clock, this.config.retentionMs, () => {
      this.remote.clear();
      this.log.info({}, 'daily wipe: all chats and messages deleted');
      this.events.emit('chatsChanged', undefined);
    });
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
    this.engine.close();
    await this.deps.transport.close();
    this.deps.store.close();
  }

  // ---------------------------------------------------------------- server side

  private onDatagram(data: Uint8Array, from: Endpoint): void {
    try {
      this.dispatch(data, from);
    } catch (err) {
      // Nothing from the network may take the peer down; decoding is total, this guards the rest.
      this.log.error({ err: String(err), from: endpointKey(from) }, 'datagram handling failed');
    }
  }

  /** `relayed`: the datagram came out of an `n/f` (it may not carry another). */
  private dispatch(data: Uint8Array, from: Endpoint, relayed = false): void {
    const key = endpointKey(from);
    // Answers to our own requests are not rate limited (a chat read brings hundreds of pages from
    // one host); for an address we await, decode first to tell. Everything else is checked before
    // decoding, so a flood costs as little as possible; excess is dropped silently. A relay we
    // route through brings such answers wrapped: they are checked once unwrapped, by origin.
    const awaited = this.engine.isAwaiting(key) || this.paths.isRelayInUse(key);
    if (!awaited && !this.guard.rate.allow(key, this.deps.clock.now())) return;
    const decoded = decodeDatagram(data);
    const exempt =
      decoded.kind === 'response' || (decoded.kind === 'request' && decoded.request.type === 'forwarded');
    if (awaited && !exempt && !this.guard.rate.allow(key, this.deps.clock.now())) return;
    // Bytes of dropped datagrams earn no amplification budget (stricter, and cheaper under a flood).
    this.guard.amplification.received(key, data.length);
    switch (decoded.kind) {
      case 'response':
        this.engine.handleResponse(decoded.response, decoded.z, from);
        return;
      case 'invalid':
        // An error answer over the amplification budget is dropped: not worth a validation.
        if (decoded.reply) this.reply({ r: ResultCode.UnknownFormat, c: {} }, decoded.z, from, false);
        return;
      case 'request':
        this.serveRequest(decoded, from, relayed);
    }
  }

  /** Relay messages are not answered like requests (docs/protocol.md, `n/r` and `n/f`). */
  private serveRequest(
    decoded: Extract<Decoded, { kind: 'request' }>,
    from: Endpoint,
    relayed: boolean,
  ): void {
    const { request, z } = decoded;
    if (request.type === 'forwarded') {
      if (!relayed) this.traversal.forwarded(from, request.origin, request.msg);
      return;
    }
    if (request.type === 'relay') {
      if (relayed) return;
      const refusal = this.traversal.relayRequest(from, request.target, request.msg);
      if (refusal) this.reply(refusal, z, from, false);
      return;
    }
    this.serve({ ...decoded, request }, from);
  }

  /**
   * Runs a request; a state-changing one (post, registration) only once per (sender, z): a resend
   * gets the remembered answer. Reads are simply run again, which keeps large answers out of memory.
   */
  private serve(
    decoded: { request: Exclude<Request, { type: 'relay' | 'forwarded' }>; z?: string },
    from: Endpoint,
  ): void {
    const { request, z } = decoded;
    // An introduction makes the rendezvous message the target: once per (sender, z), like a post.
    const changesState =
      request.type === 'postMessage' || request.type === 'register' || request.type === 'introduce';
    const key = z === undefined || !changesState ? undefined : `${endpointKey(from)}/${z}`;
    if (key !== undefined) {
      const plan = this.replies.begin(key);
      if (plan.action === 'drop') return;
      if (plan.action === 'resend') {
        this.sendGuarded(plan.reply, from, true);
        return;
      }
    }
    this.handler
      .handle(request, from, z)
      .catch((err: unknown) => {
        this.log.error({ err: String(err), request: request.type }, 'request failed');
        return { r: ResultCode.Exception, c: {} };
      })
      .then((answer) => {
        const response = request.type === 'ping' ? this.pingAnswerWithinBudget(answer, z, from) : answer;
        const bytes = this.reply(response, z, from);
        this.guard.rate.charge(endpointKey(from), bytes.length);
        if (key !== undefined) this.replies.finish(key, bytes);
        if (request.type === 'postMessage' && response.r === ResultCode.Ok) {
          this.events.emit('message', { chatUuid: request.chatUuid });
        }
      });
  }

  /**
   * A ping is always answered: when the answer with our advertisement would break the
   * anti-amplification rule for a new address (a tiny ping with a short z), the bare base answer
   * goes out instead; it is never larger than the ping that asked for it plus a few bytes.
   */
  private pingAnswerWithinBudget(response: Response, z: string | undefined, from: Endpoint): Response {
    const amp = this.guard.amplification;
    const key = endpointKey(from);
    // Measuring the answer costs a JSON.stringify: only where the rule applies at all.
    if (amp.isValidated(key)) return response;
    return amp.maySend(key, encodedResponseSize(response, z), false) ? response : { r: ResultCode.Ok, c: {} };
  }

  private reply(
    response: { r: number; c: Record<string, unknown> },
    z: string | undefined,
    to: Endpoint,
    holdIfTooLarge = true,
  ): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = encodeResponse(response, z);
    } catch (err) {
      this.log.error({ err: String(err) }, 'response did not fit a datagram');
      bytes = encodeResponse({ r: ResultCode.Exception, c: {} }, z);
    }
    this.sendGuarded(bytes, to, holdIfTooLarge);
    return bytes;
  }

  /**
   * Sends an answer unless that would break the anti-amplification rule for an address not yet
   * validated. Then the answer is held and the address pinged: once it answers (proving it
   * receives what we send) the held answers go out; if it stays silent they are dropped.
   */
  private sendGuarded(bytes: Uint8Array, to: Endpoint, holdIfTooLarge: boolean): void {
    if (this.closed) return;
    const key = endpointKey(to);
    const amp = this.guard.amplification;
    if (amp.maySend(key, bytes.length)) {
      amp.sent(key, bytes.length);
      this.transport.send(bytes, to);
      return;
    }
    if (!holdIfTooLarge) return;
    const settings = this.config.guard;
    const waiting = this.held.get(key);
    if (waiting) {
      waiting.push(bytes);
      if (waiting.length > settings.maxHeldPerAddress) waiting.shift();
      else this.guard.heldReplies++;
      return;
    }
    // The ping (with its resends) is bytes sent to an unvalidated address: it must fit the budget too.
    const pingBytes =
      VALIDATION_PING_BYTES * (settings.validationPing.attempts ?? this.config.retry.attempts);
    if (this.held.size >= settings.maxPendingValidations || !amp.maySend(key, pingBytes, false)) return;
    amp.sent(key, pingBytes);
    this.held.set(key, [bytes]);
    this.guard.heldReplies++;
    this.client.ping(to, settings.validationPing).then(
      () => this.releaseHeld(key, to),
      () => this.releaseHeld(key, to),
    );
  }

  private releaseHeld(key: string, to: Endpoint): void {
    const waiting = this.held.get(key) ?? [];
    this.held.delete(key);
    this.guard.heldReplies -= waiting.length;
    if (this.closed || !this.guard.amplification.isValidated(key)) return;
    for (const bytes of waiting) this.transport.send(bytes, to);
  }

  /** Counters of the rate limiter and the anti-amplification rule. */
  guardStats(): GuardStats {
    return this.guard.stats();
  }

  // ---------------------------------------------------------------- client side (what a user does)

  get role(): PeerRole {
    return this.config.role;
  }

  setRole(role: PeerRole): void {
    if (role === this.config.role) return;
    this.config.role = role;
    this.events.emit('modeChanged', { role });
    void this.sync.runRound();
  }

  private requirePeerRole(): void {
    if (this.config.role !== 'peer') throw new NanceError('wrong-mode', 'chats are off in bootstrap mode');
  }

  async createChat(name: string, firstMessage: string, author: string): Promise<StoredChat> {
    this.requirePeerRole();
    const chat = await this.chats.createChat(name, firstMessage, author);
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

  /** Asks one host for its chat list now. */
  async refreshChats(host: Endpoint): Promise<HostChats> {
    this.requirePeerRole();
    try {
      const chats = await this.overPath(host, () =>
        this.client.getChats(host, this.config.sync.maxChatsLength),
      );
      return this.remote.set(host, chats, this.deps.clock.now());
    } catch (err) {
      if (err instanceof NanceError) return this.remote.failed(host, err.kind);
      throw err;
    } finally {
      this.events.emit('chatsChanged', undefined);
    }
  }

  async readChat(host: ChatHostRef, chatUuid: string): Promise<ChatMessage[]> {
    this.requirePeerRole();
    if (host === null) {
      const chat = this.deps.store.getChat(chatUuid);
      if (!chat) throw NanceError.fromCode(ResultCode.NotFound, 'read chat');
      return this.deps.store.listMessages(chatUuid, 0, chat.messageCount).map((m) => toWireMessage(m, true));
    }
    return this.overPath(host, () => this.client.getMessages(host, chatUuid));
  }

  /**
   * What is new in a chat since `afterSeq` (a `lastSeq` of an earlier call; 0 reads everything), for
   * a window's poll. `full` means `messages` is the whole chat (a base host cannot page): replace.
   * Without `afterSeq`, continues from the last read of this chat.
   */
  async readChatSince(
    host: ChatHostRef,
    chatUuid: string,
    afterSeq?: number,
  ): Promise<{ messages: ChatMessage[]; lastSeq: number; full: boolean }> {
    this.requirePeerRole();
    if (host === null) {
      const chat = this.deps.store.getChat(chatUuid);
      if (!chat) throw NanceError.fromCode(ResultCode.NotFound, 'read chat');
      const after = Math.max(0, afterSeq ?? 0);
      const messages = this.deps.store
        .listMessages(chatUuid, after, Math.max(0, chat.messageCount - after))
        .map((m) => toWireMessage(m, true));
      return { messages, lastSeq: Math.max(after, messages.at(-1)?.seq ?? 0), full: after === 0 };
    }
    return this.overPath(host, () =>
      this.client.getMessagesSince(host, chatUuid, afterSeq ?? this.client.lastSeq(host, chatUuid)),
    );
  }

  async postMessage(host: ChatHostRef, chatUuid: string, name: string, content: string): Promise<void> {
    this.requirePeerRole();
    if (host !== null) {
      // Not sent again on a new path: the first one may have arrived with only its answers lost,
      // and a second z would store it twice. The path is found again for the user's next try.
      return this.overPath(host, () => this.client.postMessage(host, chatUuid, name, content), false);
    }
    const result = await this.chats.post(chatUuid, name, content);
    if (result.status === 'not-found') throw NanceError.fromCode(ResultCode.NotFound, 'post');
    if (result.status === 'full') throw NanceError.fromCode(ResultCode.Full, 'post');
    if (result.status === 'too-large')
      throw new NanceError('too-large', 'post: the message does not fit one datagram');
    this.events.emit('message', { chatUuid });
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

  /** Runs one sync round now (tests, and "refresh" in the window). */
  syncNow(): Promise<void> {
    return this.sync.runRound();
  }

  /** New traversal settings (keepalive interval, relay offer), in force at once. */
  setTraversalSettings(settings: TraversalSettings): void {
    this.config.traversal = settings;
    this.traversal.settingsChanged();
  }

  /**
   * Runs a user's request to `host` on a path that works: a peer known to need traversal gets one
   * first if it has none, and when a request times out on a punched or relayed path (the NAT
   * binding expired, the relay went away) the path is found again and, if `retry`, the request
   * is sent once more.
   */
  private async overPath<T>(host: Endpoint, request: () => Promise<T>, retry = true): Promise<T> {
    await this.traversal.ensurePath(host);
    const before = this.paths.get(host);
    try {
      return await request();
    } catch (err) {
      const stale = before !== undefined && before.kind !== 'direct' && this.paths.get(host) === before;
      if (!(err instanceof NanceError && err.kind === 'timeout') || !stale) throw err;
      this.paths.delete(host);
      const found = await this.traversal.reach(host, this.peers.get(host)?.natType).then(
        () => true,
        () => false,
      );
      if (!found || !retry) throw err;
      return request();
    }
  }

  /** How a peer is reached now (null: not yet known, we have not needed to reach it). */
  pathTo(e: Endpoint): PathInfo | null {
    const route = this.paths.get(e);
    if (!route) return null;
    switch (route.kind) {
      case 'direct':
        return { kind: this.client.known(e)?.mapped ? 'mapped' : 'direct', since: route.since };
      case 'punched':
        return sameEndpoint(route.actual, e)
          ? { kind: 'punched', since: route.since }
          : { kind: 'punched', actual: endpointOf(route.actual), since: route.since };
      case 'relayed':
        return { kind: 'relayed', via: endpointOf(route.relay), since: route.since };
    }
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
