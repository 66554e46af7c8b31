// The NAT traversal extension (n/*, g/i's nat flag, the ping ad) on the wire, over the simulator with
// raw probes: the exact answers a peer gives, what it sends on behalf of others, and what it refuses.
import { afterEach, describe, expect, it } from 'vitest';
import { type Probe, SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import { NanceError } from '../errors.js';
import { DEFAULT_GUARD, GUARD_OFF } from '../guard/index.js';
import type { PeerConfig } from '../peer.js';
import type { Endpoint } from '../ports.js';
import { DEFAULT_TRAVERSAL, type TraversalSettings } from './traversal.js';

let h: SimHarness;

afterEach(async () => {
  await h.close();
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

function addPeer(spec: Parameters<SimHarness['addPeer']>[0] & { config?: Partial<PeerConfig> }): SimPeer {
  return h.addPeer({ ...spec, config: { guard: GUARD, ...spec.config } });
}

/** A probe that registers with `at` as `natConeType` (it answers the ping-back, and every ping after). */
async function registered(at: Endpoint, natConeType: string, e: Endpoint): Promise<Probe> {
  const probe = h.probe(e).answerPings();
  const z = `reg-${e.host}-${e.port}`;
  const answer = await probe.askOnce({ m: 'r', t: 'r', d: 'i', a: { natConeType }, z }, at);
  expect(answer.text).toBe(err(0, z));
  return probe;
}

/** Everything a probe received since index `from`. */
const since = (probe: Probe, from: number) => probe.received.slice(from);

describe('the ping ad', () => {
  it.each<[string, Partial<PeerConfig> & { role: 'peer' | 'bootstrap' }, string]>([
    [
      'a peer: punch, not relay',
      { role: 'peer' },
      '{"v":1,"ext":["page","proof","punch"],"role":"peer","nat":"Open Internet"}',
    ],
    [
      'a bootstrap (auto): punch and relay',
      { role: 'bootstrap', natType: 'Full Cone' },
      '{"v":1,"ext":["page","proof","punch","relay"],"role":"bootstrap","nat":"Full Cone"}',
    ],
    [
      'a peer with relay "always": relay too',
      { role: 'peer', traversal: traversal({ offer: 'always' }) },
      '{"v":1,"ext":["page","proof","punch","relay"],"role":"peer","nat":"Open Internet"}',
    ],
    [
      'a bootstrap with relay "never": no relay',
      { role: 'bootstrap', traversal: traversal({ offer: 'never' }) },
      '{"v":1,"ext":["page","proof","punch"],"role":"bootstrap","nat":"Open Internet"}',
    ],
    [
      'a mapped peer behind a symmetric NAT: its true type and mapped',
      { role: 'peer', natType: 'Symmetric', mapped: true },
      '{"v":1,"ext":["page","proof","punch"],"role":"peer","nat":"Symmetric","mapped":true}',
    ],
  ])('%s', async (_, config, ad) => {
    h = new SimHarness();
    const { role, ...rest } = config;
    const peer = h.addPeer({ role, host: RV.host, port: RV.port, start: false, config: rest });
    const probe = h.probe(pub(50));
    const answer = await probe.askOnce({ m: 'p', z: 'ad' }, peer.endpoint);
    // The address token for the pinger ends the ad (docs/protocol.md, "Address proof").
    const token = /,"k":"[0-9a-z]+_[A-Za-z0-9_-]{22}"}/;
    expect(answer.text).toMatch(token);
    expect(String(answer.text).replace(token, '}')).toBe(`{"m":"R","r":0,"c":{"nance":${ad}},"z":"ad"}`);
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

  it('pings an asker it never heard from before introducing it; one that stays silent gets 3', async () => {
    rendezvous();
    const target = await registered(RV, 'Port Restricted Cone', pub(52));
    const asker = h.probe(pub(51)); // does not answer pings: perhaps a spoofed address
    const start = target.received.length;
    asker.send(
      { m: 'r', t: 'n', d: 'i', a: { ip: target.endpoint.host, port: target.endpoint.port }, z: 'i4' },
      RV,
    );
    await h.advance(3_000);
    expect(asker.received.filter((r) => r.obj?.m === 'p')).toHaveLength(3);
    expect(asker.responses('i4').map((r) => r.text)).toEqual([err(3, 'i4')]);
    // The target was never told to knock at that address.
    expect(since(target, start).filter((r) => r.obj && isN('p')(r.obj))).toEqual([]);
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
    const peer = addPeer({
      host: '198.51.100.30',
      port: 7000,
      start: false,
      config: { bootstrapPeers: [RV] },
    });
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

  it('from its bootstrap: 0, then a knock with the token every 150 ms for 3 s', async () => {
    const { origin, punch } = world();
    expect((await punch('p1')).text).toBe(err(0, 'p1'));
    await h.advance(5_000);
    const knocks = knocksAt(origin);
    expect(knocks).toHaveLength(20); // at 0, 150, ..., 2850 ms; given up at 3000
    for (const k of knocks) {
      expect(k.obj).toStrictEqual({ m: 'r', t: 'n', d: 'k', a: { token: TOKEN }, z: expect.any(String), k: expect.any(String) });
    }
    const gaps = knocks.slice(1).map((k, i) => k.at - (knocks[i]?.at ?? 0));
    expect(new Set(gaps)).toEqual(new Set([150]));
    expect(new Set(knocks.map((k) => k.obj?.z)).size).toBe(20); // each knock a request of its own
  });

  it('from a peer registered with it: 0', async () => {
    const { peer, origin } = world();
    const known = await registered(peer.endpoint, 'Full Cone', pub(61));
    const answer = await known.askOnce(
      {
        m: 'r',
        t: 'n',
        d: 'p',
        a: { ip: origin.endpoint.host, port: origin.endpoint.port, token: TOKEN },
        z: 'p2',
      },
      peer.endpoint,
    );
    expect(answer.text).toBe(err(0, 'p2'));
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
    // One stream (20 knocks over the 3 s a punch lasts, extended a little by the second one), with
    // the first token; not two streams aimed at the same address.
    const knocks = knocksAt(origin);
    expect(knocks.length).toBeGreaterThanOrEqual(20);
    expect(knocks.length).toBeLessThanOrEqual(21);
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

  it('an ordinary peer may ask for 10 introductions at once, then 2 per second (20 beyond)', async () => {
    const { peer } = world();
    const known = await registered(peer.endpoint, 'Full Cone', pub(61));
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
    await punch('p3'); // the first knock reaches the origin within these 100 ms
    const [first] = knocksAt(origin);
    expect(first).toBeDefined();
    origin.send({ m: 'R', r: 0, c: {}, z: first?.obj?.z }, peer.endpoint);
    await h.advance(5_000);
    expect(knocksAt(origin)).toHaveLength(1);
    expect(peer.peer.pathTo(origin.endpoint)).toMatchObject({ kind: 'punched' });
    expect(peer.peer.pathTo(origin.endpoint)).not.toHaveProperty('actual');
  });

  it('n/k: 10 for an unknown token; 0 while its punch runs (and knocks back at a new address); 10 long after', async () => {
    const { peer, punch } = world();
    const knocker = h.probe(pub(62));
    const knock = (z: string, token = TOKEN) =>
      knocker.askOnce({ m: 'r', t: 'n', d: 'k', a: { token }, z }, peer.endpoint);
    expect((await knock('k0')).text).toBe(err(10, 'k0'));
    await punch('p4');
    expect((await knock('k1', 'ffffffff-0000-4000-8000-000000000000')).text).toBe(err(10, 'k1'));
    expect((await knock('k2')).text).toBe(err(0, 'k2'));
    await h.advance(200);
    // The knock came from an address it did not know: that is where the peer may really be.
    expect(knocksAt(knocker).length).toBeGreaterThan(0);
    expect(knocksAt(knocker)[0]?.obj?.a).toStrictEqual({ token: TOKEN });
    // The punch gives up at 3 s; its token is still answered a while (the other side may be late).
    await h.advance(3_500); // ~3.9 s after the n/p
    expect((await knock('k3')).text).toBe(err(0, 'k3'));
    await h.advance(3_000); // past 6 s
    expect((await knock('k4')).text).toBe(err(10, 'k4'));
  });
});

describe('n/r (relay) at a relay', () => {
  const MSG = { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z: 'inner' };

  function relayWorld(role: 'peer' | 'bootstrap', offer?: 'auto' | 'always' | 'never') {
    h = new SimHarness();
    return addPeer({
      role,
      host: RV.host,
      port: RV.port,
      start: false,
      config: offer ? { traversal: traversal({ offer }) } : {},
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
    ['a peer (auto)', 'peer', undefined],
    ['a bootstrap that never relays', 'bootstrap', 'never'],
  ] as const)('%s answers 2, forwarding nothing', async (_, role, offer) => {
    relayWorld(role, offer);
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

  it('relays only for senders that receive at their address: a new one is pinged first', async () => {
    relayWorld('bootstrap');
    const target = await registered(RV, 'Full Cone', pub(52));
    const sender = h.probe(pub(51)); // never talked to the relay: its address is not proven
    const before = target.received.length;
    sender.send(relayTo(target.endpoint, MSG), RV);
    await h.advance(200);
    // Nothing forwarded; the relay pinged the sender instead (a spoofed sender's victim gets a ping).
    expect(since(target, before)).toEqual([]);
    expect(sender.received.filter((r) => r.obj?.m === 'p').length).toBeGreaterThan(0);
    // A sender that answers is proven; its resend is forwarded.
    sender.answerPings();
    await h.advance(2_000);
    sender.send(relayTo(target.endpoint, MSG), RV);
    await h.advance(200);
    expect(since(target, before).filter((r) => r.obj && isN('f')(r.obj))).toHaveLength(1);
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
    expect(out.map((r) => [r.peer, r.text])).toEqual([
      [
        RV,
        `{"m":"r","t":"n","d":"r","a":{"ip":"${origin.endpoint.host}","port":${origin.endpoint.port},"msg":{"m":"R","r":0,"c":{},"z":"f1"}}}`,
      ],
    ]);
    // ...which the relay brought to the origin.
    expect(since(origin, originBefore).map((r) => r.text)).toEqual([
      `{"m":"r","t":"n","d":"f","a":{"ip":"198.51.100.30","port":7000,"msg":{"m":"R","r":0,"c":{},"z":"f1"}}}`,
    ]);
    expect(target.peer.pathTo(origin.endpoint)).toMatchObject({ kind: 'relayed', via: RV });
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
  async function punchedPair(keepaliveMs: number) {
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
          traversal: traversal({ keepaliveMs }),
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
    return { client, at, chat };
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
