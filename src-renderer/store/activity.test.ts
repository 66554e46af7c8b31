// The chat list's read state against the in-memory NanceApi: unread counts from the window's own
// reads (the open chat's and background `watch` reads of pinned chats), kept across restarts in the
// window's storage, previews, pinning, and the notifications the shared rule allows.
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src-shared/api';
import { titleWithUnread, unreadInTitle } from '../../src-shared/unread-title';
import { groupChats } from '../lib/chat-groups';
import { FakeNanceApi } from '../testing/fake-api';
import { ACTIVITY_KEY } from './prefs';
import type { NewMessageNotice } from './slices/activity';
import { unreadTotal } from './slices/activity';
import { createNanceStore, type NanceStore, type StoreOptions } from './store';

const remote = { host: '192.0.2.10', port: 5000 };
const remoteKey = '192.0.2.10:5000/r1';
const stores: NanceStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
});

function memoryStorage(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
}

const msg = (uuid: string, name = 'Ken', createdAt = 1_000): MessageDto => ({
  uuid,
  name,
  content: `text ${uuid}`,
  createdAt,
  author: null,
  mine: false,
});

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function setup(options: StoreOptions = {}, api = new FakeNanceApi()) {
  api.settings = { ...api.settings, displayName: 'Aiko', onboarded: true };
  if (api.hosts.length === 0) {
    api.hosts = [
      {
        host: remote,
        chats: [{ uuid: 'r1', name: 'Remote', createdAt: 1 }],
        fetchedAt: Date.now(),
        error: null,
        path: null,
      },
    ];
  }
  if (!api.messages.has(remoteKey)) api.messages.set(remoteKey, [msg('a'), msg('b')]);
  const store = createNanceStore(api, {
    tickMs: 0,
    listRefreshMs: 0,
    pollIntervalMs: 20,
    watchIntervalMs: 0,
    ...options,
  });
  stores.push(store);
  const { actions } = store.getState();
  await actions.init();
  actions.setConnection('open');
  return { api, store, state: () => store.getState(), actions };
}

const unreadOfRemote = (store: NanceStore) => {
  const a = store.getState().activity[remoteKey];
  return a ? a.read - a.seen : 0;
};

describe('unread counts', () => {
  it('counts what a background read finds after the chat was last open; opening it clears the count', async () => {
    const { api, store, state, actions } = await setup();
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    await until(() => state().messages?.items?.length === 2);
    actions.closeChat();
    expect(unreadOfRemote(store)).toBe(0);

    api.messages.get(remoteKey)?.push(msg('c'), msg('d'), msg('e', 'Lin', 5_000));
    await actions.refreshChats(); // a watch round, as the timer does
    await until(() => unreadOfRemote(store) === 3);
    const watch = api.calls.filter((c) => (c.args as { watch?: boolean }).watch === true).at(-1);
    expect(watch?.args).toMatchObject({ host: remote, chatUuid: 'r1', afterSeq: 2, watch: true });
    expect(unreadTotal(state())).toBe(3);
    expect(state().previews[remoteKey]).toEqual({ name: 'Lin', content: 'text e', at: 5_000 });

    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    expect(unreadOfRemote(store)).toBe(0);
    await until(() => state().messages?.items?.length === 5);
    expect(unreadTotal(state())).toBe(0);
  });

  it('never reads a chat in the background that I neither opened nor posted in', async () => {
    const { api, actions } = await setup();
    await actions.refreshChats();
    await new Promise((r) => setTimeout(r, 20));
    expect(api.calls.filter((c) => c.command === 'readChat')).toEqual([]);
  });

  it('a message event for a hosted chat that is not open reads it: its count grows without a poll', async () => {
    const { api, state, actions } = await setup();
    await actions.createChat('Mine', 'first');
    const mineKey = 'me/chat-1';
    actions.closeChat();
    api.messages.get(mineKey)?.push(msg('x', 'Bob', 9_000));
    api.emit('message', { host: null, chatUuid: 'chat-1' });
    await until(() => (state().activity[mineKey]?.read ?? 0) === 2);
    expect(state().activity[mineKey]).toMatchObject({ read: 2, seen: 1, posted: true });
    expect(state().previews[mineKey]?.name).toBe('Bob');
  });

  it('keeps the counts across a restart (the same storage), and drops a corrupt or hostile storage without failing', async () => {
    const storage = memoryStorage();
    const first = await setup({ prefs: storage });
    first.actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    await until(() => first.state().messages?.items?.length === 2);
    first.actions.closeChat();
    first.api.messages.get(remoteKey)?.push(msg('c'));
    await first.actions.refreshChats();
    await until(() => unreadOfRemote(first.store) === 1);

    const again = await setup({ prefs: storage }, first.api);
    expect(again.state().activity[remoteKey]).toMatchObject({ read: 3, seen: 2, opened: true });
    expect(unreadTotal(again.state())).toBe(1);
    // Counts and times only: no name or text of a chat outlives the daily wipe in the window.
    expect(storage.map.get(ACTIVITY_KEY)).not.toContain('text c');

    for (const stored of [
      'not json',
      '[1,2]',
      '{"a/b":{"read":"9","seen":0,"lastAt":0,"opened":true,"posted":false}}',
      '{"a/b":{"read":1e400,"seen":-1,"lastAt":0,"opened":true,"posted":false}}',
      '{"__proto__":{"read":1,"seen":0,"lastAt":0,"opened":true,"posted":true}}',
    ]) {
      const bad = await setup({ prefs: memoryStorage({ [ACTIVITY_KEY]: stored }) });
      expect(unreadTotal(bad.state()), stored).toBe(0);
      expect(Object.keys(bad.state().activity), stored).toEqual([]);
    }
    // seen beyond read (edited by hand) cannot make a negative count.
    const odd = await setup({
      prefs: memoryStorage({
        [ACTIVITY_KEY]: JSON.stringify({
          [remoteKey]: { read: 2, seen: 9, lastAt: 0, opened: true, posted: false },
        }),
      }),
    });
    expect(unreadTotal(odd.state())).toBe(0);
  });

  it('forgets a chat the list no longer has (wiped), but not one of a host that did not answer', async () => {
    const { api, state, actions } = await setup();
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    await until(() => state().messages?.items?.length === 2);
    actions.closeChat();
    api.hosts = [{ ...(api.hosts[0] as (typeof api.hosts)[0]), chats: [], error: 'timeout' }];
    await actions.refreshChats();
    expect(state().activity[remoteKey]).toBeDefined();
    api.hosts = [{ ...(api.hosts[0] as (typeof api.hosts)[0]), chats: [], error: null }];
    await actions.refreshChats();
    expect(state().activity[remoteKey]).toBeUndefined();
  });
});

describe('the chat list', () => {
  it('pins chats I opened or posted in above the rest, each part sorted by the newest activity', async () => {
    const api = new FakeNanceApi();
    api.hosts = [
      {
        host: remote,
        chats: [
          { uuid: 'r1', name: 'Opened', createdAt: 1 },
          { uuid: 'r2', name: 'Old', createdAt: 2 },
          { uuid: 'r3', name: 'Newer', createdAt: 3 },
        ],
        fetchedAt: Date.now(),
        error: null,
        path: null,
      },
    ];
    const { state, actions } = await setup({}, api);
    await actions.createChat('Mine', 'hello');
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Opened' });
    await until(() => state().messages?.items?.length === 2);
    const chats = state().chats;
    if (!chats) throw new Error('no chats');
    const groups = groupChats(chats, '', Date.now(), state().activity);
    expect(groups.map((g) => [g.id, g.entries.map((e) => e.chat.name)])).toEqual([
      ['pinned', ['Mine', 'Opened']],
      ['mine', []],
      ['192.0.2.10:5000', ['Newer', 'Old']],
    ]);
    expect(groups[1]?.allPinned).toBe(true);
  });
});

describe('notifications and the title', () => {
  it('notifies for news in a chat I posted in, not in one I only opened, and not for my own post', async () => {
    const notices: NewMessageNotice[] = [];
    const { api, state, actions } = await setup({ notify: (n) => notices.push(n) });
    const other = { uuid: 'r2', name: 'Looked at', createdAt: 1 };
    api.hosts[0]?.chats.push(other);
    api.messages.set('192.0.2.10:5000/r2', [msg('q')]);
    await actions.refreshChats();
    for (const chat of ['r2', 'r1']) {
      actions.openChat({ host: remote, chatUuid: chat, name: chat });
      await until(() => (state().messages?.items?.length ?? 0) > 0);
    }
    expect(await actions.postMessage('mine')).toBe(true);
    await until(() => state().messages?.items?.length === 3);
    actions.closeChat();
    await actions.refreshChats();
    expect(notices).toEqual([]); // my own post is not news

    api.messages.get(remoteKey)?.push(msg('n', 'Bob'));
    api.messages.get('192.0.2.10:5000/r2')?.push(msg('m', 'Bob'));
    await actions.refreshChats();
    await until(() => notices.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(notices.map((n) => [n.key, n.chatName, n.message.uuid])).toEqual([[remoteKey, 'Remote', 'n']]);
  });

  it('notifies for the open chat only while the window is not focused', async () => {
    const notices: NewMessageNotice[] = [];
    let focused = true;
    const { api, state, actions } = await setup({
      notify: (n) => notices.push(n),
      windowFocused: () => focused,
    });
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    await until(() => state().messages?.items?.length === 2);
    api.messages.get(remoteKey)?.push(msg('c'));
    await until(() => state().messages?.items?.length === 3);
    expect(notices).toEqual([]);
    focused = false;
    api.messages.get(remoteKey)?.push(msg('d'));
    await until(() => notices.length === 1);
  });

  it('puts the unread total before the title, and the shell reads the same number back', () => {
    expect(titleWithUnread('Nance', 0)).toBe('Nance');
    expect(titleWithUnread('Nance', 3)).toBe('(3) Nance');
    expect(titleWithUnread('Nance', 250)).toBe('(99+) Nance');
    expect(unreadInTitle('(3) Nance')).toBe(3);
    expect(unreadInTitle('(99+) Nance')).toBe(99);
    expect(unreadInTitle('Nance')).toBe(0);
    // A chat name is never in the title, but even a title shaped like one counts nothing extra.
    expect(unreadInTitle('(12345) x')).toBe(0);
  });
});
