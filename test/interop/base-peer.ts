// A minimal base-protocol peer, written from /work/shared/protocol.md alone. It shares no code with
// src-main or src-shared on purpose: it is the independent "other side" of the interop tests, and
// speaks only the base protocol (no extensions, nothing advertised in its ping answer).
//
// Server side: p, g/c, g/m, g/i (also the README's typo form), r/i (with a ping-back) and s/m.
// Client side: list/read/post/register/list peers on another peer, a fresh UUID as `z` on every
// request, the first answer per `z` wins (later ones are recorded, so tests can count them).
//
// `quirks: true` reproduces the original's known faults (protocol.md, "Known faults"):
// - a stray {"m":"R","r":2,"c":{}} with the same z after each successful answer;
// - a g/m whose answer does not fit one datagram is answered 1;
// - a post to an unknown chat is stored as an orphan and answered 0, a resent post stored again;
// - a request missing m, t, d or a is answered 1.
// `original: true` adds the original's pace and its crash (issue 11, finding 9):
// - requests are taken only on a poll every 0.5 s (`pollMs`), all that arrived, handled one at a
//   time (a registration waits for its ping-back before the next request is handled). Answers to
//   its own requests are read as they arrive: the original's waiting thread takes them.
// - "two requests in flight that touch its database" kill it: a second store request (g/c, g/m,
//   g/i, s/m, r/i) from one sender in the same poll, or arriving while that sender's previous one
//   is still being handled. It then never answers again, and `crashed` says why. The rule counts
//   per sender: that is what a client controls (a client may keep only one store request in
//   flight); two independent clients colliding within one poll is the original's own fault, which
//   no client can avoid.
// Error answers never carry `c` (the original sometimes omits it; clients must accept that).
//
// It runs on any datagram socket and timer source: real UDP on 127.0.0.1 (`BasePeer.start`), or the
// simulator in virtual time (./base-peer-sim.ts, through `BasePeer.over`).
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';

export interface BaseEndpoint {
  host: string;
  port: number;
}

export interface BaseMessage {
  uuid: string;
  name: string;
  content: string;
  /** Unix seconds as a string of a float, as the original sends them. */
  timestamp: string;
}

export interface BaseChat {
  uuid: string;
  name: string;
  timestamp: string;
  messages: BaseMessage[];
}

export interface BasePeerEntry {
  natConeType: string;
  ip: string;
  port: number;
}

/** One datagram received; `obj` is undefined when it was not a base64 JSON object. */
export interface Received {
  seq: number;
  from: BaseEndpoint;
  obj: Record<string, unknown> | undefined;
}

export interface Sent {
  seq: number;
  to: BaseEndpoint;
  obj: Record<string, unknown>;
  /** The quirk's stray second answer ({"m":"R","r":2,"c":{}} after a success), not a real one. */
  stray?: true;
}

/** An answer as the client side saw it. r = 90 (local only) when nothing came back in time. */
export interface BaseAnswer {
  z: string;
  r: number;
  c: Record<string, unknown> | undefined;
  /** The whole wire object of the first answer (undefined on timeout). */
  raw: Record<string, unknown> | undefined;
  /** Sequence number (shared with `received`/`sent`) at which the first answer arrived. */
  seq: number;
}

/** A bound datagram socket, whatever carries it. `send` returns false when it refused the address. */
export interface BaseSocket {
  send(bytes: Uint8Array, to: BaseEndpoint): boolean;
  onMessage(handler: (bytes: Uint8Array, from: BaseEndpoint) => void): void;
  address(): BaseEndpoint;
  close(): Promise<void>;
}

/** Time and timers, real or virtual. */
export interface BaseTimers {
  now(): number;
  after(ms: number, fn: () => void): { cancel(): void };
}

/** Why and when the double stopped for good (the original's segfault, exit 139). */
export interface BaseCrash {
  at: number;
  from: BaseEndpoint;
  reason: string;
}

export interface BasePeerOptions {
  quirks?: boolean;
  /** The original's pace and crash (implies quirks): see the header. */
  original?: boolean;
  /** Poll interval when `original` (default 500 ms, the original's). */
  pollMs?: number;
  /** A bootstrap peer has no chat functions: it answers 2 to chat requests. */
  role?: 'peer' | 'bootstrap';
  /** How long a client request waits for its answer (ms). */
  requestTimeoutMs?: number;
  /** How long the registration ping-back waits (ms). */
  pingBackTimeoutMs?: number;
  /** The chat size cap (base64 JSON of the message list), default and maximum 819,200. */
  messagesMaxSize?: number;
}

const LOOPBACK = '127.0.0.1';
const ORIGINAL_POLL_MS = 500;
/** Requests that touch the original's database (its one shared cursor). */
const STORE_REQUESTS = new Set(['g/c', 'g/m', 'g/i', 's/m', 'r/i']);
const MAX_DATAGRAM = 65_507;
const ACCEPTED_NAT_TYPES = ['Full Cone', 'Restricted Cone'];
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Unix seconds as the original spells them: "1732412345.123456". */
export function baseTimestamp(ms: number = Date.now()): string {
  return (ms / 1000).toFixed(6);
}

/** Length of base64(utf8(JSON)) of a value. */
function encodedLength(value: unknown): number {
  return 4 * Math.ceil(Buffer.byteLength(JSON.stringify(value), 'utf8') / 3);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An integer > 0, given as a number or a numeric string; undefined otherwise. */
function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16 (what the original treats as private). */
function isPrivate(ip: string): boolean {
  const p = ip.split('.').map(Number);
  const [a = -1, b = -1] = p;
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

interface Waiter {
  resolve(answer: BaseAnswer): void;
  timer: { cancel(): void };
}

/** A request taken from the socket, waiting for its poll (original mode). */
interface Inbound {
  obj: Record<string, unknown>;
  from: BaseEndpoint;
  kind: string;
}

const endpointKey = (e: BaseEndpoint) => `${e.host}:${e.port}`;

/** The store request a wire object is, or undefined (a ping, a malformed or unknown request). */
function storeKind(obj: Record<string, unknown>): string | undefined {
  const kind = obj.m === 'g' && obj.t === 'r' && obj.d === 'i' ? 'g/i' : `${String(obj.t)}/${String(obj.d)}`;
  return obj.m !== 'p' && STORE_REQUESTS.has(kind) ? kind : undefined;
}

const realTimers: BaseTimers = {
  now: Date.now,
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** A udp4 socket bound on 127.0.0.1; it sends only to 127.0.0.1. */
async function loopbackSocket(): Promise<BaseSocket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {});
  return {
    send(bytes, to) {
      if (to.host !== LOOPBACK) return false;
      socket.send(bytes, to.port, to.host);
      return true;
    },
    onMessage(handler) {
      socket.on('message', (msg, rinfo) => handler(msg, { host: rinfo.address, port: rinfo.port }));
    },
    address() {
      const { address, port } = socket.address();
      return { host: address, port };
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export class BasePeer {
  readonly quirks: boolean;
  readonly role: 'peer' | 'bootstrap';
  /** Everything received, in order. */
  readonly received: Received[] = [];
  /** Everything sent, in order. */
  readonly sent: Sent[] = [];
  /** Posts to unknown chats (quirks only): the original keeps them as orphans. */
  readonly orphans: (BaseMessage & { chatUuid: string })[] = [];
  /** Sends refused because they were not addressed to 127.0.0.1. */
  refusedSends = 0;
  /** When false, every incoming request and ping is ignored (a peer nobody can reach). */
  answering = true;
  /** Set once the original's crash happened (original mode): it answers nothing afterwards. */
  crashed: BaseCrash | undefined;

  private readonly socket: BaseSocket;
  private readonly timers: BaseTimers;
  /** Original mode: requests waiting for the next poll. */
  private readonly inbox: Inbound[] = [];
  private readonly pollMs: number | undefined;
  /** The request being handled now (original mode), so a second one from its sender is seen. */
  private handling: Inbound | undefined;
  private pollTimer: { cancel(): void } | undefined;
  private readonly chats = new Map<string, BaseChat>();
  private readonly peerTable: BasePeerEntry[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly answers = new Map<string, Record<string, unknown>[]>();
  private readonly postReplies = new Map<string, Record<string, unknown>>();
  private readonly requestTimeoutMs: number;
  private readonly pingBackTimeoutMs: number;
  private readonly messagesMaxSize: number;
  private seq = 0;
  private closed = false;

  private constructor(socket: BaseSocket, timers: BaseTimers, options: BasePeerOptions) {
    this.socket = socket;
    this.timers = timers;
    this.quirks = (options.quirks ?? false) || (options.original ?? false);
    this.pollMs = options.original ? (options.pollMs ?? ORIGINAL_POLL_MS) : undefined;
    this.role = options.role ?? 'peer';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 1500;
    this.pingBackTimeoutMs = options.pingBackTimeoutMs ?? 500;
    this.messagesMaxSize = Math.min(options.messagesMaxSize ?? 819_200, 819_200);
    socket.onMessage((bytes, from) => this.onDatagram(Buffer.from(bytes), from));
    if (this.pollMs !== undefined) this.schedulePoll();
  }

  /** Binds a udp4 socket on 127.0.0.1 (only) at an OS-chosen port, on real time. */
  static async start(options: BasePeerOptions = {}): Promise<BasePeer> {
    return new BasePeer(await loopbackSocket(), realTimers, options);
  }

  /** On a socket and timers of the caller's (the simulator: ./base-peer-sim.ts). */
  static over(socket: BaseSocket, timers: BaseTimers, options: BasePeerOptions = {}): BasePeer {
    return new BasePeer(socket, timers, options);
  }

  endpoint(): BaseEndpoint {
    return this.socket.address();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pollTimer?.cancel();
    for (const [z, w] of this.waiters) {
      w.timer.cancel();
      w.resolve({ z, r: 90, c: undefined, raw: undefined, seq: this.seq });
    }
    this.waiters.clear();
    await this.socket.close();
  }

  // ------------------------------------------------------------------ local state (the "UI")

  /** Creates a hosted chat with its first message (named "first", as the original does). */
  createChat(name: string, firstContent: string): BaseChat {
    const now = baseTimestamp();
    const chat: BaseChat = { uuid: randomUUID(), name, timestamp: now, messages: [] };
    chat.messages.push({ uuid: randomUUID(), name: 'first', content: firstContent, timestamp: now });
    this.chats.set(chat.uuid, chat);
    return chat;
  }

  /** Appends a message locally, without the size cap (to build big chats quickly). */
  addMessage(chatUuid: string, name: string, content: string): BaseMessage {
    const chat = this.chats.get(chatUuid);
    if (!chat) throw new Error(`no chat ${chatUuid}`);
    const message = { uuid: randomUUID(), name, content, timestamp: baseTimestamp() };
    chat.messages.push(message);
    return message;
  }

  chat(uuid: string): BaseChat | undefined {
    return this.chats.get(uuid);
  }

  peers(): BasePeerEntry[] {
    return [...this.peerTable];
  }

  /** Puts a peer in the table without verifying it. */
  addPeer(entry: BasePeerEntry): void {
    const i = this.peerTable.findIndex((p) => p.ip === entry.ip && p.port === entry.port);
    if (i >= 0) this.peerTable[i] = entry;
    else this.peerTable.push(entry);
  }

  /** Requests (and pings) received, optionally only from one endpoint. */
  requestsFrom(from?: BaseEndpoint): Received[] {
    return this.received.filter(
      (r) =>
        r.obj !== undefined &&
        r.obj.m !== 'R' &&
        (from === undefined || (r.from.host === from.host && r.from.port === from.port)),
    );
  }

  /** Every answer received for a request id (the first one is the one that counted). */
  answersFor(z: string): Record<string, unknown>[] {
    return this.answers.get(z) ?? [];
  }

  // ------------------------------------------------------------------ client side

  /** Sends `body` with a fresh z; resolves with the first answer carrying that z, or r = 90. */
  request(
    to: BaseEndpoint,
    body: Record<string, unknown>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<BaseAnswer> {
    const z = randomUUID();
    return new Promise<BaseAnswer>((resolve) => {
      if (this.closed) {
        resolve({ z, r: 90, c: undefined, raw: undefined, seq: this.seq });
        return;
      }
      const timer = this.timers.after(timeoutMs, () => {
        this.waiters.delete(z);
        resolve({ z, r: 90, c: undefined, raw: undefined, seq: this.seq });
      });
      this.waiters.set(z, { resolve, timer });
      this.send({ ...body, z }, to);
    });
  }

  ping(to: BaseEndpoint, timeoutMs?: number): Promise<BaseAnswer> {
    return this.request(to, { m: 'p' }, timeoutMs);
  }

  listChats(to: BaseEndpoint, maxChatsLength = 100): Promise<BaseAnswer> {
    return this.request(to, { m: 'r', t: 'g', d: 'c', a: { maxChatsLength } });
  }

  readChat(to: BaseEndpoint, chatUuid: string): Promise<BaseAnswer> {
    return this.request(to, { m: 'r', t: 'g', d: 'm', a: { chatUuid } });
  }

  post(to: BaseEndpoint, chatUuid: string, name: string, content: string): Promise<BaseAnswer> {
    return this.request(to, { m: 'r', t: 's', d: 'm', a: { chatUuid, name, content } });
  }

  register(to: BaseEndpoint, natConeType: string): Promise<BaseAnswer> {
    return this.request(to, { m: 'r', t: 'r', d: 'i', a: { natConeType } });
  }

  listPeers(to: BaseEndpoint, maxPeersLength = 50): Promise<BaseAnswer> {
    return this.request(to, { m: 'r', t: 'g', d: 'i', a: { maxPeersLength } });
  }

  // ------------------------------------------------------------------ wire

  private send(obj: Record<string, unknown>, to: BaseEndpoint, stray = false): void {
    const text = Buffer.from(JSON.stringify(obj), 'utf8').toString('base64');
    if (this.closed || this.crashed || text.length > MAX_DATAGRAM) return;
    if (!this.socket.send(Buffer.from(text, 'ascii'), to)) {
      this.refusedSends++;
      return;
    }
    this.sent.push({ seq: ++this.seq, to, obj, ...(stray ? { stray: true as const } : {}) });
  }

  private decode(msg: Buffer): Record<string, unknown> | undefined {
    const text = msg.toString('latin1').trim();
    if (text.length === 0 || text.length % 4 !== 0 || !BASE64_RE.test(text)) return undefined;
    try {
      const json: unknown = JSON.parse(utf8.decode(Buffer.from(text, 'base64')));
      return isObject(json) ? json : undefined;
    } catch {
      return undefined;
    }
  }

  private onDatagram(msg: Buffer, from: BaseEndpoint): void {
    const obj = this.decode(msg);
    this.received.push({ seq: ++this.seq, from, obj });
    if (obj === undefined || this.crashed) return; // not even a JSON object: no z to answer to
    const z = typeof obj.z === 'string' && obj.z.length > 0 ? obj.z : undefined;
    if (obj.m === 'R') {
      this.onResponse(obj, z);
      return;
    }
    if (this.pollMs === undefined) {
      void this.serve(obj, from);
      return;
    }
    const kind = storeKind(obj);
    const busy = this.handling;
    if (kind && busy && storeKind(busy.obj) && endpointKey(busy.from) === endpointKey(from)) {
      this.crash(from, `${kind} arrived while its sender's ${busy.kind} was being handled`);
      return;
    }
    this.inbox.push({ obj, from, kind: kind ?? 'other' });
  }

  // ------------------------------------------------------------------ the original's poll

  private schedulePoll(): void {
    if (this.closed || this.crashed || this.pollMs === undefined) return;
    this.pollTimer = this.timers.after(this.pollMs, () => void this.poll());
  }

  /** Takes everything that arrived and handles it one request at a time, then polls again. */
  private async poll(): Promise<void> {
    const batch = this.inbox.splice(0);
    const storeRequestsBySender = new Map<string, number>();
    for (const item of batch) {
      if (storeKind(item.obj) === undefined) continue;
      const key = endpointKey(item.from);
      const n = (storeRequestsBySender.get(key) ?? 0) + 1;
      storeRequestsBySender.set(key, n);
      if (n > 1) {
        this.crash(item.from, `${n} store requests from one sender in one poll`);
        return;
      }
    }
    for (const item of batch) {
      if (this.closed || this.crashed) return;
      this.handling = item;
      await this.serve(item.obj, item.from);
      this.handling = undefined;
    }
    this.schedulePoll();
  }

  private crash(from: BaseEndpoint, reason: string): void {
    this.crashed = { at: this.timers.now(), from, reason };
    this.inbox.length = 0;
    this.pollTimer?.cancel();
  }

  /** Answers one request (resolves once the answer is sent). */
  private async serve(obj: Record<string, unknown>, from: BaseEndpoint): Promise<void> {
    if (!this.answering) return;
    const z = typeof obj.z === 'string' && obj.z.length > 0 ? obj.z : undefined;
    const answer = (r: number, c?: Record<string, unknown>) => this.answer(from, z, r, c);
    if (obj.m === 'p') {
      answer(0, {});
      return;
    }
    const typoGetPeers = obj.m === 'g' && obj.t === 'r' && obj.d === 'i';
    if (obj.m !== 'r' && !typoGetPeers) {
      const looksLikeRequest = 't' in obj || 'd' in obj || 'a' in obj;
      if (this.quirks && obj.m === undefined && looksLikeRequest) answer(1);
      else if (z !== undefined || looksLikeRequest) answer(2);
      return;
    }
    if (obj.t === undefined || obj.d === undefined || obj.a === undefined) {
      answer(this.quirks ? 1 : 2);
      return;
    }
    await this.handle(typoGetPeers ? 'g/i' : `${String(obj.t)}/${String(obj.d)}`, obj.a, from, z).then(
      ([r, c]) => answer(r, c),
      () => answer(1),
    );
  }

  private onResponse(obj: Record<string, unknown>, z: string | undefined): void {
    if (z === undefined) return; // the original ignores responses without z
    const list = this.answers.get(z) ?? [];
    list.push(obj);
    this.answers.set(z, list);
    const waiter = this.waiters.get(z);
    if (!waiter) return; // a late or repeated answer: the first one won
    this.waiters.delete(z);
    waiter.timer.cancel();
    const r = typeof obj.r === 'number' ? obj.r : Number(obj.r);
    waiter.resolve({ z, r, c: isObject(obj.c) ? obj.c : undefined, raw: obj, seq: this.seq });
  }

  /** Success carries c; errors omit it. With quirks, a stray 2 follows every success. */
  private answer(to: BaseEndpoint, z: string | undefined, r: number, c?: Record<string, unknown>): void {
    const withZ = (o: Record<string, unknown>) => (z === undefined ? o : { ...o, z });
    this.send(withZ(r === 0 ? { m: 'R', r, c: c ?? {} } : { m: 'R', r }), to);
    if (this.quirks && r === 0) this.send(withZ({ m: 'R', r: 2, c: {} }), to, true);
  }

  private async handle(
    kind: string,
    a: unknown,
    from: BaseEndpoint,
    z: string | undefined,
  ): Promise<[number, Record<string, unknown>?]> {
    if (!isObject(a)) return [2];
    const chatRequest = kind === 'g/c' || kind === 'g/m' || kind === 's/m';
    if (chatRequest && this.role === 'bootstrap') return [2];
    switch (kind) {
      case 'g/c': {
        const max = positiveInt(a.maxChatsLength);
        if (max === undefined) return [2];
        const entries = [...this.chats.values()].map(({ uuid, name, timestamp }) => ({
          uuid,
          name,
          timestamp,
        }));
        return [0, { chats: this.fit(entries.slice(0, max), 'chats', z) }];
      }
      case 'g/m': {
        if (!nonEmptyString(a.chatUuid)) return [2];
        const chat = this.chats.get(a.chatUuid);
        if (!chat) return [10];
        const whole = { messages: chat.messages };
        if (encodedLength({ m: 'R', r: 0, c: whole, z }) <= MAX_DATAGRAM) return [0, whole];
        if (this.quirks) return [1]; // the original cannot send it
        return [0, { messages: this.fit(chat.messages, 'messages', z, true) }];
      }
      case 'g/i': {
        const max = positiveInt(a.maxPeersLength);
        if (max === undefined) return [2];
        const askerPrivate = isPrivate(from.host);
        const listed = this.peerTable.filter((p) => askerPrivate || !isPrivate(p.ip)).slice(0, max);
        return [0, { peers: this.fit(listed, 'peers', z) }];
      }
      case 'r/i': {
        if (typeof a.natConeType !== 'string' || !ACCEPTED_NAT_TYPES.includes(a.natConeType)) return [2];
        const back = await this.ping(from, this.pingBackTimeoutMs);
        if (back.r !== 0) return [3];
        this.addPeer({ natConeType: a.natConeType, ip: from.host, port: from.port });
        return [0, {}];
      }
      case 's/m':
        return this.storePost(a, from, z);
      default:
        return [2];
    }
  }

  private storePost(
    a: Record<string, unknown>,
    from: BaseEndpoint,
    z: string | undefined,
  ): [number, Record<string, unknown>?] {
    const { chatUuid, name, content } = a;
    if (!nonEmptyString(chatUuid) || !nonEmptyString(name) || !nonEmptyString(content)) return [2];
    // Without quirks a resent post (same sender and z) gets the first answer again, stored once.
    const key = z === undefined ? undefined : `${from.host}:${from.port}/${z}`;
    const remembered = key === undefined || this.quirks ? undefined : this.postReplies.get(key);
    if (remembered) return [remembered.r as number, remembered.c as Record<string, unknown> | undefined];
    const message = { uuid: randomUUID(), name, content, timestamp: baseTimestamp() };
    const chat = this.chats.get(chatUuid);
    let result: [number, Record<string, unknown>?];
    if (!chat) {
      if (this.quirks) this.orphans.push({ ...message, chatUuid });
      result = this.quirks ? [0, {}] : [10];
    } else if (encodedLength([...chat.messages, message]) >= this.messagesMaxSize) {
      result = [20];
    } else {
      chat.messages.push(message);
      result = [0, {}];
    }
    if (key !== undefined && !this.quirks) this.postReplies.set(key, { r: result[0], c: result[1] });
    return result;
  }

  /** The longest prefix (or, fromEnd, suffix) of `items` whose answer still fits one datagram. */
  private fit<T>(items: T[], key: string, z: string | undefined, fromEnd = false): T[] {
    const envelopeJson = Buffer.byteLength(JSON.stringify({ m: 'R', r: 0, c: { [key]: [] }, z }), 'utf8');
    const budget = Math.floor(MAX_DATAGRAM / 4) * 3;
    const out: T[] = [];
    let used = envelopeJson;
    for (let i = 0; i < items.length; i++) {
      const item = items[fromEnd ? items.length - 1 - i : i] as T;
      const size = Buffer.byteLength(JSON.stringify(item), 'utf8') + (out.length > 0 ? 1 : 0);
      if (used + size > budget) break;
      used += size;
      out.push(item);
    }
    return fromEnd ? out.reverse() : out;
  }
}
