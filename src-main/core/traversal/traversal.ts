// NAT traversal for one peer: what it does for others (introduce two peers, take part in a punch,
// relay within a budget; the `n/*` requests of docs/protocol.md), and the composition of the parts
// that reach others (connector.ts) and keep paths open (keepalive.ts).
import { v4 as uuidv4 } from 'uuid';
import { encodeObject, type Response, ResultCode } from '../../../src-shared/protocol/index.js';
import { RateLimiter } from '../guard/rate-limiter.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { PeerClient, PingInfo } from '../peer-client.js';
import type { PeerDirectory } from '../peer-directory.js';
import type { Clock, Endpoint, PeerRole } from '../ports.js';
import { endpointKey, endpointOf, sameEndpoint } from '../ports.js';
import type { RetryPolicy } from '../request-engine.js';
import { Connector } from './connector.js';
import { Keepalive } from './keepalive.js';
import type { PathTable } from './path-table.js';
import { DEFAULT_PUNCH, PunchSessions, type PunchSettings } from './punch.js';
import { DEFAULT_RELAY, RelayService, type RelaySettings } from './relay-service.js';

export interface TraversalSettings {
  /** Time between keepalive pings on punched and relayed paths (NAT bindings expire when idle); 0: off. */
  keepaliveMs: number;
  /** How long a direct attempt (and a check of an existing path) waits before traversal is tried. */
  directCheck: Partial<RetryPolicy>;
  punch: PunchSettings;
  relay: RelaySettings;
}

export const DEFAULT_TRAVERSAL: TraversalSettings = {
  keepaliveMs: 20_000,
  directCheck: { timeoutMs: 300, attempts: 3, backoff: 1.5 },
  punch: DEFAULT_PUNCH,
  relay: DEFAULT_RELAY,
};

/** The rendezvous's message to the target: short, the initiator waits on it. */
const PUNCH_REQUEST_POLICY: Partial<RetryPolicy> = { timeoutMs: 250, attempts: 3, backoff: 1.5 };
const MAX_REMEMBERED = 10_000;
const MAX_VALIDATIONS = 256;

export interface TraversalDeps {
  client: PeerClient;
  paths: PathTable;
  /** Sends on the socket itself, past every route (relays talk to both sides directly). */
  sendRaw(data: Uint8Array, to: Endpoint): void;
  peers: PeerDirectory;
  clock: Clock;
  logger: Logger;
  role(): PeerRole;
  settings(): TraversalSettings;
  bootstrapPeers(): Endpoint[];
  /** Handles a datagram a relay brought us as if it had come from `origin`. */
  dispatchRelayed(data: Uint8Array, origin: Endpoint): void;
}

export class Traversal {
  private readonly punches: PunchSessions;
  private readonly relay: RelayService;
  private readonly connector: Connector;
  private readonly keepalive: Keepalive;
  /**
   * Addresses that answered one of our requests from that very address (so they receive what we
   * send). Kept here, not taken from the abuse guard: with the guard off it would vouch for anyone.
   */
  private readonly answeredUs = new Lru<string, true>(MAX_REMEMBERED);
  /** Senders being pinged before we relay for them. */
  private readonly validating = new Set<string>();
  /** Introductions (`n/p`) an ordinary peer may ask of us: 2 per second, 10 at once. */
  private readonly punchBudget: RateLimiter;

  constructor(private readonly deps: TraversalDeps) {
    this.punchBudget = new RateLimiter(
      {
        perSourceRate: 2,
        perSourceBurst: 10,
        bytesPerExtraToken: 0,
        globalRate: 0,
        globalBurst: 0,
        maxSources: 10_000,
      },
      deps.clock.now(),
    );
    this.punches = new PunchSessions({
      clock: deps.clock,
      knock: (to, token, policy) => deps.client.knock(to, token, policy),
      settings: () => deps.settings().punch,
      punchedAddress: (peer) => {
        const route = deps.paths.get(peer);
        return route?.kind === 'punched' ? endpointOf(route.actual) : undefined;
      },
    });
    this.connector = new Connector({
      client: deps.client,
      paths: deps.paths,
      punches: this.punches,
      peers: deps.peers,
      clock: deps.clock,
      logger: deps.logger,
      directCheck: () => deps.settings().directCheck,
      bootstrapPeers: () => deps.bootstrapPeers(),
    });
    this.keepalive = new Keepalive({
      client: deps.client,
      paths: deps.paths,
      clock: deps.clock,
      intervalMs: () => deps.settings().keepaliveMs,
    });
    this.relay = new RelayService(
      {
        clock: deps.clock,
        canReach: (target) => this.isVerified(target),
        send: (data, to) => deps.sendRaw(data, to),
      },
      deps.settings().relay,
    );
  }

  /** Extensions to advertise in our ping answer. */
  extensions(): string[] {
    return this.offersRelay() ? ['punch', 'relay'] : ['punch'];
  }

  offersRelay(): boolean {
    const { offer } = this.deps.settings().relay;
    return offer === 'always' || (offer === 'auto' && this.deps.role() === 'bootstrap');
  }

  start(): void {
    this.keepalive.start();
  }

  /** The settings changed: a new keepalive interval (or keepalives turned on) applies from now. */
  settingsChanged(): void {
    this.keepalive.restart();
  }

  stop(): void {
    this.keepalive.stop();
    this.punches.stopAll();
  }

  // ---------------------------------------------------------------- reaching others

  /** Remembers who listed `peer` to us: the first rendezvous (and relay) to ask for it. */
  noteIntroducer(peer: Endpoint, introducer: Endpoint): void {
    this.connector.noteIntroducer(peer, introducer);
  }

  /** Finds and proves a path to `peer` (see Connector.reach). */
  reach(peer: Endpoint, listedNatType?: string): Promise<PingInfo> {
    return this.connector.reach(peer, listedNatType);
  }

  /** Before a user's request: a peer that needs traversal and has no path gets one first. */
  ensurePath(peer: Endpoint): Promise<void> {
    return this.connector.ensurePath(peer);
  }

  /** A peer we no longer track: its path goes too. */
  forget(peer: Endpoint): void {
    this.connector.forget(peer);
  }

  // ---------------------------------------------------------------- serving others

  /**
   * `n/i` at a rendezvous: tell the target to knock at the asker, then give the asker the token.
   * The asker must receive at its address (a spoofed one would aim the target's knocks at a
   * victim): one that never answered us is pinged first (registered peers already did).
   */
  async introduce(from: Endpoint, target: Endpoint): Promise<Response> {
    if (!this.isVerified(target) || sameEndpoint(from, target)) return fail(ResultCode.NotFound);
    if (!this.isVerified(from)) {
      const answered = await this.deps.client.ping(from, PUNCH_REQUEST_POLICY).then(
        () => true,
        () => false,
      );
      if (!answered) return fail(ResultCode.Unreachable);
    }
    const token = uuidv4();
    try {
      await this.deps.client.askToPunch(target, from, token, PUNCH_REQUEST_POLICY);
    } catch {
      return fail(ResultCode.Unreachable);
    }
    return { r: ResultCode.Ok, c: { ip: target.host, port: target.port, token } };
  }

  /**
   * `n/p` from a rendezvous we know: start knocking at the peer it names. Knocks go where the
   * rendezvous says, so an ordinary peer (anyone can register with us) gets a small budget of
   * introductions; our bootstraps are trusted with more (they introduce everyone who joins).
   */
  punch(from: Endpoint, origin: Endpoint, token: string): Response {
    if (!this.isTrustedRendezvous(from)) return fail(ResultCode.UnknownFormat);
    const { paths, clock } = this.deps;
    if (this.punches.active >= this.deps.settings().punch.maxSessions) return fail(ResultCode.Full);
    if (!this.isBootstrap(from) && !this.punchBudget.allow(endpointKey(from), clock.now()))
      return fail(ResultCode.Full);
    void this.punches.punch(origin, token).then((actual) => {
      if (actual && !paths.get(origin)) paths.set(origin, { kind: 'punched', actual, since: clock.now() });
    });
    return { r: ResultCode.Ok, c: {} };
  }

  /** `n/k`: answered while the punch it belongs to runs (and a little after). */
  knock(from: Endpoint, token: string): Response {
    return this.punches.onKnock(token, from) ? { r: ResultCode.Ok, c: {} } : fail(ResultCode.NotFound);
  }

  /**
   * `n/r`: forward, or say why not (nothing is answered when it was forwarded, or over budget).
   * Only for senders that receive at their address (else a spoofed origin could have answers
   * relayed to a victim): one that never answered us is pinged and this datagram dropped; the
   * sender's resend (every request is resent) goes through once it answered.
   */
  relayRequest(from: Endpoint, target: Endpoint, msg: Record<string, unknown>): Response | undefined {
    if (!this.offersRelay() || isTraversalWrapper(msg)) return fail(ResultCode.UnknownFormat);
    if (!this.isVerified(from)) {
      this.validate(from);
      return undefined;
    }
    switch (this.relay.forward(from, target, msg)) {
      case 'forwarded':
      case 'over-budget': // dropped silently, like any request over a rate limit
        return undefined;
      case 'unknown-target':
        return fail(ResultCode.NotFound);
      case 'too-large':
        return fail(ResultCode.UnknownFormat);
    }
  }

  /**
   * `n/f`: a datagram a relay brought from `origin`. Taken only from relays we know; answers go back
   * the same way unless we already reach `origin` by a path of our own.
   */
  forwarded(from: Endpoint, origin: Endpoint, msg: Record<string, unknown>): boolean {
    if (!this.isTrustedRelay(from) || isTraversalWrapper(msg) || sameEndpoint(from, origin)) return false;
    const { paths, clock } = this.deps;
    const route = paths.get(origin);
    if (!route || (route.kind === 'relayed' && !sameEndpoint(route.relay, from))) {
      paths.set(origin, { kind: 'relayed', relay: endpointOf(from), since: clock.now() });
    }
    let data: Uint8Array;
    try {
      data = encodeObject(msg);
    } catch {
      return false;
    }
    this.deps.dispatchRelayed(data, origin);
    return true;
  }

  /** Pings an unverified sender once (at most a few hundred at a time); its answer verifies it. */
  private validate(e: Endpoint): void {
    const key = endpointKey(e);
    if (this.validating.has(key) || this.validating.size >= MAX_VALIDATIONS) return;
    this.validating.add(key);
    void this.deps.client
      .ping(e, PUNCH_REQUEST_POLICY)
      .catch(() => undefined)
      .finally(() => this.validating.delete(key));
  }

  /** An answer to one of our requests came from `from`, the address it was sent to. */
  noteAnswered(from: Endpoint): void {
    this.answeredUs.set(endpointKey(from), true);
  }

  /** A peer we verified ourselves: registered with us, or answered our request from its address. */
  private isVerified(e: Endpoint): boolean {
    const known = this.deps.peers.get(e);
    return (known !== undefined && known.failures === 0) || this.answeredUs.peek(endpointKey(e)) === true;
  }

  private isBootstrap(e: Endpoint): boolean {
    return this.deps.bootstrapPeers().some((b) => sameEndpoint(b, e));
  }

  /** Rendezvous we accept `n/p` from: our bootstraps and peers we know. */
  private isTrustedRendezvous(e: Endpoint): boolean {
    return this.isBootstrap(e) || this.deps.peers.get(e) !== undefined;
  }

  /** Relays we accept `n/f` from: ones we route through, and known peers that advertised relaying. */
  private isTrustedRelay(e: Endpoint): boolean {
    if (this.deps.paths.isRelayInUse(endpointKey(e))) return true;
    return this.isTrustedRendezvous(e) && (this.deps.client.known(e)?.ext.includes('relay') ?? false);
  }
}

const fail = (r: number): Response => ({ r, c: {} });

/** Relay messages are not relayed again (no loops, no nesting to hide the origin). */
function isTraversalWrapper(msg: Record<string, unknown>): boolean {
  return msg.t === 'n' && (msg.d === 'r' || msg.d === 'f');
}
