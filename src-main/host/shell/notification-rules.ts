// When the desktop app shows a system notification for a new message, and what it says.
//
// Where new messages come from:
// - Chats this peer hosts: the service's 'message' event (a post stored here, by anyone).
// - Chats hosted by other peers: the window polls the chat it has open with `readChat` every few
//   seconds, and reads the chats it opened or posted in now and then in the background (`watch`,
//   for the chat list's unread counts). Those reads pass through the IPC handler, so
//   `ChatActivity` sees each reply and reports a chat whose message count grew by more than the
//   user's own posts as a new-message event, in the same shape as the 'message' event.
// Both kinds go through the same rule, `shouldNotify` (src-shared/notify-rule.ts, shared with the
// browser window), which does not care where a chat lives.
import type {
  ChatDto,
  ChatListDto,
  ChatReadDto,
  CommandName,
  CommandReply,
} from '../../../src-shared/api.js';
import { type ChatRef, chatKey } from '../../../src-shared/chat-key.js';
import { plainLabel } from '../../../src-shared/notify-rule.js';
import type { Lang } from './tray-menu.js';

/** The rule itself is shared with the browser window's notifications. */
export {
  type NotifyInput,
  NotifyThrottle,
  plainLabel,
  shouldNotify,
} from '../../../src-shared/notify-rule.js';

const MAX_NAME_CHARS = 60;

function shorten(text: string): string {
  const chars = [...text.trim()];
  return chars.length <= MAX_NAME_CHARS ? chars.join('') : `${chars.slice(0, MAX_NAME_CHARS - 1).join('')}…`;
}

export function notificationText(input: { lang: Lang; chatName?: string | undefined }): {
  title: string;
  body: string;
} {
  const name = input.chatName?.trim() ? plainLabel(shorten(input.chatName)) : undefined;
  if (input.lang === 'ja') {
    return { title: 'Nance', body: name ? `「${name}」に新しいメッセージ` : 'チャットに新しいメッセージ' };
  }
  return { title: 'Nance', body: name ? `New message in “${name}”` : 'New message in a chat' };
}

/** Maps larger than this are emptied (names come back with the next list). */
const MAX_TRACKED = 10_000;

function asChatRef(args: unknown): ChatRef | null {
  if (typeof args !== 'object' || args === null) return null;
  const { host, chatUuid } = args as { host?: unknown; chatUuid?: unknown };
  if (typeof chatUuid !== 'string') return null;
  if (host === null) return { host: null, chatUuid };
  if (typeof host !== 'object' || host === undefined) return null;
  const h = host as { host?: unknown; port?: unknown };
  if (typeof h.host !== 'string' || typeof h.port !== 'number') return null;
  return { host: { host: h.host, port: h.port }, chatUuid };
}

function bounded<K, V>(map: Map<K, V>): Map<K, V> {
  if (map.size > MAX_TRACKED) map.clear();
  return map;
}

/**
 * What the user does in the window, as seen in the commands it sends (fed with every command that
 * passed the IPC checks): which chat is open (the last one read), which chats the user posted in,
 * chat names, and new messages in polled remote chats.
 *
 * "Open" is approximate: the window reads a chat when it opens it and re-reads it while it stays
 * open, but sends nothing when it goes back to the list, so the last chat read counts as open.
 */
export class ChatActivity {
  private open: ChatRef | null = null;
  private readonly posted = new Set<string>();
  private readonly names = new Map<string, string>();
  /** Message count of each chat at its last successful read. */
  private readonly counts = new Map<string, number>();
  /** Own posts that succeeded since the chat's last read. */
  private readonly ownSinceRead = new Map<string, number>();
  /** Own posts sent and not answered yet. */
  private readonly ownInFlight = new Map<string, number>();

  get openChat(): ChatRef | null {
    return this.open;
  }

  get postedIn(): ReadonlySet<string> {
    return this.posted;
  }

  chatName(ref: ChatRef): string | undefined {
    return this.names.get(chatKey(ref));
  }

  /** The user's own post to this chat is on its way: its 'message' event is not news to them. */
  isOwnPostInFlight(ref: ChatRef): boolean {
    return (this.ownInFlight.get(chatKey(ref)) ?? 0) > 0;
  }

  /** Call when a (validated) command is sent. */
  commandStarted(command: CommandName, args: unknown): void {
    if (command === 'readChat') {
      const ref = asChatRef(args);
      // A background read for the chat list's unread counts is not the chat on screen.
      if (ref && (args as { watch?: unknown }).watch !== true) this.open = ref;
    } else if (command === 'postMessage') {
      const ref = asChatRef(args);
      if (ref) bump(bounded(this.ownInFlight), chatKey(ref), 1);
    }
  }

  /**
   * Call with the reply of every command passed to `commandStarted`. Returns the chats in which a
   * poll found messages from others (remote chats only: hosted ones have the 'message' event).
   */
  commandFinished(command: CommandName, args: unknown, reply: CommandReply<CommandName>): ChatRef[] {
    switch (command) {
      case 'postMessage': {
        const ref = asChatRef(args);
        if (!ref) return [];
        const key = chatKey(ref);
        bump(this.ownInFlight, key, -1);
        if (reply.ok) {
          this.posted.add(key);
          bump(bounded(this.ownSinceRead), key, 1);
        }
        return [];
      }
      case 'createChat':
        if (reply.ok) {
          const chat = reply.result as ChatDto;
          const key = chatKey({ host: null, chatUuid: chat.uuid });
          this.posted.add(key); // creating a chat posts its first message
          bounded(this.names).set(key, chat.name);
        }
        return [];
      case 'listChats':
      case 'refreshChats':
        if (reply.ok) this.learnNames(reply.result as ChatListDto);
        return [];
      case 'readChat': {
        const ref = asChatRef(args);
        if (!ref || !reply.ok) return [];
        // `lastSeq` numbers the chat's messages from 1 without gaps: it is the chat's message count.
        return this.afterRead(ref, (reply.result as ChatReadDto).lastSeq);
      }
      default:
        return [];
    }
  }

  private afterRead(ref: ChatRef, count: number): ChatRef[] {
    const key = chatKey(ref);
    const before = this.counts.get(key);
    const own = (this.ownSinceRead.get(key) ?? 0) + (this.ownInFlight.get(key) ?? 0);
    bounded(this.counts).set(key, count);
    this.ownSinceRead.delete(key);
    // The first read of a chat sets the baseline; a smaller count is a wipe, not news.
    if (ref.host === null || before === undefined) return [];
    return count > before + own ? [ref] : [];
  }

  private learnNames(list: ChatListDto): void {
    const names = bounded(this.names);
    for (const chat of list.mine) names.set(chatKey({ host: null, chatUuid: chat.uuid }), chat.name);
    for (const host of list.hosts) {
      for (const chat of host.chats) names.set(chatKey({ host: host.host, chatUuid: chat.uuid }), chat.name);
    }
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next > 0) map.set(key, next);
  else map.delete(key);
}
