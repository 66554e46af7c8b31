import type Database from 'better-sqlite3';

// Each entry upgrades the schema by one version; index 0 takes a new file to version 1.
// Append new migrations, never edit shipped ones: user_version records how far a file got.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE chats (
    uuid          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    json_bytes    INTEGER NOT NULL,
    message_count INTEGER NOT NULL
  );
  CREATE INDEX chats_by_updated_at ON chats (updated_at DESC);

  CREATE TABLE messages (
    chat_uuid  TEXT NOT NULL REFERENCES chats (uuid) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    uuid       TEXT NOT NULL,
    name       TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dedupe_key TEXT UNIQUE,
    PRIMARY KEY (chat_uuid, seq)
  ) WITHOUT ROWID;

  CREATE TABLE peers (
    host       TEXT NOT NULL,
    port       INTEGER NOT NULL,
    nat_type   TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('peer', 'bootstrap')),
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    failures   INTEGER NOT NULL,
    PRIMARY KEY (host, port)
  );

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // Evicting the least recently seen peer (the table's cap) without scanning it.
  `CREATE INDEX peers_by_last_seen ON peers (last_seen);`,
  // Signed posts (docs/protocol.md): the author's signature as verified, and one copy per
  // (chat, author, z) whatever address sends it again (a replay).
  `
  ALTER TABLE messages ADD COLUMN author_key TEXT;
  ALTER TABLE messages ADD COLUMN author_sig TEXT;
  ALTER TABLE messages ADD COLUMN author_time TEXT;
  ALTER TABLE messages ADD COLUMN post_z TEXT;
  CREATE UNIQUE INDEX messages_by_signed_post ON messages (chat_uuid, author_key, post_z)
    WHERE author_key IS NOT NULL;
  `,
  // Private rooms (docs/protocol.md, "Private rooms"): a hosted chat's visibility (a private one is
  // never listed), and the rooms this peer created or joined with their secrets (wiped daily).
  `
  ALTER TABLE chats ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'private'));
  CREATE TABLE rooms (
    host      TEXT NOT NULL,
    port      INTEGER NOT NULL,
    chat_uuid TEXT NOT NULL,
    host_key  TEXT NOT NULL,
    secret    TEXT NOT NULL,
    title     TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (host, port, chat_uuid)
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file up to SCHEMA_VERSION, each step in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    // A newer build wrote this file; guessing at its layout could corrupt it.
    throw new Error(`store schema v${current} is newer than this build supports (v${SCHEMA_VERSION})`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
