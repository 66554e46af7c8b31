// NAT traversal for one peer: what it does for others (introduce two peers, take part in a punch,
// relay within a budget; the `n/*` requests of docs/protocol.md), and the composition of the parts
// that reach others (connector.ts) and keep paths open (keepalive.ts).
import { v4 as uuidv4 } from 'uuid';
import { encodeObject, type NatType, type Response, ResultCode } from '../../../src-shared/protocol/index.js';
import { requestTypeOf } from '../../../src-shared/protocol/wire-requests.js';
import type { AnsweredAddresses } from '../answered-addresses.js';
import { NanceError } from '../errors.js';
import { RateLimiter } from '../guard/rate-limiter.js';
import type { Logger } from '../logger.js';
import type { PeerClient, PingInfo } from '../peer-client.js';
import type { PeerDirectory } from '../peer-directory.js';
import type { Clock, Endpoint, PeerRole } from '../ports.js';
import { endpointKey, endpointOf, sameEndpoint } from '../ports.js';
import type { RequestContext } from '../request-context.js';
import type { RetryPolicy } from '../request-engine.js';
import { Connector, NEEDS_PUNCH } from './connector.js';
import { Keepalive } from './keepalive.js';
import { OurRendezvous } from './our-rendezvous.js';
import type { PathTable } from './path-table.js';
import { DEFAULT_PUNCH, PunchSessions, type PunchSettings } from './punch.js';
import { DEFAULT_RELAY, RelayService, type RelaySettings } from './relay-service.js';

export interface TraversalSettings {
  /** Time between keepalive pings on punched and relayed paths (NAT bindings expire when idle); 0: off. */
  keepaliveMs: number;
  /**
   * A punched path nobody set out to use for this long gets no more keepalives and is dropped (found
   * again on use: a punch costs less than keeping a cold path open); 0: kept forever. A relayed path
   * is kept: it has no binding of its own to keep (keepalive.ts).
   */
  keepaliveIdleMs: number;
  /** How long a direct attempt (and a check of an existing path) waits before traversal is tried. */
  directCheck: Partial<RetryPolicy>;
  punch: PunchSettings;
  relay: RelaySettings;
}

export const DEFAULT_TRAVERSAL: TraversalSettings = {
  keepaliveMs: 20_000,
  keepaliveIdleMs: 30_000,
  directCheck: { timeoutMs: 300, attempts: 3, backoff: 1.5 },
  punch: DEFAULT_PUNCH,
  relay: DEFAULT_RELAY,
};

/** The rendezvous's message to the target: short, the initiator waits on it. */
const PUNCH_REQUEST_POLICY: Partial<RetryPolicy> = { timeoutMs: 250, attempts: 3, backoff: 1.5 };

export interface TraversalDeps {
  client: PeerClient;
  paths: PathTable;
  /** Sends on the socket itself, past every route (relays talk to both sides directly). */
  sendRaw(data: Uint8Array, to: Endpoint): void;
  peers: PeerDirectory;
  /**
   * Addresses that answered us straight: the only peers we introduce or relay to. Not the abuse
   * guard's notion, which vouches for everyone when the guard is off.
   */
  answered: AnsweredAddresses;
  clock: Clock;
  logger: Logger;
  role(): PeerRole;
  settings(): TraversalSettings;
  bootstrapPeers(): Endpoint[];
  /** Whether our last join of `bootstrap` failed (sync.ts). */
  bootstrapDown(bootstrap: Endpoint): boolean;
  /** The NAT type we detected for ourselves. */
  natType(): NatType;
  /** Handles a datagram a relay brought us as if it had come from `origin`. */
  dispatchRelayed(data: Uint8Array, origin: Endpoint): void;
}

export class Traversal {
  private readonly punches: PunchSessions;
  private readonly relay: RelayService;
  private readonly connector: Connector;
  private readonly keepalive: Keepalive;
  /** Peers we registered with (bootstraps among them): the rendezvous we take `n/p` from. */
  readonly rendezvous: OurRendezvous;
  /** Introductions (`n/p`) an ordinary peer may ask of us: 2 per second, 10 at once. */
  private readonly punchBudget: RateLimiter;

  constructor(private readonly deps: TraversalDeps) {
    this.rendezvous = new OurRendezvous(
      deps.clock,
      (e) => this.isBootstrap(e),
      (e) => deps.client.advertises(e, 'punch'),
    );
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
      bootstrapDown: (b) => deps.bootstrapDown(b),
    });
    this.keepalive = new Keepalive({
      client: deps.client,
      paths: deps.paths,
      clock: deps.clock,
      answered: deps.answered,
      intervalMs: () => deps.settings().keepaliveMs,
      rendezvous: () => this.bindingsToKeep(),
      idleMs: () => deps.settings().keepaliveIdleMs,
    });
    this.relay = new RelayService(
      {
        clock: deps.clock,
        canReach: (target) => deps.answered.has(target),
        isBootstrap: () => deps.role() === 'bootstrap',
        send: (data, to) => deps.sendRaw(data, to),
      },
      deps.settings().relay,
    );
  }

  /** Extensions to advertise in our ping answer. */
  extensions(): string[] {
    return this.offersRelay() ? ['punch', 'relay'] : ['punch'];
  }

  /**
   * 'auto': a bootstrap, and an ordinary peer anyone can send to (no NAT, or a full cone): peers
   * behind restricted NATs register with those as rendezvous, so they can relay to them too, and
   * the bootstraps relay only for whom nobody else can (docs/scale.md).
   */
  offersRelay(): boolean {
    const { offer } = this.deps.settings().relay;
    if (offer !== 'auto') return offer === 'always';
    return this.deps.role() === 'bootstrap' || PUBLIC_NAT.has(this.deps.natType());
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

  /**
   * `peer` named its ordinary rendezvous in a ping answer (`rv`): the peers to ask for it from now
   * on (see Connector.rendezvousNamed).
   */
  rendezvousNamed(peer: Endpoint, named: Endpoint[]): void {
    this.connector.rendezvousNamed(peer, named);
  }

  /**
   * The ordinary rendezvous we name in our ping answer (`rv`) while our NAT keeps others from
   * reaching us unasked; undefined otherwise (nothing to name: a holder reaches us straight). An
   * empty list says our home bootstrap is our only rendezvous.
   */
  namedRendezvous(): Endpoint[] | undefined {
    if (this.deps.role() !== 'peer' || !NEEDS_PUNCH.has(this.deps.natType())) return undefined;
    return this.rendezvous.ordinary();
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
    this.rendezvous.drop(peer);
  }

  // ---------------------------------------------------------------- serving others
  //
  // Every rule here that sends on behalf of a request asks two things of it (docs/nat.md, "whom we
  // serve"): that it came straight from its sender, not out of a relay's `n/f`, and that its
  // sender proved its address (`ctx.proven`: it really receives what we send there). A spoofed
  // request gets nothing sent anywhere but a small refusal to its claimed source.

  /**
   * `n/i` at a rendezvous: tell the target to knock at the asker, then give the asker the token.
   * Only for a proven asker (the target will knock at that address: it must be one we verified) and
   * a target that answered us straight.
   */
  async introduce(ctx: RequestContext, target: Endpoint): Promise<Response> {
    if (ctx.relayed) return fail(ResultCode.UnknownFormat);
    if (!ctx.proven) return fail(ResultCode.Unreachable);
    if (!this.deps.answered.has(target) || sameEndpoint(ctx.from, target)) return fail(ResultCode.NotFound);
    const token = uuidv4();
    const askedAt = this.deps.clock.now();
    try {
      await this.deps.client.askToPunch(target, ctx.from, token, PUNCH_REQUEST_POLICY);
    } catch (err) {
      // No try answered, and nothing else of ours since: the target left (or its binding toward us
      // lapsed). Until it answers us again (our checks, its next registration) we neither
      // introduce, relay to nor list it, so each later asker costs one refusal here, not three n/p
      // to nobody (docs/scale.md). A target that answered anything meanwhile is alive: a flood of
      // n/i that overran its rate limit for us must not make us forget it.
      const answeredSince = (this.deps.answered.lastAnswerAt(target) ?? Number.NEGATIVE_INFINITY) >= askedAt;
      if (err instanceof NanceError && err.kind === 'timeout' && !answeredSince)
        this.deps.answered.forget(target);
      return fail(ResultCode.Unreachable);
    }
    return { r: ResultCode.Ok, c: { ip: target.host, port: target.port, token } };
  }

  /**
   * `n/p` from a rendezvous: start knocking at the peer it names. Knocks go where the rendezvous
   * says, so only a rendezvous we registered with ourselves (it introduces us to others), in a
   * proven request (a spoofed source would otherwise aim our knocks anywhere); an ordinary peer
   * gets a small budget of introductions, our bootstraps (they introduce everyone who joins) more.
   */
  punch(ctx: RequestContext, origin: Endpoint, token: string): Response {
    const { from } = ctx;
    if (ctx.relayed || !ctx.proven || !this.rendezvous.isOurs(from)) return fail(ResultCode.UnknownFormat);
    const { paths, clock } = this.deps;
    if (this.punches.active >= this.deps.settings().punch.maxSessions) return fail(ResultCode.Full);
    if (!this.isBootstrap(from) && !this.punchBudget.allow(endpointKey(from), clock.now()))
      return fail(ResultCode.Full);
    void this.punches.punch(origin, token).then((actual) => {
      if (!actual || paths.get(origin)) return;
      // Kept only once a challenged ping over it proves the key expected there (connector.ts).
      this.connector
        .proveRoute(origin, { kind: 'punched', actual, since: clock.now() })
        .catch((err: unknown) =>
          this.deps.logger.debug({ peer: endpointKey(origin), err: String(err) }, 'punched route not proven'),
        );
    });
    return { r: ResultCode.Ok, c: {} };
  }

  /**
   * `n/k`: answered while the punch it belongs to runs (and a little after). A knock is direct by
   * nature: one out of a relay would teach the punch an address nobody knocked from.
   */
  knock(ctx: RequestContext, token: string): Response {
    if (ctx.relayed) return fail(ResultCode.UnknownFormat);
    return this.punches.onKnock(token, ctx.from) ? { r: ResultCode.Ok, c: {} } : fail(ResultCode.NotFound);
  }

  /**
   * `n/r`: forward, or say why not (nothing is answered when it was forwarded, or over budget).
   * Only for a proven sender: the recipient's answers come back relayed to the sender's address,
   * so a spoofed one would have them aimed at a victim; an unproven `n/r` is dropped unanswered.
   */
  relayRequest(ctx: RequestContext, target: Endpoint, msg: Record<string, unknown>): Response | undefined {
    if (!this.offersRelay() || isTraversalWrapper(msg)) return fail(ResultCode.UnknownFormat);
    if (!ctx.proven) return undefined;
    switch (this.relay.forward(ctx.from, target, msg)) {
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
   * `n/f`: a datagram a relay brought from `origin`, taken only from a relay we route through or
   * one we registered with that advertised relaying. It never makes or changes a route (only our
   * connector chooses a relay for a peer). An answer inside is taken only when our route to
   * `origin` goes through this very relay (our request went that way); a request inside is served
   * and its answer goes back through the same relay, for that request alone.
   */
  forwarded(relay: Endpoint, origin: Endpoint, msg: Record<string, unknown>): boolean {
    if (!this.isTrustedRelay(relay) || isTraversalWrapper(msg) || sameEndpoint(relay, origin)) return false;
    const { paths } = this.deps;
    const route = paths.get(origin);
    const ourRelay = route?.kind === 'relayed' && sameEndpoint(route.relay, relay);
    if (msg.m === 'R') {
      if (!ourRelay) return false;
    } else if (!ourRelay) {
      // Without a z its answer could not be told from others to `origin`: nothing to send back.
      if (typeof msg.z !== 'string') return false;
      paths.replyVia(origin, msg.z, relay);
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

  /**
   * Whether we reach `peer` only through a relay now. A request refused out of a relay (`a/c`)
   * is not sent that way: the relay would carry it and its refusal for nothing.
   */
  relayedTo(peer: Endpoint): boolean {
    return this.deps.paths.get(peer)?.kind === 'relayed';
  }

  /**
   * Rendezvous whose binding toward us we keep open. Behind no NAT: none. Behind a symmetric NAT:
   * all (only the bootstraps that list us can relay to our mapping). Else the ordinary peers we
   * registered with, who list and introduce us now; the bootstraps only while there are none, so
   * a bootstrap's keepalives do not grow with N (docs/scale.md). A bootstrap whose binding lapsed
   * still lists us until we fail its checks, and a punch through it fails over to the next.
   */
  private bindingsToKeep(): Endpoint[] {
    const nat = this.deps.natType();
    if (nat === 'Open Internet') return [];
    const all = this.rendezvous.fresh();
    const ordinary = all.filter((e) => !this.isBootstrap(e));
    return nat === 'Symmetric' || ordinary.length === 0 ? all : ordinary;
  }

  private isBootstrap(e: Endpoint): boolean {
    return this.deps.bootstrapPeers().some((b) => sameEndpoint(b, e));
  }

  /** Relays we take `n/f` from: ones we route through, and rendezvous of ours that advertised relaying. */
  private isTrustedRelay(e: Endpoint): boolean {
    if (this.deps.paths.isRelayInUse(endpointKey(e))) return true;
    return this.rendezvous.isOurs(e) && (this.deps.client.known(e)?.ext.includes('relay') ?? false);
  }
}

/** NAT types anyone may send to unasked: such a peer can relay as a bootstrap does. */
const PUBLIC_NAT = new Set<NatType>(['Open Internet', 'Full Cone']);

const fail = (r: number): Response => ({ r, c: {} });

/** Relay messages are not relayed again (no loops, no nesting to hide the origin). */
function isTraversalWrapper(msg: Record<string, unknown>): boolean {
  const type = requestTypeOf(msg.t, msg.d);
  return type === 'relay' || type === 'forwarded';
}
