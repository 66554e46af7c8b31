// Routers that forget an idle UDP binding after 30 s (many home and carrier-grade NATs): over the
// simulator, host and clients behind port-restricted NATs whose mappings live 30 s, one public
// rendezvous, sync rounds 10 min apart so that only keepalives cross the NATs while idle.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness, type SimPeer } from '../../../test/support/sim-harness.js';
import type { Endpoint } from '../ports.js';
import { DEFAULT_TRAVERSAL } from './traversal.js';

const RV: Endpoint = { host: '198.51.100.10', port: 3490 };
const BINDING_MS = 30_000;
const sync = { intervalMs: 600_000 };
let h: SimHarness;

afterEach(async () => {
  await h.close();
});

function behind30sRouter(n: number, keepaliveMs: number): SimPeer {
  const publicEndpoint = { host: `198.51.100.${n}`, port: 7000 };
  return h.addPeer({
    host: `10.${n}.0.10`,
    port: 7000,
    nat: { behaviour: 'port-restricted', publicHost: publicEndpoint.host, mappingTimeoutMs: BINDING_MS },
    config: {
      bootstrapPeers: [RV],
      natType: 'Port Restricted Cone',
      publicEndpoint,
      sync,
      // Paths are kept however idle: this is about the keepalive cadence, not idle dropping.
      traversal: { ...DEFAULT_TRAVERSAL, keepaliveMs, keepaliveIdleMs: 0 },
    },
  });
}

async function listed(client: SimPeer, chatUuid: string): Promise<Endpoint> {
  for (let waited = 0; waited < 30_000; waited += 500) {
    const at = client.peer.remoteChats().find((hc) => hc.chats.some((c) => c.uuid === chatUuid))?.host;
    if (at) return at;
    await h.advance(500);
  }
  throw new Error('chat never listed');
}

describe('behind routers that forget a UDP binding after 30 s', () => {
  it('a punched path kept with a 40 s setting is kept on both sides through 90 s idle and still carries a read', async () => {
    // 40 s is what a user who trusts "60 s routers" might set: used as it stands, every binding here
    // dies 30 s into each interval. The cadence starts at 15 s instead.
    h = new SimHarness({ latencyMs: 10 });
    h.addPeer({ role: 'bootstrap', host: RV.host, port: RV.port, config: { sync } });
    const host = behind30sRouter(21, 40_000);
    const chat = await h.settle(host.peer.createChat('kept', 'hello', 'host'));
    await h.advance(2_000);
    const client = behind30sRouter(31, 40_000);
    const at = await listed(client, chat.uuid);
    expect(client.peer.pathTo(at)?.kind).toBe('punched');
    const since = client.peer.pathTo(at)?.since;
    // The host's side of the punch: its own path to the client, kept by its own keepalives.
    const clientPublic = { host: '198.51.100.31', port: 7000 };
    const hostSide = host.peer.pathTo(clientPublic);
    expect(hostSide?.kind).toBe('punched');
    await h.advance(90_000);
    // Both sides still hold the very paths they punched: no keepalive round found one dead.
    expect(host.peer.pathTo(clientPublic)).toMatchObject({ kind: 'punched', since: hostSide?.since });
    expect(client.peer.pathTo(at)).toMatchObject({ kind: 'punched', since });
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });

  it('the registration survives: a client arriving after 90 s idle is still introduced to the host', async () => {
    // The host's binding toward the rendezvous is what lets the rendezvous ask it to punch; sync
    // re-registers only every 10 min here, so keepalives must hold it open.
    h = new SimHarness({ latencyMs: 10 });
    h.addPeer({ role: 'bootstrap', host: RV.host, port: RV.port, config: { sync } });
    const host = behind30sRouter(21, DEFAULT_TRAVERSAL.keepaliveMs);
    const chat = await h.settle(host.peer.createChat('kept', 'hello', 'host'));
    await h.advance(90_000);
    const client = behind30sRouter(31, DEFAULT_TRAVERSAL.keepaliveMs);
    const at = await listed(client, chat.uuid);
    expect(client.peer.pathTo(at)?.kind).toBe('punched');
    const read = await h.settle(client.peer.readChat(at, chat.uuid), 30_000);
    expect(read.map((m) => m.content)).toEqual(['hello']);
  });
});
