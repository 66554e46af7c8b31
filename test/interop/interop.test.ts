// Interop against a peer that speaks only the base protocol (./base-peer.ts, an independent
// implementation of protocol.md). Real UDP on 127.0.0.1; our side is NancePeer + UdpTransport +
// SqliteStore on a real file in a temp dir.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NanceError } from '../../src-main/core/errors.js';
import { NancePeer, type PeerConfig } from '../../src-main/core/peer.js';
import { PeerClient } from '../../src-main/core/peer-client.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import { RequestEngine, type RetryPolicy } from '../../src-main/core/request-engine.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { BASE_NAT_TYPES, decodeDatagram, NAT_TYPES } from '../../src-shared/protocol/index.js';
import { BasePeer, type BasePeerOptions } from './base-peer.js';

const HOST = '127.0.0.1';
/** Short waits: everything is on loopback. Total worst case per request ≈ 100 + 150 + 225 ms. */
const FAST_RETRY: RetryPolicy = { timeoutMs: 100, attempts: 3, backoff: 1.5, jitter: 0.1 };
/** Long enough for a duplicate answer or a retry to show up, if one were coming. */
const SETTLE_MS = 400;
const FLOAT_SECONDS = /^\d+\.\d+$/;

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startBase(options: BasePeerOptions = {}): Promise<BasePeer> {
  const base = await BasePeer.start(options);
  cleanups.push(() => base.close());
  return base;
}

interface Ours {
  peer: NancePeer;
  endpoint: Endpoint;
  dir: string;
}

async function startOurs(config: Partial<PeerConfig> = {}): Promise<Ours> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nance-interop-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const transport = await UdpTransport.bind({ host: HOST, port: 0 });
  const store = SqliteStore.open({ path: path.join(dir, 'nance.db'), now: Date.now, durability: 'normal' });
  const endpoint = transport.localEndpoint();
  const peer = new NancePeer(
    { transport, clock: systemClock, store },
    {
      retry: FAST_RETRY,
      pingBack: { timeoutMs: 100, attempts: 2, backoff: 1.5 },
      publicEndpoint: endpoint,
      ...config,
    },
  );
  cleanups.push(() => peer.close());
  return { peer, endpoint, dir };
}

/** Our client layer alone (no server side), for requests NancePeer never makes on its own. */
async function startClient(): Promise<PeerClient> {
  const transport = await UdpTransport.bind({ host: HOST, port: 0 });
  const engine = new RequestEngine(transport, systemClock, FAST_RETRY);
  transport.onDatagram((data, from) => {
    const decoded = decodeDatagram(data);
    if (decoded.kind === 'response') engine.handleResponse(decoded.response, decoded.z, from);
  });
  cleanups.push(async () => {
    engine.close();
    await transport.close();
  });
  return new PeerClient(engine);
}

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const t = await UdpTransport.bind({ host: HOST, port: 0 });
  const { port } = t.localEndpoint();
  await t.close();
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<NanceError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(NanceError);
    return err as NanceError;
  }
  throw new Error('expected a rejection');
}

const same = (a: Endpoint, b: Endpoint) => a.host === b.host && a.port === b.port;
const wireKind = (obj: Record<string, unknown> | undefined) =>
  obj?.m === 'p' ? 'p' : `${String(obj?.t)}/${String(obj?.d)}`;

describe.each([false, true])('our peer as a client of a base peer (quirks: %s)', (quirks) => {
  it('lists and reads its chats, with float-string timestamps', async () => {
    const base = await startBase({ quirks });
    const lobby = base.createChat('Lobby', 'hello from base');
    base.addMessage(lobby.uuid, 'bob', 'second message');
    const other = base.createChat('Other', 'x');
    const ours = await startOurs();
    expect(existsSync(path.join(ours.dir, 'nance.db'))).toBe(true);

    const listed = await ours.peer.refreshChats(base.endpoint());
    expect(listed.error).toBeUndefined();
    expect(listed.chats.map((c) => [c.uuid, c.name]).sort()).toEqual(
      [
        [lobby.uuid, 'Lobby'],
        [other.uuid, 'Other'],
      ].sort(),
    );
    for (const c of listed.chats) expect(c.timestamp).toMatch(FLOAT_SECONDS);
    expect(ours.peer.remoteChats()).toHaveLength(1);

    const messages = await ours.peer.readChat(base.endpoint(), lobby.uuid);
    expect(messages.map((m) => [m.name, m.content])).toEqual([
      ['first', 'hello from base'],
      ['bob', 'second message'],
    ]);
    expect(messages.map((m) => m.uuid)).toEqual(lobby.messages.map((m) => m.uuid));
    for (const m of messages) {
      expect(m.timestamp).toMatch(FLOAT_SECONDS);
      expect(m.seq).toBeUndefined();
    }
  });

  it('posts to its chat: the post lands exactly once', async () => {
    const base = await startBase({ quirks });
    const chat = base.createChat('Lobby', 'hi');
    const ours = await startOurs();

    await ours.peer.postMessage(base.endpoint(), chat.uuid, 'alice', 'hello base');
    await sleep(SETTLE_MS); // a retry (or a stray answer taken for a failure) would show up by now
    expect(base.chat(chat.uuid)?.messages.filter((m) => m.content === 'hello base')).toHaveLength(1);
    const posts = base.requestsFrom(ours.endpoint).filter((r) => wireKind(r.obj) === 's/m');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.obj?.a).toEqual({ chatUuid: chat.uuid, name: 'alice', content: 'hello base' });
    if (quirks) {
      // The stray {"m":"R","r":2,"c":{}} did go out, and was ignored.
      expect(base.sent.filter((s) => s.obj.r === 2 && s.obj.z === posts[0]?.obj?.z)).toHaveLength(1);
    }

    await ours.peer.postMessage(base.endpoint(), chat.uuid, 'alice', 'again');
    const messages = await ours.peer.readChat(base.endpoint(), chat.uuid);
    expect(messages.map((m) => m.content)).toEqual(['hi', 'hello base', 'again']);
  });

  it('never sends the paging extension to it (it advertises nothing)', async () => {
    const base = await startBase({ quirks });
    const chat = base.createChat('Lobby', 'one');
    for (let i = 0; i < 5; i++) base.addMessage(chat.uuid, 'bob', `m${i}`);
    const ours = await startOurs();

    expect(await ours.peer.readChat(base.endpoint(), chat.uuid)).toHaveLength(6);
    expect(await ours.peer.readChat(base.endpoint(), chat.uuid)).toHaveLength(6);

    const got = base.requestsFrom(ours.endpoint);
    const pings = got.filter((r) => r.obj?.m === 'p');
    const reads = got.filter((r) => wireKind(r.obj) === 'g/m');
    expect(pings.length).toBeGreaterThanOrEqual(1); // the capability probe
    const pingAnswer = base.sent.find((s) => s.obj.z === pings[0]?.obj?.z);
    expect(pingAnswer?.obj).toMatchObject({ m: 'R', r: 0, c: {} });
    expect(reads).toHaveLength(2);
    for (const r of reads) {
      expect(r.obj).toEqual({ m: 'r', t: 'g', d: 'm', a: { chatUuid: chat.uuid }, z: r.obj?.z });
      expect(typeof r.obj?.z).toBe('string');
    }
  });

  it('accepts its error answers without c (unknown chat -> not-found)', async () => {
    const base = await startBase({ quirks });
    base.createChat('Lobby', 'hi');
    const ours = await startOurs();

    const err = await rejection(ours.peer.readChat(base.endpoint(), '6b0a3a2e-0000-4000-8000-000000000000'));
    expect(err.kind).toBe('not-found');
    expect(err.code).toBe(10);
    const answer = base.sent.find((s) => s.obj.r === 10);
    expect(answer?.obj).not.toHaveProperty('c');

    if (!quirks) {
      // (With quirks the original stores such a post as an orphan and answers 0.)
      const postErr = await rejection(
        ours.peer.postMessage(base.endpoint(), '6b0a3a2e-0000-4000-8000-000000000001', 'a', 'b'),
      );
      expect(postErr.kind).toBe('not-found');
    }
  });
});

describe('what a base peer does not support', () => {
  it('refuses natConeTypes other than Full/Restricted Cone: a typed bad-request, not a crash', async () => {
    const base = await startBase({ quirks: true });
    const client = await startClient();
    for (const natType of NAT_TYPES.filter((t) => !BASE_NAT_TYPES.includes(t))) {
      const err = await rejection(client.register(base.endpoint(), natType));
      expect(err.kind).toBe('bad-request');
      expect(err.code).toBe(2);
    }
    // The base peer refused without pinging back, stored nothing, and still answers.
    expect(base.peers()).toEqual([]);
    expect(base.sent.filter((s) => s.obj.m === 'p')).toEqual([]);
    await expect(client.ping(base.endpoint())).resolves.toEqual({ ext: [], role: undefined });
  });

  it('a chat too big for one datagram (quirks): "this host cannot send this chat"', async () => {
    const base = await startBase({ quirks: true });
    const chat = base.createChat('Big', 'start');
    const kb = 'x'.repeat(1024);
    for (let i = 0; i < 60; i++) base.addMessage(chat.uuid, 'bob', `${i} ${kb}`);
    const ours = await startOurs();

    const err = await rejection(ours.peer.readChat(base.endpoint(), chat.uuid));
    expect(err.kind).toBe('exception');
    expect(err.code).toBe(1);
    expect(err.message).toContain('this host cannot send this chat');
    // Only the chat is unreadable: the host still lists chats and takes posts.
    expect((await ours.peer.refreshChats(base.endpoint())).error).toBeUndefined();
    await ours.peer.postMessage(base.endpoint(), chat.uuid, 'alice', 'still here');
    expect(base.chat(chat.uuid)?.messages.at(-1)?.content).toBe('still here');
  });

  it('a base bootstrap peer has no chats: bad-request, recorded on the host entry', async () => {
    const bootstrap = await startBase({ role: 'bootstrap' });
    const ours = await startOurs();

    const listed = await ours.peer.refreshChats(bootstrap.endpoint());
    expect(listed.error).toBe('bad-request');
    expect(listed.chats).toEqual([]);
    const err = await rejection(ours.peer.readChat(bootstrap.endpoint(), 'any'));
    expect(err.kind).toBe('bad-request');
  });
});

describe('base peer as a client of our peer', () => {
  /** Waits long enough for a second answer, then returns how many answers came for z. */
  async function answerCount(base: BasePeer, z: string): Promise<number> {
    await sleep(150);
    return base.answersFor(z).length;
  }

  it('lists, reads and posts to our chats, one answer per request', async () => {
    const ours = await startOurs();
    const chat = await ours.peer.createChat('Ours', 'welcome', 'alice');
    const base = await startBase();
    const to = ours.endpoint;

    const ping = await base.ping(to);
    expect(ping.r).toBe(0);
    expect(await answerCount(base, ping.z)).toBe(1);

    const list = await base.listChats(to, 10);
    expect(list.r).toBe(0);
    expect(list.c?.chats).toEqual([
      { uuid: chat.uuid, name: 'Ours', timestamp: expect.stringMatching(FLOAT_SECONDS) },
    ]);
    expect(await answerCount(base, list.z)).toBe(1);

    const post = await base.post(to, chat.uuid, 'bob', 'hi from base');
    expect(post.r).toBe(0);
    expect(post.c).toEqual({});
    expect(await answerCount(base, post.z)).toBe(1);

    const read = await base.readChat(to, chat.uuid);
    expect(read.r).toBe(0);
    const messages = read.c?.messages as Record<string, unknown>[];
    expect(messages.map((m) => [m.name, m.content])).toEqual([
      ['alice', 'welcome'],
      ['bob', 'hi from base'],
    ]);
    for (const m of messages) {
      expect(Object.keys(m).sort()).toEqual(['content', 'name', 'timestamp', 'uuid']);
      expect(m.timestamp).toMatch(FLOAT_SECONDS);
    }
    expect(await answerCount(base, read.z)).toBe(1);

    // Our side sees the post once.
    const local = await ours.peer.readChat(null, chat.uuid);
    expect(local.filter((m) => m.content === 'hi from base')).toHaveLength(1);
  });

  it('answers its errors once, with the base codes', async () => {
    const ours = await startOurs();
    const chat = await ours.peer.createChat('Ours', 'welcome', 'alice');
    const base = await startBase();
    const to = ours.endpoint;

    const cases: [Record<string, unknown>, number][] = [
      [{ m: 'r', t: 'g', d: 'm', a: { chatUuid: 'no-such-chat' } }, 10],
      [{ m: 'r', t: 's', d: 'm', a: { chatUuid: 'no-such-chat', name: 'b', content: 'c' } }, 10],
      [{ m: 'r', t: 's', d: 'm', a: { chatUuid: chat.uuid, name: '', content: 'c' } }, 2],
      [{ m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 0 } }, 2],
      [{ m: 'r', t: 'x', d: 'q', a: {} }, 2],
      [{ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Nonsense' } }, 2],
      [{ m: 'c', a: {} }, 2],
    ];
    for (const [body, code] of cases) {
      const answer = await base.request(to, body);
      expect({ body, r: answer.r }).toEqual({ body, r: code });
      expect(await answerCount(base, answer.z)).toBe(1);
    }
    // The README's typo form of g/i is accepted too.
    const typo = await base.request(to, { m: 'g', t: 'r', d: 'i', a: { maxPeersLength: 5 } });
    expect(typo.r).toBe(0);
    expect(typo.c?.peers).toEqual([]);
  });

  it.each([false, true])(
    'registers with our peer: 0 after our ping-back, then listed in our g/i answers (quirks: %s)',
    async (quirks) => {
      const ours = await startOurs();
      const base = await startBase({ quirks });
      const other = await startBase();

      const reg = await base.register(ours.endpoint, 'Full Cone');
      expect(reg.r).toBe(0);
      expect(await answerCount(base, reg.z)).toBe(1);
      // Our ping-back reached the base peer before the answer did.
      const pingBack = base.requestsFrom(ours.endpoint).find((r) => r.obj?.m === 'p');
      expect(pingBack).toBeDefined();
      expect(pingBack?.seq ?? Infinity).toBeLessThan(reg.seq);
      expect(ours.peer.knownPeers().find((p) => same(p, base.endpoint()))?.natType).toBe('Full Cone');

      const peers = await other.listPeers(ours.endpoint, 10);
      expect(peers.r).toBe(0);
      expect(peers.c?.peers).toEqual([{ natConeType: 'Full Cone', ip: HOST, port: base.endpoint().port }]);
      expect(await answerCount(other, peers.z)).toBe(1);
    },
  );

  it('a base peer we cannot ping back gets 3 and is not listed', async () => {
    const ours = await startOurs();
    const base = await startBase();
    base.answering = false; // it still sends, but nothing reaches it (a closed NAT)

    const reg = await base.register(ours.endpoint, 'Restricted Cone');
    expect(reg.r).toBe(3);
    expect(reg.raw).toHaveProperty('c', {});
    expect(ours.peer.knownPeers()).toEqual([]);
  });
});

describe('joining through a base bootstrap peer', () => {
  it('registers, fetches peers with g/i and keeps only those that answer a ping', async () => {
    const bootstrap = await startBase({ role: 'bootstrap', quirks: true });
    const p1 = await startBase({ quirks: true });
    const p2 = await startBase();
    p1.createChat('From p1', 'hello');
    expect((await p1.register(bootstrap.endpoint(), 'Full Cone')).r).toBe(0);
    expect((await p2.register(bootstrap.endpoint(), 'Restricted Cone')).r).toBe(0);
    const dead = { natConeType: 'Full Cone', ip: HOST, port: await deadPort() };
    bootstrap.addPeer(dead);

    const ours = await startOurs({ bootstrapPeers: [bootstrap.endpoint()], natType: 'Open Internet' });
    await ours.peer.syncNow();

    // r/i with a type the base accepts, and our ping-back answer made it register us.
    const fromUs = bootstrap.requestsFrom(ours.endpoint);
    const reg = fromUs.find((r) => wireKind(r.obj) === 'r/i');
    expect(BASE_NAT_TYPES).toContain((reg?.obj?.a as { natConeType?: string } | undefined)?.natConeType);
    expect(bootstrap.peers()).toContainEqual({
      natConeType: 'Full Cone',
      ip: HOST,
      port: ours.endpoint.port,
    });
    expect(ours.peer.bootstrapStates()).toEqual([{ endpoint: bootstrap.endpoint(), state: 'registered' }]);
    expect(fromUs.some((r) => wireKind(r.obj) === 'g/i')).toBe(true);
    // Chat requests never go to a bootstrap.
    expect(fromUs.filter((r) => ['g/c', 'g/m', 's/m'].includes(wireKind(r.obj)))).toEqual([]);

    // Each listed peer was pinged; only those that answered are kept.
    for (const p of [p1, p2]) expect(p.requestsFrom(ours.endpoint).some((r) => r.obj?.m === 'p')).toBe(true);
    const known = ours.peer.knownPeers();
    const has = (e: Endpoint) => known.some((k) => same(k, e));
    expect(has(p1.endpoint())).toBe(true);
    expect(has(p2.endpoint())).toBe(true);
    expect(has(bootstrap.endpoint())).toBe(true);
    expect(has({ host: dead.ip, port: dead.port })).toBe(false);
    expect(has(ours.endpoint)).toBe(false);
    expect(known.find((k) => same(k, bootstrap.endpoint()))?.role).toBe('bootstrap');

    // A second round syncs with the verified peers: their chat lists, and our registration.
    await ours.peer.syncNow();
    const p1Chats = ours.peer.remoteChats().find((h) => same(h.host, p1.endpoint()));
    expect(p1Chats?.chats.map((c) => c.name)).toEqual(['From p1']);
    expect(p1.peers()).toContainEqual({ natConeType: 'Full Cone', ip: HOST, port: ours.endpoint.port });
  });

  it('every NAT type we may detect is announced as one a base peer accepts; symmetric and blocked peers do not register', async () => {
    const bootstrap = await startBase({ role: 'bootstrap' });
    const peers = await Promise.all(
      NAT_TYPES.map((natType) => startOurs({ bootstrapPeers: [bootstrap.endpoint()], natType })),
    );
    await Promise.all(peers.map((o) => o.peer.syncNow()));
    // No base peer could reach a peer behind a symmetric NAT (or a blocked one): it stays a client
    // of the base network instead of being listed where nobody can use it.
    const baseUnreachable = new Set(['Symmetric', 'Blocked']);
    NAT_TYPES.forEach((natType, i) => {
      expect(peers[i]?.peer.bootstrapStates()[0]?.state).toBe(
        baseUnreachable.has(natType) ? 'client-only' : 'registered',
      );
    });
    expect(bootstrap.peers()).toHaveLength(NAT_TYPES.length - baseUnreachable.size);
    expect(bootstrap.refusedSends).toBe(0);
  });
});
