// The chat list as the window shows it: the chats I opened or posted in first (pinned), then my
// chats, then one group per known host; in each, the most recently active chat first (its newest
// message read, else its creation); narrowed by the filter box, each host marked fresh / stale /
// unreachable and with how it is reached.
import type { ChatDto, ChatListDto, EndpointDto, PathDto } from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';
import { endpointKey } from '../../src-shared/endpoint';
import { type ActivityMap, isPinned, unreadOf } from './chat-activity';

/** A host's list is "stale" when its last successful fetch is older than this. */
export const STALE_AFTER_MS = 60_000;

export type HostHealth =
  | { kind: 'fresh' }
  | { kind: 'stale'; fetchedAt: number }
  | { kind: 'unreachable'; fetchedAt: number | null }
  | { kind: 'pending' };

export interface ChatEntry {
  key: string;
  host: EndpointDto | null;
  /** The host's key, when it proved one (HostChatsDto.hostKey). */
  hostKey?: string;
  chat: ChatDto;
  /** Epoch ms of the newest message read, else of the chat's creation. */
  activeAt: number;
  unread: number;
  pinned: boolean;
  /** The host's health (fresh for my chats). */
  health: HostHealth;
}

export interface ChatGroup {
  /** "pinned", "mine" or the host's "HOST:PORT". */
  id: string;
  host: EndpointDto | null;
  health: HostHealth;
  /** How the host is reached; null for my chats and while not known. */
  path: PathDto | null;
  entries: ChatEntry[];
  /** The host has chats, all of them in the pinned group. */
  allPinned: boolean;
}

export function hostHealth(
  fetchedAt: number | null,
  error: string | null,
  now: number,
  staleAfterMs = STALE_AFTER_MS,
): HostHealth {
  if (error !== null) return { kind: 'unreachable', fetchedAt };
  if (fetchedAt === null) return { kind: 'pending' };
  if (now - fetchedAt > staleAfterMs) return { kind: 'stale', fetchedAt };
  return { kind: 'fresh' };
}

const mostActiveFirst = (a: ChatEntry, b: ChatEntry) =>
  b.activeAt - a.activeAt || a.chat.name.localeCompare(b.chat.name);

export function groupChats(
  list: ChatListDto,
  filter: string,
  now: number,
  activity: ActivityMap = {},
): ChatGroup[] {
  const needle = filter.trim().toLowerCase();
  const matches = (chat: ChatDto, address: string) =>
    needle === '' || chat.name.toLowerCase().includes(needle) || address.includes(needle);
  const entry = (
    host: EndpointDto | null,
    chat: ChatDto,
    health: HostHealth,
    hostKey?: string,
  ): ChatEntry => {
    const key = chatKey({ host, chatUuid: chat.uuid });
    const a = activity[key];
    return {
      key,
      host,
      ...(hostKey === undefined ? {} : { hostKey }),
      chat,
      activeAt: Math.max(chat.createdAt, a?.lastAt ?? 0),
      unread: unreadOf(a),
      pinned: isPinned(a),
      health,
    };
  };
  const pinned: ChatEntry[] = [];
  /** The entries that stay in their own group; the pinned ones go to the top group. */
  const unpinned = (entries: ChatEntry[]) => {
    for (const e of entries) if (e.pinned) pinned.push(e);
    return entries.filter((e) => !e.pinned).sort(mostActiveFirst);
  };

  const groups: ChatGroup[] = [];
  const fresh: HostHealth = { kind: 'fresh' };
  const mineAll = list.mine.filter((c) => matches(c, '')).map((chat) => entry(null, chat, fresh));
  const mine = unpinned(mineAll);
  if (needle === '' || mine.length > 0) {
    const allPinned = mineAll.length > 0 && mine.length === 0;
    groups.push({ id: 'mine', host: null, health: fresh, path: null, entries: mine, allPinned });
  }

  const hosts = list.hosts.map((h) => {
    const address = endpointKey(h.host);
    const health = hostHealth(h.fetchedAt, h.error, now);
    const all = h.chats
      .filter((c) => matches(c, address.toLowerCase()))
      .map((c) => entry(h.host, c, health, h.hostKey));
    const entries = unpinned(all);
    return {
      id: address,
      host: h.host,
      health,
      path: h.path ?? null,
      entries,
      allPinned: all.length > 0 && entries.length === 0,
      newest: all.reduce((n, e) => Math.max(n, e.activeAt), 0),
    };
  });
  hosts.sort((a, b) => b.newest - a.newest || a.id.localeCompare(b.id));
  for (const { newest: _newest, ...group } of hosts) {
    if (needle === '' || group.entries.length > 0 || group.allPinned) groups.push(group);
  }
  if (pinned.length > 0) {
    pinned.sort(mostActiveFirst);
    groups.unshift({
      id: 'pinned',
      host: null,
      health: fresh,
      path: null,
      entries: pinned,
      allPinned: false,
    });
  }
  return groups;
}
