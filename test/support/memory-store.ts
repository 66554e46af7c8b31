// An in-memory Store for the scale simulator: ten thousand SQLite databases (even in memory) cost
// gigabytes and most of the run's time. It keeps the port's contract as SqliteStore does it
// (newest-first chat lists, seq from 1, the byte cap checked per append, dedupe keys, the peers
// cap evicting the least recently seen, the retention epoch); durability is not modelled, nor is
// health (it never fails). The simulator's claims are about traffic, not about the disk.
import type {
  AppendResult,
  ChatVisibility,
  NewMessage,
  StorageHealth,
  Store,
  StoredChat,
  StoredMessage,
  StoredPeer,
  StoredRoom,
} from '../../src-main/core/ports.js';
import { DEFAULT_MAX_PEERS } from '../../src-main/store/sqlite-store.js';

export class MemoryStore implements Store {
  private readonly chats = new Map<string, StoredChat>();
  private readonly messages = new Map<string, StoredMessage[]>();
  private readonly dedupe = new Map<string, StoredMessage>();
  /** Kept in last_seen order (peers are seen in clock order), so the first key is the least recently seen. */
  private readonly peers = new Map<string, StoredPeer>();
  private readonly settings = new Map<string, string>();
  private readonly rooms: StoredRoom[] = [];
  private readonly epochMs: number;
  private wipePeriod = -1;

  constructor(
    now: () => number,
    private readonly maxPeers = DEFAULT_MAX_PEERS,
  ) {
    this.epochMs = now();
  }

  async createChat(
    chat: { uuid: string; name: string; createdAt: number; visibility?: ChatVisibility },
    first: NewMessage,
  ) {
    const stored: StoredChat = {
      ...chat,
      visibility: chat.visibility ?? 'public',
      jsonBytes: first.jsonBytes,
      messageCount: 1,
      updatedAt: first.createdAt,
    };
    this.chats.set(chat.uuid, stored);
    this.messages.set(chat.uuid, [toStored(first, 1)]);
    return { ...stored };
  }

  getChat(uuid: string): StoredChat | undefined {
    const c = this.chats.get(uuid);
    return c && { ...c };
  }

  listChats(limit: number): StoredChat[] {
    return [...this.chatsByActivity()].slice(0, limit);
  }

  listMessages(chatUuid: string, afterSeq: number, limit: number): StoredMessage[] {
    return (this.messages.get(chatUuid) ?? []).filter((m) => m.seq > afterSeq).slice(0, limit);
  }

  *messagesAfter(chatUuid: string, afterSeq: number): Iterable<StoredMessage> {
    for (const m of this.messages.get(chatUuid) ?? []) if (m.seq > afterSeq) yield m;
  }

  *messagesNewestFirst(chatUuid: string): Iterable<StoredMessage> {
    yield* [...(this.messages.get(chatUuid) ?? [])].reverse();
  }

  *chatsByActivity(): Iterable<StoredChat> {
    yield* [...this.chats.values()].sort(
      (a, b) => b.updatedAt - a.updatedAt || (a.uuid < b.uuid ? 1 : a.uuid > b.uuid ? -1 : 0),
    );
  }

  async appendMessage(message: NewMessage, maxJsonBytes: number): Promise<AppendResult> {
    // One copy per signed post (chat, author key, z) from any address, as the unique index does.
    const signedKey = message.author && `signed|${message.chatUuid}|${message.author.k}|${message.author.z}`;
    const dup =
      (message.dedupeKey === undefined ? undefined : this.dedupe.get(message.dedupeKey)) ??
      (signedKey === undefined ? undefined : this.dedupe.get(signedKey));
    if (dup) return { status: 'duplicate', message: dup };
    const chat = this.chats.get(message.chatUuid);
    if (!chat) return { status: 'not-found' };
    const jsonBytes = chat.jsonBytes + message.jsonBytes + (chat.messageCount > 0 ? 1 : 0);
    if (jsonBytes > maxJsonBytes) return { status: 'full' };
    const stored = toStored(message, chat.messageCount + 1);
    this.messages.get(chat.uuid)?.push(stored);
    if (message.dedupeKey !== undefined) this.dedupe.set(message.dedupeKey, stored);
    if (signedKey !== undefined) this.dedupe.set(signedKey, stored);
    this.chats.set(chat.uuid, { ...chat, jsonBytes, messageCount: stored.seq, updatedAt: message.createdAt });
    return { status: 'stored', message: stored };
  }

  wipeChats(period: number): void {
    this.chats.clear();
    this.messages.clear();
    this.dedupe.clear();
    this.rooms.length = 0;
    this.wipePeriod = period;
  }

  saveRoom(room: StoredRoom): void {
    const same = (r: StoredRoom) =>
      r.chatUuid === room.chatUuid && r.host?.host === room.host?.host && r.host?.port === room.host?.port;
    const at = this.rooms.findIndex(same);
    if (at >= 0) this.rooms.splice(at, 1);
    this.rooms.push({ ...room });
  }

  /** Newest first. */
  listRooms(): StoredRoom[] {
    return [...this.rooms].sort((a, b) => b.joinedAt - a.joinedAt).map((r) => ({ ...r }));
  }

  upsertPeer(peer: StoredPeer): void {
    const key = `${peer.host}:${peer.port}`;
    const old = this.peers.get(key);
    // A new last_seen moves the peer to the end (the most recently seen), as the SQL order would.
    if (old && old.lastSeen !== peer.lastSeen) this.peers.delete(key);
    const known = old !== undefined;
    this.peers.set(key, { ...peer });
    if (known || this.peers.size <= this.maxPeers) return;
    for (const oldest of this.peers.keys()) {
      this.peers.delete(oldest);
      if (this.peers.size <= this.maxPeers) return;
    }
  }

  async registerPeer(peer: StoredPeer): Promise<void> {
    this.upsertPeer(peer);
  }

  removePeer(host: string, port: number): void {
    this.peers.delete(`${host}:${port}`);
  }

  getPeer(host: string, port: number): StoredPeer | undefined {
    const p = this.peers.get(`${host}:${port}`);
    return p && { ...p };
  }

  /** Most recently seen first, as SqliteStore orders them. */
  listPeers(): StoredPeer[] {
    return [...this.peers.values()].reverse().map((p) => ({ ...p }));
  }

  /** From the row `at` of the way in, wrapping round; walks the map once, copying only what it returns. */
  peersFrom(at: number, limit: number): StoredPeer[] {
    const start = Math.floor(Math.min(Math.max(at, 0), 0.999_999) * this.peers.size);
    const head: StoredPeer[] = [];
    const tail: StoredPeer[] = [];
    let i = 0;
    for (const p of this.peers.values()) {
      if (i >= start) tail.push(p);
      else if (head.length < limit) head.push(p);
      i++;
      if (tail.length >= limit) break;
    }
    return [...tail, ...head].slice(0, limit).map((p) => ({ ...p }));
  }

  getSetting<T>(key: string): T | undefined {
    const v = this.settings.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  setSetting(key: string, value: unknown): void {
    const json = JSON.stringify(value);
    if (json === undefined) this.settings.delete(key);
    else this.settings.set(key, json);
  }

  epoch(): number {
    return this.epochMs;
  }

  lastWipePeriod(): number {
    return this.wipePeriod;
  }

  setLastWipePeriod(period: number): void {
    this.wipePeriod = period;
  }

  health(): StorageHealth {
    return { ok: true, problem: null };
  }

  onHealthChange(): void {}

  close(): void {}
}

function toStored(m: NewMessage, seq: number): StoredMessage {
  return {
    seq,
    uuid: m.uuid,
    chatUuid: m.chatUuid,
    name: m.name,
    content: m.content,
    createdAt: m.createdAt,
    ...(m.author ? { author: { ...m.author } } : {}),
  };
}
