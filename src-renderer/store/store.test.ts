// The store's actions against an in-memory NanceApi (a double of the contract, not of a host).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChatListDto, eventNames } from '../../src-shared/api';
import { groupChats } from '../lib/chat-groups';
import { FakeNanceApi } from '../testing/fake-api';
import { DRAFTS_KEY, LANG_KEY, THEME_KEY } from './prefs';
import { createNanceStore, type NanceStore, type StoreOptions } from './store';

const remote = { host: '192.0.2.10', port: 5000 };
const stores: NanceStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
  vi.useRealTimers();
});

function setup(options: StoreOptions = {}, prepare?: (api: FakeNanceApi) => void) {
  const api = new FakeNanceApi();
  api.settings = {
    ...api.settings,
    displayName: 'Aiko',
    bootstrapPeers: ['198.51.100.1:5000'],
    onboarded: true,
  };
  prepare?.(api);
  const store = createNanceStore(api, { tickMs: 0, listRefreshMs: 0, pollIntervalMs: 30, ...options });
  stores.push(store);
  return { api, store, state: () => store.getState(), actions: store.getState().actions };
}

/** With fake timers: moves virtual time in small steps until `check` holds (at most `ms`). */
async function advanceUntil(check: () => boolean, ms = 2_000): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > ms) throw new Error('condition not reached');
    await vi.advanceTimersByTimeAsync(5);
  }
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function memoryStorage(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
}

describe('loading', () => {
  it('loads status, settings, chats and peers, and listens to every event', async () => {
    const { api, state, actions } = setup({}, (api) => {
      api.mine = [{ uuid: 'c1', name: 'Mine', createdAt: 1 }];
      api.peers = [
        {
          host: '192.0.2.5',
          port: 1,
          natType: 'Full Cone',
          role: 'peer',
          firstSeen: 1,
          lastSeen: 2,
          path: null,
        },
      ];
    });
    expect(state().phase).toBe('loading');
    await actions.init();
    expect(state().phase).toBe('ready');
    expect(state().status?.natType).toBe('Full Cone');
    expect(state().settings?.displayName).toBe('Aiko');
    expect(state().chats?.mine).toHaveLength(1);
    expect(state().peers).toHaveLength(1);
    expect(api.listenerCount()).toBe(eventNames.length);
    await actions.init();
    expect(api.listenerCount()).toBe(eventNames.length);
  });

  it('shows a failed first load and recovers on retry', async () => {
    const { api, state, actions } = setup();
    api.failNext('getStatus', { kind: 'closed', message: 'down' });
    await actions.init();
    expect(state().phase).toBe('failed');
    expect(state().loadError?.kind).toBe('closed');
    await actions.init();
    expect(state().phase).toBe('ready');
    expect(state().loadError).toBeNull();
  });

  it('retries a failed first load when the connection opens, and catches up after a drop', async () => {
    const { api, state, actions } = setup();
    api.failNext('getSettings', { kind: 'closed', message: 'down' });
    await actions.init();
    expect(state().phase).toBe('failed');
    actions.setConnection('open');
    await until(() => state().phase === 'ready');

    actions.openChat({ host: null, chatUuid: 'c1', name: 'c' });
    await until(() => state().messages?.loading === false);
    const before = { status: api.count('getStatus'), read: api.count('readChat') };
    actions.setConnection('reconnecting');
    expect(state().connection).toBe('reconnecting');
    actions.setConnection('open');
    await until(() => api.count('readChat') > before.read);
    expect(api.count('getStatus')).toBeGreaterThan(before.status);
    expect(state().phase).toBe('ready');
  });
});

describe('chats', () => {
  it('creates a chat with my display name as author and opens it', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    actions.showNewChat();
    expect(state().composing).toBe(true);
    expect(await actions.createChat('  Lunch 🍙 ', 'お昼どうする？')).toBe(true);
    expect(api.calls.find((c) => c.command === 'createChat')?.args).toEqual({
      name: 'Lunch 🍙',
      message: 'お昼どうする？',
      author: 'Aiko',
    });
    expect(state().composing).toBe(false);
    expect(state().openChat).toMatchObject({ host: null, name: 'Lunch 🍙', key: 'me/chat-1' });
    expect(state().chats?.mine.map((c) => c.name)).toEqual(['Lunch 🍙']);
    await until(() => state().messages?.items?.length === 1);
    expect(state().messages?.items?.[0]).toMatchObject({ name: 'Aiko', content: 'お昼どうする？' });
  });

  it('refuses what the service refuses: a blank chat name comes back as invalid-argument', async () => {
    const { state, actions } = setup();
    await actions.init();
    actions.showNewChat();
    expect(await actions.createChat('   ', 'y')).toBe(false);
    expect(state().error?.error.kind).toBe('invalid-argument');
    expect(state().chats?.mine).toEqual([]);
  });

  it('posts as "Anonymous" / "名無し" when no display name is set', async () => {
    const { api, actions } = setup({ navigatorLanguage: 'ja-JP' }, (api) => {
      api.settings = { ...api.settings, displayName: '', bootstrapPeers: [], onboarded: true };
    });
    await actions.init();
    await actions.createChat('x', 'y');
    expect(
      (api.calls.find((c) => c.command === 'createChat')?.args as { author: string } | undefined)?.author,
    ).toBe('名無し');
  });

  it('keeps a failed create as an error for the banner', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    actions.showNewChat();
    api.failNext('createChat', { kind: 'invalid-argument', message: 'name: too long' });
    expect(await actions.createChat('x', 'y')).toBe(false);
    expect(state().error).toEqual({
      action: 'createChat',
      error: { kind: 'invalid-argument', message: 'name: too long' },
    });
    expect(state().composing).toBe(true);
    actions.dismissError();
    expect(state().error).toBeNull();
  });

  it('refreshes chats on demand and shows it is busy meanwhile', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.hosts = [
      {
        host: remote,
        chats: [{ uuid: 'r1', name: 'Remote', createdAt: 5 }],
        fetchedAt: 1,
        error: null,
        path: { kind: 'punched', via: null, actual: null, family: 'ipv4' },
      },
    ];
    const p = actions.refreshChats();
    expect(state().busy.refreshing).toBe(true);
    await p;
    expect(state().busy.refreshing).toBe(false);
    expect(state().chats?.hosts[0]?.chats[0]?.name).toBe('Remote');
    expect(state().chats?.hosts[0]?.path?.kind).toBe('punched');
  });

  it('reloads the chat list twice for a burst of chatsChanged events: the read under way, and one after it', async () => {
    vi.useFakeTimers();
    const { api, state, actions } = setup();
    await actions.init();
    const before = api.count('listChats');
    api.mine = [{ uuid: 'n', name: 'New', createdAt: 9 }];
    for (let i = 0; i < 5; i++) api.emit('chatsChanged', {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state().chats?.mine.length).toBe(1);
    expect(api.count('listChats') - before).toBe(2);
  });

  it('filters and switches views', async () => {
    const { state, actions } = setup();
    await actions.init();
    actions.setFilter('abc');
    expect(state().filter).toBe('abc');
    actions.setView('settings');
    expect(state().view).toBe('settings');
    actions.openChat({ host: null, chatUuid: 'c', name: 'c' });
    expect(state().view).toBe('chats');
  });
});

describe('messages', () => {
  it('posts with my display name and shows the new message', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    await actions.createChat('c', 'first');
    expect(await actions.postMessage('second\nline two')).toBe(true);
    const post = api.calls.find((c) => c.command === 'postMessage')?.args;
    expect(post).toEqual({ host: null, chatUuid: 'chat-1', name: 'Aiko', content: 'second\nline two' });
    await until(() => state().messages?.items?.length === 2);
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['first', 'second\nline two']);
  });

  it('says why a post failed, and clears that once a post succeeds', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    await actions.createChat('c', 'first');
    api.failNext('postMessage', { kind: 'full', message: 'full', code: 20 });
    expect(await actions.postMessage('one more')).toBe(false);
    expect(state().error?.error.kind).toBe('full');
    expect(state().busy.posting).toBe(false);
    expect(await actions.postMessage('retry')).toBe(true);
    expect(state().error).toBeNull();
  });

  it('drops a post error once the reader opens another chat', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    actions.openChat({ host: remote, chatUuid: 'full', name: 'Full' });
    api.failNext('postMessage', { kind: 'full', message: 'full', code: 20 });
    await actions.postMessage('x');
    expect(state().error?.error.kind).toBe('full');
    actions.openChat({ host: null, chatUuid: 'mine', name: 'Mine' });
    expect(state().error).toBeNull();
    // ...but not an error about something else.
    api.failNext('refreshChats', { kind: 'timeout', message: 't', code: 90 });
    await actions.refreshChats();
    actions.openChat({ host: remote, chatUuid: 'full', name: 'Full' });
    expect(state().error?.action).toBe('refreshChats');
  });

  it('rereads my open chat when a message event names it', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    await actions.createChat('c', 'first');
    await until(() => state().messages?.items?.length === 1);
    const reads = api.count('readChat');
    api.messages
      .get('me/chat-1')
      ?.push({ uuid: 'x', name: 'Ken', content: 'hi from afar', createdAt: 2, author: null, mine: false });
    api.emit('message', { host: null, chatUuid: 'chat-1' });
    await until(() => state().messages?.items?.length === 2);
    expect(api.count('readChat')).toBe(reads + 1);
    // An event for another chat of mine re-reads the list instead (and reads that chat in the
    // background for its unread count, never as the open chat).
    const lists = api.count('listChats');
    api.emit('message', { host: null, chatUuid: 'other' });
    await until(() => api.count('listChats') === lists + 1);
    const openReads = api.calls.filter(
      (c) => c.command === 'readChat' && !(c.args as { watch?: boolean }).watch,
    );
    expect(openReads).toHaveLength(reads + 1);
  });

  it('does not poll my own chats', async () => {
    vi.useFakeTimers();
    const { api, state, actions } = setup();
    await actions.init();
    actions.openChat({ host: null, chatUuid: 'c', name: 'c' });
    await advanceUntil(() => state().messages?.loading === false);
    await vi.advanceTimersByTimeAsync(10 * 30); // ten poll intervals
    expect(api.count('readChat')).toBe(1);
  });

  it('polls an open remote chat every ~700 ms, so a post shows within a second', async () => {
    vi.useFakeTimers();
    const { api, state, actions } = setup({ pollIntervalMs: 700 });
    await actions.init();
    api.messages.set('192.0.2.10:5000/r1', []);
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    await vi.advanceTimersByTimeAsync(10);
    expect(state().messages?.items).toEqual([]);
    api.messages
      .get('192.0.2.10:5000/r1')
      ?.push({ uuid: 'm', name: 'Ken', content: 'やあ', createdAt: 1, author: null, mine: false });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['やあ']);
    const reads = api.count('readChat');
    await vi.advanceTimersByTimeAsync(2_100);
    expect(api.count('readChat') - reads).toBe(3);
    // Every poll asks only for what follows the one message shown.
    expect(api.calls.filter((c) => c.command === 'readChat').at(-1)?.args).toEqual({
      host: remote,
      chatUuid: 'r1',
      afterSeq: 1,
    });
  });

  it('keeps the read cursor: the first read asks for the whole chat, later ones for what is new, appended', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    const chat = [
      { uuid: 'a', name: 'K', content: 'one', createdAt: 1, author: null, mine: false },
      { uuid: 'b', name: 'K', content: 'two', createdAt: 2, author: null, mine: false },
    ];
    api.messages.set('192.0.2.10:5000/r1', chat);
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    await until(() => state().messages?.items?.length === 2);
    expect(state().messages?.lastSeq).toBe(2);
    chat.push({ uuid: 'c', name: 'L', content: 'three', createdAt: 3, author: null, mine: false });
    await until(() => state().messages?.items?.length === 3);
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['one', 'two', 'three']);
    const cursors = api.calls
      .filter((c) => c.command === 'readChat')
      .map((c) => (c.args as { afterSeq?: number }).afterSeq);
    expect(cursors[0]).toBeUndefined();
    expect(cursors.slice(1).every((n) => n === 2 || n === 3)).toBe(true);
    expect(cursors).toContain(2);
  });

  it('replaces the messages when a read answers the whole chat (a host that cannot page)', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    const chat = [{ uuid: 'a', name: 'K', content: 'one', createdAt: 1, author: null, mine: false }];
    api.messages.set('192.0.2.10:5000/base', chat);
    api.wholeChatOnly.add('192.0.2.10:5000/base');
    actions.openChat({ host: remote, chatUuid: 'base', name: 'B' });
    await until(() => state().messages?.items?.length === 1);
    chat.push({ uuid: 'b', name: 'L', content: 'two', createdAt: 2, author: null, mine: false });
    await until(() => state().messages?.lastSeq === 2);
    const reads = api.count('readChat');
    await until(() => api.count('readChat') >= reads + 2);
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['one', 'two']);
  });

  it('stops polling when the chat is closed or another one opens', async () => {
    vi.useFakeTimers();
    const { api, actions } = setup();
    await actions.init();
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    await advanceUntil(() => api.count('readChat') >= 3);
    actions.closeChat();
    const afterClose = api.count('readChat');
    await vi.advanceTimersByTimeAsync(10 * 30); // ten poll intervals
    expect(api.count('readChat')).toBe(afterClose);

    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    actions.openChat({ host: null, chatUuid: 'mine', name: 'M' });
    await vi.advanceTimersByTimeAsync(10 * 30);
    const reads = api.calls.filter((c) => c.command === 'readChat').slice(afterClose);
    // The read opening r1 started; no poll of r1 followed once another chat opened.
    expect(reads.filter((c) => (c.args as { chatUuid: string }).chatUuid === 'r1')).toHaveLength(1);
  });

  it('keeps polling through a timeout, and stops once the chat is gone', async () => {
    vi.useFakeTimers();
    const { api, state, actions } = setup();
    await actions.init();
    api.messages.set('192.0.2.10:5000/r1', [
      { uuid: 'a', name: 'K', content: 'x', createdAt: 1, author: null, mine: false },
    ]);
    api.failNext('readChat', { kind: 'timeout', message: 'no answer', code: 90 });
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    await advanceUntil(() => state().messages?.error?.kind === 'timeout');
    await advanceUntil(() => state().messages?.items?.length === 1 && state().messages?.error === null);
    api.failNext('readChat', { kind: 'not-found', message: 'gone', code: 10 });
    await advanceUntil(() => state().messages?.error?.kind === 'not-found');
    const reads = api.count('readChat');
    await vi.advanceTimersByTimeAsync(10 * 30); // ten poll intervals
    expect(api.count('readChat')).toBe(reads);
    expect(state().messages?.items).toHaveLength(1);
  });

  it('drops a read that answers after the reader moved to another chat', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.messages.set('192.0.2.10:5000/slow', [
      { uuid: 's', name: 'S', content: 'slow', createdAt: 1, author: null, mine: false },
    ]);
    api.messages.set('me/fast', [
      { uuid: 'f', name: 'F', content: 'fast', createdAt: 1, author: null, mine: false },
    ]);
    let release!: () => void;
    api.gate = new Promise((r) => {
      release = r;
    });
    actions.openChat({ host: remote, chatUuid: 'slow', name: 'Slow' });
    actions.openChat({ host: null, chatUuid: 'fast', name: 'Fast' });
    api.gate = null;
    release();
    await until(() => state().messages?.loading === false);
    await new Promise((r) => setTimeout(r, 20));
    expect(state().openChat?.key).toBe('me/fast');
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['fast']);
  });

  it('keeps the same message array when nothing changed', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.messages.set('192.0.2.10:5000/r1', [
      { uuid: 'a', name: 'K', content: 'x', createdAt: 1, author: null, mine: false },
    ]);
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    await until(() => state().messages?.items?.length === 1);
    const first = state().messages?.items;
    const reads = api.count('readChat');
    await until(() => api.count('readChat') >= reads + 2);
    expect(state().messages?.items).toBe(first);
  });
});

describe('settings, onboarding and mode', () => {
  it('finishes onboarding with a name and one bootstrap peer', async () => {
    const { api, state, actions } = setup({}, (api) => {
      api.settings = { ...api.settings, displayName: '', bootstrapPeers: [], onboarded: false };
    });
    await actions.init();
    expect(state().settings?.onboarded).toBe(false);
    expect(await actions.finishOnboarding(' Aiko ', '203.0.113.5:5000')).toBe(true);
    expect(api.calls.find((c) => c.command === 'updateSettings')?.args).toEqual({
      displayName: 'Aiko',
      bootstrapPeers: ['203.0.113.5:5000'],
      onboarded: true,
    });
    expect(state().settings).toEqual({
      displayName: 'Aiko',
      bootstrapPeers: ['203.0.113.5:5000'],
      onboarded: true,
      keepaliveSeconds: 20,
      relayForOthers: 'auto',
      portMapping: true,
      lanDiscovery: true,
      autoUpdate: true,
    });
  });

  it('skipping onboarding only marks it done', async () => {
    const { api, state, actions } = setup({}, (api) => {
      api.settings = { ...api.settings, displayName: '', bootstrapPeers: [], onboarded: false };
    });
    await actions.init();
    await actions.skipOnboarding();
    expect(api.calls.find((c) => c.command === 'updateSettings')?.args).toEqual({ onboarded: true });
    expect(state().settings?.onboarded).toBe(true);
  });

  it('reports a refused settings change', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.failNext('updateSettings', {
      kind: 'invalid-argument',
      message: 'bootstrapPeers.0: expected HOST:PORT',
    });
    expect(await actions.saveSettings({ bootstrapPeers: ['x'] })).toBe(false);
    expect(state().error?.action).toBe('updateSettings');
    expect(state().settings?.bootstrapPeers).toEqual(['198.51.100.1:5000']);
  });

  it('saves the keepalive and the relay choice, and reports a refused one', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    expect(state().settings).toMatchObject({ keepaliveSeconds: 20, relayForOthers: 'auto' });
    expect(await actions.saveSettings({ keepaliveSeconds: 0, relayForOthers: 'always' })).toBe(true);
    expect(api.calls.find((c) => c.command === 'updateSettings')?.args).toEqual({
      keepaliveSeconds: 0,
      relayForOthers: 'always',
    });
    expect(state().settings).toMatchObject({ keepaliveSeconds: 0, relayForOthers: 'always' });

    api.failNext('updateSettings', {
      kind: 'invalid-argument',
      message: 'keepaliveSeconds: Too big: expected number to be <=3600',
    });
    expect(await actions.saveSettings({ keepaliveSeconds: 3601 })).toBe(false);
    expect(state().error?.action).toBe('updateSettings');
    expect(state().settings).toMatchObject({ keepaliveSeconds: 0, relayForOthers: 'always' });
  });

  it('saves the port mapping choice', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    expect(state().settings?.portMapping).toBe(true);
    expect(await actions.saveSettings({ portMapping: false })).toBe(true);
    expect(api.calls.find((c) => c.command === 'updateSettings')?.args).toEqual({ portMapping: false });
    expect(state().settings?.portMapping).toBe(false);
  });

  it('switching to bootstrap mode closes the chat and stops polling', async () => {
    vi.useFakeTimers();
    const { api, state, actions } = setup();
    await actions.init();
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'R' });
    await advanceUntil(() => api.count('readChat') >= 2);
    const switched = actions.setMode('bootstrap');
    await vi.advanceTimersByTimeAsync(0);
    expect(await switched).toBe(true);
    expect(state().status?.mode).toBe('bootstrap');
    expect(state().openChat).toBeNull();
    const reads = api.count('readChat');
    await vi.advanceTimersByTimeAsync(10 * 30); // ten poll intervals
    expect(api.count('readChat')).toBe(reads);
    actions.showNewChat();
    expect(state().composing).toBe(false);
  });

  it('follows a mode change made elsewhere (the tray)', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    actions.showNewChat();
    api.status = { ...api.status, mode: 'bootstrap' };
    api.emit('modeChanged', { mode: 'bootstrap' });
    expect(state().status?.mode).toBe('bootstrap');
    expect(state().composing).toBe(false);
    await until(() => api.count('getStatus') >= 2);
    api.emit('statusChanged', { ...api.status, mode: 'peer', peerCount: 7 });
    expect(state().status).toMatchObject({ mode: 'peer', peerCount: 7 });
  });

  it('re-reads peers on peersChanged', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.peers = [
      {
        host: '192.0.2.9',
        port: 9,
        natType: 'Symmetric',
        role: 'bootstrap',
        firstSeen: 1,
        lastSeen: 1,
        path: null,
      },
    ];
    api.emit('peersChanged', {});
    await until(() => state().peers?.length === 1);
  });
});

describe('clock, preferences, teardown', () => {
  it('reloads everything once when the daily wipe passes', async () => {
    let now = 1_000_000;
    const { api, actions } = setup({ now: () => now }, (api) => {
      api.status = { ...api.status, nextWipeAt: 1_010_000 };
    });
    await actions.init();
    const before = api.count('listChats');
    actions.tick(1_005_000);
    now = 1_013_000;
    actions.tick();
    actions.tick();
    await until(() => api.count('listChats') === before + 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(api.count('listChats')).toBe(before + 1);
  });

  it('remembers language and theme, Japanese first for ja browsers', () => {
    const storage = memoryStorage();
    const { state, actions } = setup({ prefs: storage, navigatorLanguage: 'ja-JP' });
    expect(state().lang).toBe('ja');
    expect(state().theme).toBe('system');
    actions.setLang('en');
    actions.setTheme('dark');
    expect(storage.map.get(LANG_KEY)).toBe('en');
    expect(storage.map.get(THEME_KEY)).toBe('dark');
    const again = setup({ prefs: storage, navigatorLanguage: 'ja-JP' });
    expect(again.state().lang).toBe('en');
    expect(again.state().theme).toBe('dark');
    expect(setup({ navigatorLanguage: 'en-GB' }).state().lang).toBe('en');
  });

  it('dispose() unsubscribes from every event', async () => {
    const { api, actions } = setup();
    await actions.init();
    actions.dispose();
    expect(api.listenerCount()).toBe(0);
  });
});

describe('a host known by its key', () => {
  it('a chat opened from the list is read and posted to by its host key (main finds the host wherever it moved)', async () => {
    const hostKey = 'k'.repeat(43);
    const { api, state, actions } = setup({}, (api) => {
      api.hosts = [
        {
          host: remote,
          hostKey,
          fingerprint: 'k7f3-9qxa-2m4b',
          chats: [{ uuid: 'r1', name: 'Remote', createdAt: 5 }],
          fetchedAt: 1,
          error: null,
          path: null,
        },
      ];
    });
    await actions.init();
    const group = groupChats(state().chats as ChatListDto, '', 0).find((g) => g.host !== null);
    const entry = group?.entries[0];
    expect(entry?.hostKey).toBe(hostKey);
    actions.openChat({ host: remote, hostKey, chatUuid: 'r1', name: 'Remote' });
    await until(() => api.count('readChat') > 0);
    expect(await actions.postMessage('hi')).toBe(true);
    const sent = api.calls.filter((c) => c.command === 'readChat' || c.command === 'postMessage');
    expect(sent.map((c) => (c.args as { hostKey?: string }).hostKey)).toEqual(sent.map(() => hostKey));
  });
});

describe('drafts', () => {
  it('keeps each chat its own draft across switching chats, closing and a restart of the window', async () => {
    const prefs = memoryStorage();
    const { state, actions } = setup({ prefs });
    await actions.init();
    actions.setDraft('me/a', 'half a thought');
    actions.setDraft('192.0.2.10:5000/b', 'другой 下書き');
    actions.openChat({ host: null, chatUuid: 'a', name: 'A' });
    actions.closeChat();
    expect(state().drafts).toEqual({ 'me/a': 'half a thought', '192.0.2.10:5000/b': 'другой 下書き' });

    // A new window over the same storage (a restart) finds them.
    const again = setup({ prefs });
    expect(again.state().drafts['me/a']).toBe('half a thought');
    // Sending (an empty draft) forgets it, in storage too.
    again.actions.setDraft('me/a', '');
    expect(JSON.parse(prefs.map.get(DRAFTS_KEY) ?? '{}')).toEqual({ '192.0.2.10:5000/b': 'другой 下書き' });
  });

  it('ignores damaged stored drafts and keeps at most 50, dropping the least recently edited', () => {
    expect(setup({ prefs: memoryStorage({ [DRAFTS_KEY]: '{not json' }) }).state().drafts).toEqual({});
    expect(setup({ prefs: memoryStorage({ [DRAFTS_KEY]: '[1,2]' }) }).state().drafts).toEqual({});
    const mixed = setup({ prefs: memoryStorage({ [DRAFTS_KEY]: '{"a":"ok","b":7,"c":""}' }) });
    expect(mixed.state().drafts).toEqual({ a: 'ok' });
    const { state, actions } = setup({ prefs: memoryStorage() });
    for (let i = 0; i < 60; i++) actions.setDraft(`me/${i}`, `draft ${i}`);
    actions.setDraft('me/5', 'edited again');
    const keys = Object.keys(state().drafts);
    expect(keys).toHaveLength(50);
    expect(keys).toContain('me/5');
    expect(keys).not.toContain('me/10');
  });
});

describe('outbox', () => {
  it('a post to a silent host clears the composer and shows as pending; cancel removes it', async () => {
    const { api, state, actions } = setup();
    await actions.init();
    api.silentHosts.add('192.0.2.10:5000');
    actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
    expect(await actions.postMessage('wait for me')).toBe(true);
    expect(state().error).toBeNull();
    expect(state().outbox.map((p) => p.content)).toEqual(['wait for me']);
    const id = state().outbox[0]?.id ?? '';
    await actions.cancelPost(id);
    expect(state().outbox).toEqual([]);
    expect(api.outbox).toEqual([]);
  });

  it('loads what main holds at start, and follows outboxChanged', async () => {
    const { api, state, actions } = setup({}, (api) => {
      api.outbox = [
        {
          id: 'p1',
          host: remote,
          chatUuid: 'r1',
          name: 'Aiko',
          content: 'from before the restart',
          queuedAt: 1,
          failed: null,
        },
      ];
    });
    await actions.init();
    expect(state().outbox.map((p) => p.id)).toEqual(['p1']);
    api.emit('outboxChanged', { posts: [] });
    expect(state().outbox).toEqual([]);
  });
});

describe('the daily wipe', () => {
  it('records how many chats were listed when the wipe passed, once', async () => {
    const { api, state, actions } = setup({}, (api) => {
      api.mine = [
        { uuid: 'c1', name: 'One', createdAt: 1 },
        { uuid: 'c2', name: 'Two', createdAt: 2 },
      ];
      api.status = { ...api.status, nextWipeAt: 10_000 };
    });
    await actions.init();
    actions.tick(5_000);
    expect(state().lastWipe).toBeNull();
    api.mine = [];
    actions.tick(12_500);
    expect(state().lastWipe).toEqual({ at: 10_000, chats: 2 });
  });
});
