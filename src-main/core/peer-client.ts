// Typed client calls for every request a peer makes of another, with answers validated and
// non-zero codes turned into NanceErrors.
import type {
  ChatAnnouncement,
  ChatMessage,
  ChatSummary,
  PeerAddress,
  Request,
  Response,
} from '../../src-shared/protocol/index.js';
import { formatTimestamp, ResultCode } from '../../src-shared/protocol/index.js';
import {
  addressToken,
  chatEntry,
  ipv6Advert,
  MAX_IPV6_ADVERTS,
  MAX_RENDEZVOUS_ADVERTS,
  messageEntry,
  peerEntry,
  punchToken,
  rendezvousAdvert,
} from '../../src-shared/protocol/schemas.js';
import { isIPv6, unmapIPv4 } from './addresses.js';
import {
  type BasePacingSettings,
  BasePeerPacer,
  baseRetryPolicy,
  DEFAULT_BASE_PACING,
  slowFirstRetry,
  touchesStore,
} from './base-peer-pacing.js';
import { NanceError } from './errors.js';
import { PUBLIC_KEY_PATTERN, type Signer } from './identity/keys.js';
import { newChallenge, provenKey } from './identity/ping-proof.js';
import { signPost } from './identity/post-signature.js';
import { KeyDirectory } from './key-directory.js';
import { Lru } from './lru.js';
import type { Endpoint, PeerRole, TimerHandle } from './ports.js';
import { endpointKey } from './ports.js';
import { type ChatRead, ReadBudget, type ReadDeadline } from './read-bounds.js';
import type { RequestEngine, RetryPolicy } from './request-engine.js';

/** A `g/i` answer. */
export interface ListedPeers {
  peers: PeerAddress[];
  /** The lister asks to be left out of our view: it is in as many as it serves. */
  busy: boolean;
}

export interface PingInfo {
  /** Extensions the peer advertised; empty for a base peer. */
  ext: string[];
  role: PeerRole | undefined;
  /** The NAT type it detected for itself (our peers advertise it). */
  nat?: string;
  /** It reached us through a port its gateway forwards (NAT-PMP / UPnP). */
  mapped?: boolean;
  /** The key proven at this address (by this answer or a recent one); absent for base peers. */
  key?: string;
  /** The key it names (`id`), proven or not: signed posts to its chats name `key ?? id`. */
  id?: string;
  /** IPv6 endpoints it says are its own (`a6`): candidates only, until a ping there proves `key`. */
  a6?: Endpoint[];
  /**
   * The ordinary rendezvous it says it is registered with now (`rv`; a NATed peer of ours names
   * them to proven askers): the peers to ask for an introduction to it. Absent: it named none.
   */
  rv?: Endpoint[];
}

/** What a ping must prove of the answering key (docs/protocol.md, "Key proof"). */
export interface KeyCheck {
  /** Challenge even when a recent proof exists (a new route to the peer). */
  force?: boolean;
  /**
   * The key expected there: an answer proving another key, or none, fails the ping (`bad-host`)
   * and teaches nothing (a route that leads to someone else).
   */
  expect?: string;
  /**
   * `to` is another address of the `expect`ed key (its IPv6 one): the proof is checked but nothing
   * is recorded — the key stays at the address it is known by, and what `to` answered is not kept.
   */
  alternate?: boolean;
}

/** How one call is sent (all optional): see `send`. */
interface CallOptions {
  policy?: Partial<RetryPolicy> | undefined;
  /** Sends past every route (punch probes). */
  via?: ((data: Uint8Array, to: Endpoint) => void) | undefined;
  /** The request id, when the caller chose it (a signed post). */
  z?: string;
  /** The caller already tried to learn what `to` is (a learning ping): do not ping again. */
  learned?: boolean;
}

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false };
}

function rawList(c: Record<string, unknown>, key: string): unknown[] {
  const list = c[key];
  if (!Array.isArray(list)) throw new NanceError('exception', `answer has no ${key} list`);
  return list;
}

/** Keeps the entries of a response list that validate, dropping the rest. */
function validList<T>(c: Record<string, unknown>, key: string, schema: Schema<T>): T[] {
  const out: T[] = [];
  for (const item of rawList(c, key)) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** The valid entries of an `a6` list, at most MAX_IPV6_ADVERTS (anything else: none). */
/** `at` (IPv6) is another address of the peer named `named` (IPv4), not where it moved. */
function isAlternateOf(at: Endpoint, named: Endpoint): boolean {
  return isIPv6(at.host) && !isIPv6(named.host);
}

function ipv6Adverts(a6: unknown): Endpoint[] {
  if (!Array.isArray(a6)) return [];
  const out: Endpoint[] = [];
  for (const item of a6.slice(0, MAX_IPV6_ADVERTS)) {
    const parsed = ipv6Advert.safeParse(item);
    // A v4-mapped address is IPv4 in disguise: the IPv4 path is found the IPv4 way.
    if (parsed.success && !unmapIPv4(parsed.data.ip))
      out.push({ host: parsed.data.ip, port: parsed.data.port });
  }
  return out;
}

/** The valid entries of an `rv` list, at most MAX_RENDEZVOUS_ADVERTS; undefined if there is none. */
function rendezvousAdverts(rv: unknown): Endpoint[] | undefined {
  if (!Array.isArray(rv)) return undefined;
  const out: Endpoint[] = [];
  for (const item of rv.slice(0, MAX_RENDEZVOUS_ADVERTS)) {
    const parsed = rendezvousAdvert.safeParse(item);
    if (parsed.success) out.push({ host: parsed.data.ip, port: parsed.data.port });
  }
  return out;
}

const timestampOf = (t: string | number) => (typeof t === 'number' ? formatTimestamp(t * 1000) : t.trim());

/** Page size asked of hosts that page: well under a 1,500-byte MTU with IP and UDP headers. */
export const PAGE_BYTES = 1_200;
/** Pages requested at once when reading a chat. */
export const PAGES_IN_FLIGHT = 8;
/** Request cycles (each with its own resends) per page before a chat read gives up. */
const PAGE_ROUNDS = 3;
/** Peers whose ping answer we remember (any address can answer a ping: the map must stay bounded). */
export const MAX_REMEMBERED_PEERS = 10_000;

const sorted = (bySeq: Map<number, ChatMessage>) => [...bySeq].sort(([a], [b]) => a - b).map(([, m]) => m);

/** A ping answer with a `nance` advertisement (ours always carry a role): a peer of ours. */
const speaksNance = (info: PingInfo | undefined) => info !== undefined && info.role !== undefined;

export class PeerClient {
  private readonly capabilities: Lru<string, PingInfo>;
  /** Store requests to base peers (and to peers silent even to a ping) go one at a time, gently. */
  private readonly pacer: BasePeerPacer;
  /** Learning pings in flight, by peer (bounded by the requests waiting on them). */
  private readonly learning = new Map<string, Promise<unknown>>();

  /** `sendDirect` sends on the socket past every route (punch probes). */
  constructor(
    private readonly engine: RequestEngine,
    private readonly sendDirect?: (data: Uint8Array, to: Endpoint) => void,
    private readonly basePacing: BasePacingSettings = DEFAULT_BASE_PACING,
    maxRememberedPeers = MAX_REMEMBERED_PEERS,
    /** Which key is at which address: consulted and fed by every ping. */
    readonly keys = new KeyDirectory(),
  ) {
    this.pacer = new BasePeerPacer(engine.clock, () => this.basePacing);
    this.capabilities = new Lru(maxRememberedPeers);
  }

  /** Told of every ping answer from a peer's own address (IPv6 paths learn candidates here). */
  onPinged: ((to: Endpoint, info: PingInfo) => void) | undefined;

  /** A challenged ping at `alternate` (IPv6) proved the key of `peer` (known by IPv4): one peer, two addresses. */
  onAlternate: ((peer: Endpoint, alternate: Endpoint, key: string) => void) | undefined;

  /**
   * The token a ping answer gave our source as `to` saw it: kept for the address the ping really
   * went to; `to`'s own name keeps the first one it gave (it says `to` speaks the extension).
   */
  private keepToken(to: Endpoint, token: string | null): void {
    const { tokens } = this.engine;
    const sentTo = this.engine.destinationOf(to);
    tokens.set(sentTo, token);
    if (endpointKey(sentTo) !== endpointKey(to) && !tokens.speaksProof(to)) tokens.set(to, token);
  }

  /** What a peer advertised in its last ping answer, if we have pinged it. */
  known(to: Endpoint): PingInfo | undefined {
    return this.capabilities.get(endpointKey(to));
  }

  /**
   * Pings `to`. The ping challenges the answering key on first contact with the address, when the
   * last proof is old, or when `check` asks; the outcome goes to the key directory.
   */
  async ping(to: Endpoint, policy?: Partial<RetryPolicy>, check: KeyCheck = {}): Promise<PingInfo> {
    const now = this.engine.clock.now();
    const challenge =
      check.force || check.expect !== undefined || this.keys.needsProof(to, now) ? newChallenge() : undefined;
    const c = await this.call(to, challenge ? { type: 'ping', challenge } : { type: 'ping' }, 'ping', {
      policy,
    });
    const ad = c.nance;
    const info: PingInfo = { ext: [], role: undefined };
    let token: string | null = null;
    const isObject = typeof ad === 'object' && ad !== null;
    if (isObject) {
      const parsed = addressToken.safeParse((ad as Record<string, unknown>).k);
      if (parsed.success) token = parsed.data;
    }
    this.keepToken(to, token);
    if (challenge !== undefined) {
      const key = isObject ? provenKey(ad as Record<string, unknown>, challenge) : undefined;
      if (check.expect !== undefined && key !== check.expect) {
        throw new NanceError('bad-host', `ping ${endpointKey(to)}: answered without the key expected there`);
      }
      if (check.alternate) return { ext: [], role: undefined, ...(key ? { key } : {}) };
      const named = key === undefined ? undefined : this.keys.addressOf(key);
      if (key !== undefined && named !== undefined && isAlternateOf(to, named)) {
        // An IPv6 source proving the key of a peer known by IPv4: that peer's other address, never
        // a second peer nor a move of its name (docs/nat.md, "IPv6").
        this.onAlternate?.(named, to, key);
        return { ext: [], role: undefined, key };
      }
      this.keys.record(to, key, this.engine.clock.now());
    }
    const key = this.keys.keyAt(to);
    if (key !== undefined) info.key = key;
    if (isObject) {
      const { ext, role, nat, mapped, id, a6, rv } = ad as Record<string, unknown>;
      if (Array.isArray(ext)) info.ext = ext.filter((e): e is string => typeof e === 'string');
      if (role === 'peer' || role === 'bootstrap') info.role = role;
      if (typeof nat === 'string' && nat.length <= 64) info.nat = nat;
      if (mapped === true) info.mapped = true;
      if (typeof id === 'string' && PUBLIC_KEY_PATTERN.test(id)) info.id = id;
      const own6 = ipv6Adverts(a6);
      if (own6.length > 0) info.a6 = own6;
      const named = rendezvousAdverts(rv);
      if (named) info.rv = named;
    }
    this.capabilities.set(endpointKey(to), info);
    this.onPinged?.(to, info);
    return info;
  }

  /** The key posts to `to`'s chats are signed for: the key proven there, else the one it names. */
  signingKeyOf(to: Endpoint): string | undefined {
    const info = this.known(to);
    return info?.key ?? info?.id;
  }

  /** Whether `to` advertised extension `ext` in its last ping answer. */
  advertises(to: Endpoint, ext: string): boolean {
    return this.known(to)?.ext.includes(ext) ?? false;
  }

  /** `u/s` (push extension): the host's answer whatever its code; a NanceError on silence. */
  subscribe(to: Endpoint, chatUuid: string, after: number, sub: string): Promise<Response> {
    return this.send(to, { type: 'subscribe', chatUuid, after, sub }, { policy: { attempts: 3 } });
  }

  /** `a/c` (gossip extension): passes chat announcements on; only to peers that advertised `gossip`. */
  async announce(to: Endpoint, chats: ChatAnnouncement[]): Promise<void> {
    await this.call(to, { type: 'announce', chats }, 'announce', { policy: { attempts: 2 } });
  }

  async getChats(to: Endpoint, maxChatsLength: number): Promise<ChatSummary[]> {
    const c = await this.call(to, { type: 'getChats', maxChatsLength }, 'list chats');
    return validList(c, 'chats', chatEntry).map((e) => ({ ...e, timestamp: timestampOf(e.timestamp) }));
  }

  /**
   * `allTypes`: ask a peer of ours for every peer with its true NAT type (traversal extension).
   * `busy`: it is in as many views as it serves and asks us to leave it out of ours
   * (view-holders.ts).
   */
  async getPeers(to: Endpoint, maxPeersLength: number, allTypes = false): Promise<ListedPeers> {
    const request: Request = { type: 'getPeers', maxPeersLength, ...(allTypes ? { allTypes } : {}) };
    const c = await this.call(to, request, 'list peers');
    return { peers: validList(c, 'peers', peerEntry), busy: c.busy === true };
  }

  // ---- NAT traversal extension (docs/protocol.md): only to peers that advertised `punch`

  /** Asks a rendezvous to introduce us to `target`; resolves with the punch token it made. */
  async introduce(rendezvous: Endpoint, target: Endpoint, policy?: Partial<RetryPolicy>): Promise<string> {
    const c = await this.call(rendezvous, { type: 'introduce', target }, 'introduce', { policy });
    const token = punchToken.safeParse(c.token);
    if (!token.success)
      throw new NanceError('exception', `introduce at ${endpointKey(rendezvous)}: no token`);
    return token.data;
  }

  /** Rendezvous side: tells `target` that `origin` wants to punch to it, with `token`. */
  async askToPunch(target: Endpoint, origin: Endpoint, token: string, policy?: Partial<RetryPolicy>) {
    await this.call(target, { type: 'punch', target: origin, token }, 'punch', { policy });
  }

  /** One punch probe, sent to exactly `to` whatever the route to it; resolves when answered. */
  async knock(to: Endpoint, token: string, policy?: Partial<RetryPolicy>): Promise<void> {
    await this.call(to, { type: 'knock', token }, 'knock', { policy, via: this.sendDirect });
  }

  /**
   * Registers with `to`. A peer of ours answers with a fresh address token (`k`), kept as a ping
   * answer's is: our next renewal is proven with it, so it needs no ping-back (docs/protocol.md).
   */
  async register(to: Endpoint, natConeType: string): Promise<void> {
    const c = await this.call(to, { type: 'register', natConeType }, 'register');
    const token = addressToken.safeParse(c.k);
    if (token.success) this.keepToken(to, token.data);
  }

  /**
   * Posts, signed by `signer` when the host advertised `sig` (and its key). `z` is chosen before
   * signing (it is signed) and kept on every resend; a caller that resends across restarts passes
   * the same one again.
   */
  async postMessage(
    to: Endpoint,
    chatUuid: string,
    name: string,
    content: string,
    /** null: never signed (a room's sealed post). */
    signer: Signer | null,
    z: string = this.engine.newId(),
  ): Promise<void> {
    // What the host is decides whether to sign: learn it first (once: the call below knows).
    if (this.known(to) === undefined) await this.learn(to);
    const signedFor = this.signedPost(to, chatUuid, name, content, signer, z);
    try {
      await this.call(to, signedFor.request, 'post', { z, learned: true });
    } catch (err) {
      // A host that refuses our signature may have a new key at this address (a reinstall):
      // prove what is there now and, if the key changed, sign for it under a new z (the refused
      // post stored nothing) — once.
      if (!(err instanceof NanceError && err.kind === 'bad-request') || signedFor.hostKey === undefined)
        throw err;
      await this.ping(to, undefined, { force: true });
      const again = this.signedPost(to, chatUuid, name, content, signer, this.engine.newId());
      if (again.hostKey === signedFor.hostKey) throw err;
      await this.call(to, again.request, 'post', { z: again.z, learned: true });
    }
  }

  /** The `s/m` request, signed for the key we know at `to` when it verifies signatures. */
  private signedPost(
    to: Endpoint,
    chatUuid: string,
    name: string,
    content: string,
    signer: Signer | null,
    z: string,
  ): { request: Request; hostKey: string | undefined; z: string } {
    const request: Request = { type: 'postMessage', chatUuid, name, content };
    const hostKey = this.signingKeyOf(to);
    if (signer === null || hostKey === undefined || !this.advertises(to, 'sig')) {
      return { request, hostKey: undefined, z };
    }
    request.author = signPost(signer, { hostKey, chatUuid, name, content, z }, this.engine.clock.now());
    return { request, hostKey, z };
  }

  /**
   * The messages after `afterSeq` (a `lastSeq` of an earlier read; 0 reads everything), within the
   * bounds of `read-bounds.ts` and before `deadline`. A base peer cannot page: it sends the whole
   * chat and `full` is true (replace, do not append).
   */
  async getMessagesSince(
    to: Endpoint,
    chatUuid: string,
    afterSeq: number,
    deadline: ReadDeadline,
  ): Promise<ChatRead> {
    const info = this.known(to) ?? (await this.ping(to));
    if (!info.ext.includes('page')) {
      const c = await this.call(to, { type: 'getMessages', chatUuid }, 'read chat');
      const messages = this.messages(c);
      return { messages, lastSeq: messages.length, full: true };
    }
    const after = Math.max(0, Math.floor(afterSeq));
    const budget = new ReadBudget(`read chat at ${endpointKey(to)}`, PAGE_BYTES, deadline);
    const reading = this.pagedRead(to, chatUuid, after, budget);
    // The deadline ends the read even while pages are still unanswered; later answers are ignored.
    let timer: TimerHandle | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = deadline.clock.setTimeout(
        () => reject(budget.stop(budget.timeout())),
        Math.max(0, deadline.at - deadline.clock.now()),
      );
    });
    reading.catch(() => {}); // its failure is reported by the race below, or after the deadline not at all
    try {
      const messages = await Promise.race([reading, late]);
      return { messages, lastSeq: Math.max(after, messages.at(-1)?.seq ?? 0), full: after === 0 };
    } finally {
      timer?.cancel();
    }
  }

  /**
   * Reads every message after `after` in pages of at most PAGE_BYTES (one unfragmented datagram on
   * ordinary paths, so a loss costs one small resend, not a 64 KB burst of IP fragments), several
   * pages in flight. `seq` numbers messages from 1 without gaps, so after the first page (which
   * tells how many messages fit a page) the rest is cut into ranges of that many and fetched in
   * parallel; each range is read from its start until its end, the chat's end, or an empty page.
   * `budget` checks every page and ends the read at the first bad one.
   */
  private async pagedRead(
    to: Endpoint,
    chatUuid: string,
    after: number,
    budget: ReadBudget,
  ): Promise<ChatMessage[]> {
    const bySeq = new Map<number, ChatMessage>();
    const fetchPage = async (cursor: number, limit: number) => {
      const request: Request = {
        type: 'getMessages',
        chatUuid,
        page: { after: cursor, limit, maxBytes: PAGE_BYTES },
      };
      // One page lost four times in a row is likely on a lossy link over hundreds of pages:
      // give each page a few more chances (each a full resend cycle) before failing the read.
      let c: Record<string, unknown> | undefined;
      for (let round = 1; c === undefined; round++) {
        budget.check();
        try {
          c = await this.call(to, request, 'read chat');
        } catch (err) {
          if (!(err instanceof NanceError) || err.code !== ResultCode.Timeout || round >= PAGE_ROUNDS)
            budget.fail(err);
        }
      }
      const raw = rawList(c, 'messages');
      const page = budget.accept(raw, this.messages(c), cursor, limit);
      for (const m of page) bySeq.set(m.seq as number, m);
      return { last: page.at(-1)?.seq, more: c.more === true };
    };
    const first = await fetchPage(after, 1000);
    if (!first.more || first.last === undefined) return sorted(bySeq);
    const span = Math.max(1, first.last - after);
    let end = Number.POSITIVE_INFINITY; // the chat's last seq, once seen
    let next = first.last; // start of the next range to hand out
    const readRange = async (start: number) => {
      let cursor = start;
      const stop = start + span;
      while (cursor < stop && cursor < end) {
        const { last, more } = await fetchPage(cursor, stop - cursor);
        if (last === undefined) {
          end = Math.min(end, cursor);
          return;
        }
        if (!more) end = Math.min(end, last);
        cursor = last;
      }
    };
    const worker = async () => {
      while (next < end) {
        const start = next;
        next += span;
        await readRange(start);
      }
    };
    await Promise.all(Array.from({ length: PAGES_IN_FLIGHT }, worker));
    return sorted(bySeq);
  }

  private messages(c: Record<string, unknown>): ChatMessage[] {
    return validList(c, 'messages', messageEntry).map((e) => ({ ...e, timestamp: timestampOf(e.timestamp) }));
  }

  /**
   * Sends one request as its destination needs: peers of ours at full speed; toward a base peer
   * store requests paced and pings retried no sooner than 1.5 s. A store request to a peer never
   * pinged first learns what it is with one ping (shared by the requests waiting on it): a peer
   * that does not answer even that is paced like a base peer.
   */
  private async send(to: Endpoint, request: Request, options: CallOptions): Promise<Response> {
    const { policy, via, z } = options;
    if (touchesStore(request) && this.known(to) === undefined && !options.learned) await this.learn(to);
    const info = this.known(to);
    if (speaksNance(info)) return this.engine.request(to, request, policy, via, z);
    if (touchesStore(request)) {
      const paced = baseRetryPolicy(request, this.basePacing);
      return this.pacer.run(to, () => this.engine.request(to, request, paced, via, z));
    }
    const gentle = info !== undefined && request.type === 'ping';
    const retry = gentle ? slowFirstRetry(policy, this.basePacing) : policy;
    return this.engine.request(to, request, retry, via, z);
  }

  /** One learning ping per peer at a time; its failure only means "treat it as base". */
  private learn(to: Endpoint): Promise<unknown> {
    const key = endpointKey(to);
    let pending = this.learning.get(key);
    if (!pending) {
      pending = this.ping(to)
        .catch(() => undefined)
        .finally(() => this.learning.delete(key));
      this.learning.set(key, pending);
    }
    return pending;
  }

  /** Sends one request; resolves with `c` on code 0, throws a NanceError otherwise. */
  private async call(
    to: Endpoint,
    request: Request,
    what: string,
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    const response = await this.send(to, request, options);
    if (response.r === ResultCode.Ok) return response.c;
    const where = `${what} at ${endpointKey(to)}`;
    if (response.r === ResultCode.Exception && request.type === 'getMessages') {
      // Base peers answer 1 when a chat no longer fits one datagram.
      throw new NanceError('exception', `${where}: this host cannot send this chat`, 1);
    }
    throw NanceError.fromCode(response.r, where);
  }
}
