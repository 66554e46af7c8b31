// The small interfaces the core depends on. Adapters live in src-main/{net,store,nat};
// tests and the simulator inject their own. Nothing here imports Node, SQLite or Electron.
import type { StorageDto } from '../../src-shared/api.js';
import type { Endpoint } from '../../src-shared/endpoint.js';
import type { SignedAuthor } from '../../src-shared/protocol/index.js';

export { endpointKey, sameEndpoint } from '../../src-shared/endpoint.js';
// Endpoint identity is owned by src-shared/endpoint.ts (the contract and the window use it too).
export type { Endpoint };

/** A copy with only the address (callers often hold a richer object, such as a stored peer). */
export function endpointOf(e: Endpoint): Endpoint {
  return { host: e.host, port: e.port };
}

/** `source`: where the datagram really came from, when a learned address stands for the peer `from`. */
export type DatagramHandler = (data: Uint8Array, from: Endpoint, source?: Endpoint) => void;

/** One bound datagram socket. Sending never throws: a failed send is a lost datagram. */
export interface Transport {
  send(data: Uint8Array, to: Endpoint): void;
  onDatagram(handler: DatagramHandler): void;
  localEndpoint(): Endpoint;
  close(): Promise<void>;
}

export interface TimerHandle {
  cancel(): void;
}

/** Wall-clock time and timers, injectable so tests can run in virtual time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

// ---- store

/** Whether the store can write (the status DTO carries it as is). */
export type StorageHealth = StorageDto;

/** A private chat (a room) is never listed and served only to proven requesters. */
export type ChatVisibility = 'public' | 'private';

export interface StoredChat {
  uuid: string;
  name: string;
  createdAt: number;
  visibility: ChatVisibility;
  /**
   * Bytes of the chat's message list in the JSON array a base `g/m` answer carries, without the array's
   * two brackets: the messages' jsonBytes plus one comma between each pair. Size limits passed to the
   * store (maxJsonBytes) must already have the 2 bracket bytes taken off.
   */
  jsonBytes: number;
  messageCount: number;
  /** Time of the newest message (createdAt when none). */
  updatedAt: number;
}

export interface StoredMessage {
  /** Position in its chat, from 1; the paging cursor. */
  seq: number;
  uuid: string;
  chatUuid: string;
  name: string;
  content: string;
  createdAt: number;
  /** A signed post's signature, as verified when it was stored; absent for an unsigned post. */
  author?: SignedAuthor;
}

export interface NewMessage {
  chatUuid: string;
  uuid: string;
  name: string;
  content: string;
  createdAt: number;
  /** Bytes this message adds to its chat's JSON array (without the separating comma). */
  jsonBytes: number;
  /** Sender address + request id of the post: a resent post with the same key is stored once. */
  dedupeKey?: string;
  /** A verified signature: one copy per (chat, author key, z), from whatever address (a replay). */
  author?: SignedAuthor;
}

export type AppendResult =
  | { status: 'stored'; message: StoredMessage }
  | { status: 'duplicate'; message: StoredMessage }
  | { status: 'not-found' }
  | { status: 'full' };

/** A private room this peer created (`host` null) or joined, with what opens it. */
export interface StoredRoom {
  host: Endpoint | null;
  chatUuid: string;
  /** The host's public key (base64url). */
  hostKey: string;
  /** The room secret (base64url). */
  secret: string;
  title: string;
  joinedAt: number;
}

export type PeerRole = 'peer' | 'bootstrap';

export interface StoredPeer {
  host: string;
  port: number;
  natType: string;
  role: PeerRole;
  firstSeen: number;
  lastSeen: number;
  /** Consecutive failed liveness checks. */
  failures: number;
}

/** The daily-expiring store. Writes that acknowledge a request resolve only once durable. */
export interface Store {
  // chats and messages
  createChat(
    chat: { uuid: string; name: string; createdAt: number; visibility?: ChatVisibility },
    first: NewMessage,
  ): Promise<StoredChat>;
  getChat(uuid: string): StoredChat | undefined;
  /** Newest first (by last activity). */
  listChats(limit: number): StoredChat[];
  /** Messages with seq > afterSeq in order, at most `limit`. */
  listMessages(chatUuid: string, afterSeq: number, limit: number): StoredMessage[];
  /**
   * The same, read lazily for answers cut to a byte budget: rows are read (in small chunks) only as
   * the caller iterates, so stopping early stops the reading.
   */
  messagesAfter(chatUuid: string, afterSeq: number): Iterable<StoredMessage>;
  /** Read lazily, newest first (see messagesAfter). */
  messagesNewestFirst(chatUuid: string): Iterable<StoredMessage>;
  /** The public chats only, read lazily, in listChats' order (see messagesAfter): a `g/c` answer. */
  chatsByActivity(): Iterable<StoredChat>;
  /**
   * Appends atomically unless the chat would exceed maxJsonBytes; dedupes on dedupeKey, and a
   * signed post on (chat, author key, z).
   */
  appendMessage(message: NewMessage, maxJsonBytes: number): Promise<AppendResult>;
  /** Deletes every chat, message and remembered room and records `period` as wiped, in one transaction. */
  wipeChats(period: number): void;

  /** Remembers a room (a second save of the same host and chat replaces it). */
  saveRoom(room: StoredRoom): void;
  listRooms(): StoredRoom[];

  // peers
  upsertPeer(peer: StoredPeer): void;
  /**
   * As upsertPeer, committed with every other registration of this tick in one transaction (a
   * wave of registrations costs one fsync per tick, not one each); resolves once it is durable,
   * rejects if that commit failed. A registration is answered only after this resolves.
   */
  registerPeer(peer: StoredPeer): Promise<void>;
  removePeer(host: string, port: number): void;
  getPeer(host: string, port: number): StoredPeer | undefined;
  listPeers(): StoredPeer[];
  /**
   * Up to `limit` peers read from a point of the table chosen by `at` (0 ≤ at < 1), wrapping
   * around: a sample whose cost is `limit` rows at most however large the table (a bootstrap's
   * `g/i`), and may be read lazily: a caller that stops early pays only for what it took.
   */
  peersFrom(at: number, limit: number): Iterable<StoredPeer>;

  // settings (JSON values) and the retention epoch
  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  /** Time of the store's first start, persisted, so restarts do not reset the wipe clock. */
  epoch(): number;
  /** Index of the last retention period whose wipe ran (-1 before the first). */
  lastWipePeriod(): number;
  setLastWipePeriod(period: number): void;

  /** Whether writes succeed (the last write's outcome); every write failure is also thrown. */
  health(): StorageHealth;
  /** Called whenever health() changes. */
  onHealthChange(listener: (health: StorageHealth) => void): void;

  close(): void;
}
