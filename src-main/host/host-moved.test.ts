// A host is its key, not its address (issue 12, "Hosts are keys"): real peers composed as the CLI
// composes them (UDP on 127.0.0.1, SQLite and the identity file in their data dirs), a bootstrap
// that introduces them, and a host that restarts on another port with the same data dir.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatListDto, ChatReadDto, EndpointDto } from '../../src-shared/api.js';
import { ComposedPeers, call } from '../../test/support/composed-peer.js';
import { fingerprint } from '../core/identity/keys.js';
import type { ComposedPeer, ComposeOptions } from './compose.js';

let root: string;
let peers: ComposedPeers;

beforeEach(() => {
  peers = new ComposedPeers();
  root = peers.tempDir('nance-moved-');
});

afterEach(() => peers.dispose());

async function compose(name: string, over: Partial<ComposeOptions> = {}): Promise<ComposedPeer> {
  const dataDir = path.join(root, name);
  fs.mkdirSync(dataDir, { recursive: true });
  // Rounds run when the test says (syncNow), not on their own.
  return peers.compose(dataDir, { syncIntervalMs: 600_000, ...over });
}

const udp = (c: ComposedPeer): EndpointDto => c.peer.localEndpoint();

describe('a host restarted on another port keeps its chats reachable by the readers that knew it', () => {
  it('the reader lists it once, by its key, and reads and posts to the same chat after one sync round', async () => {
    const boot = await compose('boot', { bootstrap: true });
    const bootstrapPeers = [udp(boot)];
    const first = await compose('host', { bootstrapPeers });
    await first.peer.syncNow(); // registered with the bootstrap
    const hostKey = first.peer.identity.publicKey;
    const chat = await first.peer.createChat('moving', 'before the move', 'host');

    const reader = await compose('reader', { bootstrapPeers });
    await reader.peer.syncNow();
    const before = await call<ChatListDto>(reader, 'listChats', {});
    expect(before.hosts).toEqual([
      expect.objectContaining({
        host: udp(first),
        hostKey,
        fingerprint: fingerprint(hostKey),
        chats: [expect.objectContaining({ uuid: chat.uuid, name: 'moving' })],
      }),
    ]);
    // What the reader's window holds for the open chat: the old address and the host's key.
    const ref = { host: udp(first), hostKey, chatUuid: chat.uuid };

    // The host restarts with the same data dir (same key, same chats) on another port.
    const oldPort = udp(first).port;
    await first.close();
    const second = await compose('host', { bootstrapPeers });
    expect(udp(second).port).not.toBe(oldPort);
    expect(second.peer.identity.publicKey).toBe(hostKey);
    await second.peer.syncNow(); // re-registered with the bootstrap at its new address

    await reader.peer.syncNow(); // one round: learns the new address, proves the key there
    const after = await call<ChatListDto>(reader, 'listChats', {});
    // The same host, moved: one entry, not a dead one next to a new one.
    expect(after.hosts).toEqual([
      expect.objectContaining({
        host: udp(second),
        hostKey,
        chats: [expect.objectContaining({ uuid: chat.uuid })],
      }),
    ]);

    const read = await call<ChatReadDto>(reader, 'readChat', ref);
    expect(read.messages.map((m) => m.content)).toEqual(['before the move']);
    await call(reader, 'postMessage', { ...ref, name: 'reader', content: 'after the move' });
    const stored = await second.peer.readChat(null, chat.uuid);
    expect(stored.map((m) => m.content)).toEqual(['before the move', 'after the move']);
  }, 30_000);
});
