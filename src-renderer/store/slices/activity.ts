// The chat list's read state: unread counts, last-message previews, activity times and which chats
// are pinned (opened or posted in). Fed by every read of the open chat (the reads slice calls
// `sawRead`) and by background reads of the pinned chats that are not open (`watch`, every
// watchIntervalMs; a hosted chat also on its 'message' event). New messages from others may raise a
// notification (the rule shared with the desktop: src-shared/notify-rule.ts).
import type { ChatListDto, ChatReadDto, MessageDto } from '../../../src-shared/api';
import { type ChatRef, chatKey } from '../../../src-shared/chat-key';
import { endpointKey } from '../../../src-shared/endpoint';
import { NotifyThrottle, shouldNotify } from '../../../src-shared/notify-rule';
import {
  type ActivityMap,
  type ChatActivity,
  isPinned,
  parseActivity,
  serializeActivity,
  unreadOf,
} from '../../lib/chat-activity';
import { ACTIVITY_KEY, type PrefsStorage, read as readPref, write } from '../prefs';
import type { NanceState, Preview } from '../state';
import type { SliceContext } from './context';

/** What the window shows for a new message it did not have on screen (the browser's Notification). */
export interface NewMessageNotice {
  key: string;
  chatName: string;
  /** The newest message's author and text, exactly as the network gave them. */
  message: MessageDto;
}

export interface ActivityOptions {
  storage: PrefsStorage | null;
  /** How often the pinned chats that are not open are read; 0 = never. */
  watchIntervalMs: number;
  /** At most this many chats per round, the most recently active first. */
  watchPerRound: number;
  windowFocused: () => boolean;
  notify: ((notice: NewMessageNotice) => void) | null;
}

export interface Activity {
  /** A read of `ref` answered; `open`: it is the chat on screen (all of it counts as seen). */
  sawRead(ref: ChatRef, reply: ChatReadDto, open: boolean): void;
  opened(ref: ChatRef): void;
  posted(ref: ChatRef): void;
  /** Reads one chat in the background (a hosted chat's 'message' event). */
  watchOne(ref: ChatRef): Promise<void>;
  /** One background round over the pinned chats that are not open. */
  watchRound(): Promise<void>;
  /** Forgets chats the list no longer has (wiped or gone), where the list is sure of it. */
  prune(list: ChatListDto): void;
  start(): void;
  stop(): void;
}

/** A chat whose host answered whole chats (a base host) is read only every this many rounds. */
const FULL_READ_EVERY = 6;

export function unreadTotal(state: Pick<NanceState, 'activity'>): number {
  return Object.values(state.activity).reduce((n, a) => n + unreadOf(a), 0);
}

export function activitySlice(
  { api, get, set, clock }: SliceContext,
  options: ActivityOptions,
): { initial: Pick<NanceState, 'activity' | 'previews'>; activity: Activity } {
  let timer: ReturnType<typeof setInterval> | null = null;
  let round = 0;
  const wholeChatHosts = new Set<string>();
  /** My posts sent since the chat's last read: they are not news to me. */
  const ownSinceRead = new Map<string, number>();
  const throttle = new NotifyThrottle();
  const inFlight = new Set<string>();

  const update = (key: string, patch: (a: ChatActivity | undefined) => ChatActivity) => {
    const activity = { ...get().activity, [key]: patch(get().activity[key]) };
    set({ activity });
    write(options.storage, ACTIVITY_KEY, serializeActivity(activity));
  };

  const chatName = (key: string): string => {
    const open = get().openChat;
    if (open?.key === key) return open.name;
    const chats = get().chats;
    for (const c of chats?.mine ?? []) if (chatKey({ host: null, chatUuid: c.uuid }) === key) return c.name;
    for (const h of chats?.hosts ?? [])
      for (const c of h.chats) if (chatKey({ host: h.host, chatUuid: c.uuid }) === key) return c.name;
    return '';
  };

  const maybeNotify = (ref: ChatRef, key: string, fresh: number, newest: MessageDto) => {
    if (fresh <= 0 || !options.notify) return;
    const postedIn = new Set(
      Object.entries(get().activity)
        .filter(([, a]) => a.posted)
        .map(([k]) => k),
    );
    const notify = shouldNotify({
      event: ref,
      openChat: get().openChat,
      postedIn,
      windowFocused: options.windowFocused(),
    });
    if (notify && throttle.allow(key, clock()))
      options.notify({ key, chatName: chatName(key), message: newest });
  };

  const activity: Activity = {
    sawRead(ref, reply, open) {
      const key = chatKey(ref);
      const before = get().activity[key];
      const newest = reply.messages.at(-1);
      if (newest) set({ previews: { ...get().previews, [key]: previewOf(newest) } });
      const own = ownSinceRead.get(key) ?? 0;
      ownSinceRead.delete(key);
      // The first sighting of a chat sets the baseline: what was there before is not news.
      const fresh = before ? reply.lastSeq - before.read - own : 0;
      update(key, (a) => {
        const read = reply.lastSeq;
        // My own posts are seen; a count smaller than seen is a chat that started over.
        const seen = open || !a ? read : Math.min(a.seen + Math.max(0, own), read);
        return {
          read,
          seen,
          lastAt: Math.max(a?.lastAt ?? 0, newest?.createdAt ?? 0),
          opened: (a?.opened ?? false) || open,
          posted: a?.posted ?? false,
        };
      });
      if (newest) maybeNotify(ref, key, fresh, newest);
    },

    opened(ref) {
      const key = chatKey(ref);
      update(key, (a) => ({
        read: a?.read ?? 0,
        seen: a?.read ?? 0,
        lastAt: a?.lastAt ?? 0,
        opened: true,
        posted: a?.posted ?? false,
      }));
    },

    posted(ref) {
      const key = chatKey(ref);
      ownSinceRead.set(key, (ownSinceRead.get(key) ?? 0) + 1);
      update(key, (a) => ({
        read: a?.read ?? 0,
        seen: a?.seen ?? 0,
        lastAt: Math.max(a?.lastAt ?? 0, clock()),
        opened: a?.opened ?? false,
        posted: true,
      }));
    },

    async watchOne(ref) {
      const key = chatKey(ref);
      if (get().openChat?.key === key || inFlight.has(key)) return;
      inFlight.add(key);
      try {
        const known = get().activity[key];
        // One message before the newest read, so the preview comes back after a restart.
        const afterSeq = known && !get().previews[key] ? Math.max(0, known.read - 1) : (known?.read ?? 0);
        const reply = await api.call('readChat', { ...ref, afterSeq, watch: true });
        if (!reply.ok || get().openChat?.key === key) return;
        if (reply.result.full && afterSeq > 0 && ref.host) wholeChatHosts.add(key);
        activity.sawRead(ref, reply.result, false);
      } finally {
        inFlight.delete(key);
      }
    },

    async watchRound() {
      round += 1;
      const chats = get().chats;
      if (!chats || get().connection !== 'open') return;
      const state = get().activity;
      const candidates: { ref: ChatRef; at: number }[] = [];
      const consider = (ref: ChatRef) => {
        const key = chatKey(ref);
        const a = state[key];
        if (!isPinned(a) || get().openChat?.key === key) return;
        if (wholeChatHosts.has(key) && round % FULL_READ_EVERY !== 0) return;
        candidates.push({ ref, at: a?.lastAt ?? 0 });
      };
      for (const c of chats.mine) consider({ host: null, chatUuid: c.uuid });
      for (const h of chats.hosts) {
        if (h.error !== null) continue; // an unreachable host would only time out
        for (const c of h.chats) consider({ host: h.host, chatUuid: c.uuid });
      }
      candidates.sort((a, b) => b.at - a.at);
      await Promise.all(candidates.slice(0, options.watchPerRound).map((c) => activity.watchOne(c.ref)));
    },

    prune(list) {
      const listed = new Set<string>();
      const sure = new Set<string>(['me']);
      for (const c of list.mine) listed.add(chatKey({ host: null, chatUuid: c.uuid }));
      for (const h of list.hosts) {
        if (h.error === null && h.fetchedAt !== null) sure.add(endpointKey(h.host));
        for (const c of h.chats) listed.add(chatKey({ host: h.host, chatUuid: c.uuid }));
      }
      const current = get().activity;
      const kept = Object.entries(current).filter(([key]) => {
        const host = key.slice(0, key.lastIndexOf('/'));
        return listed.has(key) || !sure.has(host);
      });
      if (kept.length === Object.keys(current).length) return;
      const next = Object.fromEntries(kept) as ActivityMap;
      const previews = Object.fromEntries(Object.entries(get().previews).filter(([k]) => k in next));
      set({ activity: next, previews });
      write(options.storage, ACTIVITY_KEY, serializeActivity(next));
    },

    start() {
      if (timer || options.watchIntervalMs <= 0) return;
      timer = setInterval(() => void activity.watchRound(), options.watchIntervalMs);
    },

    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };

  return {
    initial: { activity: parseActivity(readPref(options.storage, ACTIVITY_KEY)), previews: {} },
    activity,
  };
}

function previewOf(m: MessageDto): Preview {
  return { name: m.name, content: m.content, at: m.createdAt };
}
