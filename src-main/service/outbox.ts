// Posts to another peer's chat that its host did not answer: kept in the store (a restart keeps
// them), listed to the window as pending, and sent again in order until the host answers. A resend
// carries the z of the post's first try, and hosts dedupe posts on sender + z (persisted with the
// message), so a post whose first try arrived with only its answer lost is still stored once.
// Posts wait per host, and a host is its key where it proved one (a base host: its address): a host
// that moved (same key, new address) gets its waiting posts at the address its key is proven at now.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ErrorKind, PendingPostDto } from '../../src-shared/api.js';
import { errorKinds } from '../../src-shared/error-kinds.js';
import { PUBLIC_KEY_PATTERN } from '../../src-shared/protocol/schemas.js';
import { NanceError } from '../core/errors.js';
import type { Endpoint, Store } from '../core/ports.js';
import { endpointKey, sameEndpoint } from '../core/ports.js';

/** The store setting that holds the outbox (a JSON array of PendingPost). */
const OUTBOX_SETTING = 'outbox';
/** Posts kept waiting at most; past it a post to a silent host fails as before (timeout). */
export const MAX_PENDING_POSTS = 100;
/** Wait between rounds of resending while posts wait. */
export const DEFAULT_RESEND_MS = 3000;

export interface PendingPost extends PendingPostDto {
  /** The request id of every try of this post. */
  z: string;
  /** The host's key, when it proved one: the post follows it to wherever it is proven now. */
  hostKey?: string;
}

/** Sends one post with its z to `post.host` (NancePeer.postMessage). */
export type SendPost = (post: PendingPost) => Promise<void>;

/** Where the host with `hostKey`, queued for at `host`, is now: where its key was last proven (NancePeer.resolveHost). */
export type LocateHost = (host: Endpoint, hostKey: string) => Endpoint | null;

/** A keyed host, as `hostOf` names it. */
const hostByKey = (hostKey: string) => `key:${hostKey}`;
/** The host a post waits for: its key where known, else its address (a base host). */
const hostOf = (p: { host: Endpoint; hostKey?: string | undefined }) =>
  p.hostKey === undefined ? `at:${endpointKey(p.host)}` : hostByKey(p.hostKey);

const storedPost = z.object({
  id: z.string().min(1).max(64),
  z: z.string().min(1).max(64),
  host: z.object({ host: z.ipv4(), port: z.number().int().min(1).max(65_535) }),
  hostKey: z.string().regex(PUBLIC_KEY_PATTERN).optional(),
  chatUuid: z.string().min(1).max(128),
  name: z.string().min(1).max(64),
  content: z.string().min(1),
  queuedAt: z.number(),
  failed: z.enum(errorKinds).nullable(),
});

/** What the window sees of a post (without its z and key: it has no use for them). */
function dtoOf({ z: _z, hostKey: _key, ...dto }: PendingPost): PendingPostDto {
  return { ...dto, host: { ...dto.host } };
}

/** A host that did not answer (or could not be reached at all): worth trying again later. */
function unanswered(err: unknown): boolean {
  return err instanceof NanceError && err.kind === 'timeout';
}

export interface OutboxOptions {
  store: Pick<Store, 'getSetting' | 'setSetting'>;
  send: SendPost;
  /** Finds a keyed host that moved; without it a post goes to the address it was queued for. */
  locate?: LocateHost;
  now: () => number;
  /** Called after every change of the list (the service emits `outboxChanged`). */
  onChange: (posts: PendingPostDto[]) => void;
  resendMs?: number;
}

export class Outbox {
  private posts: PendingPost[];
  /** Per host (`hostOf`): the tail of its chain of sends, so posts to one host go in order. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly o: OutboxOptions) {
    const saved = o.store.getSetting<unknown[]>(OUTBOX_SETTING);
    // A damaged or foreign entry is dropped, not trusted: only well-formed posts are resent.
    this.posts = (Array.isArray(saved) ? saved : []).flatMap((p) => {
      const parsed = storedPost.safeParse(p);
      return parsed.success ? [parsed.data] : [];
    });
    this.schedule();
  }

  /** What waits, oldest first. */
  list(): PendingPostDto[] {
    return this.posts.map(dtoOf);
  }

  /**
   * Sends a post, after any earlier post to the same host. Resolves null once the host stored it,
   * or with the pending entry when the host did not answer (it is then resent until it does);
   * any other failure (the chat is gone or full, the message too large) rejects as before.
   * `hostKey`: the key the host proved at `host`, if any (a base host has none).
   */
  post(
    host: Endpoint,
    chatUuid: string,
    name: string,
    content: string,
    hostKey?: string,
  ): Promise<PendingPostDto | null> {
    const entry: PendingPost = {
      id: randomUUID(),
      z: randomUUID(),
      host: { host: host.host, port: host.port },
      ...(hostKey === undefined ? {} : { hostKey }),
      chatUuid,
      name,
      content,
      queuedAt: this.o.now(),
      failed: null,
    };
    const to = hostOf(entry);
    return this.inOrder(to, async () => {
      // Posts to this host wait already: this one goes behind them, never before.
      if (this.posts.some((p) => hostOf(p) === to && p.failed === null)) {
        return this.enqueue(entry);
      }
      try {
        await this.o.send(entry);
        return null;
      } catch (err) {
        if (!unanswered(err) || this.posts.length >= MAX_PENDING_POSTS) throw err;
        return this.enqueue(entry);
      }
    });
  }

  /** Removes a waiting (or failed) post; false when there is none with this id (sent already). */
  cancel(id: string): boolean {
    const before = this.posts.length;
    this.posts = this.posts.filter((p) => p.id !== id);
    if (this.posts.length === before) return false;
    this.changed();
    return true;
  }

  /**
   * The host with `hostKey` proved its key at a new address: what waits for it goes there now, in
   * order, not at the next resend round (a roaming host is reached again within seconds). So does
   * a post whose first try is still out to the old address (the send under way for that host),
   * once that try gives up.
   */
  hostMoved(hostKey: string): void {
    const to = hostByKey(hostKey);
    const waiting = this.posts.some((p) => hostOf(p) === to && p.failed === null);
    if (this.stopped || (!waiting && !this.tails.has(to))) return;
    void this.inOrder(to, () => this.resendTo(to));
  }

  /** Stops resending (the peer is closing); what waits stays in the store for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One round: each host's waiting posts in order, until one is not answered. */
  async resend(): Promise<void> {
    const hosts = new Set<string>();
    for (const p of this.posts) if (p.failed === null) hosts.add(hostOf(p));
    await Promise.all([...hosts].map((to) => this.inOrder(to, () => this.resendTo(to))));
    this.schedule();
  }

  private async resendTo(to: string): Promise<void> {
    this.follow(to);
    for (;;) {
      const next = this.posts.find((p) => hostOf(p) === to && p.failed === null);
      if (!next || this.stopped) return;
      try {
        await this.o.send(next);
        this.posts = this.posts.filter((p) => p.id !== next.id);
      } catch (err) {
        if (unanswered(err)) return;
        if (err instanceof NanceError && err.kind === 'closed') {
          this.stop();
          return;
        }
        if (err instanceof NanceError && err.kind === 'wrong-mode') return; // this peer is in bootstrap mode for now
        // Answered with a refusal (the chat was wiped, is full): kept, marked, for the person to see and dismiss.
        const kind: ErrorKind = err instanceof NanceError ? err.kind : 'exception';
        this.posts = this.posts.map((p) => (p.id === next.id ? { ...p, failed: kind } : p));
      }
      this.changed();
    }
  }

  /** A keyed host proven at a new address since: its waiting posts go there now (and are listed there). */
  private follow(to: string): void {
    const first = this.posts.find((p) => hostOf(p) === to);
    const now = first?.hostKey === undefined ? null : (this.o.locate?.(first.host, first.hostKey) ?? null);
    if (now === null) return;
    const moved = (p: PendingPost) => hostOf(p) === to && !sameEndpoint(p.host, now);
    if (!this.posts.some(moved)) return;
    const host = { host: now.host, port: now.port };
    this.posts = this.posts.map((p) => (moved(p) ? { ...p, host } : p));
    this.changed();
  }

  private enqueue(entry: PendingPost): PendingPostDto {
    this.posts = [...this.posts, entry];
    this.changed();
    this.schedule();
    return dtoOf(entry);
  }

  private inOrder<T>(key: string, run: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(run, run);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  private schedule(): void {
    if (this.stopped || this.timer || !this.posts.some((p) => p.failed === null)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resend();
    }, this.o.resendMs ?? DEFAULT_RESEND_MS);
    this.timer.unref?.();
  }

  private changed(): void {
    try {
      this.o.store.setSetting(OUTBOX_SETTING, this.posts);
    } catch {
      // The store cannot write (its health says why): the list lives on in memory until it can.
    }
    this.o.onChange(this.list());
  }
}
