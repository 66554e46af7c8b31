// Private rooms in the store: never in a g/c listing, and forgotten (secrets included) by the daily wipe.
import { describe, expect, it } from 'vitest';
import type { NewMessage, StoredRoom } from '../core/ports.js';
import { SqliteStore } from './sqlite-store.js';

const first = (chatUuid: string): NewMessage => ({
  chatUuid,
  uuid: `${chatUuid}-1`,
  name: 'n',
  content: 'c',
  createdAt: 1,
  jsonBytes: 10,
});

describe('rooms in the store', () => {
  it('a private chat is readable but never listed for g/c', async () => {
    const store = SqliteStore.open({ path: ':memory:', now: () => 0 });
    await store.createChat({ uuid: 'pub', name: 'public', createdAt: 1 }, first('pub'));
    await store.createChat(
      { uuid: 'priv', name: 'room', createdAt: 2, visibility: 'private' },
      first('priv'),
    );
    expect([...store.chatsByActivity()].map((c) => c.uuid)).toEqual(['pub']);
    expect(store.getChat('priv')?.visibility).toBe('private');
    expect(store.getChat('pub')?.visibility).toBe('public');
    store.close();
  });

  it('remembers rooms (ours with no host) and the wipe forgets them with the chats', () => {
    const store = SqliteStore.open({ path: ':memory:', now: () => 0 });
    const ours: StoredRoom = {
      host: null,
      chatUuid: 'a',
      hostKey: 'k',
      secret: 's',
      title: 'Ours',
      joinedAt: 1,
    };
    const joined: StoredRoom = {
      ...ours,
      host: { host: '192.0.2.1', port: 7 },
      title: 'Joined',
      joinedAt: 2,
    };
    store.saveRoom(ours);
    store.saveRoom(joined);
    store.saveRoom({ ...joined, title: 'Joined again' });
    expect(store.listRooms()).toEqual([{ ...joined, title: 'Joined again' }, ours]);
    store.wipeChats(0);
    expect(store.listRooms()).toEqual([]);
    store.close();
  });
});
