// Hosts are keys (issue 12): when a ping challenges the answering key, and what a route learned
// through a punch or a relay must prove before it is kept. Virtual time, raw probes for the other
// parties, the peer under test whole (NancePeer over the simulated network, SQLite store).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Probe, probeDefaults, SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { KeyPair } from './identity/keys.js';
import { provePing } from './identity/ping-proof.js';
import { DEFAULT_KEY_DIRECTORY } from './key-directory.js';
import type { Endpoint } from './ports.js';

let h: SimHarness;
// The rendezvous's n/p must be proven to be obeyed (docs/nat.md, "whom we serve").
beforeEach(() => {
  probeDefaults.prove = true;
});
afterEach(async () => {
  probeDefaults.prove = false;
  await h.close();
});

const RV: Endpoint = { host: '198.51.100.10', port: 3490 };
const pub = (n: number): Endpoint => ({ host: `198.51.100.${n}`, port: 9000 });
const AD = { v: 1, ext: ['page', 'proof', 'punch'], role: 'peer', nat: 'Full Cone' };
const TOKEN = '5f1c0b4e-8d2a-4c7e-9b3f-0a1b2c3d4e5f';
const pings = (probe: Probe) => probe.received.filter((r) => r.obj?.m === 'p');
const isN = (o: Record<string, unknown> | undefined, d: string) => o?.m === 'r' && o.t === 'n' && o.d === d;

/** The datagram an `n/r` asks the relay to carry. */
const relayedMessage = (o: Record<string, unknown> | undefined) =>
  (o?.a as { msg?: Record<string, unknown> } | undefined)?.msg;

/** A peer (not started: no sync of its own) whose bootstrap is RV. */
function peerAt(): SimPeer {
  return h.addPeer({ host: '198.51.100.30', port: 7000, start: false, config: { bootstrapPeers: [RV] } });
}

/** A probe holding `key` that answers pings as a peer of ours, proving the key when challenged. */
function keyHolder(at: Endpoint, key: KeyPair): Probe {
  return h.probe(at).withKey(key).answerPings(undefined, AD);
}

/** The peer pings `target` the way it does before asking it anything (its g/c goes unanswered). */
async function contact(peer: SimPeer, target: Endpoint): Promise<void> {
  await h.settle(peer.peer.refreshChats(target));
}

describe('a ping challenges the answering key only when a proof is needed', () => {
  it('on first contact, not again within the refresh time, and again after it', async () => {
    h = new SimHarness();
    const peer = peerAt();
    const key = KeyPair.generate();
    const target = keyHolder(pub(51), key);
    await contact(peer, target.endpoint);
    expect(peer.peer.keyAt(target.endpoint)).toBe(key.publicKey);
    // A known peer: every sync round pings it for liveness.
    const now = h.clock.now();
    peer.store.upsertPeer({
      ...target.endpoint,
      natType: 'Full Cone',
      role: 'peer',
      firstSeen: now,
      lastSeen: now,
      failures: 0,
    });
    await h.advance(DEFAULT_KEY_DIRECTORY.refreshMs / 2);
    await h.settle(peer.peer.syncNow());
    await h.advance(DEFAULT_KEY_DIRECTORY.refreshMs / 2);
    await h.settle(peer.peer.syncNow());
    const challenged = pings(target).map((r) => typeof r.obj?.ch === 'string');
    expect(challenged).toEqual([true, false, true]);
    expect(peer.peer.keyAt(target.endpoint)).toBe(key.publicKey);
  });
});

describe('a flood of challenged pings buys few signatures', () => {
  it('one source gets 40 proofs at once and 20 per second after; every ping is still answered, naming the key', async () => {
    h = new SimHarness();
    const peer = peerAt();
    const flooder = h.probe(pub(70));
    const ping = (i: number) =>
      flooder.send({ m: 'p', z: `f${i}`, ch: `challenge-${String(i).padStart(8, '0')}` }, peer.endpoint);
    for (let i = 0; i < 200; i++) ping(i);
    await h.advance(100);
    for (let i = 200; i < 400; i++) ping(i);
    await h.advance(1_000);
    for (let i = 400; i < 600; i++) ping(i);
    await h.advance(100);
    const ads = flooder
      .responses()
      .map((r) => (r.obj?.c as { nance?: Record<string, unknown> } | undefined)?.nance);
    expect(ads).toHaveLength(600);
    expect(ads.every((ad) => ad?.id === peer.peer.identity.publicKey)).toBe(true);
    const signed = ads.filter((ad) => ad?.sig !== undefined).length;
    // 40 at once, ~2 while the next 200 arrive 100 ms later, 20 more after a second.
    expect(signed).toBeGreaterThanOrEqual(60);
    expect(signed).toBeLessThanOrEqual(65);
  });
});

describe('a punched route is kept only for the key expected there', () => {
  /** The peer knows the target's key; its rendezvous asks it to punch to the target. */
  async function punchWorld() {
    h = new SimHarness();
    const rv = h.probe(RV);
    const peer = peerAt();
    const targetKey = KeyPair.generate();
    const target = keyHolder(pub(51), targetKey);
    await contact(peer, target.endpoint);
    expect(peer.peer.keyAt(target.endpoint)).toBe(targetKey.publicKey);
    const punch = await rv.askOnce(
      {
        m: 'r',
        t: 'n',
        d: 'p',
        a: { ip: target.endpoint.host, port: target.endpoint.port, token: TOKEN },
        z: 'p',
      },
      peer.endpoint,
    );
    expect(punch.obj.r).toBe(0);
    return { peer, target, targetKey };
  }

  it('a third peer that knocks with the token from its own address gains no route and teaches no key', async () => {
    const { peer, target, targetKey } = await punchWorld();
    const hijacker = keyHolder(pub(66), KeyPair.generate());
    const knock = await hijacker.askOnce(
      { m: 'r', t: 'n', d: 'k', a: { token: TOKEN }, z: 'k' },
      peer.endpoint,
    );
    expect(knock.obj.r).toBe(0); // the punch took its knock…
    await h.advance(2_000);
    // …but the challenged ping over that route proved another key: the route is dropped.
    expect(pings(hijacker).some((r) => typeof r.obj?.ch === 'string')).toBe(true);
    expect(peer.peer.pathTo(target.endpoint)).toBeNull();
    expect(peer.peer.keyAt(target.endpoint)).toBe(targetKey.publicKey);
    // What the peer sends the target goes to the target, not to the hijacker.
    const before = hijacker.received.length;
    await contact(peer, target.endpoint);
    expect(hijacker.received.slice(before)).toEqual([]);
    expect(target.received.some((r) => r.obj?.d === 'c')).toBe(true);
  });

  it('the target knocking from another address (its NAT gave it a new port) proves its key there: the route is kept', async () => {
    const { peer, target, targetKey } = await punchWorld();
    const moved = keyHolder(pub(67), targetKey);
    await moved.askOnce({ m: 'r', t: 'n', d: 'k', a: { token: TOKEN }, z: 'k' }, peer.endpoint);
    await h.advance(2_000);
    expect(peer.peer.pathTo(target.endpoint)).toMatchObject({ kind: 'punched', actual: moved.endpoint });
  });
});

describe('a relayed route is kept only for the key expected there', () => {
  it('a relay that answers the ping for the target itself gains no route: nothing more is sent through it', async () => {
    h = new SimHarness();
    const peer = peerAt();
    const targetKey = KeyPair.generate();
    const target = keyHolder(pub(51), targetKey);
    await contact(peer, target.endpoint);
    // The target now sits behind a NAT that needs a punch, and stops answering straight.
    target.stopAnswering();
    const now = h.clock.now();
    peer.store.upsertPeer({
      ...target.endpoint,
      natType: 'Port Restricted Cone',
      role: 'peer',
      firstSeen: now,
      lastSeen: now,
      failures: 0,
    });
    // The bootstrap offers punch and relay, fails the introduction (20: over its budget; a 3 would
    // say the target is silent, and no relay is tried through it then), and answers what it
    // should relay itself, with its own key.
    const relayKey = KeyPair.generate();
    const relay = h
      .probe(RV)
      .withKey(relayKey)
      .answerPings(undefined, { ...AD, ext: ['page', 'proof', 'punch', 'relay'] });
    const read = peer.peer.readChat(target.endpoint, 'chat').catch((err: unknown) => err);
    let handled = 0;
    let relayedPings = 0;
    for (let t = 0; t < 40_000; t += 10) {
      for (const r of relay.received.slice(handled)) {
        if (isN(r.obj, 'i')) relay.send({ m: 'R', r: 20, c: {}, z: r.obj?.z }, peer.endpoint);
        const msg = relayedMessage(r.obj);
        if (isN(r.obj, 'r') && msg?.m === 'p' && typeof msg.ch === 'string') {
          relayedPings++;
          const answer = { m: 'R', r: 0, c: { nance: { ...AD, ...provePing(relayKey, msg.ch) } }, z: msg.z };
          const { host, port } = target.endpoint;
          relay.send({ m: 'r', t: 'n', d: 'f', a: { ip: host, port, msg: answer } }, peer.endpoint);
        }
      }
      handled = relay.received.length;
      await h.advance(10);
    }
    await h.settle(read);
    expect(relayedPings).toBeGreaterThan(0); // the relayed route was tried…
    expect(peer.peer.pathTo(target.endpoint)).toBeNull(); // …and dropped
    expect(peer.peer.keyAt(target.endpoint)).toBe(targetKey.publicKey);
    // The read never went through the relay.
    const readsViaRelay = relay.received.filter((r) => isN(r.obj, 'r') && relayedMessage(r.obj)?.d === 'm');
    expect(readsViaRelay).toEqual([]);
  });
});
