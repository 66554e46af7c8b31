// Hole punching, after a rendezvous introduced two peers: both knock (`n/k` with the token the
// rendezvous made) at each other's public address at once, first `knockIntervalMs` apart and then
// further apart (`knockBackoff`), until a knock gets through either way or time is up. Our first
// knock opens our NAT for the other side; after that one knock of theirs gets through, and either
// event proves the path: a knock of ours answered, or a knock of theirs received (we answer it
// from the same socket, so the way back is open too). The later knocks are only for loss, so they
// thin out: a punch at an address that never answers costs few datagrams. A knock that arrives from
// an unexpected address (the other side is behind a symmetric NAT, which gave that flow a port of
// its own) is where the peer really is ("peer-reflexive" address): the path goes there.
import type { Clock, Endpoint, TimerHandle } from '../ports.js';
import { endpointKey, endpointOf, sameEndpoint } from '../ports.js';
import type { RetryPolicy } from '../request-engine.js';

export interface PunchSettings {
  /** Time between the first two knocks. */
  knockIntervalMs: number;
  /** Each later gap is this many times the one before (1: evenly spaced). */
  knockBackoff: number;
  /** A punch that got no answer by then failed. */
  timeoutMs: number;
  /** Sessions at once (each is a few small datagrams per knock interval). */
  maxSessions: number;
}

export const DEFAULT_PUNCH: PunchSettings = {
  knockIntervalMs: 150,
  knockBackoff: 1.5,
  timeoutMs: 3_000,
  maxSessions: 32,
};

export interface PunchDeps {
  clock: Clock;
  /**
   * Sends one knock to exactly `to` (past any route to the peer); resolves when it is answered,
   * rejects otherwise.
   */
  knock(to: Endpoint, token: string, policy: Partial<RetryPolicy>): Promise<unknown>;
  settings(): PunchSettings;
  /**
   * Where a punched path to `peer` already goes, if one does. Knocks from there reach us under the
   * peer's own address (the path table translates them), so they cannot teach it to us: ask.
   */
  punchedAddress(peer: Endpoint): Endpoint | undefined;
}

interface Session {
  /**
   * Tokens this punch answers to. Knocks carry the first: the other side knows it (it made the
   * introduction, or got the rendezvous's `n/p` for it before we got its token). Later tokens are
   * introductions for the same peer that arrived while this punch ran (both sides introduce at
   * once): they join it rather than knock twice.
   */
  tokens: string[];
  /** The peer as the rendezvous named it. */
  peer: Endpoint;
  /** Where we knock: the named address, and where a punched path to the peer already goes. */
  addresses: Endpoint[];
  deadline: number;
  timer: TimerHandle | undefined;
  result: Promise<Endpoint | undefined>;
  done(result: Endpoint | undefined): void;
}

export class PunchSessions {
  /** Running punches, one per peer (so a rendezvous cannot multiply knocks at one address). */
  private readonly byPeer = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();
  /** Tokens of finished punches, still answered for a while: the other side may not be done yet. */
  private readonly finished = new Map<string, { peer: Endpoint; until: number }>();

  constructor(private readonly deps: PunchDeps) {}

  get active(): number {
    return this.byPeer.size;
  }

  /**
   * Knocks at `peer` until a knock is answered. Resolves with the address that answered (the
   * peer's own, or one its knocks came from), or undefined when time ran out or there are too many
   * sessions. A punch to a peer already being punched joins that one.
   */
  punch(peer: Endpoint, token: string): Promise<Endpoint | undefined> {
    const { clock } = this.deps;
    const settings = this.deps.settings();
    for (const [old, { until }] of this.finished) if (until < clock.now()) this.finished.delete(old);
    const running = this.byPeer.get(endpointKey(peer));
    if (running) {
      if (!this.byToken.has(token)) {
        running.tokens.push(token);
        this.byToken.set(token, running);
        running.deadline = Math.max(running.deadline, clock.now() + settings.timeoutMs);
      }
      return running.result;
    }
    if (this.byToken.has(token) || this.byPeer.size >= settings.maxSessions)
      return Promise.resolve(undefined);
    let resolve: (result: Endpoint | undefined) => void = () => {};
    const session: Session = {
      tokens: [token],
      peer: endpointOf(peer),
      addresses: [endpointOf(peer)],
      deadline: clock.now() + settings.timeoutMs,
      timer: undefined,
      result: new Promise((r) => {
        resolve = r;
      }),
      done: (result) => {
        if (this.byPeer.get(endpointKey(session.peer)) !== session) return;
        this.byPeer.delete(endpointKey(session.peer));
        session.timer?.cancel();
        for (const t of session.tokens) {
          this.byToken.delete(t);
          this.finished.set(t, { peer: session.peer, until: clock.now() + settings.timeoutMs });
        }
        resolve(result);
      },
    };
    this.byPeer.set(endpointKey(peer), session);
    this.byToken.set(token, session);
    let gap = settings.knockIntervalMs;
    const knockAll = () => {
      const left = session.deadline - clock.now();
      if (left <= 0) return session.done(undefined);
      const known = this.deps.punchedAddress(session.peer);
      if (known && !session.addresses.some((a) => sameEndpoint(a, known))) session.addresses.push(known);
      for (const address of session.addresses) this.knockOnce(session, address, left);
      session.timer = clock.setTimeout(knockAll, gap);
      gap = Math.round(gap * Math.max(1, settings.knockBackoff));
    };
    knockAll();
    return session.result;
  }

  /**
   * A knock arrived. Returns whether its token is one of ours (then it is answered). Its arrival
   * ends the punch: our answer goes back from the same socket to where it came from, which is
   * where the peer really is (its own address, or the port a symmetric NAT gave this flow).
   */
  onKnock(token: string, from: Endpoint): boolean {
    const session = this.byToken.get(token);
    if (!session) {
      const old = this.finished.get(token);
      if (old && old.until < this.deps.clock.now()) this.finished.delete(token);
      return old !== undefined && old.until >= this.deps.clock.now();
    }
    session.done(endpointOf(from));
    return true;
  }

  /** Stops every session (the peer closes). */
  stopAll(): void {
    for (const session of [...this.byPeer.values()]) session.done(undefined);
    this.finished.clear();
  }

  private knockOnce(session: Session, to: Endpoint, waitMs: number): void {
    this.deps.knock(to, session.tokens[0] as string, { attempts: 1, timeoutMs: waitMs, jitter: 0 }).then(
      () => session.done(endpointOf(to)),
      () => undefined,
    );
  }
}
