// Every pair of NAT behaviours in the simulator (virtual time, SimNat): a host behind X hosts a
// chat, a client behind Y lists it, reads it and posts to it, both joined through one public
// bootstrap that is their rendezvous and relay. The lab (test/natlab/matrix.test.ts) proves the
// same on real nftables NATs; this one is fast and deterministic, and checks the path chosen.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NatType } from '../../../src-shared/protocol/index.js';
import { encodeWire, SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import type { NatBehaviour } from '../../../test/support/sim-nat.js';
import { type Endpoint, endpointKey, sameEndpoint } from '../ports.js';

type Kind = 'open' | 'full' | 'addr' | 'port' | 'sym';
const KINDS: Kind[] = ['open', 'full', 'addr', 'port', 'sym'];
const BEHAVIOUR: Record<Kind, NatBehaviour | undefined> = {
  open: undefined,
  full: 'full-cone',
  addr: 'address-restricted',
  port: 'port-restricted',
  sym: 'symmetric',
};
/** What detection reports behind each (the lab test checks detection itself). */
const NAT_TYPE: Record<Kind, NatType> = {
  open: 'Open Internet',
  full: 'Full Cone',
  addr: 'Restricted Cone',
  port: 'Port Restricted Cone',
  sym: 'Symmetric',
};
const BOOTSTRAP: Endpoint = { host: '198.51.100.10', port: 3490 };

let h: SimHarness | undefined;
// Every peer here is honest: each request counts as proven, as the address proof will make it.
afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.restoreAllMocks();
});

function peerBehind(harness: SimHarness, kind: Kind, n: number, syncMs = 2_000): SimPeer {
  const behaviour = BEHAVIOUR[kind];
  const config = {
    bootstrapPeers: [BOOTSTRAP],
    natType: NAT_TYPE[kind],
    sync: { intervalMs: syncMs },
  };
  if (!behaviour) return harness.addPeer({ host: `203.0.113.${n}`, port: 7000, config });
  // As detection reports it: the NAT keeps the port (a symmetric NAT's port is one of many).
  const publicEndpoint = { host: `198.51.100.${n}`, port: 7000 };
  return harness.addPeer({
    host: `10.${n}.0.10`,
    port: 7000,
    nat: { behaviour, publicHost: publicEndpoint.host },
    config: { ...config, publicEndpoint },
  });
}

const isBootstrap = (e: Endpoint) => sameEndpoint(e, BOOTSTRAP);

/** Waits (in virtual time) until the client lists the host's chat; returns the host's address. */
async function listed(harness: SimHarness, client: SimPeer, chatName: string): Promise<Endpoint> {
  for (let waited = 0; waited < 60_000; waited += 500) {
    const entry = client.peer.remoteChats().find((hc) => hc.chats.some((c) => c.name === chatName));
    if (entry) return entry.host;
    await harness.advance(500);
  }
  throw new Error(`${chatName} never listed`);
}

/** On `harness`: a bootstrap, a host behind `hostKind` with a chat `chatName`, and a reader behind `readerKind` that lists it. */
async function hostAndReader(harness: SimHarness, hostKind: Kind, readerKind: Kind, chatName: string) {
  harness.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap' });
  const host = peerBehind(harness, hostKind, 21);
  const reader = peerBehind(harness, readerKind, 31);
  const chat = await harness.settle(host.peer.createChat(chatName, 'hello', 'host'));
  const at = await listed(harness, reader, chatName);
  return { host, reader, chat, at };
}

describe('every pair of NAT behaviours (simulator)', () => {
  const pairs = KINDS.flatMap((host) => KINDS.map((client) => [host, client] as const));
  it.each(pairs)('host behind %s, client behind %s: list, read, post', async (hostKind, clientKind) => {
    h = new SimHarness({ latencyMs: 10 });
    const { host, reader: client, chat, at } = await hostAndReader(h, hostKind, clientKind, 'pair');
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    await h.settle(client.peer.postMessage(at, chat.uuid, 'client', 'hi'), 30_000);
    const seen = await h.settle(host.peer.readChat(null, chat.uuid));
    expect(seen.map((m) => m.content)).toEqual(['hello', 'hi']);

    const path = client.peer.pathTo(at);
    const symmetricSide = hostKind === 'sym' || clientKind === 'sym';
    const cannotPunch =
      symmetricSide && (hostKind === 'port' || clientKind === 'port' || hostKind === clientKind);
    // Reachable unsolicited: direct. Behind a restricted NAT: punched. Symmetric against
    // port-restricted or symmetric: nothing but a relay connects them.
    const expected = cannotPunch
      ? 'relayed'
      : hostKind === 'open' || hostKind === 'full'
        ? 'direct'
        : 'punched';
    expect(path?.kind).toBe(expected);
    if (expected === 'relayed') expect(path?.via).toEqual(BOOTSTRAP);
  });
});

describe('a relayed path left quiet', () => {
  it('is kept by direct pings to its relay, never by pings through it, and is not dropped for idleness', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const sync = { intervalMs: 600_000 }; // one round at start: only keepalives run afterwards
    h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap', config: { sync } });
    const host = peerBehind(h, 'sym', 21, sync.intervalMs);
    const chat = await h.settle(host.peer.createChat('quiet', 'hello', 'host'));
    await h.advance(2_000);
    const client = peerBehind(h, 'port', 31, sync.intervalMs);
    const at = await listed(h, client, 'quiet');
    await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    const path = client.peer.pathTo(at);
    expect(path?.kind).toBe('relayed');
    const relayedSends = () => client.tap.sentWhere((o) => o.t === 'n' && o.d === 'r').length;
    const relayPings = () => client.tap.sentWhere((o, r) => o.m === 'p' && isBootstrap(r.peer)).length;
    const [relayedBefore, pingsBefore] = [relayedSends(), relayPings()];
    await h.advance(3 * 60_000);
    // Before: a ping through the relay every interval (four datagrams at the relay each), and the
    // path dropped after keepaliveIdleMs, to be proven again through a failed punch on next use.
    expect(relayedSends() - relayedBefore).toBe(0);
    expect(relayPings() - pingsBefore).toBeGreaterThanOrEqual(6); // our binding toward the relay
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'relayed', since: path?.since });
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });
});

describe('a relayed path left quiet by a peer with an ordinary rendezvous', () => {
  it('keeps no binding toward the relay once idle, and the next read through it still works', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const sync = { intervalMs: 600_000 }; // no round on its own within the test
    h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap', config: { sync } });
    const host = peerBehind(h, 'sym', 21, sync.intervalMs);
    const chat = await h.settle(host.peer.createChat('quiet', 'hello', 'host'));
    const open = peerBehind(h, 'open', 41, sync.intervalMs);
    await h.advance(2_000);
    const client = peerBehind(h, 'port', 31, sync.intervalMs);
    const at = await listed(h, client, 'quiet');
    await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'relayed', via: BOOTSTRAP });
    // A round: the client shuffles with the open peer and registers with it (its rendezvous now,
    // so the bootstrap is no longer one whose binding it keeps).
    await h.settle(client.peer.syncNow(), 30_000);
    const openAt = open.peer.localEndpoint();
    const registered = client.tap.sentWhere(
      (o, r) => o.t === 'r' && o.d === 'i' && r.peer.host === openAt.host && r.peer.port === openAt.port,
    );
    expect(registered.length).toBeGreaterThan(0);
    const relayPings = () => client.tap.sentWhere((o, r) => o.m === 'p' && isBootstrap(r.peer)).length;
    await h.advance(60_000); // past keepaliveIdleMs: the path is idle now
    const pingsBefore = relayPings();
    await h.advance(3 * 60_000);
    // Before: a ping to the relay every keepalive round (~15 s) for as long as the path was known,
    // from every peer with a symmetric peer in its view: most of a bootstrap's load at scale.
    expect(relayPings() - pingsBefore).toBe(0);
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'relayed', via: BOOTSTRAP });
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });
});

describe('a peer behind a symmetric NAT', () => {
  it.each([
    ['port', 'relayed'],
    ['open', 'punched'],
  ] as const)(
    'is visited by a reader behind %s (%s) when listed, its chats listed and read, but kept in no view: not synced, pushed to or registered with until it is listed again',
    async (readerKind, pathKind) => {
      h = new SimHarness({ latencyMs: 10 });
      h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap' });
      const host = peerBehind(h, 'sym', 21, 600_000);
      const chat = await h.settle(host.peer.createChat('quiet', 'hello', 'host'));
      await h.advance(2_000);
      const client = peerBehind(h, readerKind, 31, 20_000);
      const at = await listed(h, client, 'quiet');
      expect(client.peer.pathTo(at)?.kind).toBe(pathKind);
      const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
      expect(read.map((m) => m.content)).toEqual(['hello']);
      expect(client.peer.knownPeers().some((k) => sameEndpoint(k, at))).toBe(false);

      // Sent to the host since `since`, by kind (ping, g/i, …): straight (anything not to the
      // bootstrap), or wrapped for the relay.
      const kindOf = (o: Record<string, unknown> | undefined) => (o?.m === 'p' ? 'ping' : `${o?.t}/${o?.d}`);
      const toHost = (since: number, kind: string) =>
        client.tap.sentWhere((o, r) => {
          if (r.at <= since) return false;
          if (o.t === 'n' && o.d === 'r')
            return kindOf((o.a as { msg?: Record<string, unknown> }).msg) === kind;
          return kindOf(o) === kind && !isBootstrap(r.peer);
        }).length;
      // Knowing no other peer, the client joins through the bootstrap every round and is listed
      // the host each time: visited again only once its refreshMs (5 min) is past.
      await h.advance(60_000); // the path just used is kept warm a while (keepalive.ts)
      const after = h.clock.now();
      await h.advance(3 * 60_000);
      for (const kind of ['ping', 'g/i', 'g/c', 'a/c', 'r/i']) expect(toHost(after, kind), kind).toBe(0);
      await h.advance(2 * 60_000);
      expect(toHost(after, 'g/c')).toBeGreaterThan(0); // listed again: its chats fetched again
      expect(toHost(after, 'r/i')).toBe(0);
    },
  );
});

describe("a relay that is not the requester's rendezvous", () => {
  it('carries the answer back to a proven requester that never answered it, and nothing unasked', async () => {
    h = new SimHarness({ latencyMs: 10 });
    h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap' });
    const target = peerBehind(h, 'sym', 21, 600_000);
    await h.advance(5_000);
    const at = h.peers[0]?.peer.knownPeers().find((k) => k.host === '198.51.100.21');
    if (!at) throw new Error('the target did not register with the relay');
    // A requester that registered elsewhere (its home is another bootstrap): it proved its address
    // to this relay (its token rides on the n/r), but never answered a request of the relay's.
    const asker = await h.probe({ host: '203.0.113.50', port: 7000 }).prove(BOOTSTRAP);
    const ping = { m: 'p', z: 'through-relay' };
    asker.send({ m: 'r', t: 'n', d: 'r', a: { ip: at.host, port: at.port, msg: ping } }, BOOTSTRAP);
    await h.advance(1_000);
    // The target answered (through the relay it registered with) and the relay carried it back.
    const back = asker.received.filter((r) => {
      const a = r.obj?.a as { msg?: { m?: unknown; z?: unknown } } | undefined;
      return r.obj?.t === 'n' && r.obj.d === 'f' && a?.msg?.m === 'R' && a.msg.z === 'through-relay';
    });
    expect(back).toHaveLength(1);
    // Only answers: a proven request from the target toward the requester is not carried to it.
    const before = asker.received.length;
    const k = h.addressTokens.issue(endpointKey(at), h.clock.now());
    const unasked = { m: 'p', z: 'unasked' };
    target.tap.inner.send(
      encodeWire({ m: 'r', t: 'n', d: 'r', a: { ip: '203.0.113.50', port: 7000, msg: unasked }, k }),
      BOOTSTRAP,
    );
    await h.advance(1_000);
    expect(asker.received.slice(before)).toEqual([]);
  });
});

describe('a host whose gateway forwards its port', () => {
  it('is reached directly and the path says "mapped"', async () => {
    h = new SimHarness({ latencyMs: 10 });
    h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap' });
    // A forwarded port behaves like a full cone at the mapped endpoint; the host says so (mapped).
    const host = h.addPeer({
      host: '10.21.0.10',
      port: 7000,
      nat: { behaviour: 'full-cone', publicHost: '198.51.100.21' },
      config: {
        bootstrapPeers: [BOOTSTRAP],
        natType: 'Full Cone',
        mapped: true,
        publicEndpoint: { host: '198.51.100.21', port: 7000 },
        sync: { intervalMs: 2_000 },
      },
    });
    const client = peerBehind(h, 'port', 31);
    const chat = await h.settle(host.peer.createChat('mapped', 'hello', 'host'));
    const at = await listed(h, client, 'mapped');
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    expect(client.peer.pathTo(at)?.kind).toBe('mapped');
  });

  it('says "mapped" too when the host punched to the reader first (the knocks went to its forwarded port)', async () => {
    h = new SimHarness({ latencyMs: 10 });
    h.addPeer({ host: BOOTSTRAP.host, port: BOOTSTRAP.port, role: 'bootstrap' });
    // The reader joins and then syncs nobody for 10 minutes: any path it has, the host made.
    const reader = peerBehind(h, 'port', 31, 600_000);
    await h.advance(5_000);
    const hostPublic = { host: '198.51.100.21', port: 7000 };
    h.addPeer({
      host: '10.21.0.10',
      port: 7000,
      nat: { behaviour: 'full-cone', publicHost: hostPublic.host },
      config: {
        bootstrapPeers: [BOOTSTRAP],
        natType: 'Full Cone',
        mapped: true,
        publicEndpoint: hostPublic,
        sync: { intervalMs: 2_000 },
      },
    });
    for (let i = 0; i < 60 && reader.peer.pathTo(hostPublic) === null; i++) await h.advance(500);
    expect(reader.peer.pathTo(hostPublic)?.kind).toBe('mapped');
  });
});

describe('a push path left quiet', () => {
  // Quiet paths are dropped after keepaliveIdleMs (30 s) to save keepalives, but a push
  // subscription holds its path open on the host's side too, where nothing else marks it wanted:
  // pushes to a reader behind a NAT must not stop after 30 s.
  it.each([
    ['port', 'port'],
    ['addr', 'sym'],
  ] as const)(
    'host behind %s, reader behind %s: a post after 3 quiet minutes is still pushed',
    async (hostKind, readerKind) => {
      h = new SimHarness({ latencyMs: 10 });
      const { host, reader, chat, at } = await hostAndReader(h, hostKind, readerKind, 'quiet');
      const pushed: string[] = [];
      reader.peer.events.on('pushed', (p) => pushed.push(...p.messages.map((m) => m.content)));
      const first = await h.settle(reader.peer.readChatSince(at, chat.uuid, 0), 30_000);
      await h.advance(2_000);
      expect(reader.peer.pushLive(at, chat.uuid)).toBe(true);
      expect(reader.peer.pathTo(at)?.kind).toBe('punched');
      // Three quiet minutes, the window polling its fallback every 5 s as it does while live.
      for (let t = 0; t < 180_000; t += 5_000) {
        await h.advance(5_000);
        reader.peer.readChatSince(at, chat.uuid, first.lastSeq).catch(() => undefined);
      }
      await h.advance(1_000);
      await h.settle(host.peer.postMessage(null, chat.uuid, 'host', 'after the quiet'));
      await h.advance(200);
      expect(pushed).toEqual(['after the quiet']);
    },
  );
});
