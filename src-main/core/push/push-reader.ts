// Reader side of push delivery (docs/protocol.md, "push"): while the window keeps reading a chat
// of a host that advertised `push`, we hold a subscription to it, renewed before its lease ends,
// and hand every push on as the `message` event. A push is taken only from the host subscribed to,
// with the subscription's secret id, for the chat subscribed to: nobody else can inject messages.
// Gaps (a lost push, a nudge) become "read up to seq N" for the window; its poll is the fallback.
import { v4 as uuidv4 } from 'uuid';
import type { ChatMessage, Response } from '../../../src-shared/protocol/index.js';
import { ResultCode } from '../../../src-shared/protocol/index.js';
import { NanceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { Clock, Endpoint, TimerHandle } from '../ports.js';
import { endpointKey, sameEndpoint } from '../ports.js';

/** What a push told us: `messages` follow `afterSeq` and end at `lastSeq`; none: read up to `lastSeq`. */
export interface Pushed {
  host: Endpoint;
  chatUuid: string;
  afterSeq: number;
  lastSeq: number;
  messages: ChatMessage[];
}

export interface PushReaderDeps {
  clock: Clock;
  /** Sends `u/s`: the host's answer, or a NanceError (timeout, …). */
  subscribe(host: Endpoint, chatUuid: string, after: number, sub: string): Promise<Response>;
  /** Pings the host (a fresh address token: an unproven subscribe is dropped unanswered). */
  ping(host: Endpoint): Promise<unknown>;
  onPushed(pushed: Pushed): void;
  logger: Logger;
  newId?: () => string;
}

/**
 * A subscription lives while the window reads the chat at least this often (its fallback poll,
 * with slack): a closed chat's subscription is not renewed and its lease runs out.
 */
export const INTEREST_MS = 20_000;
/** After a failed subscribe, reads go on by polling; a new try waits this long. */
export const RETRY_AFTER_MS = 30_000;
/** Subscriptions held at most (a script may read many chats; the window reads one). */
const MAX_SUBSCRIPTIONS = 64;

interface Subscription {
  host: Endpoint;
  chatUuid: string;
  sub: string;
  state: 'subscribing' | 'live' | 'failed';
  /** The last `seq` the window was told of (by a read or a push). */
  seen: number;
  lastInterest: number;
  /** When a failed subscription may be tried again. */
  retryAt: number;
  timer: TimerHandle | undefined;
}

const keyOf = (host: Endpoint, chatUuid: string) => `${endpointKey(host)}/${chatUuid}`;

export class PushReader {
  private readonly subs: Lru<string, Subscription>;
  private readonly newId: () => string;
  private stopped = false;

  constructor(private readonly deps: PushReaderDeps) {
    this.subs = new Lru(MAX_SUBSCRIPTIONS);
    this.newId = deps.newId ?? uuidv4;
  }

  /**
   * The window read `chatUuid` on `host` up to `seen`: keep (or start) its subscription. Returns
   * whether pushes flow now (the window then polls only as a fallback).
   */
  reading(host: Endpoint, chatUuid: string, seen: number): boolean {
    if (this.stopped) return false;
    const now = this.deps.clock.now();
    const key = keyOf(host, chatUuid);
    let s = this.subs.get(key);
    if (!s) {
      s = {
        host: { host: host.host, port: host.port },
        chatUuid,
        sub: this.newId(),
        state: 'subscribing',
        seen,
        lastInterest: now,
        retryAt: 0,
        timer: undefined,
      };
      this.subs.set(key, s);
      void this.subscribe(s, true);
      return false;
    }
    s.lastInterest = now;
    s.seen = Math.max(s.seen, seen);
    if (s.state === 'failed' && now >= s.retryAt) {
      s.state = 'subscribing';
      void this.subscribe(s, true);
    }
    return s.state === 'live';
  }

  /** Whether pushes of this chat flow now. */
  isLive(host: Endpoint, chatUuid: string): boolean {
    return this.subs.peek(keyOf(host, chatUuid))?.state === 'live';
  }

  /** The answer to a `u/p` from `from`: 0 taken, 10 no such subscription (the host drops it). */
  push(from: Endpoint, chatUuid: string, sub: string, upTo: number, messages: ChatMessage[]): Response {
    const s = this.subs.peek(keyOf(from, chatUuid));
    if (!s || s.sub !== sub || !sameEndpoint(s.host, from) || this.stopped) {
      return { r: ResultCode.NotFound, c: {} };
    }
    if (!pushIsWellFormed(upTo, messages)) return { r: ResultCode.UnknownFormat, c: {} };
    if (upTo <= s.seen) return { r: ResultCode.Ok, c: {} }; // a resend, or older than a read
    const afterSeq = s.seen;
    // The push carries exactly what follows what we hold: hand it on; otherwise (a gap, a nudge)
    // only where the chat ends, and the window reads the rest.
    const follows = messages.length > 0 && messages[0]?.seq === s.seen + 1;
    s.seen = upTo;
    this.deps.onPushed({
      host: s.host,
      chatUuid,
      afterSeq,
      lastSeq: upTo,
      messages: follows ? messages : [],
    });
    return { r: ResultCode.Ok, c: {} };
  }

  /** Stops renewing (the peer closes, or the wipe deleted every chat). */
  stop(): void {
    this.stopped = true;
    for (const s of this.subs.values()) s.timer?.cancel();
  }

  private async subscribe(s: Subscription, pingOnSilence: boolean): Promise<void> {
    let answer: Response;
    try {
      answer = await this.deps.subscribe(s.host, s.chatUuid, s.seen, s.sub);
    } catch (err) {
      if (!(err instanceof NanceError)) this.deps.logger.error({ err: String(err) }, 'subscribe failed');
      // Silence may be a stale address token (the host drops unproven subscribes): a ping gives a
      // fresh one, then one more try.
      if (pingOnSilence && err instanceof NanceError && err.kind === 'timeout') {
        const pinged = await this.deps.ping(s.host).then(
          () => true,
          () => false,
        );
        if (pinged && this.current(s)) return this.subscribe(s, false);
      }
      return this.failed(s);
    }
    if (!this.current(s)) return;
    const lease = answer.c.lease;
    const seq = answer.c.seq;
    if (answer.r !== ResultCode.Ok || typeof lease !== 'number' || !(lease >= 1)) return this.failed(s);
    s.state = 'live';
    // The chat went on between the read and the subscription: tell the window to read.
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > s.seen) {
      const afterSeq = s.seen;
      s.seen = seq;
      this.deps.onPushed({ host: s.host, chatUuid: s.chatUuid, afterSeq, lastSeq: seq, messages: [] });
    }
    // Renewed at half the lease, while the window still reads the chat.
    s.timer?.cancel();
    s.timer = this.deps.clock.setTimeout(() => this.renew(s), Math.min(lease, 3600) * 500);
  }

  private renew(s: Subscription): void {
    if (!this.current(s)) return;
    if (this.deps.clock.now() - s.lastInterest > INTEREST_MS) {
      this.subs.delete(keyOf(s.host, s.chatUuid));
      return;
    }
    void this.subscribe(s, true);
  }

  private failed(s: Subscription): void {
    if (!this.current(s)) return;
    s.state = 'failed';
    s.retryAt = this.deps.clock.now() + RETRY_AFTER_MS;
  }

  /** Whether `s` is still the subscription we hold (not stopped, not evicted). */
  private current(s: Subscription): boolean {
    return !this.stopped && this.subs.peek(keyOf(s.host, s.chatUuid)) === s;
  }
}

/** Seqs increase by one and end at `upTo` (a host that lies otherwise gets its push refused). */
function pushIsWellFormed(upTo: number, messages: ChatMessage[]): boolean {
  if (messages.length === 0) return true;
  const last = messages.at(-1)?.seq;
  if (last !== upTo) return false;
  return messages.every((m, i) => i === 0 || m.seq === (messages[i - 1]?.seq ?? 0) + 1);
}
