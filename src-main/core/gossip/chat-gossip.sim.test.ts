// Gossip of chat announcements in virtual time (docs/protocol.md, "gossip"): real peers and SQLite
// stores on the simulated network; probes play a forger, a spoofer and a base peer.
import { afterEach, describe, expect, it } from 'vitest';
import { type Probe, SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import { NanceError } from '../errors.js';
import { DEFAULT_GUARD } from '../guard/index.js';
import { KeyPair } from '../identity/keys.js';
import { type Endpoint, sameEndpoint } from '../ports.js';
import { announceChat } from './chat-announcement.js';
import { DEFAULT_GOSSIP } from './chat-gossip.js';

let h: SimHarness;
afterEach(() => h?.close());

/** What a reader sends an address a liar aimed an announcement at: one reach's direct pings. */
const MAX_PINGS_PER_READER = 3;

/** How a peer of ours answers pings (a probe playing one). */
const PEER_AD = { v: 1, ext: ['page', 'proof', 'sig', 'push', 'gossip', 'punch'], role: 'peer' };

/** Sync rounds 10 minutes apart: within a test, a chat can only be listed by gossip. */
const SLOW_SYNC = { intervalMs: 600_000 };

const listed = (p: SimPeer, uuid: string) =>
  p.peer.remoteChats().some((host) => host.chats.some((c) => c.uuid === uuid));

/** A bootstrap and `n` peers that all know each other (one sync each after everyone joined). */
async function network(n: number, gossip = DEFAULT_GOSSIP) {
  h = new SimHarness({ latencyMs: 10, jitterMs: 5, seed: 5 });
  const boot = h.addPeer({ role: 'bootstrap', host: '10.0.9.1', config: { guard: DEFAULT_GUARD } });
  const peers = Array.from({ length: n }, (_, i) =>
    h.addPeer({
      host: `10.0.1.${i + 1}`,
      config: { guard: DEFAULT_GUARD, bootstrapPeers: [boot.endpoint], sync: SLOW_SYNC, gossip },
    }),
  );
  await h.advance(5_000);
  for (const p of peers) await h.settle(p.peer.syncNow());
  return { boot, peers };
}

/**
 * `bootstraps` bootstraps, `n` open peers, and a host behind a symmetric NAT, each joined once
 * (peers register with their home bootstrap only).
 */
async function symmetricHostNetwork(n: number, bootstraps = 1) {
  h = new SimHarness({ latencyMs: 10, jitterMs: 5, seed: 5 });
  const boots = Array.from({ length: bootstraps }, (_, i) =>
    h.addPeer({
      role: 'bootstrap',
      host: `198.51.100.${10 + i}`,
      port: 3490,
      config: { guard: DEFAULT_GUARD },
    }),
  );
  const bootstrapPeers = boots.map((b) => b.endpoint);
  const readers = Array.from({ length: n }, (_, i) =>
    h.addPeer({
      host: `203.0.113.${i + 1}`,
      port: 7000,
      config: { guard: DEFAULT_GUARD, bootstrapPeers, natType: 'Open Internet', sync: SLOW_SYNC },
    }),
  );
  const host = h.addPeer({
    host: '10.30.0.10',
    port: 7000,
    nat: { behaviour: 'symmetric', publicHost: '198.51.100.30' },
    config: { guard: DEFAULT_GUARD, bootstrapPeers, natType: 'Symmetric', sync: SLOW_SYNC },
  });
  await h.advance(5_000);
  for (const p of [...readers, host]) await h.settle(p.peer.syncNow());
  return { boots, readers, host };
}

/** Where `boot` knows the symmetric host (its NAT's public address), if it registered there. */
const mappingAt = (boot: SimPeer) => {
  const p = boot.peer.knownPeers().find((k) => k.host === '198.51.100.30');
  return p && { host: p.host, port: p.port };
};

/** Where `reader` lists the host of chat `uuid`. */
const hostOf = (reader: SimPeer, uuid: string) =>
  reader.peer.remoteChats().find((e) => e.chats.some((c) => c.uuid === uuid))?.host;

/** An open reader at 203.0.113.31 that never joined (no sync): it knows only what it is told. */
const unjoinedReader = (bootstrapPeers: Endpoint[] = []) =>
  h.addPeer({
    host: '203.0.113.31',
    port: 7000,
    start: false,
    config: { bootstrapPeers, natType: 'Open Internet', sync: SLOW_SYNC },
  });

/** A peer of `reader`'s view (a probe) passes on `host`'s announcement of `chat`, naming it at `at`. */
async function passOn(
  reader: SimPeer,
  host: SimPeer,
  chat: { uuid: string; name: string; createdAt: number },
  at: Endpoint,
) {
  const relay = await h.probe({ host: '203.0.113.77' }).prove(reader.endpoint);
  const passedOn = { ...announceChat(host.peer.identity, chat), h: 1, ip: at.host, port: at.port };
  await relay.askOnce({ m: 'r', t: 'a', d: 'c', a: { chats: [passedOn] }, z: 'pass-on-1' }, reader.endpoint);
}

/** A chat announced by `host` (its key signed it), at `now`. */
function genuine(host: KeyPair, now: number, uuid = 'c0ffee00-0000-4000-8000-000000000001') {
  return announceChat(host, { uuid, name: 'hello world', createdAt: now });
}

/**
 * The first 5 of `members` leave (nobody has noticed yet), `creator` makes a chat, 20 s pass: the
 * members still online, the chat, and those of them `sender` told of it.
 */
async function chatAfterFiveLeft(members: SimPeer[], creator: SimPeer, sender: SimPeer) {
  for (const r of members.slice(0, 5)) await r.peer.close();
  const live = members.slice(5);
  const chat = await h.settle(creator.peer.createChat('news', 'first!', 'ann'));
  await h.advance(20_000);
  const told = live.filter(
    (r) =>
      r.tap.receivedWhere((o, w) => o.t === 'a' && o.d === 'c' && sameEndpoint(w.peer, sender.endpoint))
        .length > 0,
  );
  return { live, chat, told };
}

describe('chat gossip', () => {
  it('lists a new chat at every peer within two seconds, though no peer syncs its host meanwhile', async () => {
    const { peers } = await network(8, { ...DEFAULT_GOSSIP, fanOut: 2 });
    const [host, ...others] = peers as [SimPeer, ...SimPeer[]];
    const chat = await h.settle(host.peer.createChat('news', 'first!', 'ann'));
    await h.advance(2_000);
    expect(others.filter((p) => !listed(p, chat.uuid)).map((p) => p.endpoint.host)).toEqual([]);
    // Listed under the host's key, at its address, without any g/c to it since the chat was made.
    const entry = others[3]?.peer.remoteChats().find((e) => e.chats.some((c) => c.uuid === chat.uuid));
    expect(entry?.hostKey).toBe(host.peer.identity.publicKey);
    expect(entry?.host).toEqual(host.endpoint);
    // Bounded: each peer passes it on once, to at most fanOut peers, in one request each.
    for (const p of peers)
      expect(p.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').length).toBeLessThanOrEqual(2);
  });

  it('announces a chat made before its host knew anyone once it has joined (it was announced to nobody)', async () => {
    const { boot, peers } = await network(6);
    const host = h.addPeer({
      host: '10.0.1.50',
      start: false,
      config: { guard: DEFAULT_GUARD, bootstrapPeers: [boot.endpoint], sync: SLOW_SYNC },
    });
    const chat = await h.settle(host.peer.createChat('early', 'made at start-up', 'ann'));
    host.peer.start();
    await h.advance(5_000);
    // Listed by gossip (their syncs are 10 minutes apart), by most of the peers the host joined.
    expect(peers.filter((p) => listed(p, chat.uuid)).length).toBeGreaterThanOrEqual(4);
    expect(host.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').length).toBeGreaterThan(0);
  });

  it("a host behind a symmetric NAT has its home bootstrap herald its chat: every peer lists it at the bootstrap's mapping", async () => {
    const { boots, readers, host } = await symmetricHostNetwork(6);
    const [boot] = boots as [SimPeer];
    const chat = await h.settle(host.peer.createChat('news', 'first!', 'ann'));
    await h.advance(3_000);
    expect(readers.filter((p) => !listed(p, chat.uuid)).map((p) => p.endpoint.host)).toEqual([]);
    // Listed under the host's key at the one mapping its bootstrap introduces and relays to.
    const atBoot = mappingAt(boot);
    for (const p of readers) expect(hostOf(p, chat.uuid)).toEqual(atBoot);
    // The host told its bootstrap alone; the bootstrap passed it on once (a fan-out of three).
    expect(host.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').map((r) => r.peer)).toEqual([boot.endpoint]);
    expect(boot.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').length).toBeLessThanOrEqual(
      DEFAULT_GOSSIP.fanOut,
    );
  });

  it('a herald whose table still holds peers who left has its chat taken by a fan-out of live ones: a failed try is made good', async () => {
    const { boots, readers, host } = await symmetricHostNetwork(8);
    const [boot] = boots as [SimPeer];
    // Those who left are still registered at the bootstrap: it draws them as before.
    const { live, chat, told } = await chatAfterFiveLeft(readers, host, boot);
    // Without the retries, a fan-out of 3 drawn from 8 peers of which 5 left mostly reaches 0 or 1.
    expect(told.length).toBe(DEFAULT_GOSSIP.fanOut);
    for (const r of live) expect(listed(r, chat.uuid)).toBe(true);
    // Bounded: tried at three fan-outs' worth of peers at most.
    const tried = new Set(boot.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').map((w) => w.peer.host));
    expect(tried.size).toBeLessThanOrEqual(3 * DEFAULT_GOSSIP.fanOut);
  });

  it('a host whose view still holds peers who left has its chat taken by a fan-out of live ones', async () => {
    const { peers } = await network(9, { ...DEFAULT_GOSSIP, onContactMs: 0 });
    const [host, ...others] = peers as [SimPeer, ...SimPeer[]];
    const { live, chat, told } = await chatAfterFiveLeft(others, host, host);
    expect(told.length).toBe(DEFAULT_GOSSIP.fanOut);
    for (const r of live) expect(listed(r, chat.uuid)).toBe(true);
  });

  it("a reader reaches a heralded symmetric host through the host's home bootstrap, ranked first by its key", async () => {
    // Four bootstraps: a reader tries three at most, and the host is registered with one (its home).
    const { boots, host } = await symmetricHostNetwork(0, 4);
    const home = boots.find((b) => mappingAt(b) !== undefined);
    const at = home && mappingAt(home);
    if (!home || !at) throw new Error('the symmetric host registered with no bootstrap');
    // The reader names the host's home last: only the host's key says to ask that bootstrap first.
    const others = boots.filter((b) => b !== home).map((b) => b.endpoint);
    const reader = unjoinedReader([...others, home.endpoint]);
    const chat = await h.settle(host.peer.createChat('behind', 'hello', 'host'));
    // What the home bootstrap passes on, handed to the reader by a peer of its view.
    await passOn(reader, host, chat, at);
    expect(listed(reader, chat.uuid)).toBe(true);
    const read = await h.settle(reader.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  it('a read while a reach to the announced host is still proving its punched route waits for it, then reads', async () => {
    const { boots, host } = await symmetricHostNetwork(0);
    const [boot] = boots as [SimPeer];
    const at = mappingAt(boot);
    if (!at) throw new Error('the symmetric host did not register');
    const reader = unjoinedReader([boot.endpoint]);
    const chat = await h.settle(host.peer.createChat('behind', 'hello', 'host'));
    await passOn(reader, host, chat, at);
    // The reader joins: the bootstrap lists the host, and the reader reaches it (a punch) to keep it.
    const joining = reader.peer.syncNow();
    for (let i = 0; i < 2_000 && reader.peer.pathTo(at) === null; i++) await h.advance(1);
    expect(reader.peer.pathTo(at)?.kind).toBe('punched');
    // The route is set, its challenged ping not yet answered: the user opens the chat now.
    const read = await h.settle(reader.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    await h.settle(joining);
  });

  it("a bootstrap heralds only a registered symmetric peer's own chats: a replay, a cone peer and a stranger get nothing passed on", async () => {
    const { boots, readers } = await symmetricHostNetwork(3);
    const [boot] = boots as [SimPeer];
    const heralded = () => boot.tap.sentWhere((o) => o.t === 'a' && o.d === 'c').length;
    /** A probe holding a key, answering pings as a peer of ours, registered as `natConeType` (or not). */
    const member = async (host: string, natConeType?: string) => {
      const key = KeyPair.generate();
      const probe = await h
        .probe({ host, port: 7000 })
        .withKey(key)
        .answerPings(undefined, PEER_AD)
        .prove(boot.endpoint);
      if (natConeType) {
        const reg = await probe.askOnce(
          { m: 'r', t: 'r', d: 'i', a: { natConeType }, z: `reg-${host}` },
          boot.endpoint,
          2_000,
        );
        expect(reg.obj.r).toBe(0);
      }
      return { key, probe };
    };
    const announce = (probe: Probe, chat: ReturnType<typeof genuine>, z: string) =>
      probe.askOnce({ m: 'r', t: 'a', d: 'c', a: { chats: [chat] }, z }, boot.endpoint);
    const now = () => h.clock.now();
    const sym = await member('198.51.100.40', 'Symmetric');

    // Another host's genuine announcement, replayed at hop 0 by a registered symmetric peer.
    const replayed = genuine(KeyPair.generate(), now(), 'c0ffee00-0000-4000-8000-0000000000a1');
    expect((await announce(sym.probe, replayed, 'replay')).obj.r).toBe(0);
    await h.advance(2_000);
    expect(heralded()).toBe(0);

    // A registered cone peer's own, and a stranger's own (proven, never registered): code 2.
    const cone = await member('198.51.100.41', 'Port Restricted Cone');
    const stranger = await member('198.51.100.42');
    const coneChat = genuine(cone.key, now(), 'c0ffee00-0000-4000-8000-0000000000a2');
    const strangerChat = genuine(stranger.key, now(), 'c0ffee00-0000-4000-8000-0000000000a3');
    expect((await announce(cone.probe, coneChat, 'cone')).obj.r).toBe(2);
    expect((await announce(stranger.probe, strangerChat, 'stranger')).obj.r).toBe(2);
    await h.advance(2_000);
    expect(heralded()).toBe(0);
    for (const uuid of [replayed.u, coneChat.u, strangerChat.u])
      expect(readers.filter((p) => listed(p, uuid))).toHaveLength(0);

    // The symmetric peer's own: passed on, listed at the address the bootstrap sees it at.
    const own = genuine(sym.key, now(), 'c0ffee00-0000-4000-8000-0000000000a4');
    expect((await announce(sym.probe, own, 'own')).obj.r).toBe(0);
    await h.advance(2_000);
    expect(heralded()).toBeGreaterThan(0);
    for (const p of readers) expect(hostOf(p, own.u)).toEqual(sym.probe.endpoint);

    // Not registered again for 10 minutes: its mapping may be gone, so nothing is heralded.
    await h.advance(11 * 60_000);
    const late = genuine(sym.key, now(), 'c0ffee00-0000-4000-8000-0000000000a5');
    expect((await announce(sym.probe, late, 'late')).obj.r).toBe(2);
  });

  it('tells a peer that contacts it (a shuffle) a chat it listed lately, once, though no fan-out reached it', async () => {
    // Fan-out 0: nobody is told anything unasked; only contact can carry the news.
    const { peers } = await network(3, { ...DEFAULT_GOSSIP, fanOut: 0 });
    const [host, reader] = peers as [SimPeer, SimPeer, SimPeer];
    const chat = await h.settle(host.peer.createChat('news', 'first!', 'ann'));
    await h.advance(2_000);
    expect(listed(reader, chat.uuid)).toBe(false);
    const gcBefore = reader.tap.sentWhere((o) => o.t === 'g' && o.d === 'c').length;
    // The reader's next round (within refreshMs of its full syncs): shuffles (g/i) only.
    await h.settle(reader.peer.syncNow());
    await h.advance(2_000);
    expect(listed(reader, chat.uuid)).toBe(true);
    expect(reader.tap.sentWhere((o) => o.t === 'g' && o.d === 'c').length).toBe(gcBefore);
    expect(reader.tap.receivedWhere((o) => o.t === 'a' && o.d === 'c').length).toBeGreaterThan(0);
    // Told once: another round brings no second a/c from anyone.
    const told = reader.tap.receivedWhere((o) => o.t === 'a' && o.d === 'c').length;
    await h.settle(reader.peer.syncNow());
    await h.advance(2_000);
    expect(reader.tap.receivedWhere((o) => o.t === 'a' && o.d === 'c').length).toBe(told);
  });

  it('tells a peer behind a symmetric NAT that contacts it every chat still fresh (nobody pushes to it), an ordinary one only those of the last 30 s, though each contact comes from a new mapping', async () => {
    h = new SimHarness({ latencyMs: 10, jitterMs: 5, seed: 5 });
    const boot = h.addPeer({ role: 'bootstrap', host: '198.51.100.10', port: 3490 });
    const config = { guard: DEFAULT_GUARD, bootstrapPeers: [boot.endpoint], sync: SLOW_SYNC };
    const host = h.addPeer({ host: '203.0.113.1', port: 7000, config });
    await h.advance(5_000);
    await h.settle(host.peer.createChat('news', 'first!', 'ann'));
    await h.advance(2 * 60_000); // past onContactMs (30 s), within maxAgeMs (10 min)
    const late = h.addPeer({ host: '203.0.113.2', port: 7000, config });
    const sym = h.addPeer({
      host: '10.32.0.10',
      port: 7000,
      nat: { behaviour: 'symmetric', publicHost: '198.51.100.32' },
      config: { ...config, natType: 'Symmetric' },
    });
    await h.advance(5_000);
    // Each joined (the host listed to it) and now shuffles with the host: a contact.
    for (const p of [late, sym]) await h.settle(p.peer.syncNow());
    await h.advance(2_000);
    const toldTo = (publicHost: string) =>
      host.tap.sentWhere((o, r) => o.t === 'a' && o.d === 'c' && r.peer.host === publicHost).length;
    expect(toldTo('198.51.100.32')).toBe(1);
    expect(toldTo('203.0.113.2')).toBe(0);

    // Its NAT's mapping toward the host lapses (2 min idle) before its next shuffle there: the
    // host's token for it is stale, so it is asked to prove the new mapping, and is told again.
    const second = await h.settle(host.peer.createChat('more news', 'second!', 'ann'));
    await h.advance(3 * 60_000);
    await h.settle(sym.peer.syncNow());
    await h.advance(2_000);
    expect(toldTo('198.51.100.32')).toBe(2);
    expect(listed(sym, second.uuid)).toBe(true);
  });

  it('never lists a chat whose announcement was not signed by the host key it names (a forgery)', async () => {
    const { peers } = await network(1);
    const reader = peers[0] as SimPeer;
    const victim = KeyPair.generate();
    const forger = KeyPair.generate();
    const probe = await h.probe({ host: '10.0.7.7' }).prove(reader.endpoint);
    const real = genuine(victim, h.clock.now());
    // The forger's signature under the victim's key (the same chat, and one of its own making).
    const forged = [
      { ...real, s: genuine(forger, h.clock.now()).s },
      {
        ...announceChat(forger, {
          uuid: 'f0f0f0f0-0000-4000-8000-000000000002',
          name: 'fake',
          createdAt: h.clock.now(),
        }),
        k: victim.publicKey,
      },
    ];
    const answer = await probe.askOnce(
      { m: 'r', t: 'a', d: 'c', a: { chats: forged }, z: 'forge-1' },
      reader.endpoint,
    );
    expect(answer.obj.r).toBe(0);
    expect(listed(reader, real.u)).toBe(false);
    expect(listed(reader, 'f0f0f0f0-0000-4000-8000-000000000002')).toBe(false);
    expect(reader.peer.gossipStats().forged).toBe(2);
    // The forgery came first; the host's own announcement is still taken (dedup only after a check).
    await probe.askOnce({ m: 'r', t: 'a', d: 'c', a: { chats: [real] }, z: 'real-1' }, reader.endpoint);
    expect(listed(reader, real.u)).toBe(true);
    const entry = reader.peer.remoteChats().find((e) => e.chats.some((c) => c.uuid === real.u));
    expect(entry?.hostKey).toBe(victim.publicKey);
  });

  it('gives an unproven sender nothing: no answer, nothing listed, nothing passed on', async () => {
    const { peers } = await network(3);
    const reader = peers[0] as SimPeer;
    const spoofer = h.probe({ host: '10.0.7.8' }).unproven();
    const before = reader.tap.sent.length;
    const answers = await spoofer.ask(
      { m: 'r', t: 'a', d: 'c', a: { chats: [genuine(KeyPair.generate(), h.clock.now())] }, z: 'spoof-1' },
      reader.endpoint,
      2_000,
    );
    expect(answers).toEqual([]);
    expect(listed(reader, 'c0ffee00-0000-4000-8000-000000000001')).toBe(false);
    expect(reader.tap.sent.slice(before).filter((r) => r.obj?.t === 'a')).toEqual([]);
    // A stale token is answered with a fresh one (code 4), smaller than the request: no amplification.
    const stale = await spoofer.askOnce(
      {
        m: 'r',
        t: 'a',
        d: 'c',
        a: { chats: [genuine(KeyPair.generate(), h.clock.now())] },
        z: 'stale-1',
        k: 'x'.repeat(40),
      },
      reader.endpoint,
    );
    expect(stale.obj.r).toBe(4);
    expect(listed(reader, 'c0ffee00-0000-4000-8000-000000000001')).toBe(false);
  });

  it('drops an announcement older than its age limit (a replay of a chat made long ago)', async () => {
    const { peers } = await network(1);
    const reader = peers[0] as SimPeer;
    const probe = await h.probe({ host: '10.0.7.9' }).prove(reader.endpoint);
    const old = genuine(KeyPair.generate(), h.clock.now() - DEFAULT_GOSSIP.maxAgeMs - 1_000);
    await probe.askOnce({ m: 'r', t: 'a', d: 'c', a: { chats: [old] }, z: 'old-1' }, reader.endpoint);
    expect(listed(reader, old.u)).toBe(false);
  });

  it('pushes no a/c to a peer it reaches only through a relay (refused out of a relay: the relay would carry it for nothing)', async () => {
    h = new SimHarness({ latencyMs: 10, jitterMs: 5, seed: 5 });
    const boot = h.addPeer({
      role: 'bootstrap',
      host: '198.51.100.10',
      port: 3490,
      config: { guard: DEFAULT_GUARD },
    });
    // Both say port-restricted: detection was wrong for the one behind a symmetric NAT (a peer
    // that says symmetric is kept in no view), so only a relay joins the two.
    const behind = (n: number, behaviour: 'port-restricted' | 'symmetric', gossip = DEFAULT_GOSSIP) =>
      h.addPeer({
        host: `10.${n}.0.10`,
        port: 7000,
        nat: { behaviour, publicHost: `198.51.100.${n}` },
        config: {
          guard: DEFAULT_GUARD,
          bootstrapPeers: [boot.endpoint],
          natType: 'Port Restricted Cone',
          sync: { intervalMs: 10_000 },
          gossip,
        },
      });
    // A fan-out larger than the view: every peer it may push to is picked.
    const host = behind(31, 'port-restricted', { ...DEFAULT_GOSSIP, fanOut: 8 });
    behind(32, 'symmetric');
    const reader = h.addPeer({
      host: '203.0.113.20',
      port: 7000,
      config: { guard: DEFAULT_GUARD, bootstrapPeers: [boot.endpoint], sync: { intervalMs: 10_000 } },
    });
    await h.advance(90_000);
    // The host's syncs found the other peer through the bootstrap's relay (no punch holds).
    const at = host.peer.knownPeers().find((k) => k.host === '198.51.100.32');
    if (!at) throw new Error('the symmetric peer is not in the host view');
    expect(host.peer.pathTo(at)?.kind).toBe('relayed');

    const chat = await h.settle(host.peer.createChat('news', 'first!', 'ann'));
    await h.advance(3_000);
    expect(listed(reader, chat.uuid)).toBe(true);
    const relayedAnnounce = (o: Record<string, unknown>) => {
      const msg = (o.a as { msg?: { t?: unknown; d?: unknown } } | undefined)?.msg;
      return o.t === 'n' && o.d === 'r' && msg?.t === 'a' && msg.d === 'c';
    };
    expect(host.tap.sentWhere(relayedAnnounce)).toEqual([]);
    expect(boot.tap.receivedWhere(relayedAnnounce)).toEqual([]);
  });

  it('never sends a/c to a base peer in its view, and announces no private room', async () => {
    const { peers } = await network(3);
    const base = h.probe({ host: '10.0.8.1', port: 7000 }).answerPings();
    for (const p of peers)
      await base.ask(
        { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: `reg-${p.endpoint.host}` },
        p.endpoint,
        3_000,
      );
    expect(peers.every((p) => p.peer.knownPeers().some((k) => k.host === '10.0.8.1'))).toBe(true);
    const host = peers[0] as SimPeer;
    await h.settle(host.peer.createChat('public', 'hi', 'ann'));
    const room = await h.settle(host.peer.createChat('secret', 'hi', 'ann', { visibility: 'private' }));
    await h.advance(3_000);
    expect(base.received.filter((r) => r.obj?.t === 'a')).toEqual([]);
    expect(peers.some((p) => listed(p, room.uuid))).toBe(false);
  });

  it('a reader that knows a port-restricted host only from an announcement reads its chat (a path first)', async () => {
    h = new SimHarness({ latencyMs: 10, seed: 5 });
    const boot = h.addPeer({ role: 'bootstrap', host: '198.51.100.10', port: 3490 });
    const hostPublic = { host: '198.51.100.21', port: 7000 };
    // Tells nobody of its chat itself: the reader hears of it only through the relaying probe.
    const host = h.addPeer({
      host: '10.21.0.10',
      port: 7000,
      nat: { behaviour: 'port-restricted', publicHost: hostPublic.host },
      config: {
        bootstrapPeers: [boot.endpoint],
        natType: 'Port Restricted Cone',
        publicEndpoint: hostPublic,
        sync: SLOW_SYNC,
        gossip: { ...DEFAULT_GOSSIP, fanOut: 0, onContactMs: 0 },
      },
    });
    await h.advance(5_000);
    // Never joined (no sync): it knows no peer, and the host's NAT never saw it.
    const reader = unjoinedReader([boot.endpoint]);
    const chat = await h.settle(host.peer.createChat('behind', 'hello', 'host'));
    await passOn(reader, host, chat, hostPublic);
    expect(listed(reader, chat.uuid)).toBe(true);
    expect(reader.peer.knownPeers()).toEqual([]);

    const read = await h.settle(reader.peer.readChat(hostPublic, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  /** An open host with chat `name`, and an unjoined reader that heard of it only from a relaying peer. */
  async function announcedOpenHost(name: string) {
    h = new SimHarness({ latencyMs: 10, seed: 5 });
    const host = h.addPeer({
      host: '203.0.113.21',
      port: 7000,
      config: { natType: 'Open Internet', sync: SLOW_SYNC },
    });
    const reader = unjoinedReader();
    const chat = await h.settle(host.peer.createChat(name, 'hello', 'host'));
    await passOn(reader, host, chat, host.endpoint);
    return { host, reader, chat };
  }

  it('an announced host that was offline once is read once it is back: silence is not a refusal', async () => {
    const { host, reader, chat } = await announcedOpenHost('flaky');
    h.net.partition(reader.endpoint, host.endpoint);
    const offline = await h.settleError(reader.peer.readChat(host.endpoint, chat.uuid), 30_000);
    expect(offline).toMatchObject({ kind: 'timeout' });
    expect(listed(reader, chat.uuid)).toBe(true);
    h.net.heal(reader.endpoint, host.endpoint);
    await h.advance(31_000);
    const read = await h.settle(reader.peer.readChat(host.endpoint, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  it("a flood that spends an announced host's signing budget does not make its reader drop it: read once the flood is over", async () => {
    const { host, reader, chat } = await announcedOpenHost('flooded');
    // 2,100 challenged pings from 60 sources, sent just before the reader's first ping: the host
    // signs 2,000 at once (then 1,000/s), so its answer to the reader goes unsigned.
    const flooders = Array.from({ length: 60 }, (_, i) => h.probe({ host: `192.0.2.${i + 1}` }));
    for (let i = 0; i < 2_100; i++) {
      const ch = `challenge-${String(i).padStart(12, '0')}`;
      (flooders[i % flooders.length] as Probe).send({ m: 'p', z: `flood-${i}`, ch }, host.endpoint);
    }
    // The reader opens the chat while its host answers unsigned: read, or told it did not answer
    // (then asked again later); never told the host is gone, and the chat stays listed.
    const during = await h.settle(
      reader.peer.readChat(host.endpoint, chat.uuid).then(
        (messages) => messages.map((m) => m.content),
        (err: unknown) => err,
      ),
      5_000,
    );
    if (!Array.isArray(during)) expect(during).toMatchObject({ kind: 'timeout' });
    expect(listed(reader, chat.uuid)).toBe(true);
    await h.advance(31_000);
    const read = await h.settle(reader.peer.readChat(host.endpoint, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  // A relaying peer sets an announcement's ip/port (unsigned): a liar can aim a genuine one at a
  // victim. What that buys it, per reader: nothing until the user opens the chat, then one reach
  // (pings only) per 30 s; the address loses the listing once it proves another key or none, and a
  // silent one is offline (the real host may be), asked again no sooner than 30 s later.
  const victims: [string, (victim: Probe) => unknown, 'timeout' | 'not-found', boolean][] = [
    ['silent', (_victim: Probe) => undefined, 'timeout', true],
    ['a base peer (no key)', (victim: Probe) => victim.answerPings(), 'not-found', false],
    [
      'a peer of another key',
      (victim: Probe) => victim.withKey(KeyPair.generate()).answerPings(),
      'not-found',
      false,
    ],
  ];
  it.each(victims)(
    'a genuine announcement aimed at a victim (%s): a few pings per reader, then the address is left alone',
    async (_kind, play, error, stillListed) => {
      h = new SimHarness({ latencyMs: 10, seed: 5 });
      const boot = h.addPeer({ role: 'bootstrap', host: '198.51.100.10', port: 3490 });
      const reader = h.addPeer({
        host: '203.0.113.31',
        port: 7000,
        config: { bootstrapPeers: [boot.endpoint], natType: 'Open Internet', sync: SLOW_SYNC },
      });
      await h.advance(5_000);
      const victim = h.probe({ host: '203.0.113.99', port: 7000 });
      play(victim);
      const chat = { uuid: 'c0ffee00-0000-4000-8000-00000000000a', name: 'bait', createdAt: h.clock.now() };
      const liar = await h.probe({ host: '203.0.113.77' }).prove(reader.endpoint);
      const aimed = {
        ...genuine(KeyPair.generate(), chat.createdAt, chat.uuid),
        ip: victim.endpoint.host,
        port: 7000,
        h: 1,
      };
      await liar.askOnce({ m: 'r', t: 'a', d: 'c', a: { chats: [aimed] }, z: 'lie-1' }, reader.endpoint);
      expect(listed(reader, chat.uuid)).toBe(true);
      await h.advance(30_000);
      expect(victim.received).toEqual([]);

      // The user opens the chat; the window polls it (every 0.7 s) while it stays open.
      const failures: unknown[] = [];
      for (let poll = 0; poll < 10; poll++) {
        failures.push(await h.settleError(reader.peer.readChatSince(victim.endpoint, chat.uuid, 0), 30_000));
        await h.advance(700);
      }
      const sent = victim.received.filter((r) => sameEndpoint(r.peer, reader.endpoint));
      expect(sent.length).toBeLessThanOrEqual(MAX_PINGS_PER_READER);
      expect(sent.filter((r) => r.obj?.m !== 'p')).toEqual([]);
      expect(victim.received.filter((r) => !sameEndpoint(r.peer, reader.endpoint))).toEqual([]);
      // Offline, or not there: said at once, without a datagram after the first attempt.
      expect(failures.every((err) => err instanceof NanceError && err.kind === error)).toBe(true);
      // The listing of that key at that address is gone once another key (or none) answered there.
      expect(listed(reader, chat.uuid)).toBe(stillListed);
    },
  );
});
