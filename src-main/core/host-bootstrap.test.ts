// A chat's host that switched to bootstrap mode: the reader is told exactly that (not "bad request,
// maybe another version"), and the host's chats leave its list, by a read and by a sync round.
import { afterEach, describe, expect, it } from 'vitest';
import { SimHarness } from '../../test/support/sim-harness.js';
import { NanceError } from './errors.js';
import { DEFAULT_CONFIG } from './peer.js';
import { endpointKey } from './ports.js';

let h: SimHarness;
afterEach(async () => {
  await h?.close();
});

describe('a host in bootstrap mode', () => {
  it('reading or posting to its chat fails as host-bootstrap, and its chats leave the list', async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const reader = h.addPeer();
    const chat = await h.settle(host.peer.createChat('room', 'hello', 'alice'));
    await h.settle(reader.peer.refreshChats(host.endpoint));
    expect(reader.peer.remoteChats().map((r) => r.chats.length)).toEqual([1]);

    host.peer.reconfigure({ role: 'bootstrap' });
    const read = await h.settle(reader.peer.readChatSince(host.endpoint, chat.uuid, 0).catch((e) => e));
    expect(read).toBeInstanceOf(NanceError);
    expect((read as NanceError).kind).toBe('host-bootstrap');
    expect(reader.peer.remoteChats().some((r) => endpointKey(r.host) === endpointKey(host.endpoint))).toBe(
      false,
    );

    const post = await h.settle(
      reader.peer.postMessage(host.endpoint, chat.uuid, 'bob', 'hi').catch((e) => e),
    );
    expect((post as NanceError).kind).toBe('host-bootstrap');
  });

  it('a sync round drops the chats of a peer that now answers as a bootstrap', async () => {
    h = new SimHarness();
    const host = h.addPeer();
    const reader = h.addPeer({ config: { bootstrapPeers: [host.endpoint] } });
    await h.settle(host.peer.createChat('room', 'hello', 'alice'));
    await h.advance(20_000);
    expect(reader.peer.remoteChats().flatMap((r) => r.chats.map((c) => c.name))).toEqual(['room']);
    host.peer.reconfigure({ role: 'bootstrap' });
    // Noticed at the next full sync with it (shuffles in between do not ping): within refreshMs.
    await h.advance(DEFAULT_CONFIG.sync.refreshMs + 20_000);
    expect(reader.peer.remoteChats()).toEqual([]);
  });
});

describe('a bootstrap of ours, joined and not synced', () => {
  it('is asked for peers only at each join (every rejoinMs), not also in the sync rotation', async () => {
    h = new SimHarness();
    const bootstrap = h.addPeer({ role: 'bootstrap' });
    const peers = [0, 1, 2].map(() => h.addPeer({ config: { bootstrapPeers: [bootstrap.endpoint] } }));
    const runMs = 30 * 60_000;
    await h.advance(runMs);
    const { rejoinMs } = DEFAULT_CONFIG.sync;
    for (const p of peers) {
      const asked = p.tap.sentWhere(
        (o, r) => o.t === 'g' && o.d === 'i' && endpointKey(r.peer) === endpointKey(bootstrap.endpoint),
      );
      // One per join (joins run in the round, a little after each rejoinMs), none in between.
      expect(asked.length).toBeLessThanOrEqual(Math.ceil(runMs / rejoinMs) + 1);
    }
  });

  it('that switches to peer mode is noticed within a role check: synced as a peer again, its chats listed', async () => {
    h = new SimHarness();
    const host = h.addPeer({ role: 'bootstrap' });
    const reader = h.addPeer({ config: { bootstrapPeers: [host.endpoint] } });
    h.addPeer({ config: { bootstrapPeers: [host.endpoint] } });
    await h.advance(60_000);
    expect(reader.store.getPeer(host.endpoint.host, host.endpoint.port)?.role).toBe('bootstrap');

    host.peer.reconfigure({ role: 'peer' });
    await h.settle(host.peer.createChat('room', 'hello', 'alice'));
    await h.advance(30 * 60_000 + DEFAULT_CONFIG.sync.rejoinMs + DEFAULT_CONFIG.sync.intervalMs * 2);
    expect(reader.store.getPeer(host.endpoint.host, host.endpoint.port)?.role).toBe('peer');
    expect(reader.peer.remoteChats().flatMap((r) => r.chats.map((c) => c.name))).toEqual(['room']);
  });
});
