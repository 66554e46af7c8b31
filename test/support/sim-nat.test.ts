import { describe, expect, it } from 'vitest';
import type { Endpoint, Transport } from '../../src-main/core/ports.js';
import { SimClock } from './sim-clock.js';
import { type NatBehaviour, SimNat } from './sim-nat.js';
import { SimNetwork } from './sim-network.js';

const NAT_HOST = '198.51.100.1';
const HOST: Endpoint = { host: '10.1.0.10', port: 5000 };
// Two public observers on different IPs and ports, plus neighbours of the first.
const O1: Endpoint = { host: '203.0.113.1', port: 3478 };
const O2: Endpoint = { host: '203.0.113.2', port: 3479 };
const O1_OTHER_PORT: Endpoint = { host: O1.host, port: 4000 };
const O3: Endpoint = { host: '203.0.113.3', port: 3478 };
const TIMEOUT = 120_000;

interface Arrival {
  data: number;
  from: Endpoint;
}

function record(transport: Transport): Arrival[] {
  const log: Arrival[] = [];
  transport.onDatagram((data, from) => log.push({ data: data[0] ?? -1, from }));
  return log;
}

function setup(behaviour: NatBehaviour, options: { latencyMs?: number; seed?: number } = {}) {
  const clock = new SimClock(0);
  const net = new SimNetwork({ clock, latencyMs: options.latencyMs ?? 5 });
  const nat = new SimNat(net, { publicHost: NAT_HOST, behaviour, seed: options.seed ?? 1 });
  const host = nat.bind(HOST);
  const atHost = record(host);
  return { clock, net, nat, host, atHost };
}

/** Sends one datagram from the host to `to` and returns the source the remote saw. */
async function observedFrom(clock: SimClock, host: Transport, remote: Transport): Promise<Endpoint> {
  const log = record(remote);
  host.send(Uint8Array.of(0), remote.localEndpoint());
  await clock.advance(10);
  const last = log.at(-1);
  if (!last) throw new Error(`nothing reached ${remote.localEndpoint().host}`);
  return last.from;
}

const NAT_BEHAVIOURS: NatBehaviour[] = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'];
const EIM: NatBehaviour[] = ['full-cone', 'address-restricted', 'port-restricted'];

describe('SimNat mapping', () => {
  it.each(EIM)('%s shows one port-preserving mapping to every destination', async (behaviour) => {
    const { clock, net, nat, host } = setup(behaviour);
    const o1 = net.bind(O1);
    const o2 = net.bind(O2);
    const seen1 = await observedFrom(clock, host, o1);
    const seen2 = await observedFrom(clock, host, o2);
    expect(seen1).toEqual({ host: NAT_HOST, port: HOST.port });
    expect(seen2).toEqual(seen1);
    expect(nat.publicEndpoint(HOST, O3)).toEqual(seen1);
    expect(host.localEndpoint()).toEqual(HOST);
  });

  it('symmetric shows a different random port to each destination, stable per destination', async () => {
    const { clock, net, nat, host } = setup('symmetric');
    const o1 = net.bind(O1);
    const o2 = net.bind(O2);
    const seen1 = await observedFrom(clock, host, o1);
    const seen2 = await observedFrom(clock, host, o2);
    expect(seen1.host).toBe(NAT_HOST);
    expect(seen2.host).toBe(NAT_HOST);
    expect(seen1.port).not.toBe(seen2.port);
    expect([seen1.port, seen2.port]).not.toContain(HOST.port);
    expect(await observedFrom(clock, host, o1)).toEqual(seen1);
    // Another port of the same IP is another destination, so another mapping.
    const seen3 = await observedFrom(clock, host, net.bind(O1_OTHER_PORT));
    expect([seen1.port, seen2.port]).not.toContain(seen3.port);
    expect(nat.publicEndpoint(HOST, O2)).toEqual(seen2);
    expect(nat.publicEndpoint(HOST, O3)).toBeUndefined();
  });

  it('symmetric ports are reproducible from the seed', async () => {
    const ports = async (seed: number): Promise<number[]> => {
      const { clock, net, host } = setup('symmetric', { seed });
      return [
        (await observedFrom(clock, host, net.bind(O1))).port,
        (await observedFrom(clock, host, net.bind(O2))).port,
      ];
    };
    const first = await ports(5);
    expect(await ports(5)).toEqual(first);
    expect(await ports(6)).not.toEqual(first);
  });

  it('gives a second private host on a taken port another external port', async () => {
    const { clock, net, nat, host } = setup('port-restricted');
    const other = nat.bind({ host: '10.1.0.11', port: HOST.port });
    const o1 = net.bind(O1);
    const first = await observedFrom(clock, host, o1);
    const second = await observedFrom(clock, other, o1);
    expect(first.port).toBe(HOST.port);
    expect(second.host).toBe(NAT_HOST);
    expect(second.port).not.toBe(HOST.port);
    expect(() => nat.bind({ ...HOST })).toThrow('10.1.0.10:5000');
  });
});

describe('SimNat filtering', () => {
  // Who may send to the external port after the host sent to O1 only.
  const table: Record<NatBehaviour, { O1: boolean; O1_OTHER_PORT: boolean; O3: boolean }> = {
    open: { O1: true, O1_OTHER_PORT: true, O3: true },
    'full-cone': { O1: true, O1_OTHER_PORT: true, O3: true },
    'address-restricted': { O1: true, O1_OTHER_PORT: true, O3: false },
    'port-restricted': { O1: true, O1_OTHER_PORT: false, O3: false },
    symmetric: { O1: true, O1_OTHER_PORT: false, O3: false },
  };

  it.each(NAT_BEHAVIOURS)('%s admits the expected unsolicited senders', async (behaviour) => {
    const { clock, net, nat, host, atHost } = setup(behaviour);
    const senders = { O1: net.bind(O1), O1_OTHER_PORT: net.bind(O1_OTHER_PORT), O3: net.bind(O3) };
    const mapped = await observedFrom(clock, host, senders.O1);

    const got: Record<string, boolean> = {};
    for (const [name, sender] of Object.entries(senders)) {
      const before = atHost.length;
      sender.send(Uint8Array.of(1), mapped);
      await clock.advance(10);
      got[name] = atHost.length > before;
      // The host sees the real remote as the source.
      if (got[name]) expect(atHost.at(-1)?.from).toEqual(sender.localEndpoint());
    }
    expect(got).toEqual(table[behaviour]);
    const admitted = Object.values(table[behaviour]).filter(Boolean).length;
    expect(nat.stats).toEqual({ translatedOut: 1, translatedIn: admitted, dropped: 3 - admitted });
  });

  it('symmetric admits a contacted remote only at the port mapped for it', async () => {
    const { clock, net, nat, host, atHost } = setup('symmetric');
    const o1 = net.bind(O1);
    const o2 = net.bind(O2);
    const forO1 = await observedFrom(clock, host, o1);
    const forO2 = await observedFrom(clock, host, o2);
    o1.send(Uint8Array.of(1), forO2);
    o2.send(Uint8Array.of(2), forO1);
    await clock.advance(10);
    expect(atHost).toEqual([]);
    o1.send(Uint8Array.of(3), forO1);
    o2.send(Uint8Array.of(4), forO2);
    await clock.advance(10);
    expect(atHost).toEqual([
      { data: 3, from: O1 },
      { data: 4, from: O2 },
    ]);
    expect(nat.stats).toEqual({ translatedOut: 2, translatedIn: 2, dropped: 2 });
  });

  it.each(NAT_BEHAVIOURS)('%s drops everything before the host sends', async (behaviour) => {
    const { clock, net, nat, atHost } = setup(behaviour);
    const o1 = net.bind(O1);
    o1.send(Uint8Array.of(1), { host: NAT_HOST, port: HOST.port });
    o1.send(Uint8Array.of(2), { host: NAT_HOST, port: 40_000 });
    await clock.advance(10);
    expect(atHost).toEqual([]);
    expect(nat.stats).toEqual({ translatedOut: 0, translatedIn: 0, dropped: 2 });
    // The network did deliver them, to the NAT.
    expect(net.stats).toMatchObject({ sent: 2, delivered: 2, dropped: 0 });
  });

  it('drops inbound datagrams for a closed private transport', async () => {
    const { clock, net, nat, host, atHost } = setup('full-cone');
    const o1 = net.bind(O1);
    const mapped = await observedFrom(clock, host, o1);
    await host.close();
    o1.send(Uint8Array.of(1), mapped);
    await clock.advance(10);
    expect(atHost).toEqual([]);
    expect(nat.stats.dropped).toBe(1);
    // The mapping outlives the socket, like a conntrack entry.
    const again = record(nat.bind(HOST));
    o1.send(Uint8Array.of(2), mapped);
    await clock.advance(10);
    expect(again).toEqual([{ data: 2, from: O1 }]);
  });

  it('does not hairpin', async () => {
    const { clock, nat, host, atHost } = setup('full-cone');
    const other = nat.bind({ host: '10.1.0.11', port: 6000 });
    const atOther = record(other);
    other.send(Uint8Array.of(0), O1);
    host.send(Uint8Array.of(1), { host: NAT_HOST, port: 6000 });
    await clock.advance(10);
    expect([atHost, atOther]).toEqual([[], []]);
    expect(nat.stats).toEqual({ translatedOut: 1, translatedIn: 0, dropped: 1 });
  });
});

describe('SimNat expiry', () => {
  it.each(NAT_BEHAVIOURS)(
    '%s forgets an idle mapping; inbound traffic does not refresh it',
    async (behaviour) => {
      const { clock, net, nat, host, atHost } = setup(behaviour, { latencyMs: 0 });
      const o1 = net.bind(O1);
      host.send(Uint8Array.of(0), O1);
      await clock.advance(0);
      const mapped = nat.publicEndpoint(HOST, O1);
      if (!mapped) throw new Error('no mapping');

      await clock.advance(TIMEOUT - 1);
      o1.send(Uint8Array.of(1), mapped);
      await clock.advance(0);
      expect(atHost.map((a) => a.data)).toEqual([1]);

      await clock.advance(1);
      o1.send(Uint8Array.of(2), mapped);
      await clock.advance(0);
      expect(atHost.map((a) => a.data)).toEqual([1]);
      expect(nat.publicEndpoint(HOST, O1)).toBeUndefined();
      expect(nat.stats.dropped).toBe(1);
    },
  );

  it.each(NAT_BEHAVIOURS)('%s keeps a mapping alive while the host keeps sending', async (behaviour) => {
    const { clock, net, nat, host, atHost } = setup(behaviour, { latencyMs: 0 });
    const o1 = net.bind(O1);
    host.send(Uint8Array.of(0), O1);
    await clock.advance(0);
    const mapped = nat.publicEndpoint(HOST, O1);
    await clock.advance(100_000);
    host.send(Uint8Array.of(0), O1);
    await clock.advance(100_000);
    expect(nat.publicEndpoint(HOST, O1)).toEqual(mapped);
    if (!mapped) throw new Error('no mapping');
    o1.send(Uint8Array.of(1), mapped);
    await clock.advance(0);
    expect(atHost.map((a) => a.data)).toEqual([1]);
    await clock.advance(20_000);
    o1.send(Uint8Array.of(2), mapped);
    await clock.advance(0);
    expect(atHost.map((a) => a.data)).toEqual([1]);
  });

  it('expires each address-restricted permission on its own', async () => {
    const clock = new SimClock(0);
    const net = new SimNetwork({ clock, latencyMs: 0 });
    const nat = new SimNat(net, {
      publicHost: NAT_HOST,
      behaviour: 'address-restricted',
      mappingTimeoutMs: 1_000,
    });
    const host = nat.bind(HOST);
    const atHost = record(host);
    const o1 = net.bind(O1);
    const o3 = net.bind(O3);
    host.send(Uint8Array.of(0), O1);
    await clock.advance(600);
    host.send(Uint8Array.of(0), O3);
    await clock.advance(600);
    const mapped = { host: NAT_HOST, port: HOST.port };
    // The mapping lives (refreshed by the send to O3), but O1's permission has lapsed.
    o1.send(Uint8Array.of(1), mapped);
    o3.send(Uint8Array.of(3), mapped);
    await clock.advance(0);
    expect(atHost).toEqual([{ data: 3, from: O3 }]);
  });

  it('rejects a non-positive timeout', () => {
    const net = new SimNetwork({ clock: new SimClock() });
    expect(
      () => new SimNat(net, { publicHost: NAT_HOST, behaviour: 'full-cone', mappingTimeoutMs: 0 }),
    ).toThrow(RangeError);
  });
});

describe('SimNat on the network', () => {
  it('puts only the NAT <-> internet leg through latency, partitions and network stats', async () => {
    const { clock, net, host, atHost } = setup('port-restricted', { latencyMs: 20 });
    const o1 = net.bind(O1);
    const atO1 = record(o1);
    host.send(Uint8Array.of(1), O1);
    await clock.advance(19);
    expect(atO1).toEqual([]);
    await clock.advance(1);
    expect(atO1).toHaveLength(1);
    o1.send(Uint8Array.of(2), { host: NAT_HOST, port: HOST.port });
    await clock.advance(20);
    expect(atHost).toEqual([{ data: 2, from: O1 }]);

    net.partition({ host: NAT_HOST, port: HOST.port }, O1);
    host.send(Uint8Array.of(3), O1);
    o1.send(Uint8Array.of(4), { host: NAT_HOST, port: HOST.port });
    await clock.advance(20);
    expect(atO1).toHaveLength(1);
    expect(atHost).toHaveLength(1);
    expect(net.stats).toEqual({ sent: 4, delivered: 2, dropped: 2, duplicated: 0 });
  });

  it('hands an attached host datagrams for its unbound ports, but a bound transport wins', async () => {
    const clock = new SimClock(0);
    const net = new SimNetwork({ clock });
    const seen: string[] = [];
    const attached = net.attachHost(NAT_HOST, (data, from, to) =>
      seen.push(`${data[0]} ${from.host}:${from.port}>${to.port}`),
    );
    expect(() => net.attachHost(NAT_HOST, () => {})).toThrow(NAT_HOST);
    const bound = record(net.bind({ host: NAT_HOST, port: 7 }));
    const o1 = net.bind(O1);
    const atO1 = record(o1);
    o1.send(Uint8Array.of(1), { host: NAT_HOST, port: 7 });
    o1.send(Uint8Array.of(2), { host: NAT_HOST, port: 8 });
    attached.send(Uint8Array.of(3), 9, O1);
    await clock.advance(5);
    expect(bound.map((a) => a.data)).toEqual([1]);
    expect(seen).toEqual([`2 ${O1.host}:${O1.port}>8`]);
    expect(atO1).toEqual([{ data: 3, from: { host: NAT_HOST, port: 9 } }]);

    attached.detach();
    o1.send(Uint8Array.of(4), { host: NAT_HOST, port: 8 });
    await clock.advance(5);
    expect(seen).toHaveLength(1);
    expect(net.stats).toEqual({ sent: 4, delivered: 3, dropped: 1, duplicated: 0 });
  });

  it("'open' is no NAT: the host is bound at the public address and reachable unsolicited", async () => {
    const { clock, net, nat, host, atHost } = setup('open');
    expect(host.localEndpoint()).toEqual({ host: NAT_HOST, port: HOST.port });
    const o1 = net.bind(O1);
    o1.send(Uint8Array.of(1), { host: NAT_HOST, port: HOST.port });
    await clock.advance(10);
    expect(atHost).toEqual([{ data: 1, from: O1 }]);
    expect(await observedFrom(clock, host, o1)).toEqual({ host: NAT_HOST, port: HOST.port });
    expect(nat.publicEndpoint(HOST, O1)).toEqual({ host: NAT_HOST, port: HOST.port });
  });
});

describe('SimNat hole punching', () => {
  const SERVER: Endpoint = { host: '192.0.2.1', port: 3478 };

  /**
   * Two peers behind NATs (A at 198.51.100.1, B at 198.51.100.2) learn each other's reflexive
   * address from a rendezvous server, then both send to it a few times at the same instants.
   * `answerSource`: after receiving, also answer the source the datagram came from.
   */
  async function punch(a: NatBehaviour, b: NatBehaviour, answerSource = false) {
    const clock = new SimClock(0);
    const net = new SimNetwork({ clock, latencyMs: 15, seed: 9 });
    const natA = new SimNat(net, { publicHost: '198.51.100.1', behaviour: a, seed: 1 });
    const natB = new SimNat(net, { publicHost: '198.51.100.2', behaviour: b, seed: 2 });
    const peerA = natA.bind({ host: '10.1.0.10', port: 5000 });
    const peerB = natB.bind({ host: '10.2.0.10', port: 5000 });
    const server = net.bind(SERVER);
    const reflexive = new Map<Transport, Endpoint>();
    server.onDatagram((data, from) => reflexive.set(data[0] === 0xa ? peerA : peerB, from));
    peerA.send(Uint8Array.of(0xa), SERVER);
    peerB.send(Uint8Array.of(0xb), SERVER);
    await clock.advance(50);
    const toA = reflexive.get(peerA);
    const toB = reflexive.get(peerB);
    if (!toA || !toB) throw new Error('rendezvous failed');

    const got = { a: [] as Arrival[], b: [] as Arrival[] };
    peerA.onDatagram((data, from) => {
      got.a.push({ data: data[0] ?? -1, from });
      if (answerSource && data[0] !== 0xff) peerA.send(Uint8Array.of(0xff), from);
    });
    peerB.onDatagram((data, from) => {
      got.b.push({ data: data[0] ?? -1, from });
      if (answerSource && data[0] !== 0xff) peerB.send(Uint8Array.of(0xff), from);
    });
    for (let round = 1; round <= 3; round++) {
      peerA.send(Uint8Array.of(round), toB);
      peerB.send(Uint8Array.of(round), toA);
      await clock.advance(100);
    }
    return { got, toA, toB, natA, natB };
  }

  it('simultaneous open between two port-restricted NATs gets through both ways', async () => {
    const { got, toA, toB } = await punch('port-restricted', 'port-restricted');
    // With equal latency both first datagrams cross the NATs after the other side's went out.
    expect(got.a).toEqual([1, 2, 3].map((data) => ({ data, from: toB })));
    expect(got.b).toEqual([1, 2, 3].map((data) => ({ data, from: toA })));
  });

  it.each<[NatBehaviour, NatBehaviour]>([
    ['full-cone', 'port-restricted'],
    ['address-restricted', 'port-restricted'],
    ['address-restricted', 'symmetric'],
    ['full-cone', 'symmetric'],
  ])('%s <-> %s: the restricted side hears the other once it has sent', async (a, b) => {
    const { got } = await punch(a, b, true);
    expect(got.a.length).toBeGreaterThan(0);
    expect(got.b.length).toBeGreaterThan(0);
  });

  it('symmetric <-> port-restricted never gets through', async () => {
    const { got, natA, natB } = await punch('symmetric', 'port-restricted', true);
    expect(got).toEqual({ a: [], b: [] });
    expect(natA.stats.dropped).toBe(3);
    expect(natB.stats.dropped).toBe(3);
  });

  it('symmetric <-> symmetric never gets through', async () => {
    const { got } = await punch('symmetric', 'symmetric', true);
    expect(got).toEqual({ a: [], b: [] });
  });

  it('symmetric <-> full-cone works when the full-cone side answers the source it heard', async () => {
    const { got, toA } = await punch('symmetric', 'full-cone', true);
    // B's punches go to A's server-facing port and are filtered, but A's reach B from a fresh port...
    expect(got.b.map((x) => x.data)).toEqual([1, 2, 3]);
    const fresh = got.b[0]?.from;
    expect(fresh?.host).toBe(toA.host);
    expect(fresh?.port).not.toBe(toA.port);
    // ...and B's answers to that port get back to A.
    expect(got.a.map((x) => x.data)).toEqual([0xff, 0xff, 0xff]);
    expect(got.a.every((x) => x.from.port === 5000)).toBe(true);
  });

  it('symmetric <-> full-cone fails if the full-cone side only sends to the rendezvous address', async () => {
    const { got } = await punch('symmetric', 'full-cone', false);
    expect(got.a).toEqual([]);
    expect(got.b.map((x) => x.data)).toEqual([1, 2, 3]);
  });
});
