// Polling and reads: the open chat and its messages. The window owns the read cursor (`lastSeq`
// of each open chat): every read asks main only for what follows it, and appends; a reply marked
// `full` (the first read, or a base host that cannot page) replaces. My own chats are re-read on
// their 'message' event; a remote chat is polled every pollIntervalMs while it is open, and only
// every livePollIntervalMs (the fallback for a lost push) while its host pushes what is new.
import type { MessageDto, PushedDto } from '../../../src-shared/api';
import type { Actions, NanceState, OpenChat } from '../state';
import type { Activity } from './activity';
import { coalesce, type SliceContext } from './context';
import { authorName } from './preferences';

export interface Reads {
  /** Reads what is new in chat `key` if it is still open (coalesced per chat). */
  reload(key: string): Promise<void>;
  /** What the host of chat `key` pushed: appended when it follows the cursor, else read. */
  applyPushed(key: string, pushed: PushedDto): void;
  /** Opens a chat: one read now, then a poll when it lives elsewhere. */
  start(open: OpenChat): void;
  /** Forgets the open chat and its messages, and stops polling. */
  close(): void;
  /** Stops the poll (teardown). */
  stopPolling(): void;
}

/** Keeps the old array when nothing changed, so views do not re-render (or re-scroll) for nothing. */
function sameMessages(a: MessageDto[] | null, b: MessageDto[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((m, i) => m.uuid === b[i]?.uuid && m.content === b[i]?.content);
}

export function readsSlice(
  { api, get, set, clock, fail, clearErrorOf, setBusy }: SliceContext,
  activity: Activity,
  pollIntervalMs: number,
  livePollIntervalMs: number = pollIntervalMs,
): {
  initial: Pick<NanceState, 'openChat' | 'messages'>;
  reads: Reads;
  actions: Pick<Actions, 'postMessage'>;
} {
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let pollGeneration = 0;
  const loaders = new Map<string, () => Promise<void>>();
  /** The open chat's host pushes (`messages.live`): poll it at the fallback rate. */
  const pushing = () => get().messages?.live === true;

  const read = async (key: string) => {
    const open = get().openChat;
    const before = get().messages;
    if (!open || open.key !== key || !before || before.key !== key) return;
    const cursor = before.items === null ? {} : { afterSeq: before.lastSeq };
    const reply = await api.call('readChat', {
      host: open.host,
      ...(open.hostKey === undefined ? {} : { hostKey: open.hostKey }),
      chatUuid: open.chatUuid,
      ...cursor,
    });
    const current = get().messages;
    if (get().openChat?.key !== key || !current || current.key !== key) return;
    if (!reply.ok) {
      set({ messages: { ...current, loading: false, error: reply.error } });
      return;
    }
    const { messages, lastSeq, full } = reply.result;
    const live = reply.result.live === true;
    let items: MessageDto[];
    if (full || current.items === null)
      items = sameMessages(current.items, messages) ? (current.items ?? messages) : messages;
    else {
      // A push may have moved the cursor while this read was out: keep only what follows it.
      const asked = before.lastSeq;
      const known = Math.max(0, current.lastSeq - asked);
      if (lastSeq <= current.lastSeq) {
        set({ messages: { ...current, loading: false, error: null, live } });
        // Pushes brought it all already: the chat list still learns that it was read (and seen).
        const newest = current.items.slice(-1);
        activity.sawRead(open, { messages: newest, lastSeq: current.lastSeq, full: false }, true);
        return;
      }
      const fresh = messages.slice(known);
      items = fresh.length === 0 ? current.items : [...current.items, ...fresh];
    }
    set({ messages: { key, items, lastSeq, loading: false, error: null, live } });
    activity.sawRead(open, reply.result, true);
  };

  const reload = (key: string): Promise<void> => {
    let loader = loaders.get(key);
    if (!loader) {
      loader = coalesce(() => read(key));
      loaders.set(key, loader);
    }
    return loader();
  };

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
      await reload(key);
      if (generation !== pollGeneration) return;
      if (get().messages?.error?.kind === 'not-found') return; // the chat is gone for good
      const wait = Math.max(50, (pushing() ? livePollIntervalMs : pollIntervalMs) - (clock() - started));
      pollTimer = setTimeout(() => void round(), wait);
    };
    void round();
  };

  const applyPushed = (key: string, pushed: PushedDto) => {
    const current = get().messages;
    if (get().openChat?.key !== key || !current || current.key !== key) return;
    if (pushed.lastSeq <= current.lastSeq) return; // already read
    if (current.items !== null && pushed.afterSeq === current.lastSeq && pushed.messages.length > 0) {
      const items = [...current.items, ...pushed.messages];
      set({ messages: { ...current, items, lastSeq: pushed.lastSeq, error: null, live: true } });
      // The chat list's read state follows at the next read (a push of my own post may arrive before
      // the post's answer: counting it here would count it twice).
      return;
    }
    void reload(key); // a gap, or a nudge: read what is missing
  };

  const reads: Reads = {
    reload,
    applyPushed,
    start(open) {
      const { key } = open;
      set({ openChat: open, messages: { key, items: null, lastSeq: 0, loading: true, error: null } });
      if (open.host === null) void reload(key);
      else startPolling(key);
    },
    close() {
      stopPolling();
      loaders.clear();
      set({ openChat: null, messages: null });
    },
    stopPolling,
  };
  const actions: Pick<Actions, 'postMessage'> = {
    async postMessage(content) {
      const open = get().openChat;
      if (!open) return false;
      setBusy({ posting: true });
      const reply = await api.call('postMessage', {
        host: open.host,
        ...(open.hostKey === undefined ? {} : { hostKey: open.hostKey }),
        chatUuid: open.chatUuid,
        name: authorName(get()),
        content,
      });
      setBusy({ posting: false });
      if (!reply.ok) {
        fail('postMessage', reply.error);
        return false;
      }
      clearErrorOf('postMessage');
      activity.posted(open);
      if (get().openChat?.key === open.key) void reload(open.key);
      return true;
    },
  };
  return { initial: { openChat: null, messages: null }, reads, actions };
}
