// The contract of src-shared/api.ts implemented over a peer: validates every argument, turns
// failures into typed errors, and forwards the peer's events. Every host (Electron, web, stdio)
// exposes exactly this.
import {
  type ChatDto,
  type ChatListDto,
  type CommandError,
  type CommandName,
  type CommandReply,
  type CommandResults,
  type commandArgs,
  type EventPayloads,
  type IdentityDto,
  type IdentityImportDto,
  type Ipv6StatusDto,
  type MessageDto,
  type Mode,
  type PathDto,
  type PortMappingDto,
  parseCommand,
  type RelayOffer,
  type RoomDto,
  type SettingsDto,
  type StatusDto,
  type UpdateDto,
} from '../../src-shared/api.js';
import { endpointKey } from '../../src-shared/endpoint.js';
import { roomPostRoom } from '../../src-shared/post-size.js';
import { type ChatMessage, parseTimestamp } from '../../src-shared/protocol/index.js';
import { NanceError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import {
  BackupError,
  backupFile,
  keysFromBackup,
  keysFromPhrase,
  recoveryPhrase,
} from '../core/identity/backup.js';
import { fingerprint, type KeyPair, keyHue } from '../core/identity/keys.js';
import type { NancePeer } from '../core/peer.js';
import type { Endpoint, Store, StoredChat, StoredRoom } from '../core/ports.js';
import type { Pushed } from '../core/push/push-reader.js';
import { PrivateRooms, type RoomMessage } from '../core/rooms/private-rooms.js';
import type { PathInfo } from '../core/traversal/path-table.js';
import type { TraversalSettings } from '../core/traversal/traversal.js';
import { resolveHostPort } from './host-port.js';
import { Outbox } from './outbox.js';
import { PushedMessages } from './pushed-messages.js';

/** How a peer is reached, as the window sees it (addresses as "ip:port"). */
export function pathDto(info: PathInfo | null): PathDto | null {
  if (!info) return null;
  return {
    kind: info.kind,
    via: info.via ? endpointKey(info.via) : null,
    actual: info.actual ? endpointKey(info.actual) : null,
    family: info.family,
  };
}

/** What `updateSettings` saved for traversal (the desktop app's configuration), if anything. */
export function savedTraversal(store: Pick<Store, 'getSetting'>): {
  keepaliveMs?: number;
  relay?: RelayOffer;
} {
  const saved = store.getSetting<Partial<SettingsDto>>('settings') ?? {};
  return {
    ...(saved.keepaliveSeconds === undefined ? {} : { keepaliveMs: saved.keepaliveSeconds * 1000 }),
    ...(saved.relayForOthers === undefined ? {} : { relay: saved.relayForOthers }),
  };
}

/** Whether LAN discovery runs at start, as `updateSettings` saved it; true when never saved. */
export function savedLanDiscovery(store: Pick<Store, 'getSetting'>): boolean {
  return store.getSetting<Partial<SettingsDto>>('settings')?.lanDiscovery ?? true;
}

/**
 * Whether to ask the router to forward our port at start, as `updateSettings` saved it (the desktop
 * app's configuration); true when never saved.
 */
export function savedPortMapping(store: Pick<Store, 'getSetting'>): boolean {
  return store.getSetting<Partial<SettingsDto>>('settings')?.portMapping ?? true;
}

/**
 * The traversal settings with a new keepalive interval and relay offer (a new object: settings are
 * frozen). `reconfigure` re-arms the keepalive timer, so both apply at once.
 */
function withTraversal(
  current: TraversalSettings,
  keepaliveMs: number,
  offer: RelayOffer,
): TraversalSettings {
  return { ...current, keepaliveMs, relay: { ...current.relay, offer } };
}

/** The running interval in whole seconds (a positive one never reads as 0, which means off). */
const keepaliveSecondsOf = (ms: number) => (ms <= 0 ? 0 : Math.max(1, Math.round(ms / 1000)));

const chatDto = (c: StoredChat): ChatDto => ({ uuid: c.uuid, name: c.name, createdAt: c.createdAt });

type Handlers = {
  [K in CommandName]: (
    args: (typeof commandArgs)[K]['_output'],
  ) => Promise<CommandResults[K]> | CommandResults[K];
};

/** A message as the window shows it; `m.author` is there only when the peer verified it. */
const messageDto = (m: ChatMessage, ownKey: string): MessageDto => ({
  uuid: m.uuid,
  name: m.name,
  content: m.content,
  createdAt: parseTimestamp(m.timestamp),
  author: m.author
    ? { key: m.author.k, fingerprint: fingerprint(m.author.k), hue: keyHue(m.author.k) }
    : null,
  mine: m.author?.k === ownKey,
});

/** A room's message as opened with its key; one that does not open says so, with nothing in it. */
function roomMessageDto(m: RoomMessage, ourKey: string): MessageDto {
  const { uuid, createdAt, post } = m;
  if (!post)
    return { uuid, createdAt, name: '', content: '', author: null, mine: false, undecryptable: true };
  const key = post.authorKey;
  return {
    uuid,
    createdAt,
    name: post.name,
    content: post.content,
    author: key === null ? null : { key, fingerprint: fingerprint(key), hue: keyHue(key) },
    mine: key !== null && key === ourKey,
  };
}

const roomDto = (r: StoredRoom): RoomDto => ({
  host: r.host && { ...r.host },
  chatUuid: r.chatUuid,
  title: r.title,
  joinedAt: r.joinedAt,
});

export interface ServiceOptions {
  /**
   * Keeps an imported identity (the host's identity file, written before the peer switches keys).
   * Without it `importIdentity` only previews: a key that would not survive a restart is refused.
   */
  saveIdentity?: (keys: KeyPair) => void;
  /** How often the outbox tries a silent host again (ms). */
  resendMs?: number;
}

/** The desktop app's updater (host/shell/updates.ts) as the service sees it. */
export interface UpdatesPort {
  offer(): UpdateDto | null;
  /** Quits and installs the downloaded update; false when none is downloaded. */
  restart(): boolean;
  onChange(listener: () => void): void;
}

export class NanceService {
  private portMapping: PortMappingDto | null = null;
  private ipv6: Ipv6StatusDto | null = null;
  private updates: UpdatesPort | null = null;
  private readonly rooms: PrivateRooms;

  readonly events = new Emitter<{ [K in keyof EventPayloads]: EventPayloads[K] }>();
  /** Posts whose host did not answer, resent until it does. */
  readonly outbox: Outbox;

  constructor(
    private readonly peer: NancePeer,
    private readonly store: Store,
    private readonly options: ServiceOptions = {},
  ) {
    this.rooms = new PrivateRooms(peer, store, { now: () => Date.now() });
    const { resendMs } = options;
    this.outbox = new Outbox({
      store,
      send: (p) => peer.postMessage(p.host, p.chatUuid, p.name, p.content, p.z),
      locate: (host, hostKey) => peer.resolveHost(host, hostKey),
      now: () => Date.now(),
      onChange: (posts) => this.events.emit('outboxChanged', { posts }),
      ...(resendMs === undefined ? {} : { resendMs }),
    });
    peer.events.on('hostMoved', ({ hostKey }) => this.outbox.hostMoved(hostKey));
    peer.events.on('message', ({ chatUuid }) => this.events.emit('message', { host: null, chatUuid }));
    // A nudge is read here, so the event carries every post's content (--stdio scripts too).
    const pushedMessages = new PushedMessages({
      read: (host, chatUuid, afterSeq) => peer.readChatSince(host, chatUuid, afterSeq, false),
      emit: (pushed) => this.emitPushed(pushed),
    });
    peer.events.on('pushed', (pushed) => pushedMessages.take(pushed));
    peer.events.on('chatsChanged', () => this.events.emit('chatsChanged', {}));
    peer.events.on('peersChanged', () => this.events.emit('peersChanged', {}));
    peer.events.on('statusChanged', () => this.events.emit('statusChanged', this.status()));
    store.onHealthChange(() => this.events.emit('statusChanged', this.status()));
    peer.events.on('modeChanged', ({ role }) => {
      this.events.emit('modeChanged', { mode: role });
      this.events.emit('statusChanged', this.status());
    });
  }

  /** A push as the `message` event: its messages as DTOs (a joined room's opened with its key). */
  private emitPushed({ host, chatUuid, afterSeq, lastSeq, messages }: Pushed): void {
    const ourKey = this.peer.identity.publicKey;
    const room = this.rooms.joinedRoom(host, chatUuid);
    const dtos = room
      ? this.rooms.open(room, messages).map((m) => roomMessageDto(m, ourKey))
      : messages.map((m) => messageDto(m, ourKey));
    this.events.emit('message', {
      host: { ...(room?.host ?? host) },
      chatUuid,
      pushed: { afterSeq, lastSeq, messages: dtos },
    });
  }

  /** Runs one command from an untrusted caller. Never throws. */
  async dispatch(command: string, rawArgs: unknown): Promise<CommandReply<CommandName>> {
    const call = parseCommand(command, rawArgs);
    if (!call.ok) return { ok: false, error: { kind: 'invalid-argument', message: call.message } };
    try {
      const handler = this.handlers[call.command] as (args: unknown) => unknown;
      return { ok: true, result: (await handler(call.args)) as CommandResults[CommandName] };
    } catch (err) {
      return { ok: false, error: toCommandError(err) };
    }
  }

  private readonly handlers: Handlers = {
    getStatus: () => this.status(),
    listChats: () => this.chatList(),
    refreshChats: async () => {
      await this.peer.refreshLists();
      return this.chatList();
    },
    createChat: async ({ name, message, author, private: isPrivate }) => {
      if (!isPrivate) return chatDto(await this.peer.createChat(name, message, author));
      // The room's uuid is chosen when it is made; any uuid has the same 36 characters.
      requireRoomFits(roomPostRoom('0'.repeat(36), author, message, name));
      const room = await this.rooms.create(name, message, author);
      return { uuid: room.chatUuid, name: room.title, createdAt: room.joinedAt };
    },
    // The window keeps the cursor of each chat it shows; pushes (the `message` event) feed it too.
    readChat: async ({ host, hostKey, chatUuid, afterSeq, watch }) => {
      const ourKey = this.peer.identity.publicKey;
      const room = this.rooms.find(host, chatUuid);
      if (room) {
        const read = await this.rooms.read(room, afterSeq ?? 0);
        const live = this.peer.pushLive(this.peer.resolveHost(room.host, room.hostKey), chatUuid);
        return { ...read, messages: read.messages.map((m) => roomMessageDto(m, ourKey)), live };
      }
      const at = this.peer.resolveHost(host, hostKey);
      // A background read for the chat list (watch) does not keep a push subscription.
      const { messages, lastSeq, full } = await this.peer.readChatSince(at, chatUuid, afterSeq ?? 0, !watch);
      const live = this.peer.pushLive(at, chatUuid);
      return { messages: messages.map((m) => messageDto(m, ourKey)), lastSeq, full, live };
    },
    postMessage: async ({ host, hostKey, chatUuid, name, content }) => {
      const room = this.rooms.find(host, chatUuid);
      if (room) {
        requireRoomFits(roomPostRoom(chatUuid, name, content));
        await this.rooms.post(room, name, content);
        return null;
      }
      const at = this.peer.resolveHost(host, hostKey);
      if (at === null) {
        await this.peer.postMessage(at, chatUuid, name, content);
        return null;
      }
      // A post to another host waits in the outbox when the host does not answer (for its key,
      // where it proved one: a host that moves meanwhile gets it at its new address).
      return this.outbox.post(at, chatUuid, name, content, hostKey ?? this.peer.keyAt(at));
    },
    getInviteLink: ({ host, chatUuid }) => {
      const room = this.rooms.find(host, chatUuid);
      if (!room) throw new NanceError('not-found', 'no private room of ours has this id');
      const self = this.peer.config.publicEndpoint ?? this.peer.localEndpoint();
      return { link: this.rooms.inviteLink(room, self) };
    },
    joinRoom: async ({ link }) => {
      const room = await this.rooms.join(link);
      this.events.emit('chatsChanged', {});
      return roomDto(room);
    },
    listOutbox: () => this.outbox.list(),
    cancelPost: ({ id }) => this.outbox.cancel(id),
    listPeers: () =>
      this.peer.knownPeers().map((p) => ({
        host: p.host,
        port: p.port,
        natType: p.natType,
        role: p.role,
        firstSeen: p.firstSeen,
        lastSeen: p.lastSeen,
        path: pathDto(this.peer.pathTo({ host: p.host, port: p.port })),
      })),
    getSettings: () => this.settings(),
    updateSettings: async (changes) => {
      if (changes.bootstrapPeers !== undefined) {
        this.peer.reconfigure({
          bootstrapPeers: await Promise.all(changes.bootstrapPeers.map(resolveHostPort)),
        });
      }
      const next = { ...this.settings(), ...changes };
      if (changes.keepaliveSeconds !== undefined || changes.relayForOthers !== undefined) {
        this.peer.reconfigure({
          traversal: withTraversal(
            this.peer.config.traversal,
            next.keepaliveSeconds * 1000,
            next.relayForOthers,
          ),
        });
      }
      this.store.setSetting('settings', next);
      this.events.emit('statusChanged', this.status());
      return next;
    },
    setMode: ({ mode }) => {
      this.setMode(mode);
      return this.status();
    },
    getIdentity: () => this.identityDto(this.peer.identity),
    exportIdentity: async ({ passphrase }) => {
      const keys = this.peer.identity; // one key for both, even if an import lands while sealing
      return { backup: await backupFile(keys, passphrase), phrase: recoveryPhrase(keys) };
    },
    importIdentity: (args) => this.importIdentity(args),
    restartToUpdate: () => {
      if (!this.updates) throw new NanceError('not-supported', 'this host installs no updates');
      return this.updates.restart();
    },
  };

  /** The desktop app's updater: `status().update` reports its offer, `restartToUpdate` installs. */
  attachUpdates(port: UpdatesPort): void {
    this.updates = port;
    port.onChange(() => this.events.emit('statusChanged', this.status()));
  }

  private identityDto(keys: KeyPair): IdentityDto {
    return {
      publicKey: keys.publicKey,
      fingerprint: fingerprint(keys.publicKey),
      hue: keyHue(keys.publicKey),
      displayName: this.settings().displayName,
    };
  }

  /** A backup that is not taken is an answer (its problem), not a failure; the key is saved before it is used. */
  private async importIdentity(
    args: (typeof commandArgs)['importIdentity']['_output'],
  ): Promise<IdentityImportDto> {
    let keys: KeyPair;
    try {
      keys =
        'phrase' in args ? keysFromPhrase(args.phrase) : await keysFromBackup(args.backup, args.passphrase);
    } catch (err) {
      if (err instanceof BackupError) return { problem: err.problem };
      throw err;
    }
    if (!args.preview) {
      const save = this.options.saveIdentity;
      if (!save) throw new NanceError('not-supported', 'this host keeps no identity file to import into');
      save(keys);
      this.peer.replaceIdentity(keys);
    }
    return { identity: this.identityDto(keys) };
  }

  /** What IPv6 discovery found at start (undefined: it did not run): `status().ipv6` reports it. */
  reportIPv6Nat(result: { natType: string; publicEndpoint: Endpoint | null } | undefined): void {
    this.ipv6 = result
      ? { natType: result.natType, publicAddress: result.publicEndpoint && { ...result.publicEndpoint } }
      : null;
  }

  /** The host made (or did not make) a mapping of our port at start: `status()` reports it. */
  reportPortMapping(mapping: PortMappingDto | undefined): void {
    this.portMapping = mapping ? { method: mapping.method, external: { ...mapping.external } } : null;
  }

  setMode(mode: Mode): void {
    this.store.setSetting('mode', mode);
    this.peer.reconfigure({ role: mode });
  }

  settings(): SettingsDto {
    const saved = this.store.getSetting<Partial<SettingsDto>>('settings') ?? {};
    return {
      displayName: saved.displayName ?? '',
      bootstrapPeers: saved.bootstrapPeers ?? this.peer.config.bootstrapPeers.map(endpointKey),
      onboarded: saved.onboarded ?? false,
      lanDiscovery: saved.lanDiscovery ?? true,
      // What the peer runs with: the saved values in the desktop app (compose applies them at
      // start, `updateSettings` at once), the flags in the CLI.
      keepaliveSeconds: keepaliveSecondsOf(this.peer.config.traversal.keepaliveMs),
      relayForOthers: this.peer.config.traversal.relay.offer,
      // Applies at the next start (the running mapping, if any, is in `status()`).
      portMapping: saved.portMapping ?? true,
      autoUpdate: saved.autoUpdate ?? true,
    };
  }

  status(): StatusDto {
    const pub = this.peer.config.publicEndpoint;
    return {
      mode: this.peer.role,
      udp: this.peer.localEndpoint(),
      publicAddress: pub ? { ...pub } : null,
      natType: this.peer.config.natType,
      ipv6: this.ipv6 && {
        ...this.ipv6,
        publicAddress: this.ipv6.publicAddress && { ...this.ipv6.publicAddress },
      },
      bootstraps: this.peer.bootstrapStates().map(({ endpoint, state }) => ({
        address: endpointKey(endpoint),
        state,
      })),
      nextWipeAt: this.peer.nextWipeAt(),
      peerCount: this.peer.knownPeers().length,
      portMapping: this.portMapping && { ...this.portMapping, external: { ...this.portMapping.external } },
      storage: this.store.health(),
      update: this.updates?.offer() ?? null,
    };
  }

  private chatList(): ChatListDto {
    return {
      mine:
        this.peer.role === 'peer'
          ? this.peer
              .myChats()
              .filter((c) => c.visibility === 'public')
              .map(chatDto)
          : [],
      hosts: this.peer.remoteChats().map((h) => ({
        host: { ...h.host } as Endpoint,
        ...(h.hostKey === undefined ? {} : { hostKey: h.hostKey, fingerprint: fingerprint(h.hostKey) }),
        chats: h.chats.map((c) => ({ uuid: c.uuid, name: c.name, createdAt: parseTimestamp(c.timestamp) })),
        fetchedAt: h.fetchedAt ?? null,
        error: h.error ?? null,
        offlineSince: h.offlineSince ?? null,
        path: pathDto(this.peer.pathTo(h.host)),
      })),
      rooms: this.peer.role === 'peer' ? this.rooms.list().map(roomDto) : [],
    };
  }
}

/** A room's post that would not fit sealed is refused before sealing, with how much is over. */
function requireRoomFits(room: { fits: boolean; remaining: number }): void {
  if (!room.fits) {
    throw new NanceError(
      'too-large',
      `post: the sealed message is ${-room.remaining} bytes over one datagram`,
    );
  }
}

function toCommandError(err: unknown): CommandError {
  if (err instanceof NanceError) {
    return err.code === undefined
      ? { kind: err.kind, message: err.message }
      : { kind: err.kind, message: err.message, code: err.code };
  }
  return { kind: 'exception', message: err instanceof Error ? err.message : String(err) };
}
