// Host side of push delivery (docs/protocol.md, "push"): readers of a chat we host subscribe with a
// lease, and every message stored in it goes to them at once, in one small datagram each. Pushes
// go only to addresses that proved they receive what we send (a valid `k` on the subscribe), are
// capped in bytes per subscriber and in total, end with the lease, and stop for a reader that
// stops acknowledging them. Losing a push costs a reader nothing but time: it polls as fallback.
import {
  encodeRequest,
  type Request,
  type Response,
  ResultCode,
} from '../../../src-shared/protocol/index.js';
import { toWireMessage } from '../chat-host.js';
import { NanceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock, Endpoint, Store, StoredMessage, TimerHandle } from '../ports.js';
import { endpointKey } from '../ports.js';
import type { RequestContext } from '../request-context.js';
import type { RetryPolicy } from '../request-engine.js';

export interface PushSettings {
  /** How long a subscription lasts unless renewed, in seconds (said in the subscribe answer). */
  leaseSeconds: number;
  /** Subscribers of one chat at most. */
  perChat: number;
  /** Subscriptions from one IP address at most (any port: one host cannot fill the table). */
  perIp: number;
  /** Subscriptions in total. */
  total: number;
  /** Largest push datagram: one unfragmented datagram on ordinary paths (as a page). */
  maxPushBytes: number;
  /** Push bytes per second one subscriber may receive (and twice that in a burst). */
  bytesPerSecond: number;
  /** Push bytes per second to all subscribers together (and twice that in a burst). */
  totalBytesPerSecond: number;
  /** Pushes in a row a subscriber may leave unacknowledged before it is dropped. */
  maxMissed: number;
  /** Sends of one push (the first and its resends). */
  retry: Partial<RetryPolicy>;
}

export const DEFAULT_PUSH: PushSettings = {
  leaseSeconds: 60,
  perChat: 64,
  perIp: 16,
  total: 1_024,
  maxPushBytes: 1_200,
  // A busy chat (a dozen signed posts a second, each ~800 B sent twice in the count) fits; below
  // that, pushes turn into nudges and each nudge into a read, which costs the host more.
  bytesPerSecond: 65_536,
  totalBytesPerSecond: 1_048_576,
  maxMissed: 3,
  retry: { timeoutMs: 300, attempts: 2 },
};

/** A token bucket of bytes. */
interface ByteBudget {
  budget: number;
  budgetAt: number;
}

interface Subscriber extends ByteBudget {
  reader: Endpoint;
  chatUuid: string;
  sub: string;
  leaseEnds: number;
  /** The last `seq` this reader has been told of (pushed or nudged); it holds everything before. */
  toldUpTo: number;
  missed: number;
  /** A nudge waiting for the budget to refill (a post went unpushed over it). */
  deferredNudge: TimerHandle | undefined;
}

export interface PushHostDeps {
  clock: Clock;
  store: Pick<Store, 'getChat'>;
  settings: () => PushSettings;
  /** Sends a request through the peer's engine: resolves with the answer, rejects on silence. */
  request(to: Endpoint, request: Request, policy: Partial<RetryPolicy>): Promise<Response>;
  /** The `k` the engine will put on a request to `to` (its length counts toward the datagram). */
  proofFor(to: Endpoint): string | undefined;
  logger: Logger;
}

const UUID_LENGTH = 36;

export class PushHost {
  /** chat uuid -> reader "ip:port" -> subscriber. */
  private readonly byChat = new Map<string, Map<string, Subscriber>>();
  private readonly perIp = new Map<string, number>();
  private count = 0;
  private readonly total: ByteBudget;

  constructor(private readonly deps: PushHostDeps) {
    this.total = { budget: 2 * deps.settings().totalBytesPerSecond, budgetAt: deps.clock.now() };
  }

  get subscriberCount(): number {
    return this.count;
  }

  /**
   * The answer to `u/s`, or null for none at all: an unproven subscribe may come from a spoofed
   * source, and anything we sent would go to its victim.
   */
  subscribe(ctx: RequestContext, chatUuid: string, after: number, sub: string): Response | null {
    if (!ctx.proven) return null;
    // Out of a relay, pushes would have to go back through it: such a reader polls.
    if (ctx.relayed) return { r: ResultCode.UnknownFormat, c: {} };
    const chat = this.deps.store.getChat(chatUuid);
    if (!chat) return { r: ResultCode.NotFound, c: {} };
    const now = this.deps.clock.now();
    const s = this.deps.settings();
    const key = endpointKey(ctx.from);
    const existing = this.byChat.get(chatUuid)?.get(key);
    if (existing && existing.leaseEnds > now) {
      existing.sub = sub;
      existing.toldUpTo = Math.min(after, chat.messageCount);
      existing.leaseEnds = now + s.leaseSeconds * 1000;
      existing.missed = 0;
    } else {
      if (existing) this.remove(existing);
      this.expire(now);
      const ip = ctx.from.host;
      if (
        this.count >= s.total ||
        (this.byChat.get(chatUuid)?.size ?? 0) >= s.perChat ||
        (this.perIp.get(ip) ?? 0) >= s.perIp
      ) {
        return { r: ResultCode.Full, c: {} };
      }
      this.add({
        reader: { host: ctx.from.host, port: ctx.from.port },
        chatUuid,
        sub,
        leaseEnds: now + s.leaseSeconds * 1000,
        toldUpTo: Math.min(after, chat.messageCount),
        missed: 0,
        deferredNudge: undefined,
        budget: 2 * s.bytesPerSecond,
        budgetAt: now,
      });
    }
    // `seq`: where the chat ends now, so a reader behind its cursor reads at once.
    return { r: ResultCode.Ok, c: { lease: s.leaseSeconds, seq: chat.messageCount } };
  }

  /** A message was stored in a chat we host: push it to its subscribers. */
  stored(message: StoredMessage): void {
    const subscribers = this.byChat.get(message.chatUuid);
    if (!subscribers) return;
    const now = this.deps.clock.now();
    const entry = toWireMessage(message, true);
    for (const subscriber of [...subscribers.values()]) {
      if (subscriber.leaseEnds <= now) {
        this.remove(subscriber);
        continue;
      }
      // In step: the message itself, if it fits one small datagram; behind (a push was dropped
      // or over budget): a nudge, and the reader reads what it lacks.
      const inStep = subscriber.toldUpTo === message.seq - 1;
      const full: Request = this.pushOf(subscriber, message.seq, [entry]);
      const request =
        inStep && this.sizeOf(full, subscriber.reader) <= this.deps.settings().maxPushBytes
          ? full
          : this.pushOf(subscriber, message.seq, []);
      if (subscriber.deferredNudge) continue; // it will tell where the chat ends then
      if (!this.spend(subscriber, this.sizeOf(request, subscriber.reader), now)) {
        this.deferNudge(subscriber, now);
        continue;
      }
      subscriber.toldUpTo = message.seq;
      this.send(subscriber, request);
    }
  }

  /**
   * Over budget, a post is not pushed; without a word the reader would learn of it only at the
   * next post or its fallback poll (seconds). So one nudge ("the chat ends at N") goes as soon as
   * the budget holds it, and the reader reads the rest.
   */
  private deferNudge(subscriber: Subscriber, now: number): void {
    const cost = this.costOf(this.sizeOf(this.pushOf(subscriber, 0, []), subscriber.reader));
    const { bytesPerSecond, totalBytesPerSecond } = this.deps.settings();
    refill(subscriber, bytesPerSecond, now);
    refill(this.total, totalBytesPerSecond, now);
    const lack = Math.max(
      (cost - subscriber.budget) / bytesPerSecond,
      (cost - this.total.budget) / totalBytesPerSecond,
    );
    const waitMs = Math.max(1, Math.ceil(lack * 1000));
    subscriber.deferredNudge = this.deps.clock.setTimeout(() => {
      subscriber.deferredNudge = undefined;
      if (!this.isCurrent(subscriber)) return;
      const at = this.deps.clock.now();
      if (subscriber.leaseEnds <= at) return this.remove(subscriber);
      const end = this.deps.store.getChat(subscriber.chatUuid)?.messageCount ?? 0;
      if (end <= subscriber.toldUpTo) return;
      const nudge = this.pushOf(subscriber, end, []);
      if (!this.spend(subscriber, this.sizeOf(nudge, subscriber.reader), at))
        return this.deferNudge(subscriber, at);
      subscriber.toldUpTo = end;
      this.send(subscriber, nudge);
    }, waitMs);
  }

  /** Forgets every subscription (the daily wipe deleted the chats). */
  clear(): void {
    for (const subscribers of this.byChat.values())
      for (const subscriber of subscribers.values()) subscriber.deferredNudge?.cancel();
    this.byChat.clear();
    this.perIp.clear();
    this.count = 0;
  }

  private pushOf(
    subscriber: Subscriber,
    upTo: number,
    messages: Extract<Request, { type: 'push' }>['messages'],
  ): Request {
    return { type: 'push', chatUuid: subscriber.chatUuid, sub: subscriber.sub, upTo, messages };
  }

  /** The datagram's size as the engine will send it (a UUID `z`, the reader's `k`). */
  private sizeOf(request: Request, to: Endpoint): number {
    return encodeRequest(request, 'z'.repeat(UUID_LENGTH), this.deps.proofFor(to)).length;
  }

  /**
   * Takes `bytes` from the subscriber's budget and the total one (its resend included: each push
   * counts as many times as it may be sent); false, taking nothing, when either lacks them.
   */
  private spend(subscriber: Subscriber, bytes: number, now: number): boolean {
    const { bytesPerSecond, totalBytesPerSecond } = this.deps.settings();
    const cost = this.costOf(bytes);
    refill(subscriber, bytesPerSecond, now);
    refill(this.total, totalBytesPerSecond, now);
    if (subscriber.budget < cost || this.total.budget < cost) return false;
    subscriber.budget -= cost;
    this.total.budget -= cost;
    return true;
  }

  /** What a push of `bytes` takes from a budget: each send it may have (the first and its resends). */
  private costOf(bytes: number): number {
    return bytes * (this.deps.settings().retry.attempts ?? 1);
  }

  private send(subscriber: Subscriber, request: Request): void {
    const { retry, maxMissed } = this.deps.settings();
    this.deps.request(subscriber.reader, request, retry).then(
      (answer) => {
        // 10: the reader no longer holds this subscription (it closed the chat, or restarted).
        if (answer.r === ResultCode.NotFound) this.removeIfCurrent(subscriber);
        else subscriber.missed = 0;
      },
      (err: unknown) => {
        if (!(err instanceof NanceError)) {
          this.deps.logger.error({ err: String(err) }, 'push failed');
          return;
        }
        subscriber.missed += 1;
        if (subscriber.missed >= maxMissed) this.removeIfCurrent(subscriber);
      },
    );
  }

  private removeIfCurrent(subscriber: Subscriber): void {
    if (this.isCurrent(subscriber)) this.remove(subscriber);
  }

  /** Whether this subscription still stands (not replaced by a new one from the reader, not dropped). */
  private isCurrent(subscriber: Subscriber): boolean {
    return this.byChat.get(subscriber.chatUuid)?.get(endpointKey(subscriber.reader)) === subscriber;
  }

  private add(subscriber: Subscriber): void {
    let subscribers = this.byChat.get(subscriber.chatUuid);
    if (!subscribers) {
      subscribers = new Map();
      this.byChat.set(subscriber.chatUuid, subscribers);
    }
    subscribers.set(endpointKey(subscriber.reader), subscriber);
    const ip = subscriber.reader.host;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.count += 1;
  }

  private remove(subscriber: Subscriber): void {
    const subscribers = this.byChat.get(subscriber.chatUuid);
    if (!subscribers?.delete(endpointKey(subscriber.reader))) return;
    subscriber.deferredNudge?.cancel();
    if (subscribers.size === 0) this.byChat.delete(subscriber.chatUuid);
    const ip = subscriber.reader.host;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(ip, n);
    else this.perIp.delete(ip);
    this.count -= 1;
  }

  /** Drops every lapsed lease (before counting toward the caps). */
  private expire(now: number): void {
    for (const subscribers of [...this.byChat.values()]) {
      for (const subscriber of [...subscribers.values()]) {
        if (subscriber.leaseEnds <= now) this.remove(subscriber);
      }
    }
  }
}

/** Refills a bucket at `perSecond` up to twice that. */
function refill(bucket: ByteBudget, perSecond: number, now: number): void {
  bucket.budget = Math.min(2 * perSecond, bucket.budget + ((now - bucket.budgetAt) / 1000) * perSecond);
  bucket.budgetAt = now;
}
