// NAT traversal under attack, on real sockets (127.0.0.1): a stranger or a spoofer must not make a
// peer knock at an address of its choosing (n/p reflection), take over its route to another peer
// or feed its reads (forged n/f), or register and list an address through a relay (relayed r/i).
// Peers run with the abuse limits on, as the stock CLI does. Spoofed sources need a raw socket
// (root); those tests skip elsewhere. No request here carries an address proof, as a spoofer's
// cannot: every rule below must hold with `proven` false.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NancePeer, type PeerConfig } from '../../src-main/core/peer.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import { systemClock } from '../../src-main/net/system-clock.js';
import { UdpTransport } from '../../src-main/net/udp-transport.js';
import { SqliteStore } from '../../src-main/store/sqlite-store.js';
import { RawUdp } from '../support/raw-udp.js';
import { canSpoof, sendSpoofed } from '../support/spoof.js';

type Wire = Record<string, unknown>;
const AD_RELAY = { nance: { v: 1, ext: ['page', 'punch', 'relay'], role: 'bootstrap' } };
const AD_PEER = { nance: { v: 1, ext: ['page', 'punch'], role: 'peer' } };
const TOKEN = '5f1c0b4e-8d2a-4c7e-9b3f-0a1b2c3d4e5f';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPeer(config: Partial<PeerConfig> = {}): Promise<{ peer: NancePeer; at: Endpoint }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-hostile-'));
  const store = SqliteStore.open({ path: path.join(dir, 'peer.db'), now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const peer = new NancePeer(
    { transport, clock: systemClock, store },
    { natType: 'Open Internet', ...config },
  );
  cleanups.push(async () => {
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { peer, at: peer.localEndpoint() };
}

async function socket(): Promise<RawUdp> {
  const raw = await RawUdp.open();
  cleanups.push(() => raw.close());
  return raw;
}

/**
 * Answers, from `raw`, each request it receives from `peer` that `answer` has a content for. A
 * request wrapped in an `n/r` is answered as a relay would bring the answer: in an `n/f` from the
 * wrapped request's target. Runs until the test ends.
 */
function serve(
  raw: RawUdp,
  peer: Endpoint,
  answer: (request: Wire, wrappedFor?: Endpoint) => Wire | undefined,
) {
  let seen = 0;
  const timer = setInterval(() => {
    for (const rec of raw.received.slice(seen)) {
      const o = rec.obj;
      if (!o || rec.peer.port !== peer.port) continue;
      if (o.m === 'r' && o.t === 'n' && o.d === 'r') {
        const a = o.a as { ip: string; port: number; msg: Wire };
        const c = answer(a.msg, { host: a.ip, port: a.port });
        if (c) raw.send(forwarded({ host: a.ip, port: a.port }, { m: 'R', r: 0, c, z: a.msg.z }), peer);
      } else if (o.m === 'p' || o.m === 'r') {
        const c = answer(o);
        if (c) raw.send({ m: 'R', r: 0, c, z: o.z }, peer);
      }
    }
    seen = raw.received.length;
  }, 5);
  cleanups.push(() => clearInterval(timer));
}

const forwarded = (origin: Endpoint, msg: Wire) => ({
  m: 'r',
  t: 'n',
  d: 'f',
  a: { ip: origin.host, port: origin.port, msg },
});
const punchAt = (victim: Endpoint, z: string) => ({
  m: 'r',
  t: 'n',
  d: 'p',
  a: { ip: victim.host, port: victim.port, token: TOKEN },
  z,
});
const knocks = (raw: RawUdp) => raw.received.filter((r) => r.obj?.t === 'n' && r.obj.d === 'k');

/** `raw` registers with the peer at `at`, answering its ping-back with `ad`. */
async function register(raw: RawUdp, at: Endpoint, ad: Wire): Promise<void> {
  serve(raw, at, (o) => (o.m === 'p' ? ad : undefined));
  const answer = await raw.request(
    { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'reg' },
    at,
    3_000,
  );
  expect(answer?.obj).toEqual({ m: 'R', r: 0, c: {}, z: 'reg' });
}

describe('n/p reflection: a peer knocks only for a rendezvous of its own, in a proven request', () => {
  it.skipIf(!canSpoof)('an n/p with its bootstrap spoofed as the source: refused, zero knocks', async () => {
    const boot = await socket();
    const victim = await socket();
    const { at } = await startPeer({ bootstrapPeers: [boot.endpoint] });
    await sendSpoofed(punchAt(victim.endpoint, 'spoof'), boot.endpoint, at);
    // The refusal went to the spoofed source: proof the datagram arrived and was judged.
    expect(await boot.waitFor(() => boot.responses('spoof').length > 0, 2_000)).toBe(true);
    await victim.waitFor(() => false, 1_000);
    expect(knocks(victim)).toEqual([]);
    expect(boot.responses('spoof')[0]?.obj?.r).toBe(2);
  });

  it('an n/p from a stranger that registered with the peer: refused, zero knocks', async () => {
    const stranger = await socket();
    const victim = await socket();
    const { at } = await startPeer();
    await register(stranger, at, AD_PEER);
    const answer = await stranger.request(punchAt(victim.endpoint, 'p1'), at);
    await victim.waitFor(() => false, 1_000);
    expect(knocks(victim)).toEqual([]);
    expect(answer?.obj?.r).toBe(2);
  });
});

describe('a relay forwards only for proven senders', () => {
  it.skipIf(!canSpoof)(
    'an n/r with a registered peer spoofed as its sender: nothing forwarded, no answer reflected to it',
    async () => {
      const { at } = await startPeer({ role: 'bootstrap' }); // relays by default
      const target = await socket();
      const victim = await socket();
      // Both registered: each answered the relay's ping-back, as any live peer does.
      await register(target, at, AD_PEER);
      await register(victim, at, AD_PEER);
      const before = target.received.length;
      const relayed = {
        m: 'r',
        t: 'n',
        d: 'r',
        a: { ip: '127.0.0.1', port: target.endpoint.port, msg: { m: 'p', z: 'x' } },
        z: 'sr',
      };
      await sendSpoofed(relayed, victim.endpoint, at);
      await target.waitFor(() => false, 1_000);
      expect(target.received.slice(before).filter((r) => r.obj?.t === 'n' && r.obj.d === 'f')).toEqual([]);
      expect(victim.responses('sr')).toEqual([]);
    },
  );
});

describe('forged relay frames: an n/f makes no route and feeds no read', () => {
  it('a stranger that registered advertising relay names a host in an n/f: reads of that host stay its own', async () => {
    const { peer: host, at: hostAt } = await startPeer();
    const chat = await host.createChat('real', 'hello', 'host');
    const stranger = await socket();
    const { peer, at } = await startPeer();
    await register(stranger, at, AD_RELAY);
    // From now on it answers whatever is relayed through it with forged content "from the host".
    serve(stranger, at, (o) =>
      o.m === 'p'
        ? AD_PEER
        : o.d === 'm'
          ? { messages: [{ uuid: 'u1', name: 'x', content: 'forged', timestamp: 1, seq: 1 }], more: false }
          : o.m === 'r' && !(o.t === 'r' && o.d === 'i')
            ? {}
            : undefined,
    );
    stranger.send(forwarded(hostAt, { m: 'p', z: 'lure' }), at);
    await stranger.waitFor(() => false, 300);

    const read = await peer.readChat(hostAt, chat.uuid);
    expect(read.map((m) => m.content)).toEqual(['hello']);
    expect(stranger.received.filter((r) => r.obj?.t === 'n' && r.obj.d === 'r')).toEqual([]);
    expect(peer.pathTo(hostAt)).toBeNull(); // asked directly: no route was ever needed
  });

  it('an r/i out of its own relaying bootstrap is answered 3: the named address is not registered or listed', async () => {
    const boot = await socket();
    const victim = await socket();
    const { peer, at } = await startPeer({ bootstrapPeers: [boot.endpoint] });
    // The bootstrap relays, takes the registration, lists nobody, and answers as the victim any
    // ping-back relayed through it.
    serve(boot, at, (o) =>
      o.m === 'p'
        ? AD_RELAY
        : o.t === 'r' && o.d === 'i'
          ? {}
          : o.t === 'g' && o.d === 'i'
            ? { peers: [] }
            : undefined,
    );
    await peer.syncNow();
    expect(peer.bootstrapStates()[0]?.state).toBe('registered');

    boot.send(
      forwarded(victim.endpoint, { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z: 'fr' }),
      at,
    );
    const answered = () =>
      boot.received.find((r) => r.obj?.d === 'r' && (r.obj.a as { msg?: Wire }).msg?.z === 'fr');
    expect(await boot.waitFor(() => answered() !== undefined, 3_000)).toBe(true);
    expect((answered()?.obj?.a as { msg?: Wire } | undefined)?.msg).toEqual({ m: 'R', r: 3, c: {}, z: 'fr' });
    await boot.waitFor(() => false, 1_500); // a ping-back would have been answered by now
    expect(peer.knownPeers().some((p) => p.port === victim.endpoint.port)).toBe(false);
    const asker = await socket();
    const list = await asker.request({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 50 }, z: 'gi' }, at);
    expect(JSON.stringify(list?.obj ?? {})).not.toContain(String(victim.endpoint.port));
    expect(peer.pathTo(victim.endpoint)).toBeNull();
  });
});
