// The chat list as the window shows it: my chats first, then one group per known host, chats
// newest first, narrowed by the filter box, each host marked fresh / stale / unreachable and with
// how it is reached.
import type { ChatDto, ChatListDto, EndpointDto, PathDto } from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';
import { endpointKey } from '../../src-shared/endpoint';

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
}

export interface ChatGroup {
  /** "mine" or the host's "HOST:PORT". */
  id: string;
  host: EndpointDto | null;
  health: HostHealth;
  /** How the host is reached; null for my chats and while not known. */
  path: PathDto | null;
  entries: ChatEntry[];
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

const newestFirst = (a: ChatDto, b: ChatDto) => b.createdAt - a.createdAt || a.name.localeCompare(b.name);

export function groupChats(list: ChatListDto, filter: string, now: number): ChatGroup[] {
  const needle = filter.trim().toLowerCase();
  const matches = (chat: ChatDto, address: string) =>
    needle === '' || chat.name.toLowerCase().includes(needle) || address.includes(needle);

  const groups: ChatGroup[] = [];
  const mine = [...list.mine]
    .filter((c) => matches(c, ''))
    .sort(newestFirst)
    .map((chat) => ({ key: chatKey({ host: null, chatUuid: chat.uuid }), host: null, chat }));
  if (needle === '' || mine.length > 0) {
    groups.push({ id: 'mine', host: null, health: { kind: 'fresh' }, path: null, entries: mine });
  }

  const hosts = list.hosts.map((h) => {
    const address = endpointKey(h.host);
    const entries = [...h.chats]
      .filter((c) => matches(c, address.toLowerCase()))
      .sort(newestFirst)
      .map((chat) => ({
        key: chatKey({ host: h.host, chatUuid: chat.uuid }),
        host: h.host,
        ...(h.hostKey === undefined ? {} : { hostKey: h.hostKey }),
        chat,
      }));
    return {
      id: address,
      host: h.host,
      health: hostHealth(h.fetchedAt, h.error, now),
      path: h.path ?? null,
      entries,
      newest: h.chats.reduce((n, c) => Math.max(n, c.createdAt), 0),
    };
  });
  hosts.sort((a, b) => b.newest - a.newest || a.id.localeCompare(b.id));
  for (const { newest: _newest, ...group } of hosts) {
    if (needle === '' || group.entries.length > 0) groups.push(group);
  }
  return groups;
}
