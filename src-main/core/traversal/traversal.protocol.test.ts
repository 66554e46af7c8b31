// The NAT traversal extension (n/*, g/i's nat flag, the ping ad) on the wire, over the simulator with
// raw probes: the exact answers a peer gives, what it sends on behalf of others, and what it refuses.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NatType } from '../../../src-shared/protocol/index.js';
import { type Probe, probeDefaults, SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import { NanceError } from '../errors.js';
import { DEFAULT_GUARD, GUARD_OFF } from '../guard/index.js';
import type { PeerConfig } from '../peer.js';
import { type Endpoint, sameEndpoint } from '../ports.js';
import { DEFAULT_TRAVERSAL, type TraversalSettings } from './traversal.js';

let h: SimHarness;

// Probes send valid address tokens, as an honest Nance peer does after its first ping; tests of
// what an unproven (perhaps spoofed) request gets turn that off.
beforeEach(() => {
  probeDefaults.prove = true;
});
afterEach(async () => {
  probeDefaults.prove = false;
  await h.close();
  vi.restoreAllMocks();
});

/**
 * Rate limits off (probes send bursts), the anti-amplification rule ON: a peer's own verification
 * of others (who may be introduced, relayed to) rests on it, see the last describe.
 */
const GUARD = { ...GUARD_OFF, amplification: DEFAULT_GUARD.amplification };

const traversal = (over: Partial<TraversalSettings> & { offer?: 'auto' | 'always' | 'never' } = {}) => {
  const { offer, ...rest } = over;
  return {
    ...DEFAULT_TRAVERSAL,
    ...rest,
    relay: { ...DEFAULT_TRAVERSAL.relay, ...(offer ? { offer } : {}) },
  };
};

const RV: Endpoint = { host: '198.51.100.10', port: 3490 };
const pub = (n: number, port = 9000): Endpoint => ({ host: `198.51.100.${n}`, port });
const err = (r: number, z: string) => `{"m":"R","r":${r},"c":{},"z":"${z}"}`;
const isN = (d: string) => (o: Record<string, unknown>) => o.m === 'r' && o.t === 'n' && o.d === d;

/** A peer (not started: no sync of its own) whose one bootstrap is `rendezvous`. */
function peerJoinedAt(rendezvous: Endpoint): SimPeer {
  return addPeer({
    host: '198.51.100.30',
    port: 7000,
    start: false,
    config: { bootstrapPeers: [rendezvous] },
  });
}

function addPeer(spec: Parameters<SimHarness['addPeer']>[0] & { config?: Partial<PeerConfig> }): SimPeer {
  return h.addPeer({ ...spec, config: { guard: GUARD, ...spec.config } });
}

/** A probe that registers with `at` as `natConeType` (it answers the ping-back, and every ping after). */
async function registered(at: Endpoint, natConeType: string, e: Endpoint): Promise<Probe> {
  const probe = h.probe(e).answerPings();
  const z = `reg-${e.host}-${e.port}`;
  const answer = await probe.askOnce({ m: 'r', t: 'r', d: 'i', a: { natConeType }, z }, at);
  expect(answer.obj.r).toBe(0);
  return probe;
}

/**
 * Makes `peer` register with `rendezvous` the way its sync does (so it takes `n/p` from it): the
 * rendezvous is a known peer, answers the ping, and answers the peer's r/i with 0.
 */
async function peerRegistersWith(peer: SimPeer, rendezvous: Probe): Promise<void> {
  const now = h.clock.now();
  const { host, port } = rendezvous.endpoint;
  peer.store.upsertPeer({
    host,
    port,
    natType: 'Full Cone',
    role: 'peer',
    firstSeen: now,
    lastSeen: now,
    failures: 0,
  });
  // A peer of ours (it sends n/p): its ping answers advertise punch, so it is not paced as a base peer.
  rendezvous.answerPings(undefined, { v: 1, ext: ['page', 'punch'], role: 'peer', nat: 'Full Cone' });
  const round = peer.peer.syncNow();
  for (let waited = 0; waited < 5_000; waited += 20) {
    const registration = rendezvous.received.find((r) => r.obj?.t === 'r' && r.obj.d === 'i');
    if (registration) {
      rendezvous.send({ m: 'R', r: 0, c: {}, z: registration.obj?.z }, peer.endpoint);
      break;
    }
    await h.advance(20);
  }
  await h.settle(round, 30_000);
}

/** Everything a probe received since index `from`. */
const since = (probe: Probe, from: number) => probe.received.slice(from);

describe('the ping ad', () => {
  it.each<[string, Partial<PeerConfig> & { role: 'peer' | 'bootstrap' }, string]>([
    [
      'a peer behind a restricted NAT: punch, not relay, and its ordinary rendezvous (none yet)',
      { role: 'peer', natType: 'Port Restricted Cone' },
      '{"v":1,"ext":["page","proof","sig","push","gossip","punch"],"role":"peer","nat":"Port Restricted Cone","rv":[]}',
    ],
    [
      'a peer anyone can send to (auto): punch and relay',
      { role: 'peer', natType: 'Full Cone' },
      '{"v":1,"ext":["page","proof","sig","push","gossip","punch","relay"],"role":"peer","nat":"Full Cone"}',
    ],
    [
      'a bootstrap (auto): punch and relay',
      { role: 'bootstrap', natType: 'Full Cone' },
      '{"v":1,"ext":["page","proof","sig","herald","punch","relay"],"role":"bootstrap","nat":"Full Cone"}',
    ],
    [
      'a peer with relay "always": relay too',
      { role: 'peer', traversal: traversal({ offer: 'always' }) },
      '{"v":1,"ext":["page","proof","sig","push","gossip","punch","relay"],"role":"peer","nat":"Open Internet"}',
    ],
    [
      'a bootstrap with relay "never": no relay',
      { role: 'bootstrap', traversal: traversal({ offer: 'never' }) },
      '{"v":1,"ext":["page","proof","sig","herald","punch"],"role":"bootstrap","nat":"Open Internet"}',
    ],
    [
      'a mapped peer behind a symmetric NAT: its true type and mapped',
      { role: 'peer', natType: 'Symmetric', mapped: true },
      '{"v":1,"ext":["page","proof","sig","push","gossip","punch"],"role":"peer","nat":"Symmetric","mapped":true,"rv":[]}',
    ],
  ])('%s', async (_, config, ad) => {
    h = new SimHarness();
    const { role, ...rest } = config;
    const peer = h.addPeer({ role, host: RV.host, port: RV.port, start: false, config: rest });
    const probe = h.probe(pub(50));
    const answer = await probe.askOnce({ m: 'p', z: 'ad' }, peer.endpoint);
    // The address token for the pinger and the peer's key end the ad (docs/protocol.md, "Address
    // proof", "Key proof").
    const token = new RegExp(`,"k":"[0-9a-z]+_[A-Za-z0-9_-]{22}","id":"${peer.peer.identity.publicKey}"}`);
    expect(answer.text).toMatch(token);
    // Then the peer's key (signed posts).
    const id = `,"id":"${peer.peer.identity.publicKey}"`;
    expect(String(answer.text).replace(token, '}').replace(id, '')).toBe(
      `{"m":"R","r":0,"c":{"nance":${ad}},"z":"ad"}`,
    );
  });
});

describe('rv: the rendezvous a peer behind a NAT names in its ping answer', () => {
  it('names the ordinary peers it registered with to a pinger that proved its address, and nothing to one that did not', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const peer = addPeer({
      host: '198.51.100.30',
      port: 7000,
      start: false,
      config: { bootstrapPeers: [RV], natType: 'Port Restricted Cone' },
    });
    const rendezvous = h.probe(pub(22));
    await peerRegistersWith(peer, rendezvous);
    const rvOf = async (pinger: Probe, z: string) => {
      const answer = await pinger.askOnce({ m: 'p', z }, peer.endpoint);
      return (answer.obj.c as { nance?: { rv?: unknown } }).nance?.rv;
    };
    expect(await rvOf(h.probe(pub(50)), 'proven')).toEqual([{ ip: pub(22).host, port: pub(22).port }]);
    // A spoofed ping (no token) learns nothing of whom the peer registered with.
    expect(await rvOf(h.probe(pub(51)).unproven(), 'unproven')).toBeUndefined();
  });

  it('a lying peer that names many rendezvous gains an n/i at public ones among the first 4 it named, none at a private address, itself or its asker', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const AD = { v: 1, ext: ['page', 'proof', 'punch'], role: 'peer', nat: 'Port Restricted Cone' };
    const named = [23, 24, 25, 26, 27].map((n) =>
      h.probe(pub(n)).answerPings(undefined, { ...AD, nat: 'Open Internet' }),
    );
    const lan = h.probe({ host: '10.0.0.5', port: 7000 }).answerPings(undefined, AD);
    const liar = h.probe(pub(21)).answerPings(undefined, {
      ...AD,
      // Its LAN neighbour, its asker, then five public peers (only the first 4 entries are read).
      rv: [lan.endpoint, { host: '198.51.100.30', port: 7000 }, ...named.map((p) => p.endpoint)].map((e) => ({
        ip: e.host,
        port: e.port,
      })),
    });
    const holder = addPeer({
      host: '198.51.100.30',
      port: 7000,
      start: false,
      config: { bootstrapPeers: [RV], natType: 'Open Internet' },
    });
    const stored = (natType: string) =>
      holder.store.upsertPeer({
        ...liar.endpoint,
        natType,
        role: 'peer',
        firstSeen: h.clock.now(),
        lastSeen: h.clock.now(),
        failures: 0,
      });
    // Met straight (it said it was a full cone), then behind a restricted NAT and silent: the next
    // sync looks for a rendezvous.
    stored('Full Cone');
    await h.settle(holder.peer.syncNow(), 120_000);
    expect(liar.received.some((r) => r.obj?.m === 'p')).toBe(true);
    liar.stopAnswering();
    stored('Port Restricted Cone');
    await h.settle(holder.peer.syncNow(), 120_000);

    const introductions = (p: Probe) =>
      p.received.filter((r) => r.obj?.t === 'n' && r.obj.d === 'i' && sameEndpoint(r.peer, holder.endpoint));
    expect(introductions(lan)).toEqual([]);
    expect(lan.received.filter((r) => sameEndpoint(r.peer, holder.endpoint))).toEqual([]);
    // Not itself (it may be one of the peer's rendezvous), nor past the first 4 entries.
    expect(holder.tap.sentWhere((o, r) => o.t === 'n' && sameEndpoint(r.peer, holder.endpoint))).toEqual([]);
    expect(named.slice(2).flatMap(introductions)).toEqual([]);
    expect(named.slice(0, 2).filter((p) => introductions(p).length > 0).length).toBeGreaterThan(0);
  });

  it('an open peer names none: it is reached straight', async () => {
    h = new SimHarness({ latencyMs: 10 });
    const peer = addPeer({
      host: '198.51.100.30',
      port: 7000,
      start: false,
      config: { natType: 'Open Internet' },
    });
    const answer = await h.probe(pub(50)).askOnce({ m: 'p', z: 'open' }, peer.endpoint);
    expect((answer.obj.c as { nance?: object }).nance).not.toHaveProperty('rv');
  });
});

describe('n/i (introduce) at a rendezvous', () => {
  function rendezvous() {
    h = new SimHarness();
    return addPeer({ role: 'bootstrap', host: RV.host, port: RV.port, start: false });
  }

  it('answers 10 for a target it does not know, and messages nobody', async () => {
    const rv = rendezvous();
    const asker = h.probe(pub(51)).answerPings();
    const stranger = h.probe(pub(52));
    const answer = await asker.askOnce(
      { m: 'r', t: 'n', d: 'i', a: { ip: stranger.endpoint.host, port: stranger.endpoint.port }, z: 'i1' },
      RV,
    );
    expect(answer.text).toBe(err(10, 'i1'));
    await h.advance(1_000);
    expect(stranger.received).toEqual([]);
    expect(rv.tap.sentWhere(isN('p'))).toEqual([]);
  });

  it('answers 10 when the asker names itself', async () => {
    rendezvous();
    const asker = await registered(RV, 'Full Cone', pub(51));
    const answer = await asker.askOnce(
      { m: 'r', t: 'n', d: 'i', a: { ip: asker.endpoint.host, port: asker.endpoint.port }, z: 'self' },
      RV,
    );
    expect(answer.text).toBe(err(10, 'self'));
  });

  it('tells a registered target to punch (n/p with the asker and a token), then gives the asker that token', async () => {
    rendezvous();
    const target = await registered(RV, 'Port Restricted Cone', pub(52));
    const asker = h.probe(pub(51)).answerPings();
    const start = target.received.length;
    asker.send(
      { m: 'r', t: 'n', d: 'i', a: { ip: target.endpoint.host, port: target.endpoint.port }, z: 'i2' },
      RV,
    );
    await h.advance(20);
    const asks = since(target, start).filter((r) => r.obj && isN('p')(r.obj));
    expect(asks).toHaveLength(1);
    const ask = asks[0]?.obj as { a: { token: string }; z: string };
    expect(ask).toStrictEqual({
      m: 'r',
      t: 'n',
      d: 'p',
      a: { ip: asker.endpoint.host, port: asker.endpoint.port, token: expect.any(String) },
      z: expect.any(String),
    });
    expect(ask.a.token.length).toBeGreaterThanOrEqual(8);
    expect(asker.responses('i2')).toEqual([]); // not before the target said yes
    target.send({ m: 'R', r: 0, c: {}, z: ask.z }, RV);
    await h.advance(50);
    const answers = asker.responses('i2');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.text).toBe(
      `{"m":"R","r":0,"c":{"ip":"${target.endpoint.host}","port":${target.endpoint.port},"token":"${ask.a.token}"},"z":"i2"}`,
    );
  });

  it('answers 3 to an asker whose request is not proven, pings nobody and messages nobody', async () => {
    rendezvous();
    const target = await registered(RV, 'Port Restricted Cone', pub(52));
    const asker = h.probe(pub(51)).answerPings().unproven(); // answering a ping proves nothing: anyone does
    const start = target.received.length;
    const answer = await asker.askOnce(
      { m: 'r', t: 'n', d: 'i', a: { ip: target.endpoint.host, port: target.endpoint.port }, z: 'i4' },
      RV,
      3_000,
    );
    expect(answer.text).toBe(err(3, 'i4'));
    expect(asker.received.filter((r) => r.obj?.m === 'p')).toEqual([]);
    // The target was never told to knock at that address.
    expect(since(target, start).filter((r) => r.obj && isN('p')(r.obj))).toEqual([]);
  });

  it('asks an asker whose token went stale to prove its address (4, a fresh token), then introduces it', async () => {
    rendezvous();
    const target = await registered(RV, 'Port Restricted Cone', pub(52));
    const asker = h.probe(pub(51)).answerPings().unproven();
    const start = target.received.length;
    const ask = { m: 'r', t: 'n', d: 'i', a: { ip: target.endpoint.host, port: target.endpoint.port } };
    const stale = `${(0).toString(36)}_${'A'.repeat(22)}`;
    const answer = await asker.askOnce({ ...ask, z: 'i5', k: stale }, RV, 3_000);
    expect(answer.obj).toMatchObject({ m: 'R', r: 4, z: 'i5' });
    const k = (answer.obj?.c as { k?: unknown } | undefined)?.k;
    expect(typeof k).toBe('string');
    expect(answer.bytes.byteLength).toBeLessThan(3 * 120); // within 3x of the request
    expect(since(target, start).filter((r) => r.obj && isN('p')(r.obj))).toEqual([]);
    // The resend with the fresh token is proven: the target is told to knock at the asker.
    asker.send({ ...ask, z: 'i5', k }, RV);
    await h.advance(100);
    expect(since(target, start).filter((r) => r.obj && isN('p')(r.obj))).toHaveLength(1);
  });

  it('answers 3 when the target does not answer the n/p (asked 3 times)', async () => {
    rendezvous();
    const target = await registered(RV, 'Restricted Cone', pub(52));
    const asker = h.probe(pub(51)).answerPings();
    const start = target.received.length;
    asker.send(
      { m: 'r', t: 'n', d: 'i', a: { ip: target.endpoint.host, port: target.endpoint.port }, z: 'i3' },
      RV,
    );
    await h.advance(3_000);
    expect(asker.responses('i3').map((r) => r.text)).toEqual([err(3, 'i3')]);
    const asks = since(target, start).filter((r) => r.obj && isN('p')(r.obj));
    expect(asks).toHaveLength(3);
    expect(new Set(asks.map((r) => r.obj?.z)).size).toBe(1); // resends of one request
  });
});

describe('n/p (punch) and n/k (knock) at the target of an introduction', () => {
  const TOKEN = '5f1c0b4e-8d2a-4c7e-9b3f-0a1b2c3d4e5f';

  /** A peer whose bootstrap is a probe (the rendezvous); not started, so no sync traffic. */
  function world() {
    h = new SimHarness();
    const rv = h.probe(RV);
    const peer = peerJoinedAt(RV);
    const origin = h.probe(pub(51));
    const punch = (z: string, from = rv) =>
      from.askOnce(
        {
          m: 'r',
          t: 'n',
          d: 'p',
          a: { ip: origin.endpoint.host, port: origin.endpoint.port, token: TOKEN },
          z,
        },
        peer.endpoint,
      );
    return { rv, peer, origin, punch };
  }
  const knocksAt = (probe: Probe) => probe.received.filter((r) => r.obj && isN('k')(r.obj));

  it('refuses an n/p from a stranger with 2 and knocks at nobody', async () => {
    const { peer, origin, punch } = world();
    const stranger = h.probe(pub(60));
    expect((await punch('p0', stranger)).text).toBe(err(2, 'p0'));
    await h.advance(4_000);
    expect(knocksAt(origin)).toEqual([]);
    expect(peer.tap.sentWhere(isN('k'))).toEqual([]);
  });

  it('from its bootstrap: 0, then knocks with the token, 150 ms apart and thinning out, for 3 s', async () => {
    const { origin, punch } = world();
    expect((await punch('p1')).text).toBe(err(0, 'p1'));
    await h.advance(5_000);
    const knocks = knocksAt(origin);
    // At 0, 150, 375, 713, 1220, 1981 ms (each gap 1.5× the last); given up at 3000: 6 knocks
    // where an even 150 ms would send 20 to an address that never answers.
    expect(knocks).toHaveLength(6);
    for (const k of knocks) {
      expect(k.obj).toStrictEqual({
        m: 'r',
        t: 'n',
        d: 'k',
        a: { token: TOKEN },
        z: expect.any(String),
        k: expect.any(String),
      });
    }
    const gaps = knocks.slice(1).map((k, i) => k.at - (knocks[i]?.at ?? 0));
    expect(gaps).toEqual([150, 225, 338, 507, 761]);
    expect(new Set(knocks.map((k) => k.obj?.z)).size).toBe(6); // each knock a request of its own
  });

  it('from its bootstrap, but not proven (perhaps spoofed): 2, and no knock', async () => {
    probeDefaults.prove = false;
    const { peer, origin, punch } = world();
    expect((await punch('pu')).text).toBe(err(2, 'pu'));
    await h.advance(4_000);
    expect(knocksAt(origin)).toEqual([]);
    expect(peer.tap.sentWhere(isN('k'))).toEqual([]);
  });

  it('from a peer that registered with it (anyone may): 2, and no knock', async () => {
    const { peer, origin, punch } = world();
    const stranger = await registered(peer.endpoint, 'Full Cone', pub(61));
    expect((await punch('p2', stranger)).text).toBe(err(2, 'p2'));
    await h.advance(4_000);
    expect(knocksAt(origin)).toEqual([]);
  });

  it('from a peer it registered with: 0, and it knocks', async () => {
    const { peer, origin, punch } = world();
    const rendezvous = h.probe(pub(61));
    await peerRegistersWith(peer, rendezvous);
    expect((await punch('p3', rendezvous)).text).toBe(err(0, 'p3'));
    await h.advance(200);
    expect(knocksAt(origin).length).toBeGreaterThan(0);
  });

  it('a second introduction for the same peer joins the running punch: one knock stream, both tokens answered', async () => {
    const { peer, origin, rv } = world();
    const punchWith = (token: string, z: string) =>
      rv.askOnce(
        { m: 'r', t: 'n', d: 'p', a: { ip: origin.endpoint.host, port: origin.endpoint.port, token }, z },
        peer.endpoint,
      );
    const second = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    expect((await punchWith(TOKEN, 'j1')).text).toBe(err(0, 'j1'));
    expect((await punchWith(second, 'j2')).text).toBe(err(0, 'j2'));
    await h.advance(5_000);
    // One stream (6 knocks over the 3 s a punch lasts, extended a little by the second one), with
    // the first token; not two streams aimed at the same address.
    const knocks = knocksAt(origin);
    expect(knocks.length).toBeGreaterThanOrEqual(6);
    expect(knocks.length).toBeLessThanOrEqual(7);
    expect(new Set(knocks.map((k) => (k.obj?.a as { token?: string } | undefined)?.token))).toEqual(
      new Set([TOKEN]),
    );
    // Both tokens are the punch's: a knock with either is answered.
    const knocker = h.probe(pub(63));
    for (const [token, z] of [
      [TOKEN, 'kk1'],
      [second, 'kk2'],
    ] as const) {
      expect((await knocker.askOnce({ m: 'r', t: 'n', d: 'k', a: { token }, z }, peer.endpoint)).text).toBe(
        err(0, z),
      );
    }
  });

  it('an ordinary peer it registered with may ask for 10 introductions at once, then 2 per second (20 beyond)', async () => {
    const { peer } = world();
    const known = h.probe(pub(61));
    await peerRegistersWith(peer, known);
    // All at once (askOnce would let virtual time pass, and the budget refill, between them).
    for (let i = 0; i < 12; i++) {
      const target = pub(100 + i);
      const token = `tok-${String(i).padStart(8, '0')}`;
      known.send(
        { m: 'r', t: 'n', d: 'p', a: { ip: target.host, port: target.port, token }, z: `b${i}` },
        peer.endpoint,
      );
    }
    await h.advance(100);
    const codes = Array.from(
      { length: 12 },
      (_, i) => (known.responses(`b${i}`)[0]?.obj as { r?: number } | undefined)?.r,
    );
    expect(codes.join(',')).toBe('0,0,0,0,0,0,0,0,0,0,20,20');
    await h.advance(1_000); // two more tokens earned
    const again = await known.askOnce(
      {
        m: 'r',
        t: 'n',
        d: 'p',
        a: { ip: pub(120).host, port: pub(120).port, token: 'tok-later-1' },
        z: 'b12',
      },
      peer.endpoint,
    );
    expect(again.text).toBe(err(0, 'b12'));
  });

  it('stops knocking once a knock is answered, and the path is punched', async () => {
    const { peer, origin, punch } = world();
    origin.answerPings(); // the route is kept once a ping over it is answered (connector.keepIfProven)
    await punch('p3'); // the first knock reaches the origin within these 100 ms
    const [first] = knocksAt(origin);
    expect(first).toBeDefined();
    origin.send({ m: 'R', r: 0, c: {}, z: first?.obj?.z }, peer.endpoint);
    await h.advance(5_000);
    expect(knocksAt(origin)).toHaveLength(1);
    expect(peer.peer.pathTo(origin.endpoint)).toMatchObject({ kind: 'punched' });
    expect(peer.peer.pathTo(origin.endpoint)).not.toHaveProperty('actual');
  });

  it('n/k: 10 for an unknown token; 0 while its punch runs, which that knock ends (the path goes where it came from); 10 long after', async () => {
    const { peer, origin, punch } = world();
    const knocker = h.probe(pub(62)).answerPings();
    const knock = (z: string, token = TOKEN) =>
      knocker.askOnce({ m: 'r', t: 'n', d: 'k', a: { token }, z }, peer.endpoint);
    expect((await knock('k0')).text).toBe(err(10, 'k0'));
    await punch('p4');
    expect((await knock('k1', 'ffffffff-0000-4000-8000-000000000000')).text).toBe(err(10, 'k1'));
    expect((await knock('k2')).text).toBe(err(0, 'k2'));
    const knocksBefore = knocksAt(origin).length;
    await h.advance(2_000);
    // The knock came from an address it did not know: that is where the peer really is (its
    // answer went back there), and no more knocks are needed.
    expect(peer.peer.pathTo(origin.endpoint)).toMatchObject({ kind: 'punched', actual: knocker.endpoint });
    expect(knocksAt(origin)).toHaveLength(knocksBefore);
    // Its token is still answered a while (3 s: the other side may be late).
    expect((await knock('k3')).text).toBe(err(0, 'k3'));
    await h.advance(1_500); // past 3 s after the punch ended
    expect((await knock('k4')).text).toBe(err(10, 'k4'));
  });
});

describe('n/r (relay) at a relay', () => {
  const MSG = { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z: 'inner' };

  function relayWorld(role: 'peer' | 'bootstrap', offer?: 'auto' | 'always' | 'never', natType?: NatType) {
    h = new SimHarness();
    return addPeer({
      role,
      host: RV.host,
      port: RV.port,
      start: false,
      config: { ...(offer ? { traversal: traversal({ offer }) } : {}), ...(natType ? { natType } : {}) },
    });
  }
  const relayTo = (target: Endpoint, msg: Record<string, unknown>, z?: string) => ({
    m: 'r',
    t: 'n',
    d: 'r',
    a: { ip: target.host, port: target.port, msg },
    ...(z === undefined ? {} : { z }),
  });

  it.each([
    ['a peer behind a restricted NAT (auto)', 'peer', undefined, 'Restricted Cone'],
    ['a bootstrap that never relays', 'bootstrap', 'never', undefined],
  ] as const)('%s answers 2, forwarding nothing', async (_, role, offer, natType) => {
    relayWorld(role, offer, natType);
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = h.probe(pub(51));
    const before = target.received.length;
    expect((await sender.askOnce(relayTo(target.endpoint, MSG, 'r0'), RV)).text).toBe(err(2, 'r0'));
    await h.advance(200);
    expect(since(target, before)).toEqual([]);
  });

  it('answers 10 (with the z) for a target it has not verified', async () => {
    relayWorld('bootstrap');
    const stranger = h.probe(pub(52));
    const sender = await registered(RV, 'Full Cone', pub(51));
    expect((await sender.askOnce(relayTo(stranger.endpoint, MSG, 'r1'), RV)).text).toBe(err(10, 'r1'));
    await h.advance(200);
    expect(stranger.received).toEqual([]);
  });

  it('forwards to a registered target as n/f with the origin, and answers the sender nothing', async () => {
    relayWorld('bootstrap');
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = await registered(RV, 'Full Cone', pub(51));
    const before = target.received.length;
    const senderBefore = sender.received.length;
    sender.send(relayTo(target.endpoint, MSG, 'r2'), RV);
    await h.advance(500);
    expect(since(sender, senderBefore)).toEqual([]);
    const got = since(target, before);
    expect(got.map((r) => r.text)).toEqual([
      `{"m":"r","t":"n","d":"f","a":{"ip":"${sender.endpoint.host}","port":${sender.endpoint.port},"msg":${JSON.stringify(MSG)}}}`,
    ]);
    expect(got[0]?.peer).toEqual(RV);
  });

  it('a peer with relay "always" forwards too', async () => {
    relayWorld('peer', 'always');
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = await registered(RV, 'Full Cone', pub(51));
    const before = target.received.length;
    sender.send(relayTo(target.endpoint, MSG), RV);
    await h.advance(200);
    expect(since(target, before).filter((r) => r.obj && isN('f')(r.obj))).toHaveLength(1);
  });

  it('relays only for proven senders: an unproven n/r is dropped unanswered, and nobody is pinged', async () => {
    relayWorld('bootstrap');
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = (await registered(RV, 'Full Cone', pub(51))).unproven(); // answered a ping: proves nothing
    const before = target.received.length;
    const senderBefore = sender.received.length;
    sender.send(relayTo(target.endpoint, MSG, 'r3'), RV);
    await h.advance(2_000);
    expect(since(target, before)).toEqual([]);
    expect(since(sender, senderBefore)).toEqual([]);
  });

  it.each([
    ['n/r', { m: 'r', t: 'n', d: 'r', a: { ip: '198.51.100.60', port: 9000, msg: { m: 'p' } } }],
    ['n/f', { m: 'r', t: 'n', d: 'f', a: { ip: '198.51.100.60', port: 9000, msg: { m: 'p' } } }],
  ])('refuses to carry an %s (no nesting) with 2', async (_, inner) => {
    relayWorld('bootstrap');
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = h.probe(pub(51));
    const before = target.received.length;
    expect((await sender.askOnce(relayTo(target.endpoint, inner, 'nest'), RV)).text).toBe(err(2, 'nest'));
    await h.advance(200);
    expect(since(target, before)).toEqual([]);
  });
});

describe('n/f (forwarded) at the target', () => {
  const post = (chatUuid: string, z: string) => ({
    m: 'r',
    t: 's',
    d: 'm',
    a: { chatUuid, name: 'relayed', content: 'via relay' },
    z,
  });
  const forwarded = (origin: Endpoint, msg: Record<string, unknown>) => ({
    m: 'r',
    t: 'n',
    d: 'f',
    a: { ip: origin.host, port: origin.port, msg },
  });

  it.each(['a stranger', 'its bootstrap, which never advertised relaying to it'])(
    'from %s: dropped silently, the inner post not run',
    async (who) => {
      h = new SimHarness();
      const boot = h.probe(RV);
      const peer = addPeer({
        host: '198.51.100.30',
        port: 7000,
        start: false,
        config: { bootstrapPeers: [RV] },
      });
      const chat = await h.settle(peer.peer.createChat('c', 'first', 'host'));
      const sender = who === 'a stranger' ? h.probe(pub(60)) : boot;
      const origin = h.probe(pub(51));
      const sentBefore = peer.tap.sent.length;
      sender.send(forwarded(origin.endpoint, post(chat.uuid, 'f0')), peer.endpoint);
      await h.advance(1_000);
      expect(sender.received).toEqual([]);
      expect(origin.received).toEqual([]);
      expect(peer.tap.sent.slice(sentBefore)).toEqual([]);
      const messages = await h.settle(peer.peer.readChat(null, chat.uuid));
      expect(messages.map((m) => m.content)).toEqual(['first']);
      expect(peer.peer.pathTo(origin.endpoint)).toBeNull();
    },
  );

  it('from its relay: the inner post runs, and the answer goes back as n/r to the relay for the origin', async () => {
    h = new SimHarness();
    const relay = addPeer({ role: 'bootstrap', host: RV.host, port: RV.port });
    const target = addPeer({ host: '198.51.100.30', port: 7000, config: { bootstrapPeers: [RV] } });
    await h.advance(1_000); // the target pinged its bootstrap (learning it relays) and registered
    expect(target.peer.bootstrapStates()[0]?.state).toBe('registered');
    const chat = await h.settle(target.peer.createChat('c', 'first', 'host'));
    const origin = await registered(RV, 'Restricted Cone', pub(51));
    const sentBefore = target.tap.sent.length;
    const originBefore = origin.received.length;

    origin.send(
      { m: 'r', t: 'n', d: 'r', a: { ip: '198.51.100.30', port: 7000, msg: post(chat.uuid, 'f1') } },
      RV,
    );
    await h.advance(200);

    const messages = await h.settle(target.peer.readChat(null, chat.uuid));
    expect(messages.map((m) => m.content)).toEqual(['first', 'via relay']);
    // The target sent the origin nothing directly: only the wrapped answer, to the relay.
    const out = target.tap.sent.slice(sentBefore);
    expect(out.filter((r) => r.peer.host === origin.endpoint.host)).toEqual([]);
    // The wrapper carries the relay's address token for the target: relays forward for proven senders.
    expect(out.map((r) => r.obj?.k)).toEqual([expect.stringMatching(/^[0-9a-z]+_[A-Za-z0-9_-]{22}$/)]);
    expect(out.map((r) => [r.peer, String(r.text).replace(/,"k":"[^"]+"/, '')])).toEqual([
      [
        RV,
        `{"m":"r","t":"n","d":"r","a":{"ip":"${origin.endpoint.host}","port":${origin.endpoint.port},"msg":{"m":"R","r":0,"c":{},"z":"f1"}}}`,
      ],
    ]);
    // ...which the relay brought to the origin.
    expect(since(origin, originBefore).map((r) => r.text)).toEqual([
      `{"m":"r","t":"n","d":"f","a":{"ip":"198.51.100.30","port":7000,"msg":{"m":"R","r":0,"c":{},"z":"f1"}}}`,
    ]);
    // The relay brought the request unasked: it answers back that way, but makes no route.
    expect(target.peer.pathTo(origin.endpoint)).toBeNull();
    expect(relay.tap.sentWhere(isN('f'))).toHaveLength(2);
  });
});

describe('g/i and NAT types', () => {
  const TYPES = [
    'Full Cone',
    'Restricted Cone',
    'Port Restricted Cone',
    'Symmetric',
    'Open Internet',
    'Blocked',
  ];

  async function listing(nat: boolean | undefined) {
    h = new SimHarness();
    const rv = addPeer({ role: 'bootstrap', host: RV.host, port: RV.port, start: false });
    for (const [i, t] of TYPES.entries()) await registered(RV, t, pub(70 + i, 9000));
    // It answers pings: a list is larger than 3x the request, so it is sent once the asker is validated.
    const asker = h.probe(pub(51)).answerPings();
    const a = nat === undefined ? { maxPeersLength: 50 } : { maxPeersLength: 50, nat };
    const answer = await asker.askOnce({ m: 'r', t: 'g', d: 'i', a, z: 'gi' }, rv.endpoint, 300);
    expect(answer.obj).toMatchObject({ m: 'R', r: 0, z: 'gi' });
    const peers = (answer.obj.c as { peers: { natConeType: string; ip: string; port: number }[] }).peers;
    return [...peers].sort((x, y) => x.ip.localeCompare(y.ip));
  }

  it('without nat: base types only, and no peer only traversal reaches', async () => {
    expect(await listing(undefined)).toStrictEqual([
      { natConeType: 'Full Cone', ip: '198.51.100.70', port: 9000 },
      { natConeType: 'Restricted Cone', ip: '198.51.100.71', port: 9000 },
      { natConeType: 'Restricted Cone', ip: '198.51.100.72', port: 9000 }, // Port Restricted Cone
      { natConeType: 'Full Cone', ip: '198.51.100.74', port: 9000 }, // Open Internet
    ]);
  });

  it('with nat:true: everyone, with their true types', async () => {
    expect(await listing(true)).toStrictEqual(
      TYPES.map((natConeType, i) => ({ natConeType, ip: `198.51.100.${70 + i}`, port: 9000 })),
    );
  });
});

describe('keepalives on a punched path', () => {
  // Host and client behind port-restricted NATs (mappings expire 120 s after the last outbound
  // datagram), one public bootstrap as rendezvous. Sync rounds 10 min apart, so for the 5 idle
  // minutes only keepalives cross the path.
  // keepaliveIdleMs 0 (paths kept however idle) unless a test says otherwise.
  async function punchedPair(keepaliveMs: number, keepaliveIdleMs = 0) {
    h = new SimHarness({ latencyMs: 10 });
    const sync = { intervalMs: 600_000 };
    h.addPeer({ role: 'bootstrap', host: RV.host, port: RV.port, config: { sync } });
    const behind = (n: number) => {
      const publicEndpoint = { host: `198.51.100.${n}`, port: 7000 };
      return h.addPeer({
        host: `10.${n}.0.10`,
        port: 7000,
        nat: { behaviour: 'port-restricted', publicHost: publicEndpoint.host },
        config: {
          bootstrapPeers: [RV],
          natType: 'Port Restricted Cone',
          publicEndpoint,
          sync,
          traversal: traversal({ keepaliveMs, keepaliveIdleMs }),
        },
      });
    };
    const host = behind(21);
    const chat = await h.settle(host.peer.createChat('kept', 'hello', 'host'));
    await h.advance(2_000); // the host is registered before the client asks for peers
    const client = behind(31);
    let at: Endpoint | undefined;
    for (let waited = 0; !at && waited < 30_000; waited += 500) {
      at = client.peer.remoteChats().find((hc) => hc.chats.some((c) => c.uuid === chat.uuid))?.host;
      if (!at) await h.advance(500);
    }
    if (!at) throw new Error('chat never listed');
    expect(client.peer.pathTo(at)?.kind).toBe('punched');
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    return { host, client, at, chat };
  }

  it('keepalive every 10 s: the path still carries a read after 5 idle minutes', async () => {
    const { client, at, chat } = await punchedPair(10_000);
    const since = client.peer.pathTo(at)?.since;
    await h.advance(5 * 60_000);
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    // The same path, kept: not found again.
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'punched', since });
  });

  it('a punched path that keeps answering our requests gets no keepalive ping on top (its answers kept the bindings)', async () => {
    const { client, at, chat } = await punchedPair(10_000);
    const since = client.peer.pathTo(at)?.since;
    const pingsToHost = () => client.tap.sentWhere((o, r) => o.m === 'p' && r.peer.host === at.host).length;
    const before = pingsToHost();
    // A read every 5 s for a minute: each answer refreshes both NATs' bindings; before, the path
    // was pinged every 10 s anyway (6 pings and their ~390 B answers).
    for (let i = 0; i < 12; i++) {
      await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
      await h.advance(5_000);
    }
    expect(pingsToHost() - before).toBe(0);
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'punched', since });
  });

  it('a path nobody used for keepaliveIdleMs gets no more keepalives; the next read punches it again', async () => {
    const { host, client, at, chat } = await punchedPair(10_000, 60_000);
    const since = client.peer.pathTo(at)?.since ?? 0;
    const pingsToHost = () => client.tap.sentWhere((o, r) => o.m === 'p' && r.peer.host === at.host).length;
    await h.advance(90_000);
    const after90s = pingsToHost();
    await h.advance(3 * 60_000);
    // Idle past 60 s: dropped, not pinged every 10 s for the next 3 minutes (18 pings before).
    expect(pingsToHost() - after90s).toBe(0);
    expect(client.peer.pathTo(at)).toBeNull();
    // Their sync rounds (10 min apart here, 15 s by default) reopen their bindings toward the
    // rendezvous; found again on use, the path carries the read.
    await h.settle(host.peer.syncNow());
    await h.settle(client.peer.syncNow());
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 60_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    expect(client.peer.pathTo(at)?.kind).toBe('punched');
    expect(client.peer.pathTo(at)?.since ?? 0).toBeGreaterThan(since);
  });

  it('no keepalive: after 5 idle minutes the NAT bindings are gone and the read fails', async () => {
    // Sync is 10 min apart here, so even the host's binding toward its rendezvous is gone: nothing
    // can introduce or relay to it any more (with the default 15 s sync, the rendezvous stays).
    const { client, at, chat } = await punchedPair(0);
    await h.advance(5 * 60_000);
    const failure = await h.settleError(client.peer.readChat(at, chat.uuid), 120_000);
    expect(failure).toBeInstanceOf(NanceError);
    expect((failure as NanceError).kind).toBe('timeout');
  });

  it('a read that times out on a punched path punches a new one and is sent again', async () => {
    const { client, at, chat } = await punchedPair(10_000);
    const since = client.peer.pathTo(at)?.since ?? 0;
    // The path breaks for 15 s: the read's first try times out (a page gets 3 cycles of 4 sends,
    // ≈ 13.5 s), the new punch starts inside the break and gets through once it heals.
    const clientPublic = { host: '198.51.100.31', port: 7000 };
    h.net.partition(clientPublic, at);
    const reading = client.peer.readChat(at, chat.uuid);
    await h.advance(15_000);
    h.net.heal(clientPublic, at);
    const read = await h.settle(reading, 60_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    expect(client.peer.pathTo(at)?.kind).toBe('punched');
    expect(client.peer.pathTo(at)?.since ?? 0).toBeGreaterThan(since);
  });

  it('keepalives turned on at run time (reconfigure) keep the path from then on', async () => {
    const { client, at, chat } = await punchedPair(0);
    client.peer.reconfigure({ traversal: { ...client.peer.config.traversal, keepaliveMs: 10_000 } });
    const since = client.peer.pathTo(at)?.since;
    await h.advance(5 * 60_000);
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'punched', since });
  });
});

describe('verification does not rest on the abuse limits', () => {
  // With --no-abuse-limits (GUARD_OFF) the anti-amplification rule is off, and its isValidated()
  // answers true for every address: a relay must still refuse targets it never verified.
  it('with abuse limits off, a relay still answers 10 for a target it never verified', async () => {
    h = new SimHarness();
    h.addPeer({
      role: 'bootstrap',
      host: RV.host,
      port: RV.port,
      start: false,
      config: { guard: GUARD_OFF },
    });
    const victim = h.probe(pub(52));
    const sender = await registered(RV, 'Full Cone', pub(51));
    const msg = { m: 'p', z: 'x' };
    const answers = await sender.ask(
      { m: 'r', t: 'n', d: 'r', a: { ip: victim.endpoint.host, port: victim.endpoint.port, msg }, z: 'open' },
      RV,
      200,
    );
    expect(victim.received.map((r) => r.text)).toEqual([]);
    expect(answers.map((r) => r.text)).toEqual([err(10, 'open')]);
  });

  it('with abuse limits off, a rendezvous still answers 10 for a target it never verified', async () => {
    h = new SimHarness();
    h.addPeer({
      role: 'bootstrap',
      host: RV.host,
      port: RV.port,
      start: false,
      config: { guard: GUARD_OFF },
    });
    const victim = h.probe(pub(52));
    const asker = h.probe(pub(51));
    const answers = await asker.ask(
      { m: 'r', t: 'n', d: 'i', a: { ip: victim.endpoint.host, port: victim.endpoint.port }, z: 'open' },
      RV,
      2_000,
    );
    expect(victim.received.map((r) => r.text)).toEqual([]);
    expect(answers.map((r) => r.text)).toEqual([err(10, 'open')]);
  });
});

describe('forged relay frames (n/f)', () => {
  const AD_RELAY = { nance: { v: 1, ext: ['page', 'punch', 'relay'], role: 'bootstrap' } };
  const AD_PEER = { nance: { v: 1, ext: ['page', 'punch'], role: 'peer' } };
  type Wire = Record<string, unknown>;
  const forwarded = (origin: Endpoint, msg: Wire) => ({
    m: 'r',
    t: 'n',
    d: 'f',
    a: { ip: origin.host, port: origin.port, msg },
  });

  /**
   * Answers, from `probe`, every request `peer` sent it that `answer` has a content for, until
   * `until` settles; returns its outcome. A request wrapped in an `n/r` is answered as the relay
   * would bring the answer back: in an `n/f` from the wrapped request's target.
   */
  async function serveWhile<T>(
    probe: Probe,
    peer: SimPeer,
    answer: (request: Wire, wrappedFor?: Endpoint) => Wire | undefined,
    until: Promise<T>,
    maxMs = 30_000,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    until.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    let seen = 0;
    for (let waited = 0; outcome === undefined && waited < maxMs; waited += 10) {
      for (const rec of probe.received.slice(seen)) {
        const obj = rec.obj;
        if (!obj || !sameEndpoint(rec.peer, peer.endpoint)) continue;
        if (isN('r')(obj)) {
          const a = obj.a as { ip: string; port: number; msg: Wire };
          const c = answer(a.msg, { host: a.ip, port: a.port });
          if (c)
            probe.send(
              forwarded({ host: a.ip, port: a.port }, { m: 'R', r: 0, c, z: a.msg.z }),
              peer.endpoint,
            );
        } else if (obj.m === 'p' || obj.m === 'r') {
          const c = answer(obj);
          if (c) probe.send({ m: 'R', r: 0, c, z: obj.z }, peer.endpoint);
        }
      }
      seen = probe.received.length;
      await h.advance(10);
    }
    if (!outcome) throw new Error('never settled');
    return outcome;
  }
  /** The datagram an `n/r` carries. */
  const innerOf = (r: { obj?: Wire }) => (r.obj?.a as { msg?: Wire } | undefined)?.msg;

  /** A peer (not started: no sync of its own) joined through `boot`, a probe that relays. */
  async function joinedThroughRelayingBootstrap() {
    h = new SimHarness();
    const boot = h.probe(RV);
    const peer = peerJoinedAt(RV);
    const joining = serveWhile(
      boot,
      peer,
      (o) =>
        o.m === 'p' ? AD_RELAY : o.d === 'i' && o.t === 'r' ? {} : o.d === 'i' ? { peers: [] } : undefined,
      peer.peer.syncNow(),
    );
    expect((await joining).ok).toBe(true);
    expect(peer.peer.bootstrapStates()[0]?.state).toBe('registered');
    return { boot, peer };
  }

  it('from a stranger that registered with the peer advertising relay: dropped, no route, nothing run', async () => {
    h = new SimHarness();
    const peer = addPeer({ host: '198.51.100.30', port: 7000, start: false });
    const chat = await h.settle(peer.peer.createChat('c', 'first', 'host'));
    const stranger = h.probe(pub(60));
    // It registers, answering the ping-back with an advertisement that says it relays.
    const registering = serveWhile(
      stranger,
      peer,
      (o) => (o.m === 'p' ? AD_RELAY : undefined),
      stranger.ask(
        { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'reg' },
        peer.endpoint,
        2_000,
      ),
    );
    expect((await registering).ok).toBe(true);
    expect(stranger.responses('reg').map((r) => r.obj?.r)).toEqual([0]);

    const origin = h.probe(pub(51));
    const sentBefore = peer.tap.sent.length;
    const post = {
      m: 'r',
      t: 's',
      d: 'm',
      a: { chatUuid: chat.uuid, name: 'x', content: 'forged' },
      z: 'f0',
    };
    stranger.send(forwarded(origin.endpoint, post), peer.endpoint);
    await h.advance(1_000);
    expect(peer.peer.pathTo(origin.endpoint)).toBeNull();
    expect(peer.tap.sent.slice(sentBefore)).toEqual([]);
    const messages = await h.settle(peer.peer.readChat(null, chat.uuid));
    expect(messages.map((m) => m.content)).toEqual(['first']);
  });

  it('from its own relaying bootstrap: a request is answered back through it, but no route is made', async () => {
    const { boot, peer } = await joinedThroughRelayingBootstrap();
    const origin = h.probe(pub(51));
    const before = boot.received.length;
    boot.send(forwarded(origin.endpoint, { m: 'p', z: 'fp' }), peer.endpoint);
    await h.advance(200);
    const back = since(boot, before).filter((r) => r.obj && isN('r')(r.obj));
    expect(back.map((r) => innerOf(r)?.z)).toEqual(['fp']);
    expect(origin.received).toEqual([]);
    expect(peer.peer.pathTo(origin.endpoint)).toBeNull();
  });

  it('the same request again, straight this time (a retry over a path proven since), is answered straight', async () => {
    // In the lab the answers to a ping's retries over a new IPv6 path went back through the relay
    // that brought its first send, where the pinger no longer listened: the ping timed out.
    const { boot, peer } = await joinedThroughRelayingBootstrap();
    const origin = h.probe(pub(51));
    boot.send(forwarded(origin.endpoint, { m: 'p', z: 'fr' }), peer.endpoint);
    await h.advance(200);
    const before = boot.received.length;
    origin.send({ m: 'p', z: 'fr' }, peer.endpoint);
    await h.advance(200);
    expect(origin.received.map((r) => r.obj?.z)).toEqual(['fr']);
    expect(since(boot, before).filter((r) => r.obj && isN('r')(r.obj))).toEqual([]);
  });

  it('an answer inside an n/f is taken only for a request sent through that relay: a read from a host reached directly cannot be fed', async () => {
    const { boot, peer } = await joinedThroughRelayingBootstrap();
    const host = h.probe(pub(52)); // silent: only a forged answer could make the read succeed
    const forged = {
      messages: [{ uuid: 'u1', name: 'x', content: 'forged', timestamp: 1, seq: 1 }],
      more: false,
    };
    const reading = peer.peer.readChat(host.endpoint, '6f1c0b4e-8d2a-4c7e-9b3f-0a1b2c3d4e5f');
    // The relay sees each request the peer sends the host (here: it is told them) and forges the
    // answer, as an n/f from the host.
    let forgedSent = 0;
    let seen = 0;
    let outcome: 'read' | 'failed' | undefined;
    reading.then(
      () => {
        outcome = 'read';
      },
      () => {
        outcome = 'failed';
      },
    );
    for (let waited = 0; outcome === undefined && waited < 60_000; waited += 10) {
      for (const rec of host.received.slice(seen)) {
        const o = rec.obj;
        if (!o) continue;
        const c = o.m === 'p' ? AD_PEER : o.d === 'm' ? forged : undefined;
        if (c) {
          boot.send(forwarded(host.endpoint, { m: 'R', r: 0, c, z: o.z }), peer.endpoint);
          forgedSent++;
        }
      }
      seen = host.received.length;
      await h.advance(10);
    }
    expect(forgedSent).toBeGreaterThan(0);
    expect(outcome).toBe('failed');
    expect(peer.peer.pathTo(host.endpoint)).toBeNull();
  });

  it('an r/i out of a relay is answered 3: nothing registered, nothing listed', async () => {
    const { boot, peer } = await joinedThroughRelayingBootstrap();
    const victim = h.probe(pub(53));
    const before = boot.received.length;
    const register = { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'fr' };
    // The relay would answer a ping-back sent through it, pretending to be the victim.
    const outcome = await serveWhile(
      boot,
      peer,
      (o) => (o.m === 'p' ? AD_PEER : undefined),
      (async () => {
        boot.send(forwarded(victim.endpoint, register), peer.endpoint);
        await h.advance(3_000);
      })(),
    );
    expect(outcome.ok).toBe(true);
    const answers = since(boot, before)
      .filter((r) => r.obj && isN('r')(r.obj))
      .map((r) => innerOf(r));
    expect(answers).toEqual([{ m: 'R', r: 3, c: {}, z: 'fr' }]);
    expect(peer.peer.knownPeers().map((p) => `${p.host}:${p.port}`)).not.toContain(
      `${victim.endpoint.host}:${victim.endpoint.port}`,
    );
    const asker = h.probe(pub(54)).answerPings();
    const listed = await asker.askOnce(
      { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 50 }, z: 'gi' },
      peer.endpoint,
      2_000,
    );
    expect(JSON.stringify(listed.obj)).not.toContain(victim.endpoint.host);
    expect(victim.received).toEqual([]);
  });

  it('an rv in an answer out of a relay is not taken: the next reach asks no rendezvous the relay named', async () => {
    const { boot, peer } = await joinedThroughRelayingBootstrap();
    // Public peers that would introduce (they advertise punch): where a rewritten rv would send us.
    const named = [23, 24].map((n) =>
      h
        .probe(pub(n))
        .answerPings(undefined, { v: 1, ext: ['page', 'punch'], role: 'peer', nat: 'Full Cone' }),
    );
    const target = pub(55); // silent straight: reached only through the relay
    const now = h.clock.now();
    peer.store.upsertPeer({
      ...target,
      natType: 'Symmetric',
      role: 'peer',
      firstSeen: now,
      lastSeen: now,
      failures: 0,
    });
    const rv = named.map((p) => ({ ip: p.endpoint.host, port: p.endpoint.port }));
    // The relay answers the target's pings itself, naming those peers as the target's rendezvous;
    // for itself it answers as a relaying bootstrap.
    const relayAnswers = (o: Wire, wrappedFor?: Endpoint): Wire | undefined => {
      if (wrappedFor) return o.m === 'p' ? { nance: { ...AD_PEER.nance, nat: 'Symmetric', rv } } : undefined;
      if (o.m === 'p') return AD_RELAY;
      if (o.t === 'r' && o.d === 'i') return {};
      if (o.t === 'g') return { peers: [] };
      return undefined;
    };
    const relayed = await serveWhile(boot, peer, relayAnswers, peer.peer.syncNow(), 120_000);
    expect(relayed.ok).toBe(true);
    expect(peer.peer.pathTo(target)?.kind).toBe('relayed');

    // The relay goes quiet: the next sync looks for a way to the target again.
    await h.settle(peer.peer.syncNow(), 120_000);
    expect(peer.peer.pathTo(target)).toBeNull();
    const asked = named.flatMap((p) =>
      p.received
        .filter((r) => r.obj && isN('i')(r.obj) && sameEndpoint(r.peer, peer.endpoint))
        .map((r) => ({ at: p.endpoint, asked: r.obj?.a })),
    );
    expect(asked).toEqual([]);
  });
});
