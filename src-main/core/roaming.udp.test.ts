// Roaming on real sockets (127.0.0.1): when the host says the network changed, the peer drops every
// path made from the old network and registers with its bootstraps again at once, from wherever it
// now is, instead of at the next rejoin (5 minutes once it knows other peers).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { DEFAULT_CONFIG, NancePeer, type PeerConfig } from './peer.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function peer(config: Partial<PeerConfig>): Promise<NancePeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-roam-'));
  const store = SqliteStore.open({ path: path.join(dir, 'peer.db'), now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const p = new NancePeer({ transport, clock: systemClock, store }, config);
  cleanup.push(async () => {
    await p.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return p;
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('after a network change the peer re-registers with its bootstrap at once and finds its paths again', async () => {
  // Every round a full sync (not a shuffle): the round after the change reaches `other` again.
  const sync = { ...DEFAULT_CONFIG.sync, intervalMs: 60_000, refreshMs: 0 };
  const bootstrap = await peer({ role: 'bootstrap', sync });
  const bootstrapPeers = [bootstrap.localEndpoint()];
  const [laptop, other] = await Promise.all([peer({ bootstrapPeers, sync }), peer({ bootstrapPeers, sync })]);
  other.start();
  await until(() => bootstrap.knownPeers().length === 1, 5_000);
  laptop.start();
  const me = laptop.localEndpoint();
  const registered = () => bootstrap.knownPeers().find((p) => p.port === me.port)?.lastSeen;
  await until(() => registered() !== undefined && laptop.pathTo(other.localEndpoint()) !== null, 5_000);
  const first = registered();
  await new Promise((r) => setTimeout(r, 50));
  laptop.networkChanged();
  // Every path is from the old network: gone now, found again on next use.
  expect(laptop.pathTo(other.localEndpoint())).toBeNull();
  expect(laptop.pathTo(bootstrapPeers[0] as { host: string; port: number })).toBeNull();
  // Registered again within a second (not at the next rejoin, 5 minutes away).
  await until(() => (registered() ?? 0) > (first ?? 0), 1_000);
  await until(() => laptop.pathTo(other.localEndpoint())?.kind === 'direct', 2_000);
});

it('a LAN neighbour behind a restricted NAT is found again directly, not through a rendezvous', async () => {
  const sync = { ...DEFAULT_CONFIG.sync, intervalMs: 60_000 };
  const bootstrap = await peer({ role: 'bootstrap', sync });
  const bootstrapPeers = [bootstrap.localEndpoint()];
  const natType = 'Port Restricted Cone' as const;
  const [laptop, neighbour] = await Promise.all([
    peer({ bootstrapPeers, sync, natType }),
    peer({ bootstrapPeers, sync, natType }),
  ]);
  neighbour.start();
  laptop.start();
  const at = neighbour.localEndpoint(); // 127.0.0.1: a private address, as a LAN neighbour's is
  await until(() => bootstrap.knownPeers().length === 2, 5_000);
  expect(await laptop.probeNearby(at)).toBe(true);
  laptop.networkChanged();
  await until(() => laptop.pathTo(at) !== null, 5_000);
  expect(laptop.pathTo(at)?.kind).toBe('direct');
});
