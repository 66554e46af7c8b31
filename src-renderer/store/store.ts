// The window's state and the only ways it changes (zustand, vanilla so it runs without React in
// tests). Every action talks to the main side through the NanceApi it was given, never around it.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  ChatListDto,
  CommandError,
  EndpointDto,
  EventName,
  EventPayloads,
  MessageDto,
  Mode,
  NanceApi,
  PeerDto,
  SettingsDto,
  StatusDto,
} from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';
import type { ConnectionState } from '../bridge/connection';
import { type Lang, translate } from '../i18n';
import { LANG_KEY, loadPrefs, type PrefsStorage, THEME_KEY, type Theme, write } from './prefs';

export type View = 'chats' | 'peers' | 'settings';

export interface ChatRef {
  host: EndpointDto | null;
  chatUuid: string;
  name: string;
}

export interface OpenChat extends ChatRef {
  key: string;
}

export interface MessagesState {
  key: string;
  /** null until the first read answers. */
  items: MessageDto[] | null;
  loading: boolean;
  /** Why the last read failed (cleared by the next successful one). */
  error: CommandError | null;
}

export type ActionName =
  | 'load'
  | 'listChats'
  | 'refreshChats'
  | 'listPeers'
  | 'createChat'
  | 'postMessage'
  | 'updateSettings'
  | 'setMode';

export interface ActionError {
  action: ActionName;
  error: CommandError;
}

export interface Busy {
  creating: boolean;
  posting: boolean;
  savingSettings: boolean;
  switchingMode: boolean;
  refreshing: boolean;
}

export interface Actions {
  /** Subscribes to events, loads everything, starts the clock. Safe to call again after a failure. */
  init(): Promise<void>;
  /** Re-reads everything (after a reconnect, a mode switch or the daily wipe). */
  resync(): Promise<void>;
  dispose(): void;
  setConnection(state: ConnectionState): void;
  tick(now?: number): void;
  setView(view: View): void;
  setFilter(filter: string): void;
  showNewChat(): void;
  cancelNewChat(): void;
  openChat(ref: ChatRef): void;
  closeChat(): void;
  loadChats(): Promise<void>;
  refreshChats(): Promise<void>;
  loadPeers(): Promise<void>;
  createChat(name: string, message: string): Promise<boolean>;
  postMessage(content: string): Promise<boolean>;
  saveSettings(changes: Partial<SettingsDto>): Promise<boolean>;
  finishOnboarding(displayName: string, bootstrap: string | null): Promise<boolean>;
  skipOnboarding(): Promise<boolean>;
  setMode(mode: Mode): Promise<boolean>;
  dismissError(): void;
  setLang(lang: Lang): void;
  setTheme(theme: Theme): void;
}

export interface NanceState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: CommandError | null;
  connection: ConnectionState;
  /** The clock the views count with (ticks every second). */
  now: number;
  status: StatusDto | null;
  settings: SettingsDto | null;
  chats: ChatListDto | null;
  peers: PeerDto[] | null;
  view: View;
  /** The new-chat form is showing. */
  composing: boolean;
  openChat: OpenChat | null;
  messages: MessagesState | null;
  filter: string;
  busy: Busy;
  error: ActionError | null;
  lang: Lang;
  theme: Theme;
  actions: Actions;
}

export interface StoreOptions {
  /** Where language and theme are remembered (localStorage in the window). */
  prefs?: PrefsStorage | null;
  navigatorLanguage?: string;
  /** How often the open remote chat is re-read. */
  pollIntervalMs?: number;
  /** How often the chat list is re-read as a safety net for missed events; 0 = never. */
  listRefreshMs?: number;
  /** How often `now` advances; 0 = only by tick(). */
  tickMs?: number;
  now?: () => number;
}

export type NanceStore = StoreApi<NanceState>;

const idleBusy: Busy = {
  creating: false,
  posting: false,
  savingSettings: false,
  switchingMode: false,
  refreshing: false,
};

/** Runs `fn` once at a time; calls during a run make exactly one more run after it. */
function coalesce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/** Keeps the old array when nothing changed, so views do not re-render (or re-scroll) for nothing. */
function sameMessages(a: MessageDto[] | null, b: MessageDto[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((m, i) => m.uuid === b[i]?.uuid && m.content === b[i]?.content);
}

export function createNanceStore(api: NanceApi, options: StoreOptions = {}): NanceStore {
  const pollIntervalMs = options.pollIntervalMs ?? 700;
  const listRefreshMs = options.listRefreshMs ?? 15_000;
  const tickMs = options.tickMs ?? 1_000;
  const clock = options.now ?? Date.now;
  const prefsStorage = options.prefs ?? null;
  const prefs = loadPrefs(prefsStorage, options.navigatorLanguage);

  let unsubscribers: (() => void)[] = [];
  let timers: ReturnType<typeof setInterval>[] = [];
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let pollGeneration = 0;
  let wipeHandledFor: number | null = null;
  const messageLoaders = new Map<string, () => Promise<void>>();

  return createStore<NanceState>()((set, get) => {
    const fail = (action: ActionName, error: CommandError) => set({ error: { action, error } });
    /** Drops the banner when it is about one of these actions (the reader moved on from it). */
    const clearErrorOf = (...names: ActionName[]) => {
      const current = get().error;
      if (current && names.includes(current.action)) set({ error: null });
    };
    const setBusy = (patch: Partial<Busy>) => set((s) => ({ busy: { ...s.busy, ...patch } }));
    const authorName = () => {
      const { settings, lang } = get();
      return settings?.displayName.trim() || translate(lang, 'anonymous');
    };

    // ---- loaders (coalesced: events can arrive in bursts)

    const loadChats = coalesce(async () => {
      const reply = await api.call('listChats', {});
      if (reply.ok) set({ chats: reply.result });
      else if (get().chats === null) fail('listChats', reply.error);
    });

    const loadPeers = coalesce(async () => {
      const reply = await api.call('listPeers', {});
      if (reply.ok) set({ peers: reply.result });
      else if (get().peers === null) fail('listPeers', reply.error);
    });

    const loadStatus = async () => {
      const reply = await api.call('getStatus', {});
      if (reply.ok) applyStatus(reply.result);
      return reply;
    };

    const readMessages = async (key: string) => {
      const open = get().openChat;
      if (!open || open.key !== key) return;
      const reply = await api.call('readChat', { host: open.host, chatUuid: open.chatUuid });
      const current = get().messages;
      if (get().openChat?.key !== key || !current || current.key !== key) return;
      if (reply.ok) {
        const items = sameMessages(current.items, reply.result) ? current.items : reply.result;
        set({ messages: { key, items, loading: false, error: null } });
      } else {
        set({ messages: { ...current, loading: false, error: reply.error } });
      }
    };

    const reloadMessages = (key: string): Promise<void> => {
      let loader = messageLoaders.get(key);
      if (!loader) {
        loader = coalesce(() => readMessages(key));
        messageLoaders.set(key, loader);
      }
      return loader();
    };

    // ---- the open remote chat is re-read every pollIntervalMs (my own chats push 'message')

    const stopPolling = () => {
      pollGeneration += 1;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = null;
    };

    const startPolling = (key: string) => {
      stopPolling();
      const generation = pollGeneration;
      const round = async () => {
        const started = clock();
        await reloadMessages(key);
        if (generation !== pollGeneration) return;
        if (get().messages?.error?.kind === 'not-found') return; // the chat is gone for good
        const wait = Math.max(50, pollIntervalMs - (clock() - started));
        pollTimer = setTimeout(() => void round(), wait);
      };
      void round();
    };

    const closeChatState = () => {
      stopPolling();
      messageLoaders.clear();
      set({ openChat: null, messages: null });
    };

    // ---- status and mode

    const applyStatus = (status: StatusDto) => {
      const previous = get().status;
      set({ status });
      if (status.mode === 'bootstrap') {
        if (get().openChat) closeChatState();
        if (get().composing) set({ composing: false });
      }
      if (previous && previous.mode !== status.mode) {
        void loadChats();
        void loadPeers();
      }
    };

    const onEvent: { [E in EventName]: (payload: EventPayloads[E]) => void } = {
      message: ({ host, chatUuid }) => {
        const open = get().openChat;
        if (open && open.key === chatKey({ host, chatUuid })) void reloadMessages(open.key);
        else if (host === null) void loadChats();
      },
      chatsChanged: () => void loadChats(),
      peersChanged: () => void loadPeers(),
      statusChanged: (status) => applyStatus(status),
      modeChanged: ({ mode }) => {
        const status = get().status;
        if (status && status.mode !== mode) applyStatus({ ...status, mode });
        void loadStatus();
      },
    };

    const subscribe = () => {
      if (unsubscribers.length > 0) return;
      unsubscribers = (Object.keys(onEvent) as EventName[]).map((name) =>
        api.on(name, onEvent[name] as (payload: unknown) => void),
      );
    };

    const startTimers = () => {
      if (timers.length > 0) return;
      if (tickMs > 0) timers.push(setInterval(() => get().actions.tick(), tickMs));
      if (listRefreshMs > 0) {
        timers.push(
          setInterval(() => {
            if (get().phase === 'ready' && get().connection === 'open') void loadChats();
          }, listRefreshMs),
        );
      }
    };

    /** Reads status and settings, then chats and peers. A failed first load shows the retry screen. */
    const load = async (first: boolean) => {
      const [status, settings] = await Promise.all([loadStatus(), api.call('getSettings', {})]);
      if (!status.ok || !settings.ok) {
        const error = !status.ok ? status.error : !settings.ok ? settings.error : null;
        if (first || get().phase !== 'ready') set({ phase: 'failed', loadError: error });
        else if (error) fail('load', error);
        return;
      }
      set({ phase: 'ready', loadError: null, settings: settings.result });
      await Promise.all([loadChats(), loadPeers()]);
    };

    const actions: Actions = {
      async init() {
        subscribe();
        startTimers();
        if (get().phase !== 'ready') set({ phase: 'loading', loadError: null });
        await load(get().phase !== 'ready');
      },

      async resync() {
        await load(false);
        const open = get().openChat;
        if (open) await reloadMessages(open.key);
      },

      dispose() {
        for (const off of unsubscribers) off();
        unsubscribers = [];
        for (const t of timers) clearInterval(t);
        timers = [];
        stopPolling();
      },

      setConnection(state) {
        const previous = get().connection;
        if (previous === state) return;
        set({ connection: state });
        if (state !== 'open') return;
        // A first load that failed because the link was down is retried; after a drop, catch up.
        if (get().phase === 'failed') void actions.init();
        else if (get().phase === 'ready' && previous === 'reconnecting') void actions.resync();
      },

      tick(now = clock()) {
        set({ now });
        const status = get().status;
        // The daily wipe passed: read everything again (once per wipe) if main has not said so.
        if (status && now > status.nextWipeAt + 2_000 && wipeHandledFor !== status.nextWipeAt) {
          wipeHandledFor = status.nextWipeAt;
          void actions.resync();
        }
      },

      setView(view) {
        set({ view });
        if (view === 'peers') void loadPeers();
      },

      setFilter(filter) {
        set({ filter });
      },

      showNewChat() {
        if (get().status?.mode === 'bootstrap') return;
        closeChatState();
        set({ composing: true, view: 'chats' });
      },

      cancelNewChat() {
        clearErrorOf('createChat');
        set({ composing: false });
      },

      openChat(ref) {
        const key = chatKey(ref);
        if (get().openChat?.key === key) {
          set({ composing: false, view: 'chats' });
          return;
        }
        closeChatState();
        clearErrorOf('postMessage', 'createChat');
        set({
          openChat: { ...ref, key },
          composing: false,
          view: 'chats',
          messages: { key, items: null, loading: true, error: null },
        });
        if (ref.host === null) void reloadMessages(key);
        else startPolling(key);
      },

      closeChat() {
        clearErrorOf('postMessage');
        closeChatState();
      },

      loadChats,
      loadPeers,

      async refreshChats() {
        setBusy({ refreshing: true });
        const reply = await api.call('refreshChats', {});
        setBusy({ refreshing: false });
        if (reply.ok) set({ chats: reply.result });
        else fail('refreshChats', reply.error);
      },

      async createChat(name, message) {
        setBusy({ creating: true });
        const reply = await api.call('createChat', { name: name.trim(), message, author: authorName() });
        setBusy({ creating: false });
        if (!reply.ok) {
          fail('createChat', reply.error);
          return false;
        }
        set({ error: null });
        await loadChats();
        actions.openChat({ host: null, chatUuid: reply.result.uuid, name: reply.result.name });
        return true;
      },

      async postMessage(content) {
        const open = get().openChat;
        if (!open) return false;
        setBusy({ posting: true });
        const reply = await api.call('postMessage', {
          host: open.host,
          chatUuid: open.chatUuid,
          name: authorName(),
          content,
        });
        setBusy({ posting: false });
        if (!reply.ok) {
          fail('postMessage', reply.error);
          return false;
        }
        clearErrorOf('postMessage');
        if (get().openChat?.key === open.key) void reloadMessages(open.key);
        return true;
      },

      async saveSettings(changes) {
        setBusy({ savingSettings: true });
        const reply = await api.call('updateSettings', changes);
        setBusy({ savingSettings: false });
        if (!reply.ok) {
          fail('updateSettings', reply.error);
          return false;
        }
        set({ settings: reply.result });
        clearErrorOf('updateSettings');
        void loadStatus();
        return true;
      },

      finishOnboarding(displayName, bootstrap) {
        const changes: Partial<SettingsDto> = { displayName: displayName.trim(), onboarded: true };
        if (bootstrap) changes.bootstrapPeers = [bootstrap.trim()];
        return actions.saveSettings(changes);
      },

      skipOnboarding() {
        return actions.saveSettings({ onboarded: true });
      },

      async setMode(mode) {
        setBusy({ switchingMode: true });
        const reply = await api.call('setMode', { mode });
        setBusy({ switchingMode: false });
        if (!reply.ok) {
          fail('setMode', reply.error);
          return false;
        }
        applyStatus(reply.result);
        return true;
      },

      dismissError() {
        set({ error: null });
      },

      setLang(lang) {
        write(prefsStorage, LANG_KEY, lang);
        set({ lang });
      },

      setTheme(theme) {
        write(prefsStorage, THEME_KEY, theme);
        set({ theme });
      },
    };

    return {
      phase: 'loading',
      loadError: null,
      connection: 'connecting',
      now: clock(),
      status: null,
      settings: null,
      chats: null,
      peers: null,
      view: 'chats',
      composing: false,
      openChat: null,
      messages: null,
      filter: '',
      busy: idleBusy,
      error: null,
      lang: prefs.lang,
      theme: prefs.theme,
      actions,
    };
  });
}
