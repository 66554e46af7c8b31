// The window's side of push delivery, against the contract double: pushed messages go onto the
// open chat's cursor without a read, gaps and nudges are read, and the poll drops to the fallback
// rate while the host pushes (so a lost push shows within that interval).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageDto } from '../../src-shared/api';
import { FakeNanceApi } from '../testing/fake-api';
import { createNanceStore, type NanceStore } from './store';

const remote = { host: '192.0.2.10', port: 5000 };
const key = '192.0.2.10:5000/r1';
const stores: NanceStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.getState().actions.dispose();
  vi.useRealTimers();
});

const msg = (n: number): MessageDto => ({
  uuid: `m${n}`,
  name: 'Ken',
  content: `message ${n}`,
  createdAt: n,
  author: null,
  mine: false,
});

async function openRemoteChat(pushing: boolean, messages = [msg(1)]) {
  vi.useFakeTimers();
  const api = new FakeNanceApi();
  api.settings = { ...api.settings, displayName: 'Aiko', onboarded: true };
  api.messages.set(key, messages);
  if (pushing) api.pushing.add(key);
  const store = createNanceStore(api, {
    tickMs: 0,
    listRefreshMs: 0,
    pollIntervalMs: 700,
    livePollIntervalMs: 5_000,
  });
  stores.push(store);
  const state = () => store.getState();
  await state().actions.init();
  state().actions.openChat({ host: remote, chatUuid: 'r1', name: 'Remote' });
  await vi.advanceTimersByTimeAsync(10);
  return { api, state };
}

const reads = (api: FakeNanceApi) => api.count('readChat');

describe('pushed messages in the window', () => {
  it('appends a pushed message that follows the cursor at once, without reading', async () => {
    const { api, state } = await openRemoteChat(true);
    const before = reads(api);
    api.messages.get(key)?.push(msg(2));
    api.emit('message', {
      host: remote,
      chatUuid: 'r1',
      pushed: { afterSeq: 1, lastSeq: 2, messages: [msg(2)] },
    });
    expect(state().messages?.items?.map((m) => m.content)).toEqual(['message 1', 'message 2']);
    expect(state().messages?.lastSeq).toBe(2);
    expect(reads(api)).toBe(before);
    // A resend of the same push changes nothing.
    api.emit('message', {
      host: remote,
      chatUuid: 'r1',
      pushed: { afterSeq: 1, lastSeq: 2, messages: [msg(2)] },
    });
    expect(state().messages?.items).toHaveLength(2);
  });

  it('reads what is missing on a gap or a nudge (a message too big to push)', async () => {
    const { api, state } = await openRemoteChat(true);
    api.messages.get(key)?.push(msg(2), msg(3));
    api.emit('message', {
      host: remote,
      chatUuid: 'r1',
      pushed: { afterSeq: 2, lastSeq: 3, messages: [msg(3)] },
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(state().messages?.items?.map((m) => m.uuid)).toEqual(['m1', 'm2', 'm3']);
    api.messages.get(key)?.push(msg(4));
    api.emit('message', { host: remote, chatUuid: 'r1', pushed: { afterSeq: 3, lastSeq: 4, messages: [] } });
    await vi.advanceTimersByTimeAsync(10);
    expect(state().messages?.items?.map((m) => m.uuid)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('polls every 5 s while the host pushes (every 0.7 s otherwise): a lost push shows by the next fallback poll', async () => {
    const { api, state } = await openRemoteChat(true);
    let before = reads(api);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads(api) - before).toBe(2);
    // A post whose push was lost: no event; the fallback poll finds it within 5 s.
    api.messages.get(key)?.push(msg(2));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(state().messages?.items?.map((m) => m.uuid)).toEqual(['m1', 'm2']);

    const polled = await openRemoteChat(false);
    before = reads(polled.api);
    await vi.advanceTimersByTimeAsync(7_000);
    expect(reads(polled.api) - before).toBeGreaterThanOrEqual(9);
  });

  it('shows a message once when its push arrives while a read is out', async () => {
    const { api, state } = await openRemoteChat(true);
    api.messages.get(key)?.push(msg(2));
    let open!: () => void;
    api.gate = new Promise((resolve) => {
      open = resolve;
    });
    await vi.advanceTimersByTimeAsync(5_000); // the fallback poll goes out and waits at the gate
    api.emit('message', {
      host: remote,
      chatUuid: 'r1',
      pushed: { afterSeq: 1, lastSeq: 2, messages: [msg(2)] },
    });
    api.gate = null;
    open();
    await vi.advanceTimersByTimeAsync(10);
    expect(state().messages?.items?.map((m) => m.uuid)).toEqual(['m1', 'm2']);
  });
});
