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
