// One home bootstrap per peer (home-bootstrap.ts, docs/nat.md): of our bootstraps a peer registers
// with one, ranked by its key, and joins the others unlisted; when its home fails, another lists it.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { rankBootstraps } from './home-bootstrap.js';
import { type Endpoint, endpointKey } from './ports.js';

let h: SimHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BOOTSTRAPS: Endpoint[] = [1, 2, 3].map((n) => ({ host: `198.51.100.${n}`, port: 3490 }));
let askers = 0;
const listedBy = async (harness: SimHarness, boot: SimPeer, at: Endpoint) => {
  const answer = await harness
    .probe({ host: '203.0.113.99', port: 7000 + ++askers })
    .askOnce({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 50 }, z: 'gi' }, boot.endpoint);
  const peers = (answer.obj.c as { peers: { ip: string; port: number }[] }).peers;
  return peers.some((p) => p.ip === at.host && p.port === at.port);
};

describe('home bootstrap', () => {
  it('ranks the same way for a key, and spreads keys over the bootstraps', () => {
    expect(rankBootstraps('key-a', BOOTSTRAPS)).toEqual(rankBootstraps('key-a', [...BOOTSTRAPS].reverse()));
    const firsts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const first = endpointKey(rankBootstraps(`key-${i}`, BOOTSTRAPS)[0] as Endpoint);
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    expect(firsts.size).toBe(3);
    for (const n of firsts.values()) expect(n).toBeGreaterThan(60);
  });

  it('a peer registers with one bootstrap of ours, is listed by it alone, and moves when it fails', async () => {
    const sim = new SimHarness({ latencyMs: 10 });
    h = sim;
    const boots = BOOTSTRAPS.slice(0, 2).map((e) => sim.addPeer({ ...e, role: 'bootstrap' }));
    const peer = sim.addPeer({
      host: '203.0.113.20',
      port: 7000,
      config: { bootstrapPeers: BOOTSTRAPS.slice(0, 2), sync: { intervalMs: 5_000 } },
    });
    await sim.advance(10_000);
    const states = peer.peer.bootstrapStates().map((b) => b.state);
    expect(states.sort()).toEqual(['client-only', 'registered']);
    const home = peer.peer.bootstrapStates().find((b) => b.state === 'registered')?.endpoint as Endpoint;
    const homeIs = (b: SimPeer) => endpointKey(b.endpoint) === endpointKey(home);
    expect(home).toEqual(rankBootstraps(peer.peer.identity.publicKey, BOOTSTRAPS.slice(0, 2))[0]);
    for (const b of boots) expect(await listedBy(sim, b, peer.endpoint)).toBe(homeIs(b));

    const [gone, other] = homeIs(boots[0] as SimPeer) ? boots : [...boots].reverse();
    await (gone as SimPeer).peer.close();
    // Its home is joined every round until it answers; the next join through it fails.
    await sim.advance(5 * 60_000 + 30_000);
    expect(await listedBy(sim, other as SimPeer, peer.endpoint)).toBe(true);
  });
});
