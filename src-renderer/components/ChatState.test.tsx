// The open chat's header says how new messages arrive, and is true to it: "Live" for a chat of
// ours (by event), "Live · pushed by the host" while its host pushes, "Polled" while the window
// polls (a base host, or before the subscription); in English and Japanese.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatKey } from '../../src-shared/chat-key';
import type { Lang } from '../i18n';
import type { MessagesState, OpenChat } from '../store/state';
import { createNanceStore, type NanceStore } from '../store/store';
import { FakeNanceApi } from '../testing/fake-api';
import { disposeRendered, renderWith } from '../testing/render';
import { ChatStateLine } from './ChatState';

const stores: NanceStore[] = [];
afterEach(() => {
  disposeRendered();
  for (const s of stores.splice(0)) s.getState().actions.dispose();
  vi.useRealTimers();
});

const host = { host: '192.0.2.10', port: 5000 };
const remote: OpenChat = { host, chatUuid: 'r1', name: 'Remote', key: chatKey({ host, chatUuid: 'r1' }) };
const mine: OpenChat = {
  host: null,
  chatUuid: 'c1',
  name: 'Mine',
  key: chatKey({ host: null, chatUuid: 'c1' }),
};

function header(open: OpenChat, messages: MessagesState | null, lang: Lang = 'en'): string {
  return renderWith(<ChatStateLine open={open} />, () => ({ openChat: open, messages }), lang);
}

/** The open chat's messages state after the window read it from a host that pushes or not. */
async function readFrom(pushing: boolean): Promise<MessagesState | null> {
  vi.useFakeTimers();
  const api = new FakeNanceApi();
  api.settings = { ...api.settings, onboarded: true };
  api.messages.set(remote.key, [
    { uuid: 'm1', name: 'Ken', content: 'hi', createdAt: 1, author: null, mine: false },
  ]);
  if (pushing) api.pushing.add(remote.key);
  const store = createNanceStore(api, { tickMs: 0, listRefreshMs: 0 });
  stores.push(store);
  await store.getState().actions.init();
  store.getState().actions.openChat({ host, chatUuid: 'r1', name: 'Remote' });
  await vi.advanceTimersByTimeAsync(10);
  return store.getState().messages;
}

describe('the chat header says how new messages arrive', () => {
  it('a remote chat whose host pushes: "Live · pushed by the host"', async () => {
    const html = header(remote, await readFrom(true));
    expect(html).toContain('data-delivery="pushed"');
    expect(html).toContain('Live · pushed by the host');
  });

  it('a remote chat the window polls (a base host): "Polled", not "Live"', async () => {
    const html = header(remote, await readFrom(false));
    expect(html).toContain('data-condition="live"');
    expect(html).toContain('data-delivery="polled"');
    expect(html).toContain('Polled · the host does not push');
    expect(html).not.toContain('>Live');
  });

  it('a chat of ours: "Live" (its messages arrive by event)', () => {
    const html = header(mine, { key: mine.key, items: [], lastSeq: 0, loading: false, error: null });
    expect(html).toContain('data-delivery="event"');
    expect(html).toMatch(/>Live</);
  });

  it('a push that follows the cursor makes a polled chat live', async () => {
    vi.useFakeTimers();
    const api = new FakeNanceApi();
    api.settings = { ...api.settings, onboarded: true };
    const store = createNanceStore(api, { tickMs: 0, listRefreshMs: 0 });
    stores.push(store);
    await store.getState().actions.init();
    store.getState().actions.openChat({ host, chatUuid: 'r1', name: 'Remote' });
    await vi.advanceTimersByTimeAsync(10);
    expect(store.getState().messages?.live).toBe(false);
    const m = { uuid: 'm1', name: 'Ken', content: 'hi', createdAt: 1, author: null, mine: false };
    api.emit('message', { host, chatUuid: 'r1', pushed: { afterSeq: 0, lastSeq: 1, messages: [m] } });
    expect(store.getState().messages?.live).toBe(true);
  });

  it('says the same in Japanese', async () => {
    expect(header(remote, await readFrom(true), 'ja')).toContain('リアルタイム · ホストからプッシュ');
    expect(header(remote, await readFrom(false), 'ja')).toContain('定期確認 · ホストはプッシュしません');
  });
});
