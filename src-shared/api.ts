// The one contract between the window and the main side: commands (request -> reply) and events
// (main -> window). Every transport (Electron IPC, the web host's WebSocket, the CLI's stdio
// control channel) is generated from these tables, and main validates every argument with them.
import { z } from 'zod';
import { isHostPort } from './endpoint.js';
import type { ErrorKind } from './error-kinds.js';
import { MAX_MESSAGE_CHARS } from './post-size.js';

export const endpointSchema = z.object({
  host: z.ipv4(),
  port: z.number().int().min(1).max(65_535),
});
export type EndpointDto = z.infer<typeof endpointSchema>;

/** A peer's public key on the wire and in the contract: base64url of 32 bytes. */
export const publicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/**
 * `host: null` is a chat this peer hosts. `hostKey` (optional): the host's key from the chat list;
 * main then asks the address that key was last proven at, so a chat follows a host that moved.
 */
const chatRef = {
  host: endpointSchema.nullable(),
  hostKey: publicKeySchema.optional(),
  chatUuid: z.string().min(1).max(128),
};
const displayName = z.string().trim().min(1).max(64);

export const modeSchema = z.enum(['peer', 'bootstrap']);
export type Mode = z.infer<typeof modeSchema>;

/** Whether this peer relays for others: 'auto' only in bootstrap mode (docs/nat.md, "Relays"). */
export const relayOfferSchema = z.enum(['auto', 'always', 'never']);
export type RelayOffer = z.infer<typeof relayOfferSchema>;

/** Seconds between keepalives on punched and relayed paths; 0 turns them off. */
export const MAX_KEEPALIVE_SECONDS = 3600;

/** An identity backup file's text is small (a key and its sealing): anything longer is not one. */
export const MAX_BACKUP_CHARS = 4096;
/** Protects a backup file (scrypt + AES-GCM); optional. */
const backupPassphrase = z.string().min(1).max(1024);

/** "host:port" strings as a person types them. */
export const hostPortSchema = z.string().refine(isHostPort, 'expected HOST:PORT');

/** Argument schemas of every command. */
export const commandArgs = {
  getStatus: z.object({}),
  listChats: z.object({}),
  refreshChats: z.object({}),
  createChat: z.object({
    name: z.string().trim().min(1).max(256),
    message: z.string().min(1),
    author: displayName,
    /** A private room: end-to-end encrypted, never listed, joined by its invite link. */
    private: z.boolean().optional(),
  }),
  /**
   * `afterSeq`: only the messages after it (a `lastSeq` of an earlier read); absent or 0: the whole
   * chat. `watch`: a background read for the chat list's unread counts and previews, not of the
   * chat the window shows (the desktop's notifications tell the two apart).
   */
  readChat: z.object({
    ...chatRef,
    afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    watch: z.boolean().optional(),
  }),
  postMessage: z.object({
    ...chatRef,
    name: displayName,
    content: z.string().min(1).max(MAX_MESSAGE_CHARS),
  }),
  /** The invite link of a private room this peer created or joined. */
  getInviteLink: z.object(chatRef),
  /** Joins a private room by its invite link (`nance://join/…`). */
  joinRoom: z.object({ link: z.string().trim().min(1).max(512) }),
  listPeers: z.object({}),
  getSettings: z.object({}),
  updateSettings: z
    .object({
      displayName,
      bootstrapPeers: z.array(hostPortSchema).max(16),
      onboarded: z.boolean(),
      lanDiscovery: z.boolean(),
      keepaliveSeconds: z.number().int().min(0).max(MAX_KEEPALIVE_SECONDS),
      relayForOthers: relayOfferSchema,
      portMapping: z.boolean(),
      autoUpdate: z.boolean(),
    })
    .partial(),
  setMode: z.object({ mode: modeSchema }),
  getIdentity: z.object({}),
  /** The identity as a backup file's text (sealed with `passphrase` when given) and a recovery phrase. */
  exportIdentity: z.object({ passphrase: backupPassphrase.optional() }),
  /**
   * Replaces this install's identity with the one in a backup file or a recovery phrase; with
   * `preview`, only says whose it is (nothing changes), so the window can ask before replacing.
   */
  importIdentity: z.union([
    z
      .object({
        backup: z.string().min(1).max(MAX_BACKUP_CHARS),
        passphrase: backupPassphrase.optional(),
        preview: z.boolean().optional(),
      })
      .strict(),
    z.object({ phrase: z.string().min(1).max(1024), preview: z.boolean().optional() }).strict(),
  ]),
  /** The posts waiting for their host (the outbox), oldest first. */
  listOutbox: z.object({}),
  /** Takes a waiting post out of the outbox (it is not sent). */
  cancelPost: z.object({ id: z.string().min(1).max(64) }),
  /** The desktop app restarts into the downloaded update (`StatusDto.update`, action 'restart'). */
  restartToUpdate: z.object({}),
} as const;

export type CommandName = keyof typeof commandArgs;

/**
 * Checks a call from an untrusted caller against the table: `command` must name a command and
 * `rawArgs` match its schema. Every boundary (the service, the Electron IPC guard) uses this one check.
 */
export function parseCommand(
  command: string,
  rawArgs: unknown,
): { ok: true; command: CommandName; args: unknown } | { ok: false; message: string } {
  if (!Object.hasOwn(commandArgs, command)) return { ok: false, message: `unknown command ${command}` };
  const name = command as CommandName;
  const parsed = commandArgs[name].safeParse(rawArgs ?? {});
  if (parsed.success) return { ok: true, command: name, args: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ');
  return { ok: false, message };
}
export type CommandArgs<K extends CommandName> = z.input<(typeof commandArgs)[K]>;

// ---- results

export interface ChatDto {
  uuid: string;
  name: string;
  /** Epoch ms. */
  createdAt: number;
}

export { type ErrorKind, errorKindByCode, errorKinds } from './error-kinds.js';

/** How this peer reaches another (see src-main/core/traversal/path-table.ts). */
export type PathKindDto = 'direct' | 'punched' | 'mapped' | 'relayed';

export interface PathDto {
  kind: PathKindDto;
  /** "ip:port" of the relay, for relayed paths; null otherwise. */
  via: string | null;
  /** "ip:port" datagrams really go to when it is not the peer's own address (punched through a symmetric NAT, or its IPv6 endpoint); null otherwise. */
  actual: string | null;
  /** The address family datagrams travel in (a relayed path: the relay's). */
  family: 'ipv4' | 'ipv6';
}

export interface HostChatsDto {
  /** Where the host was when we last heard of it. */
  host: EndpointDto;
  /** The key the host proved (the same host wherever it moves); absent for an original peer. */
  hostKey?: string;
  /** `hostKey`'s short fingerprint ("k7f3-9qxa-2m4b"), with it. */
  fingerprint?: string;
  chats: ChatDto[];
  /** Epoch ms of the last successful fetch, null if never. */
  fetchedAt: number | null;
  /** Why the last fetch failed, null if it did not. */
  error: ErrorKind | null;
  /** Epoch ms of the first failed fetch since the host last answered; null while it answers. */
  offlineSince?: number | null;
  /** How this host is reached now; null when not known yet. */
  path: PathDto | null;
}

/** A private room this peer created (`host` null) or joined; its title is known only to members. */
export interface RoomDto {
  host: EndpointDto | null;
  chatUuid: string;
  title: string;
  /** Epoch ms this peer created or joined it. */
  joinedAt: number;
}

export interface ChatListDto {
  mine: ChatDto[];
  hosts: HostChatsDto[];
  /** Private rooms, apart from the public chats (a room is never in `mine` or `hosts`). */
  rooms: RoomDto[];
}

/** A message's verified author. */
export interface AuthorDto {
  /** The public key (base64url). */
  key: string;
  /** What a person compares ("k7f3-9qxa-2m4b"). */
  fingerprint: string;
  /** A stable colour for the key (0-359). */
  hue: number;
}

/** Who signed a message, as main verified it (the window shows the fingerprint and the colour). */
export interface AuthorDto {
  /** The author's public key (base64url). */
  key: string;
  /** What a person compares: "k7f3-9qxa-2m4b". */
  fingerprint: string;
  /** A stable colour for the key, 0-359. */
  hue: number;
}

export interface MessageDto {
  uuid: string;
  name: string;
  content: string;
  /** Epoch ms. */
  createdAt: number;
  /** null: unsigned (an original client), or a signature that does not hold (forged or altered). */
  author: AuthorDto | null;
  /** Signed with our own key (never decided by name). */
  mine: boolean;
  /** A private room's message that could not be decrypted: `name` and `content` are empty. */
  undecryptable?: true;
}

export interface InviteDto {
  /** `nance://join/<host ip:port>/<host key>/<chat uuid>#<room secret>`. */
  link: string;
}

/** One read of a chat: the window keeps `lastSeq` and asks with `afterSeq` = it next time. */
export interface ChatReadDto {
  /** In the chat's order: the messages after the `afterSeq` asked, or the whole chat when `full`. */
  messages: MessageDto[];
  /** The last message's position in the chat (its message count) after this read. */
  lastSeq: number;
  /** `messages` is the whole chat: replace what you have (a read from 0, or a base host that cannot page). */
  full: boolean;
  /**
   * The host pushes what is new in this chat (push delivery, the `message` event's `pushed`): poll
   * it only as a fallback. Absent or false: poll as usual.
   */
  live?: boolean;
}

/**
 * What a host pushed of a chat the window reads (`readChat`): `messages` follow `afterSeq` and end
 * at `lastSeq`. Apply them when `afterSeq` is your cursor; otherwise (or with no messages: a gap, a
 * message too big to push) read up to `lastSeq`.
 */
export interface PushedDto {
  afterSeq: number;
  lastSeq: number;
  messages: MessageDto[];
}

/** A post to another peer's chat that its host did not answer yet: resent until it does. */
export interface PendingPostDto {
  id: string;
  host: EndpointDto;
  chatUuid: string;
  name: string;
  content: string;
  /** Epoch ms of the first try. */
  queuedAt: number;
  /** The host answered with a refusal (the chat is gone or full): kept until cancelled; null while waiting. */
  failed: ErrorKind | null;
}

export interface PeerDto {
  host: string;
  port: number;
  natType: string;
  role: Mode;
  firstSeen: number;
  lastSeen: number;
  /** How this peer is reached now; null when not known yet. */
  path: PathDto | null;
}

export type BootstrapStateDto = 'unknown' | 'registered' | 'unreachable' | 'refused' | 'client-only';

/** The gateway's mapping of our port (docs/nat.md, "Port mapping"): path "mapped". */
export interface PortMappingDto {
  method: 'nat-pmp' | 'upnp';
  /** Where the internet reaches us. */
  external: EndpointDto;
}

/**
 * Whether the peer can write to its store. A problem leaves chats readable and the peer answering;
 * writes (posts, new chats, the daily wipe, which retries) fail until it clears.
 */
export interface StorageDto {
  ok: boolean;
  /** Why writes fail: the disk is full, the files are read-only, or the disk reports errors. */
  problem: 'disk-full' | 'read-only' | 'io-error' | null;
}

export interface Ipv6StatusDto {
  /** "Open Internet" for a global address seen as-is (no NAT); a measured filter is named. */
  natType: string;
  /** Where the IPv6 internet sees our udp6 socket; null when no IPv6 server answered. */
  publicAddress: EndpointDto | null;
}

export interface StatusDto {
  mode: Mode;
  udp: EndpointDto;
  publicAddress: EndpointDto | null;
  natType: string;
  /**
   * The IPv6 side (discovery per family, docs/nat.md "IPv6"): what an IPv6 STUN server saw of our
   * udp6 socket. null: no udp6 socket or no IPv6 server was asked.
   */
  ipv6: Ipv6StatusDto | null;
  bootstraps: { address: string; state: BootstrapStateDto }[];
  /** Epoch ms of the next daily wipe. */
  nextWipeAt: number;
  peerCount: number;
  /** The router's forwarding of our port made at start; null when none was made. */
  portMapping: PortMappingDto | null;
  storage: StorageDto;
  /** A newer version for the desktop app (null: none, or not the desktop app). */
  update: UpdateDto | null;
}

/**
 * A newer version: 'restart' once downloaded (it installs only on the person's restart),
 * 'download' where the app cannot replace itself (the deb, the portable exe): a link to the release page.
 */
export interface UpdateDto {
  version: string;
  action: 'restart' | 'download';
  /** http/https only (safeLink); null when the release page is unknown. */
  releaseUrl: string | null;
}

export interface SettingsDto {
  displayName: string;
  bootstrapPeers: string[];
  onboarded: boolean;
  /** Whether peers on this computer's network find it and it them, with no bootstrap (default true; next start). */
  lanDiscovery: boolean;
  /** Seconds between keepalives on punched and relayed paths (0: off; default 20). */
  keepaliveSeconds: number;
  /** Whether this peer relays for others (default 'auto': only in bootstrap mode). */
  relayForOthers: RelayOffer;
  /**
   * Whether the desktop app asks the router to forward its port (NAT-PMP, UPnP IGD) at its next
   * start (default true). The CLI's flags decide for the CLI.
   */
  portMapping: boolean;
  /** Whether the desktop app checks for updates, at start and daily (default true). */
  autoUpdate: boolean;
}

/** Who this install is: its public key (base64url), the fingerprint a person compares, its colour. */
export interface IdentityDto {
  publicKey: string;
  /** "k7f3-9qxa-2m4b": 60 bits of the key's hash. */
  fingerprint: string;
  /** 0-359: the hue every window shows this key in. */
  hue: number;
  /** The name this install posts under (the settings' display name; may be empty). */
  displayName: string;
}

export interface IdentityExportDto {
  /** A backup file's text (JSON): save it as a file. */
  backup: string;
  /** The same key as 24 words (BIP-39, English list). */
  phrase: string;
}

/** Why a backup file or a recovery phrase was not taken (`position` counts words from 1). */
export type BackupProblem =
  | { reason: 'word-count'; count: number }
  | { reason: 'unknown-word'; position: number; word: string }
  | { reason: 'checksum' }
  | { reason: 'not-a-backup' }
  | { reason: 'newer-version' }
  | { reason: 'damaged' }
  | { reason: 'passphrase-needed' }
  | { reason: 'wrong-passphrase' };

/** The identity imported (or, with `preview`, the one that would be), or why it was not. */
export type IdentityImportDto = { identity: IdentityDto } | { problem: BackupProblem };

export interface CommandResults {
  getStatus: StatusDto;
  listChats: ChatListDto;
  refreshChats: ChatListDto;
  createChat: ChatDto;
  readChat: ChatReadDto;
  /** null: the host stored it; otherwise the host did not answer and the post waits in the outbox. */
  postMessage: PendingPostDto | null;
  getInviteLink: InviteDto;
  joinRoom: RoomDto;
  listPeers: PeerDto[];
  getSettings: SettingsDto;
  updateSettings: SettingsDto;
  setMode: StatusDto;
  getIdentity: IdentityDto;
  exportIdentity: IdentityExportDto;
  importIdentity: IdentityImportDto;
  listOutbox: PendingPostDto[];
  /** false: no such post waits (it was sent already). */
  cancelPost: boolean;
  /** false: no update is downloaded yet. */
  restartToUpdate: boolean;
}

export interface CommandError {
  kind: ErrorKind;
  message: string;
  code?: number;
}

export type CommandReply<K extends CommandName> =
  | { ok: true; result: CommandResults[K] }
  | { ok: false; error: CommandError };

/** Events main pushes to the window. */
export interface EventPayloads {
  /** A message was stored (host null: a chat of ours), or a host pushed one (`pushed`). */
  message: { host: EndpointDto | null; chatUuid: string; pushed?: PushedDto };
  chatsChanged: Record<string, never>;
  peersChanged: Record<string, never>;
  statusChanged: StatusDto;
  modeChanged: { mode: Mode };
  /** The outbox changed: a post was queued, sent, refused or cancelled. */
  outboxChanged: { posts: PendingPostDto[] };
}
export type EventName = keyof EventPayloads;
export const eventNames: readonly EventName[] = [
  'message',
  'chatsChanged',
  'peersChanged',
  'statusChanged',
  'modeChanged',
  'outboxChanged',
];

/** What the renderer holds: one object, the same whichever transport carries it. */
export interface NanceApi {
  call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandReply<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}
