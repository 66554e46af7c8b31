// Connection: the link to main and what is loaded over it (status, chats, peers), the events main
// pushes, the clock, and the peer's mode. A first load that fails shows the retry screen; after a
// drop everything is read again.
import type { EventName, EventPayloads, StatusDto } from '../../../src-shared/api';
import { chatKey } from '../../../src-shared/chat-key';
import type { Actions, NanceState } from '../state';
import type { Activity } from './activity';
import { coalesce, type SliceContext } from './context';
import type { outboxSlice } from './outbox';
import type { Reads } from './reads';

type ConnectionActions = Pick<
  Actions,
  | 'init'
  | 'resync'
  | 'dispose'
  | 'setConnection'
  | 'tick'
  | 'loadChats'
  | 'loadPeers'
  | 'refreshChats'
  | 'setMode'
>;

export function connectionSlice(
  { api, get, set, clock, fail, setBusy }: SliceContext,
  reads: Reads,
  activity: Activity,
  outbox: Pick<ReturnType<typeof outboxSlice>, 'loadOutbox' | 'applyOutbox'>,
  timing: { listRefreshMs: number; tickMs: number },
): {
  initial: Pick<
    NanceState,
    'phase' | 'loadError' | 'connection' | 'now' | 'status' | 'chats' | 'peers' | 'lastWipe'
  >;
  actions: ConnectionActions;
  loadStatus: () => Promise<unknown>;
} {
  let unsubscribers: (() => void)[] = [];
  let timers: ReturnType<typeof setInterval>[] = [];
  let wipeHandledFor: number | null = null;

  // ---- loaders (coalesced: events can arrive in bursts)

  const loadChats = coalesce(async () => {
    const reply = await api.call('listChats', {});
    if (reply.ok) {
      set({ chats: reply.result });
      activity.prune(reply.result);
    } else if (get().chats === null) fail('listChats', reply.error);
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

  const applyStatus = (status: StatusDto) => {
    const previous = get().status;
    set({ status });
    if (status.mode === 'bootstrap') {
      if (get().openChat) reads.close();
      if (get().composing) set({ composing: false });
    }
    if (previous && previous.mode !== status.mode) {
      void loadChats();
      void loadPeers();
    }
  };

  const onEvent: { [E in EventName]: (payload: EventPayloads[E]) => void } = {
    message: ({ host, chatUuid, pushed }) => {
      const open = get().openChat;
      if (open && open.key === chatKey({ host, chatUuid })) {
        if (pushed) reads.applyPushed(open.key, pushed);
        else void reads.reload(open.key);
      } else if (host === null) {
        void loadChats();
        void activity.watchOne({ host, chatUuid });
      }
    },
    chatsChanged: () => void loadChats(),
    peersChanged: () => void loadPeers(),
    statusChanged: (status) => applyStatus(status),
    modeChanged: ({ mode }) => {
      const status = get().status;
      if (status && status.mode !== mode) applyStatus({ ...status, mode });
      void loadStatus();
    },
    outboxChanged: ({ posts }) => outbox.applyOutbox(posts),
  };

  const subscribe = () => {
    if (unsubscribers.length > 0) return;
    unsubscribers = (Object.keys(onEvent) as EventName[]).map((name) =>
      api.on(name, onEvent[name] as (payload: unknown) => void),
    );
  };

  const startTimers = () => {
    if (timers.length > 0) return;
    if (timing.tickMs > 0) timers.push(setInterval(() => get().actions.tick(), timing.tickMs));
    if (timing.listRefreshMs > 0) {
      timers.push(
        setInterval(() => {
          if (get().phase === 'ready' && get().connection === 'open') void loadChats();
        }, timing.listRefreshMs),
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
    await Promise.all([loadChats(), loadPeers(), outbox.loadOutbox()]);
    void activity.watchRound();
  };

  const actions: ConnectionActions = {
    async init() {
      subscribe();
      startTimers();
      activity.start();
      if (get().phase !== 'ready') set({ phase: 'loading', loadError: null });
      await load(get().phase !== 'ready');
    },

    async resync() {
      await load(false);
      const open = get().openChat;
      if (open) await reads.reload(open.key);
    },

    dispose() {
      for (const off of unsubscribers) off();
      unsubscribers = [];
      for (const t of timers) clearInterval(t);
      timers = [];
      activity.stop();
      reads.stopPolling();
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
        const chats = get().chats;
        const listed = chats ? chats.mine.length + chats.hosts.reduce((n, h) => n + h.chats.length, 0) : 0;
        set({ lastWipe: { at: status.nextWipeAt, chats: listed } });
        void actions.resync();
      }
    },

    loadChats,
    loadPeers,

    async refreshChats() {
      setBusy({ refreshing: true });
      const reply = await api.call('refreshChats', {});
      setBusy({ refreshing: false });
      if (!reply.ok) return fail('refreshChats', reply.error);
      set({ chats: reply.result });
      activity.prune(reply.result);
      void activity.watchRound();
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
  };

  return {
    initial: {
      phase: 'loading',
      loadError: null,
      connection: 'connecting',
      now: clock(),
      status: null,
      chats: null,
      peers: null,
      lastWipe: null,
    },
    actions,
    loadStatus,
  };
}
