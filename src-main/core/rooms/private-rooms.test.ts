// Which joined room a push belongs to: only the room at the host that pushed (wherever its key
// is now), never a room elsewhere that happens to share the uuid.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../test/support/memory-store.js';
import { KeyPair } from '../identity/keys.js';
import type { Endpoint } from '../ports.js';
import { PrivateRooms, type RoomPeer } from './private-rooms.js';

const roomHost: Endpoint = { host: '192.0.2.10', port: 5000 };
const moved: Endpoint = { host: '192.0.2.10', port: 6000 };
const stranger: Endpoint = { host: '198.51.100.7', port: 5000 };
const hostKey = KeyPair.generate().publicKey;

function rooms(keyAt: (key: string) => Endpoint | undefined): PrivateRooms {
  const store = new MemoryStore(() => 0);
  store.saveRoom({
    host: roomHost,
    chatUuid: 'room-1',
    hostKey,
    secret: 'A'.repeat(43),
    title: 't',
    joinedAt: 1,
  });
  const peer = {
    identity: KeyPair.generate(),
    resolveHost: (host: Endpoint | null, key?: string) =>
      host === null || key === undefined ? host : (keyAt(key) ?? host),
  } as unknown as RoomPeer;
  return new PrivateRooms(peer, store, { now: () => 0 });
}

describe('a pushed message and the joined rooms', () => {
  it('belongs to the room only when the room’s own host pushed it', () => {
    const r = rooms(() => undefined);
    expect(r.joinedRoom(roomHost, 'room-1')?.chatUuid).toBe('room-1');
    // Another host pushing a public chat with the room's uuid does not reach the room's view.
    expect(r.joinedRoom(stranger, 'room-1')).toBeUndefined();
    expect(r.joinedRoom(roomHost, 'other')).toBeUndefined();
  });

  it('follows the room’s host to where its key was proven last', () => {
    const r = rooms((key) => (key === hostKey ? moved : undefined));
    expect(r.joinedRoom(moved, 'room-1')?.chatUuid).toBe('room-1');
    expect(r.joinedRoom(roomHost, 'room-1')).toBeUndefined();
  });
});
