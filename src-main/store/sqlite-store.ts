import Database from 'better-sqlite3';
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
} from '../core/ports.js';
import { migrate } from './schema.js';
import { storageProblem } from './storage-problem.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** Stamps the epoch on a file's first open. */
  now: () => number;
  /** 'full' (default) fsyncs every commit; 'normal' may lose the last commits on power loss. */
  durability?: 'full' | 'normal';
  /** Known peers kept at most; the least recently seen beyond it are forgotten. Default 200,000. */
  maxPeers?: number;
}

/** A bootstrap holds every registered peer up to this (docs/scale.md: ~100 MB at 100,000). */
export const DEFAULT_MAX_PEERS = 200_000;

interface PendingAppend {
  message: NewMessage;
  maxJsonBytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface PendingRegistration {
  peer: StoredPeer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const EPOCH_KEY = 'epoch';
const LAST_WIPE_KEY = 'last_wipe_period';
const BUSY_TIMEOUT_MS = 5000;
/** Chunks of the lazy reads: a tiny page reads 8 rows, one datagram of short messages ~500. */
const FIRST_CHUNK_ROWS = 8;
const MAX_CHUNK_ROWS = 256;

// Columns are aliased to the port's property names so rows need no mapping.
const CHAT_COLUMNS = `uuid, name, created_at AS createdAt, json_bytes AS jsonBytes,
  message_count AS messageCount, updated_at AS updatedAt, visibility`;
const MESSAGE_COLUMNS = `seq, uuid, chat_uuid AS chatUuid, name, content, created_at AS createdAt,
  author_key AS authorKey, author_sig AS authorSig, author_time AS authorTime, post_z AS postZ`;
const PEER_COLUMNS = `host, port, nat_type AS natType, role, first_seen AS firstSeen,
  last_seen AS lastSeen, failures`;

/** A peer as peerRowsBetween reads it (raw, so a sample builds only the objects it hands out). */
type PeerRow = [rowid: number, ...peer: [string, number, string, StoredPeer['role'], number, number, number]];

const toPeer = ([, host, port, natType, role, firstSeen, lastSeen, failures]: PeerRow): StoredPeer => ({
  host,
  port,
  natType,
  role,
  firstSeen,
  lastSeen,
  failures,
});

/** A signed post's columns (all null for an unsigned one). */
interface AuthorColumns {
  authorKey: string | null;
  authorSig: string | null;
  authorTime: string | null;
  postZ: string | null;
}
/** A message as MESSAGE_COLUMNS selects it. */
type MessageRecord = Omit<StoredMessage, 'author'> & AuthorColumns;
type MessageRow = MessageRecord & { dedupeKey: string | null };

function prepareStatements(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    initMeta: db.prepare<[string, string]>('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),

    insertChat: db.prepare<[StoredChat]>(
      `INSERT INTO chats (uuid, name, created_at, updated_at, json_bytes, message_count, visibility)
       VALUES (@uuid, @name, @createdAt, @updatedAt, @jsonBytes, @messageCount, @visibility)`,
    ),
    getChat: db.prepare<[string], StoredChat>(`SELECT ${CHAT_COLUMNS} FROM chats WHERE uuid = ?`),
    listChats: db.prepare<[number], StoredChat>(
      `SELECT ${CHAT_COLUMNS} FROM chats ORDER BY updated_at DESC, uuid LIMIT ?`,
    ),
    growChat: db.prepare<[StoredChat]>(
      `UPDATE chats SET json_bytes = @jsonBytes, message_count = @messageCount, updated_at = @updatedAt
       WHERE uuid = @uuid`,
    ),
    deleteChats: db.prepare('DELETE FROM chats'),

    insertMessage: db.prepare<[MessageRow]>(
      `INSERT INTO messages (chat_uuid, seq, uuid, name, content, created_at, dedupe_key,
         author_key, author_sig, author_time, post_z)
       VALUES (@chatUuid, @seq, @uuid, @name, @content, @createdAt, @dedupeKey,
         @authorKey, @authorSig, @authorTime, @postZ)`,
    ),
    messageByDedupeKey: db.prepare<[string], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE dedupe_key = ?`,
    ),
    messageBySignedPost: db.prepare<[string, string, string], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_uuid = ? AND author_key = ? AND post_z = ?`,
    ),
    listMessages: db.prepare<[string, number, number], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_uuid = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    messagesBefore: db.prepare<[string, number, number], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_uuid = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    chatsAfter: db.prepare<[number, number, string, number], StoredChat>(
      `SELECT ${CHAT_COLUMNS} FROM chats
       WHERE visibility = 'public' AND (updated_at < ? OR (updated_at = ? AND uuid > ?))
       ORDER BY updated_at DESC, uuid LIMIT ?`,
    ),
    deleteMessages: db.prepare('DELETE FROM messages'),

    saveRoom: db.prepare<[RoomRow]>(
      `INSERT OR REPLACE INTO rooms (host, port, chat_uuid, host_key, secret, title, joined_at)
       VALUES (@host, @port, @chatUuid, @hostKey, @secret, @title, @joinedAt)`,
    ),
    listRooms: db.prepare<[], RoomRow>(
      `SELECT host, port, chat_uuid AS chatUuid, host_key AS hostKey, secret, title, joined_at AS joinedAt
       FROM rooms ORDER BY joined_at DESC`,
    ),
    deleteRooms: db.prepare('DELETE FROM rooms'),

    upsertPeer: db.prepare<[StoredPeer]>(
      `INSERT INTO peers (host, port, nat_type, role, first_seen, last_seen, failures)
       VALUES (@host, @port, @natType, @role, @firstSeen, @lastSeen, @failures)
       ON CONFLICT (host, port) DO UPDATE SET nat_type = excluded.nat_type, role = excluded.role,
         last_seen = excluded.last_seen, failures = excluded.failures`,
    ),
    removePeer: db.prepare<[string, number]>('DELETE FROM peers WHERE host = ? AND port = ?'),
    countPeers: db.prepare<[], number>('SELECT count(*) FROM peers').pluck(),
    evictPeers: db.prepare<[number]>(
      `DELETE FROM peers WHERE (host, port) IN
         (SELECT host, port FROM peers ORDER BY last_seen, host, port LIMIT ?)`,
    ),
    getPeer: db.prepare<[string, number], StoredPeer>(
      `SELECT ${PEER_COLUMNS} FROM peers WHERE host = ? AND port = ?`,
    ),
    listPeers: db.prepare<[], StoredPeer>(
      `SELECT ${PEER_COLUMNS} FROM peers ORDER BY last_seen DESC, host, port`,
    ),
    maxPeerRowid: db.prepare<[], number | null>('SELECT max(rowid) FROM peers').pluck(),
    /** Rows with rowid in [from, to), as [rowid, ...PEER_COLUMNS]: the rowid is a sample's cursor. */
    peerRowsBetween: db
      .prepare<[number, number, number], PeerRow>(
        `SELECT rowid, ${PEER_COLUMNS} FROM peers WHERE rowid >= ? AND rowid < ? ORDER BY rowid LIMIT ?`,
      )
      .raw(),

    getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    deleteSetting: db.prepare<[string]>('DELETE FROM settings WHERE key = ?'),
  };
}

/** A room as stored: a room of our own has host '' and port 0. */
type RoomRow = Omit<StoredRoom, 'host'> & { host: string; port: number };

function toRoomRow(room: StoredRoom): RoomRow {
  return { ...room, host: room.host?.host ?? '', port: room.host?.port ?? 0 };
}

function fromRoomRow({ host, port, ...rest }: RoomRow): StoredRoom {
  return { ...rest, host: host === '' ? null : { host, port } };
}

function toRow(message: NewMessage, seq: number): MessageRow {
  const { chatUuid, uuid, name, content, createdAt, dedupeKey, author } = message;
  return {
    chatUuid,
    uuid,
    name,
    content,
    createdAt,
    seq,
    dedupeKey: dedupeKey ?? null,
    authorKey: author?.k ?? null,
    authorSig: author?.s ?? null,
    authorTime: author?.t ?? null,
    postZ: author?.z ?? null,
  };
}

function toStored(row: MessageRecord): StoredMessage {
  const { seq, uuid, chatUuid, name, content, createdAt, authorKey, authorSig, authorTime, postZ } = row;
  const stored: StoredMessage = { seq, uuid, chatUuid, name, content, createdAt };
  if (authorKey !== null && authorSig !== null && authorTime !== null && postZ !== null) {
    stored.author = { k: authorKey, s: authorSig, t: authorTime, z: postZ };
  }
  return stored;
}

/**
 * The Store on one SQLite file. Chat sizes follow StoredChat.jsonBytes: the messages' bytes plus the
 * commas between them, without the array's brackets, so callers pass maxJsonBytes minus those 2 bytes.
 */
export class SqliteStore implements Store {
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly createChatTx: (chat: StoredChat, first: MessageRow) => void;
  private readonly appendBatchTx: (batch: PendingAppend[]) => AppendResult[];
  private readonly wipeTx: (period: number) => void;
  private readonly upsertPeerTx: (peer: StoredPeer) => void;
  private readonly registerPeersTx: (batch: PendingRegistration[]) => void;
  private readonly maxPeers: number;
  private peerCount: number;
  private healthNow: StorageHealth = { ok: true, problem: null };
  private readonly healthListeners: ((health: StorageHealth) => void)[] = [];
  private readonly epochMs: number;
  private pending: PendingAppend[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private registrations: PendingRegistration[] = [];
  private registrationTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private commits = 0;
  private rowsReadCount = 0;

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.sql = prepareStatements(db);
    this.createChatTx = db.transaction((chat: StoredChat, first: MessageRow) => {
      this.sql.insertChat.run(chat);
      this.sql.insertMessage.run(first);
    });
    this.appendBatchTx = db.transaction((batch: PendingAppend[]) =>
      batch.map((item) => this.appendOne(item.message, item.maxJsonBytes)),
    );
    this.wipeTx = db.transaction((period: number) => {
      this.sql.deleteMessages.run();
      this.sql.deleteChats.run();
      this.sql.deleteRooms.run();
      this.sql.setMeta.run(LAST_WIPE_KEY, String(period));
    });
    this.upsertPeerTx = db.transaction((peer: StoredPeer) => this.upsertOnePeer(peer));
    this.registerPeersTx = db.transaction((batch: PendingRegistration[]) => {
      for (const item of batch) this.upsertOnePeer(item.peer);
    });
    this.maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
    this.peerCount = this.sql.countPeers.get() ?? 0;
    // OR IGNORE keeps the first open's time: restarting must not push the wipe clock back.
    this.sql.initMeta.run(EPOCH_KEY, String(options.now()));
    this.epochMs = Number(this.sql.getMeta.get(EPOCH_KEY));
  }

  /**
   * Opens (or creates) the file. On a full disk, where SQLite cannot make the WAL's shared-memory
   * file, it opens in exclusive locking mode (the WAL index then lives in memory, and no other
   * process may open the file meanwhile): reads work, writes fail until there is room, and
   * health() reports the problem from the start.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    try {
      return SqliteStore.openWith(options, false);
    } catch (error) {
      const problem = storageProblem(error);
      if (problem === undefined || options.path === ':memory:') throw error;
      const store = SqliteStore.openWith(options, true);
      store.setHealth({ ok: false, problem });
      return store;
    }
  }

  private static openWith(options: SqliteStoreOptions, exclusive: boolean): SqliteStore {
    const db = new Database(options.path);
    try {
      // Before the first access, or SQLite maps the shared-memory file anyway.
      if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      migrate(db);
      return new SqliteStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Write transactions committed (chat creations, append and registration batches, wipes): shows they share commits. */
  get commitCount(): number {
    return this.commits;
  }

  // ---- chats and messages

  async createChat(
    chat: { uuid: string; name: string; createdAt: number; visibility?: ChatVisibility },
    first: NewMessage,
  ): Promise<StoredChat> {
    const stored: StoredChat = {
      visibility: 'public',
      ...chat,
      jsonBytes: first.jsonBytes,
      messageCount: 1,
      updatedAt: first.createdAt,
    };
    this.commit(() => this.createChatTx(stored, toRow(first, 1)));
    return stored;
  }

  getChat(uuid: string): StoredChat | undefined {
    return this.sql.getChat.get(uuid);
  }

  listChats(limit: number): StoredChat[] {
    return this.counted(this.sql.listChats.all(limit));
  }

  listMessages(chatUuid: string, afterSeq: number, limit: number): StoredMessage[] {
    return this.counted(this.sql.listMessages.all(chatUuid, afterSeq, limit)).map(toStored);
  }

  // Lazy reads, in chunks that double from FIRST_CHUNK_ROWS: an answer cut at its byte budget reads
  // few rows more than it sends, and no statement stays open between chunks.

  messagesAfter(chatUuid: string, afterSeq: number): Generator<StoredMessage, void, undefined> {
    return this.chunked(
      afterSeq,
      (seq, n) => this.sql.listMessages.all(chatUuid, seq, n).map(toStored),
      (m) => m.seq,
    );
  }

  messagesNewestFirst(chatUuid: string): Generator<StoredMessage, void, undefined> {
    return this.chunked(
      Number.MAX_SAFE_INTEGER,
      (seq, n) => this.sql.messagesBefore.all(chatUuid, seq, n).map(toStored),
      (m) => m.seq,
    );
  }

  chatsByActivity(): Generator<StoredChat, void, undefined> {
    return this.chunked<StoredChat, [number, string]>(
      [Number.MAX_SAFE_INTEGER, ''],
      ([at, uuid], n) => this.sql.chatsAfter.all(at, at, uuid, n),
      (c) => [c.updatedAt, c.uuid],
    );
  }

  /** Rows of chats, messages and peers read so far: what requests cost the store (tests, benches). */
  get rowsRead(): number {
    return this.rowsReadCount;
  }

  /** Queued and committed with every other append of this tick, so a burst costs one fsync. */
  appendMessage(message: NewMessage, maxJsonBytes: number): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('SqliteStore is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ message, maxJsonBytes, resolve, reject });
      if (this.pending.length === 1) this.flushTimer = setImmediate(() => this.flush());
    });
  }

  wipeChats(period: number): void {
    this.commit(() => this.wipeTx(period));
  }

  // ---- rooms (their secrets: the file is 0600, and the daily wipe deletes them with the chats)

  saveRoom(room: StoredRoom): void {
    this.write(() => this.sql.saveRoom.run(toRoomRow(room)));
  }

  listRooms(): StoredRoom[] {
    return this.sql.listRooms.all().map(fromRoomRow);
  }

  // ---- peers

  /** Forgets the least recently seen peers beyond maxPeers, so a flood of registrations cannot grow the table. */
  upsertPeer(peer: StoredPeer): void {
    this.write(() => this.upsertPeerTx(peer));
  }

  /** Queued and committed with every other registration of this tick: one fsync per wave, not per peer. */
  registerPeer(peer: StoredPeer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SqliteStore is closed'));
    return new Promise((resolve, reject) => {
      this.registrations.push({ peer, resolve, reject });
      if (this.registrations.length === 1)
        this.registrationTimer = setImmediate(() => this.flushRegistrations());
    });
  }

  removePeer(host: string, port: number): void {
    this.peerCount -= this.write(() => this.sql.removePeer.run(host, port)).changes;
  }

  getPeer(host: string, port: number): StoredPeer | undefined {
    return this.sql.getPeer.get(host, port);
  }

  listPeers(): StoredPeer[] {
    return this.counted(this.sql.listPeers.all());
  }

  /**
   * Rows from a rowid chosen by `at` to the end, then from the start: index range reads in chunks
   * (8 rows, doubling) as the caller walks, so a `g/i` whose answer fills from the first rows
   * reads those, not its whole 256-row sample (~2 µs and ~200 bytes of garbage per row).
   */
  *peersFrom(at: number, limit: number): Generator<StoredPeer, void, undefined> {
    const max = this.sql.maxPeerRowid.get() ?? 0;
    const start = 1 + Math.floor(Math.min(Math.max(at, 0), 0.999_999) * max);
    let left = limit;
    for (const [from, to] of [
      [start, Number.MAX_SAFE_INTEGER],
      [1, start], // rowids start at 1
    ] as const) {
      const rows = this.chunked<PeerRow, number>(
        from - 1,
        (after, n) => this.sql.peerRowsBetween.all(after + 1, to, Math.min(n, left)),
        (row) => row[0],
      );
      for (const row of rows) {
        yield toPeer(row);
        if (--left <= 0) return;
      }
    }
  }

  // ---- settings and retention

  getSetting<T>(key: string): T | undefined {
    const value = this.sql.getSetting.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  /** `undefined` has no JSON form, so setting it removes the key. */
  setSetting(key: string, value: unknown): void {
    const json = JSON.stringify(value);
    this.write(() =>
      json === undefined ? this.sql.deleteSetting.run(key) : this.sql.setSetting.run(key, json),
    );
  }

  epoch(): number {
    return this.epochMs;
  }

  lastWipePeriod(): number {
    const value = this.sql.getMeta.get(LAST_WIPE_KEY);
    return value === undefined ? -1 : Number(value);
  }

  setLastWipePeriod(period: number): void {
    this.write(() => this.sql.setMeta.run(LAST_WIPE_KEY, String(period)));
  }

  // ---- health

  health(): StorageHealth {
    return { ...this.healthNow };
  }

  onHealthChange(listener: (health: StorageHealth) => void): void {
    this.healthListeners.push(listener);
  }

  /** Commits queued appends and registrations before closing, so none is left unanswered. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearImmediate(this.flushTimer);
    clearImmediate(this.registrationTimer);
    this.flush();
    this.flushRegistrations();
    this.db.close();
  }

  // ---- internals

  /** A write transaction, counted. */
  private commit<T>(tx: () => T): T {
    const result = this.write(tx);
    this.commits++;
    return result;
  }

  /** Every write goes through here: its outcome is the store's health. */
  private write<T>(run: () => T): T {
    let result: T;
    try {
      result = run();
    } catch (error) {
      const problem = storageProblem(error);
      if (problem !== undefined) this.setHealth({ ok: false, problem });
      throw error;
    }
    this.setHealth({ ok: true, problem: null });
    return result;
  }

  private setHealth(health: StorageHealth): void {
    if (health.ok === this.healthNow.ok && health.problem === this.healthNow.problem) return;
    this.healthNow = health;
    for (const listener of this.healthListeners) listener(this.health());
  }

  private counted<T>(rows: T[]): T[] {
    this.rowsReadCount += rows.length;
    return rows;
  }

  private *chunked<T, K>(
    start: K,
    read: (after: K, rows: number) => T[],
    keyOf: (row: T) => K,
  ): Generator<T, void, undefined> {
    let after = start;
    for (let size = FIRST_CHUNK_ROWS; ; size = Math.min(2 * size, MAX_CHUNK_ROWS)) {
      const rows = this.counted(read(after, size));
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < size || last === undefined) return;
      after = keyOf(last);
    }
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushTimer = undefined;
    if (batch.length === 0) return;
    let results: AppendResult[];
    try {
      results = this.commit(() => this.appendBatchTx(batch));
    } catch (error) {
      // The transaction rolled back as a whole, so no item in it was stored.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      item.resolve(results[i] as AppendResult);
    });
  }

  private flushRegistrations(): void {
    const batch = this.registrations;
    this.registrations = [];
    this.registrationTimer = undefined;
    if (batch.length === 0) return;
    try {
      this.commit(() => this.registerPeersTx(batch));
    } catch (error) {
      // Rolled back as a whole: nothing of it is stored, and the count of peers is what the file says.
      this.peerCount = this.sql.countPeers.get() ?? 0;
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve();
  }

  /** Inside a transaction: the table's cap evicts the least recently seen beyond maxPeers. */
  private upsertOnePeer(peer: StoredPeer): void {
    const known = this.sql.getPeer.get(peer.host, peer.port) !== undefined;
    this.sql.upsertPeer.run(peer);
    if (known || ++this.peerCount <= this.maxPeers) return;
    this.sql.evictPeers.run(this.peerCount - this.maxPeers);
    this.peerCount = this.maxPeers;
  }

  /** Runs inside the batch transaction, so it sees the effects of earlier items. */
  private appendOne(message: NewMessage, maxJsonBytes: number): AppendResult {
    const existing =
      (message.dedupeKey === undefined ? undefined : this.sql.messageByDedupeKey.get(message.dedupeKey)) ??
      (message.author === undefined
        ? undefined
        : this.sql.messageBySignedPost.get(message.chatUuid, message.author.k, message.author.z));
    if (existing) return { status: 'duplicate', message: toStored(existing) };
    const chat = this.sql.getChat.get(message.chatUuid);
    if (!chat) return { status: 'not-found' };
    const comma = chat.messageCount > 0 ? 1 : 0;
    const jsonBytes = chat.jsonBytes + message.jsonBytes + comma;
    if (jsonBytes > maxJsonBytes) return { status: 'full' };
    const row = toRow(message, chat.messageCount + 1);
    this.sql.insertMessage.run(row);
    this.sql.growChat.run({ ...chat, jsonBytes, messageCount: row.seq, updatedAt: message.createdAt });
    return { status: 'stored', message: toStored(row) };
  }
}
