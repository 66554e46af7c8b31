// The outbox on real sockets (127.0.0.1) and real SQLite files: posts to a host that stopped wait,
// survive the writer's restart, and reach the restarted host exactly once each, in order; a post
// whose answer alone was lost is resent with its first z and stored once; posts waiting for a host
// that moved (same key, new port) follow its key to the new address.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PendingPostDto } from '../../src-shared/api.js';
import { GUARD_OFF } from '../core/guard/index.js';
import { KeyPair } from '../core/identity/keys.js';
import { NancePeer, type PeerConfig } from '../core/peer.js';
import type { Endpoint } from '../core/ports.js';
import { DEFAULT_RETRY } from '../core/request-engine.js';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { NanceService } from './nance-service.js';

/** Short waits, so a silent host is given up on in ~0.3 s instead of 4.5 s. */
const FAST = { ...DEFAULT_RETRY, timeoutMs: 50, attempts: 3 };

interface Running {
  peer: NancePeer;
  store: SqliteStore;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-outbox-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Each store's peer keeps its key across restarts, as the identity file in its data dir makes it. */
const identities = new Map<string, KeyPair>();

async function startPeer(dbPath: string, port = 0, config: Partial<PeerConfig> = {}): Promise<Running> {
  const store = SqliteStore.open({ path: dbPath, now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port });
  const identity = identities.get(dbPath) ?? KeyPair.generate();
  identities.set(dbPath, identity);
  const peer = new NancePeer(
    { transport, clock: systemClock, store, identity },
    { guard: GUARD_OFF, retry: FAST, ...config },
  );
  peer.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await peer.close();
  };
  cleanups.push(close);
  return { peer, store, close };
}

function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out waiting'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

function contentsAt(store: SqliteStore, chatUuid: string): string[] {
  return store.listMessages(chatUuid, 0, 1000).map((m) => m.content);
}

async function post(service: NanceService, host: Endpoint, chatUuid: string, content: string) {
  const reply = await service.dispatch('postMessage', { host, chatUuid, name: 'ann', content });
  if (!reply.ok) throw new Error(`${reply.error.kind}: ${reply.error.message}`);
  return reply.result as PendingPostDto | null;
}

/**
 * A host registered with a bootstrap, hosting a chat, and a writer that proved the host's key at
 * its address and posts through a service whose resend round never comes within a test.
 */
async function hostAndWriter(writerConfig: Partial<PeerConfig> = {}) {
  const dir = tempDir();
  const boot = await startPeer(path.join(dir, 'boot.db'), 0, { role: 'bootstrap' });
  const bootstrapPeers = [boot.peer.localEndpoint()];
  const hostDb = path.join(dir, 'host.db');
  const host = await startPeer(hostDb, 0, { bootstrapPeers });
  await host.peer.syncNow(); // registered with the bootstrap
  const oldAt = host.peer.localEndpoint();
  const hostKey = host.peer.identity.publicKey;
  const chat = await host.peer.createChat('room', 'start', 'bob');
  const writer = await startPeer(path.join(dir, 'writer.db'), 0, { bootstrapPeers, ...writerConfig });
  await writer.peer.syncNow(); // lists the host and proves its key at its address
  expect(writer.peer.keyAt(oldAt)).toBe(hostKey);
  const service = new NanceService(writer.peer, writer.store, { resendMs: 60_000 });
  cleanups.push(() => service.outbox.stop());
  /** Starts the host again with the same key on another port, registered again. */
  const restartHost = async () => {
    const moved = await startPeer(hostDb, 0, { bootstrapPeers });
    await moved.peer.syncNow();
    return moved;
  };
  return { host, oldAt, hostKey, chat, writer, service, restartHost };
}

describe('outbox', () => {
  it('host stopped, three posts queued, host restarted: each appears exactly once, in order', async () => {
    const dir = tempDir();
    const hostDb = path.join(dir, 'host.db');
    let host = await startPeer(hostDb);
    const hostAt = host.peer.localEndpoint();
    const chat = await host.peer.createChat('room', 'start', 'bob');
    const writer = await startPeer(path.join(dir, 'writer.db'));
    const service = new NanceService(writer.peer, writer.store, { resendMs: 100 });
    cleanups.push(() => service.outbox.stop());
    const changes: string[][] = [];
    service.events.on('outboxChanged', ({ posts }) => changes.push(posts.map((p) => p.content)));

    expect(await post(service, hostAt, chat.uuid, 'before')).toBeNull();
    await host.close();

    const queued = [];
    for (const content of ['one', 'two', 'three'])
      queued.push(await post(service, hostAt, chat.uuid, content));
    expect(queued.map((q) => q?.content)).toEqual(['one', 'two', 'three']);
    const listed = await service.dispatch('listOutbox', {});
    expect(listed.ok && (listed.result as PendingPostDto[]).map((p) => p.content)).toEqual([
      'one',
      'two',
      'three',
    ]);
    // A few resend rounds go unanswered: nothing is lost or reordered meanwhile.
    await new Promise((r) => setTimeout(r, 500));
    expect(service.outbox.list()).toHaveLength(3);

    host = await startPeer(hostDb, hostAt.port);
    await until(() => service.outbox.list().length === 0, 10_000);
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'before', 'one', 'two', 'three']);
    expect(changes.at(-1)).toEqual([]);
    // Later rounds send nothing again.
    await new Promise((r) => setTimeout(r, 300));
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'before', 'one', 'two', 'three']);
  }, 30_000);

  it('a host that moved (same key, new port) while posts waited gets each once, in order, at its new address, as soon as its key is proven there', async () => {
    // No resend round within the test: only the key proven at the new address sends them.
    const { oldAt, hostKey, chat, writer, service, restartHost, ...first } = await hostAndWriter();
    let host = first.host;
    const changes: PendingPostDto[][] = [];
    service.events.on('outboxChanged', ({ posts }) => changes.push(posts));

    // The window names the host as its chat list does: the address it knew, and the key.
    const send = async (content: string) => {
      const reply = await service.dispatch('postMessage', {
        host: oldAt,
        hostKey,
        chatUuid: chat.uuid,
        name: 'ann',
        content,
      });
      if (!reply.ok) throw new Error(`${reply.error.kind}: ${reply.error.message}`);
      return reply.result as PendingPostDto | null;
    };
    expect(await send('before')).toBeNull();
    await host.close();
    for (const content of ['one', 'two', 'three']) expect((await send(content))?.content).toBe(content);

    // Restarted with the same key on another port, registered again; the writer's next round finds it.
    host = await restartHost();
    const newAt = host.peer.localEndpoint();
    expect(newAt.port).not.toBe(oldAt.port);
    expect(host.peer.identity.publicKey).toBe(hostKey);
    await writer.peer.syncNow();
    expect(writer.peer.keyAt(newAt)).toBe(hostKey);

    await until(() => service.outbox.list().length === 0, 5_000);
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'before', 'one', 'two', 'three']);
    // The window saw the waiting posts move to the host's new address before they went.
    expect(
      changes.some((posts) => posts.length === 3 && posts.every((p) => p.host.port === newAt.port)),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'before', 'one', 'two', 'three']);
  }, 30_000);

  it("a host proven at its new address while a post's first try was still out to the old one gets that post at once, not at the next resend round", async () => {
    // The roaming lab's case: the reader posted just as the host moved, and found the host at its
    // new address (its sync, 2 s) before that first try to the old one gave up (4.5 s).
    // A first try gives up after ~3.5 s (0.5 + 1 + 2): time enough to find the host elsewhere.
    const { oldAt, hostKey, chat, writer, service, restartHost, ...first } = await hostAndWriter({
      retry: { ...DEFAULT_RETRY, timeoutMs: 500, attempts: 3 },
    });
    let movedAt: number | undefined;
    writer.peer.events.on('hostMoved', () => {
      movedAt ??= Date.now();
    });

    // The old address swallows what reaches it, as a NAT binding that no longer leads anywhere.
    await first.host.close();
    const hole = dgram.createSocket('udp4');
    let swallowed = 0;
    hole.on('message', () => swallowed++);
    await new Promise<void>((r) => hole.bind(oldAt.port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => hole.close(() => r())));
    const posting = service.dispatch('postMessage', {
      host: oldAt,
      hostKey,
      chatUuid: chat.uuid,
      name: 'ann',
      content: 'one',
    });
    await until(() => swallowed > 0, 2_000);

    const host = await restartHost();
    const newAt = host.peer.localEndpoint();
    await writer.peer.syncNow(); // finds the host's key at its new address
    expect(writer.peer.keyAt(newAt)).toBe(hostKey);
    const reply = await posting;
    const gaveUpAt = Date.now();
    expect(reply.ok && (reply.result as PendingPostDto | null)?.content).toBe('one');
    expect(movedAt).toBeLessThan(gaveUpAt);

    await until(() => service.outbox.list().length === 0, 2_000);
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'one']);
  }, 30_000);

  it('keeps waiting posts across a restart of the writer, and a cancelled post is never sent', async () => {
    const dir = tempDir();
    const hostDb = path.join(dir, 'host.db');
    let host = await startPeer(hostDb);
    const hostAt = host.peer.localEndpoint();
    const chat = await host.peer.createChat('room', 'start', 'bob');
    const writerDb = path.join(dir, 'writer.db');
    let writer = await startPeer(writerDb);
    let service = new NanceService(writer.peer, writer.store, { resendMs: 100 });
    expect(await post(service, hostAt, chat.uuid, 'warm-up')).toBeNull();
    await host.close();
    const a = await post(service, hostAt, chat.uuid, 'kept');
    const b = await post(service, hostAt, chat.uuid, 'cancelled');
    expect(a && b).toBeTruthy();
    const cancel = await service.dispatch('cancelPost', { id: b?.id ?? '' });
    expect(cancel).toEqual({ ok: true, result: true });
    service.outbox.stop();
    await writer.close();

    writer = await startPeer(writerDb, 0);
    service = new NanceService(writer.peer, writer.store, { resendMs: 100 });
    cleanups.push(() => service.outbox.stop());
    expect(service.outbox.list().map((p) => p.content)).toEqual(['kept']);
    host = await startPeer(hostDb, hostAt.port);
    await until(() => service.outbox.list().length === 0, 10_000);
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'warm-up', 'kept']);
  }, 30_000);

  it('resends with the first z: a post that arrived but whose answer was lost is stored once', async () => {
    const dir = tempDir();
    const host = await startPeer(path.join(dir, 'host.db'));
    const chat = await host.peer.createChat('room', 'start', 'bob');
    // A forwarder in front of the host that can drop the host's answers (as a lossy path would).
    const proxy = await LossyForwarder.open(host.peer.localEndpoint());
    cleanups.push(() => proxy.close());
    const writer = await startPeer(path.join(dir, 'writer.db'));
    const service = new NanceService(writer.peer, writer.store, { resendMs: 100 });
    cleanups.push(() => service.outbox.stop());
    expect(await post(service, proxy.endpoint, chat.uuid, 'warm-up')).toBeNull();

    proxy.dropAnswers = true;
    const pending = await post(service, proxy.endpoint, chat.uuid, 'once');
    expect(pending?.content).toBe('once');
    // The host has it already; only the writer does not know.
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'warm-up', 'once']);
    proxy.dropAnswers = false;
    await until(() => service.outbox.list().length === 0, 10_000);
    expect(contentsAt(host.store, chat.uuid)).toEqual(['start', 'warm-up', 'once']);
  }, 30_000);
});

/** Forwards datagrams between one client and `target`; answers can be dropped. */
class LossyForwarder {
  dropAnswers = false;
  private client: { address: string; port: number } | null = null;

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    target: Endpoint,
  ) {
    front.on('message', (msg, from) => {
      this.client = { address: from.address, port: from.port };
      back.send(msg, target.port, target.host);
    });
    back.on('message', (msg) => {
      if (this.dropAnswers || !this.client) return;
      front.send(msg, this.client.port, this.client.address);
    });
  }

  static async open(target: Endpoint): Promise<LossyForwarder> {
    const bind = (s: dgram.Socket) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const front = dgram.createSocket('udp4');
    const back = dgram.createSocket('udp4');
    await Promise.all([bind(front), bind(back)]);
    return new LossyForwarder(front, back, target);
  }

  get endpoint(): Endpoint {
    return { host: '127.0.0.1', port: this.front.address().port };
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}
