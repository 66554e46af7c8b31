// The chats this peer hosts: creating them, accepting posts under the size cap, and cutting
// their contents into answers that fit one datagram.
import { v4 as uuidv4 } from 'uuid';
import { MAX_AUTHOR_FIELD_BYTES, MAX_MESSAGE_JSON_BYTES } from '../../src-shared/post-size.js';
import {
  base64Length,
  CHAT_MAX_BYTES,
  type ChatMessage,
  type ChatSummary,
  formatTimestamp,
  type MessagePage,
  type SignedAuthor,
} from '../../src-shared/protocol/index.js';
import { NanceError } from './errors.js';
import type {
  AppendResult,
  ChatVisibility,
  Clock,
  NewMessage,
  Store,
  StoredChat,
  StoredMessage,
} from './ports.js';
import type { ChatRead } from './read-bounds.js';
import { fitting, jsonLength, mapLazily } from './wire-size.js';

/**
 * A stored message as an answer carries it: the base form (what base peers read, and what the
 * chat cap counts), or with `paged` the paging extension's, with its `seq` and a signed post's `author`.
 */
export function toWireMessage(m: StoredMessage, paged = false): ChatMessage {
  const wire: ChatMessage = {
    uuid: m.uuid,
    name: m.name,
    content: m.content,
    timestamp: formatTimestamp(m.createdAt),
  };
  if (paged) {
    wire.seq = m.seq;
    if (m.author) wire.author = { k: m.author.k, s: m.author.s, t: m.author.t, z: m.author.z };
  }
  return wire;
}

export function toChatSummary(c: StoredChat): ChatSummary {
  return { uuid: c.uuid, name: c.name, timestamp: formatTimestamp(c.createdAt) };
}

/**
 * Largest byte count of a chat's message list (without its brackets) whose base64 JSON array stays
 * under the cap: a post that would make it reach the cap is refused with 20.
 */
export function maxListBytes(capBytes: number): number {
  let n = Math.floor((capBytes * 3) / 4);
  while (n > 0 && base64Length(n + 2) >= capBytes) n--;
  return n;
}

// The one owner of the message size limits is src-shared/post-size.ts (the composer uses it too).
export { MAX_AUTHOR_FIELD_BYTES, MAX_MESSAGE_JSON_BYTES };

/** A private room chooses its uuid (its ciphertexts are bound to it before the chat exists). */
export interface NewChatOptions {
  visibility?: ChatVisibility;
  uuid?: string;
  /** The first message's signature, made once the chat's uuid is known (a public chat's). */
  sign?: (chatUuid: string) => SignedAuthor;
}

export type PostResult = AppendResult | { status: 'too-large' };

export class ChatHost {
  private readonly maxJsonBytes: number;
  /** Told of every message stored by a post (push delivery sends it on). */
  onStored: ((message: StoredMessage) => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    capBytes: number = CHAT_MAX_BYTES,
    private readonly newId: () => string = uuidv4,
  ) {
    this.maxJsonBytes = maxListBytes(capBytes);
  }

  createChat(
    name: string,
    firstContent: string,
    author: string,
    options: NewChatOptions = {},
  ): Promise<StoredChat> {
    const now = this.clock.now();
    const visibility = options.visibility ?? 'public';
    const chat = { uuid: options.uuid ?? this.newId(), name, createdAt: now, visibility };
    const first = this.newMessage(chat.uuid, author, firstContent, now);
    if (first.jsonBytes > MAX_MESSAGE_JSON_BYTES) {
      return Promise.reject(new NanceError('too-large', 'the first message does not fit one datagram'));
    }
    if (options.sign) first.author = options.sign(chat.uuid);
    return this.store.createChat(chat, first);
  }

  /** `author`: a signature already verified (the handler's for a post from the network). */
  post(
    chatUuid: string,
    name: string,
    content: string,
    dedupeKey?: string,
    author?: SignedAuthor,
  ): Promise<PostResult> {
    const message = this.newMessage(chatUuid, name, content, this.clock.now());
    if (message.jsonBytes > MAX_MESSAGE_JSON_BYTES) return Promise.resolve({ status: 'too-large' });
    if (dedupeKey !== undefined) message.dedupeKey = dedupeKey;
    if (author !== undefined) message.author = author;
    return this.store.appendMessage(message, this.maxJsonBytes).then((result) => {
      if (result.status === 'stored') this.onStored?.(result.message);
      return result;
    });
  }

  /**
   * A `g/c` answer: the most recently active public chats that fit `budget` bytes of JSON, at most
   * `max` (private rooms are listed to nobody).
   */
  chats(max: number, budget: number): ChatSummary[] {
    return fitting(mapLazily(this.store.chatsByActivity(), toChatSummary), budget, max);
  }

  /**
   * Whether a request may learn of this chat: a private room only for a requester that proved its
   * address (docs/protocol.md, "Private rooms"); to anyone else it does not exist.
   */
  visibleTo(chatUuid: string, proven: boolean): boolean {
    return proven || this.store.getChat(chatUuid)?.visibility !== 'private';
  }

  /**
   * A chat hosted here, read by this peer's own window: every message after `afterSeq` (no datagram
   * to fit). Undefined when the chat does not exist (or no longer: the daily wipe).
   */
  read(chatUuid: string, afterSeq: number): ChatRead | undefined {
    const chat = this.store.getChat(chatUuid);
    if (!chat) return undefined;
    const after = Math.min(Math.max(0, Math.floor(afterSeq)), chat.messageCount);
    const messages = this.store
      .listMessages(chatUuid, after, chat.messageCount - after)
      .map((m) => toWireMessage(m, true));
    return { messages, lastSeq: messages.at(-1)?.seq ?? after, full: after === 0 };
  }

  /**
   * A base `g/m` answer: the whole chat, or its newest messages that fit `budget` bytes of JSON.
   * Only the rows the answer carries are read (plus the first that does not fit).
   */
  latestMessages(
    chatUuid: string,
    budget: number,
  ): { messages: ChatMessage[]; truncated: boolean } | undefined {
    const chat = this.store.getChat(chatUuid);
    if (!chat) return undefined;
    // jsonBytes is the size of the whole list as this answer writes it (StoredChat.jsonBytes).
    if (chat.jsonBytes + 2 <= budget) {
      const all = this.store.listMessages(chatUuid, 0, chat.messageCount).map((m) => toWireMessage(m));
      return { messages: all, truncated: false };
    }
    const newestFirst = mapLazily(this.store.messagesNewestFirst(chatUuid), (m) => toWireMessage(m));
    const messages = fitting(newestFirst, budget).reverse();
    return { messages, truncated: messages.length < chat.messageCount };
  }

  /**
   * A paged `g/m` answer (extension): messages after the cursor that fit the budget, at least one.
   * Reads only the rows it sends (plus the first that does not fit), whatever `limit` asks for.
   */
  pageOfMessages(
    chatUuid: string,
    page: MessagePage,
    budget: number,
  ): { messages: ChatMessage[]; more: boolean } | undefined {
    const chat = this.store.getChat(chatUuid);
    if (!chat) return undefined;
    const limit = page.limit ?? 1000;
    const rows = () =>
      mapLazily(this.store.messagesAfter(chatUuid, page.after), (m) => toWireMessage(m, true));
    let messages = fitting(rows(), budget, limit);
    if (messages.length === 0) messages = fitting(rows(), Number.POSITIVE_INFINITY, Math.min(1, limit));
    // Seqs run 1..messageCount without gaps (appends only; the wipe deletes whole chats).
    const last = messages.at(-1)?.seq ?? page.after;
    return { messages, more: last < chat.messageCount };
  }

  private newMessage(chatUuid: string, name: string, content: string, createdAt: number): NewMessage {
    const uuid = this.newId();
    const wire = { uuid, name, content, timestamp: formatTimestamp(createdAt) };
    return { chatUuid, uuid, name, content, createdAt, jsonBytes: jsonLength(wire) };
  }
}
