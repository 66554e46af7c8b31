// A peer whose view is well stocked (sync.ts, STOCKED_VIEW) asks bootstraps for nothing: its
// shuffles keep the view fresh, and only its home bootstrap hears from it, to renew its
// registration. In a small network bootstraps stay in the rotation: they are how newcomers show.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../test/support/sim-harness.js';
import { rankBootstraps } from './home-bootstrap.js';
import { type Endpoint, endpointKey } from './ports.js';

let h: SimHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BOOTSTRAPS: Endpoint[] = [1, 2].map((n) => ({ host: `198.51.100.${n}`, port: 3490 }));

/** What `peer` sent to `to` after `since`, by request (`t/d`). */
const sentTo = (peer: SimPeer, to: Endpoint, since: number) =>
  peer.tap
    .sentWhere((o, r) => endpointKey(r.peer) === endpointKey(to) && o.m === 'r' && r.at > since)
    .map((r) => `${String(r.obj?.t)}/${String(r.obj?.d)}`);

function network(peers: number): { sim: SimHarness; members: SimPeer[] } {
  const sim = new SimHarness({ latencyMs: 10 });
  h = sim;
  for (const e of BOOTSTRAPS) sim.addPeer({ ...e, role: 'bootstrap' });
  const members = Array.from({ length: peers }, (_, i) =>
    sim.addPeer({ host: `203.0.113.${10 + i}`, port: 7000, config: { bootstrapPeers: BOOTSTRAPS } }),
  );
  return { sim, members };
}

describe('bootstraps and a well-stocked view', () => {
  it('a peer that knows 16 ordinary peers renews its home registration and asks no bootstrap for peers', async () => {
    const { sim, members } = network(22);
    await sim.advance(15 * 60_000);
    const since = sim.clock.now();
    await sim.advance(12 * 60_000);
    let stocked = 0;
    for (const m of members) {
      const ordinary = m.store.listPeers().filter((p) => p.role === 'peer').length;
      if (ordinary < 16) continue;
      stocked++;
      const [home, other] = rankBootstraps(m.peer.identity.publicKey, BOOTSTRAPS) as [Endpoint, Endpoint];
      expect(sentTo(m, other, since)).toEqual([]);
      const toHome = sentTo(m, home, since);
      expect(toHome).toContain('r/i'); // renewed: the bootstrap lists it still
      expect(toHome).not.toContain('g/i');
    }
    expect(stocked).toBeGreaterThan(members.length / 2);
  });

  it('a peer that knows 16 ordinary peers leaves alone a bootstrap in its view that is not one of its own', async () => {
    // How one gets there: a peer of the view switched to bootstrap mode, or a base peer listed one
    // (ours list none to each other). Before, each such bootstrap was synced like an ordinary peer
    // by every view that held it: with 30 bootstraps, most of each one's load at 10,000 peers.
    const { sim, members } = network(22);
    const stranger = sim.addPeer({ host: '198.51.100.3', port: 3490, role: 'bootstrap' });
    await sim.advance(15 * 60_000);
    for (const m of members)
      m.store.upsertPeer({
        ...stranger.endpoint,
        natType: 'Full Cone',
        role: 'bootstrap',
        firstSeen: sim.clock.now(),
        lastSeen: sim.clock.now(),
        failures: 0,
      });
    const since = sim.clock.now();
    await sim.advance(12 * 60_000);
    const stocked = members.filter((m) => m.store.listPeers().filter((p) => p.role === 'peer').length >= 16);
    expect(stocked.length).toBeGreaterThan(members.length / 2);
    for (const m of stocked) {
      expect(m.store.listPeers().map(endpointKey)).toContain(endpointKey(stranger.endpoint));
      expect(sentTo(m, stranger.endpoint, since)).toEqual([]);
    }
  });

  it("a peer that has not pinged its bootstrap for half an hour (its token there is stale) still reads a symmetric host's chat through it", async () => {
    const sim = new SimHarness({ latencyMs: 10 });
    h = sim;
    const boot = sim.addPeer({ ...(BOOTSTRAPS[0] as Endpoint), role: 'bootstrap' });
    const config = { bootstrapPeers: [boot.endpoint] };
    const members = Array.from({ length: 20 }, (_, i) =>
      sim.addPeer({ host: `203.0.113.${10 + i}`, port: 7000, config }),
    );
    const host = sim.addPeer({
      host: '10.30.0.10',
      port: 7000,
      nat: { behaviour: 'symmetric', publicHost: '198.51.100.30' },
      config: { ...config, natType: 'Symmetric' },
    });
    await sim.advance(30 * 60_000);
    const chat = await sim.settle(host.peer.createChat('far', 'hello', 'host'));
    await sim.advance(10_000); // heralded by the bootstrap, passed on by gossip
    const lists = (m: SimPeer) => m.peer.remoteChats().find((e) => e.chats.some((c) => c.uuid === chat.uuid));
    const reader = members.find(
      (m) =>
        lists(m) !== undefined &&
        m.store.listPeers().filter((p) => p.role === 'peer').length >= 16 &&
        (m.tap.sentWhere((o, r) => o.m === 'p' && endpointKey(r.peer) === endpointKey(boot.endpoint)).at(-1)
          ?.at ?? 0) <
          sim.clock.now() - 20 * 60_000,
    );
    if (!reader) throw new Error('no peer with a well-stocked view left its bootstrap alone');
    const at = lists(reader)?.host as Endpoint;
    const read = await sim.settle(reader.peer.readChat(at, chat.uuid), 60_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  it('in a small network every peer still syncs the bootstraps, so a newcomer is found within minutes', async () => {
    const { sim, members } = network(3);
    await sim.advance(10 * 60_000);
    const since = sim.clock.now();
    const late = sim.addPeer({ host: '203.0.113.99', port: 7000, config: { bootstrapPeers: BOOTSTRAPS } });
    await sim.advance(3 * 60_000);
    for (const m of members) {
      expect(BOOTSTRAPS.flatMap((b) => sentTo(m, b, since))).toContain('g/i');
      expect(m.store.listPeers().map((p) => endpointKey(p))).toContain(endpointKey(late.endpoint));
    }
  });
});
