// The window's state and the only ways it changes (zustand, vanilla so it runs without React in
// tests). Every action talks to the main side through the NanceApi it was given, never around it.
// The state is cut into slices, each owning its part and its actions (./slices): connection
// (the link, status, chats, peers, events), navigation (views, the new-chat form, opening a chat),
// reads (the open chat's messages, its read cursor and poll), activity (unread counts, previews,
// pinning, notifications) and preferences (settings, language, theme). This file only puts them
// together.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NanceApi } from '../../src-shared/api';
import { loadPrefs } from './prefs';
import { activitySlice } from './slices/activity';
import { connectionSlice } from './slices/connection';
import { sliceContext } from './slices/context';
import { draftsSlice } from './slices/drafts';
import { identitySlice } from './slices/identity';
import { navigationSlice } from './slices/navigation';
import { outboxSlice } from './slices/outbox';
import { preferencesSlice } from './slices/preferences';
import { readsSlice } from './slices/reads';
import type { Busy, NanceState, StoreOptions } from './state';

export type * from './state';

export type NanceStore = StoreApi<NanceState>;

const idleBusy: Busy = {
  creating: false,
  posting: false,
  savingSettings: false,
  switchingMode: false,
  refreshing: false,
};

export function createNanceStore(api: NanceApi, options: StoreOptions = {}): NanceStore {
  const prefsStorage = options.prefs ?? null;
  const prefs = loadPrefs(prefsStorage, options.navigatorLanguage);

  return createStore<NanceState>()((set, get) => {
    const ctx = sliceContext(api, { getState: get, setState: set }, options.now ?? Date.now);
    const activity = activitySlice(ctx, {
      storage: prefsStorage,
      watchIntervalMs: options.watchIntervalMs ?? 5_000,
      watchPerRound: 8,
      windowFocused: options.windowFocused ?? (() => true),
      notify: options.notify ?? null,
    });
    const reads = readsSlice(
      ctx,
      activity.activity,
      options.pollIntervalMs ?? 700,
      options.livePollIntervalMs ?? 5_000,
    );
    const outbox = outboxSlice(ctx);
    const drafts = draftsSlice(ctx, prefsStorage);
    const connection = connectionSlice(ctx, reads.reads, activity.activity, outbox, {
      listRefreshMs: options.listRefreshMs ?? 15_000,
      tickMs: options.tickMs ?? 1_000,
    });
    const navigation = navigationSlice(
      ctx,
      reads.reads,
      activity.activity,
      connection.actions.loadChats,
      connection.actions.loadPeers,
    );
    const preferences = preferencesSlice(ctx, prefsStorage, prefs, connection.loadStatus);
    const identity = identitySlice(ctx);
    return {
      ...connection.initial,
      ...navigation.initial,
      ...reads.initial,
      ...preferences.initial,
      ...identity.initial,
      ...activity.initial,
      ...outbox.initial,
      ...drafts.initial,
      busy: idleBusy,
      error: null,
      actions: {
        ...connection.actions,
        ...navigation.actions,
        ...reads.actions,
        ...preferences.actions,
        ...identity.actions,
        ...outbox.actions,
        ...drafts.actions,
      },
    };
  });
}
