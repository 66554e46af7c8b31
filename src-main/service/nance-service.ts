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
  type MessageDto,
  type Mode,
  type PathDto,
  type PortMappingDto,
  parseCommand,
  type RelayOffer,
  type SettingsDto,
  type StatusDto,
} from '../../src-shared/api.js';
import { endpointKey } from '../../src-shared/endpoint.js';
import { type ChatMessage, parseTimestamp } from '../../src-shared/protocol/index.js';
import { NanceError } from '../core/errors.js';
import { Emitter } from '../core/events.js';
import type { NancePeer } from '../core/peer.js';
import type { Endpoint, Store, StoredChat } from '../core/ports.js';
import type { PathInfo } from '../core/traversal/path-table.js';
import type { TraversalSettings } from '../core/traversal/traversal.js';
import { resolveHostPort } from './host-port.js';
import { Outbox } from './outbox.js';

/** How a peer is reached, as the window sees it (addresses as "ip:port"). */
export function pathDto(info: PathInfo | null): PathDto | null {
  if (!info) return null;
  return {
    kind: info.kind,
    via: info.via ? endpointKey(info.via) : null,
    actual: info.actual ? endpointKey(info.actual) : null,
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

const messageDto = (m: ChatMessage): MessageDto => ({
  uuid: m.uuid,
  name: m.name,
  content: m.content,
  createdAt: parseTimestamp(m.timestamp),
});

export class NanceService {
  private portMapping: PortMappingDto | null = null;

  readonly events = new Emitter<{ [K in keyof EventPayloads]: EventPayloads[K] }>();
  /** Posts whose host did not answer, resent until it does. */
  readonly outbox: Outbox;

  constructor(
    private readonly peer: NancePeer,
    private readonly store: Store,
    options: { resendMs?: number } = {},
  ) {
    this.outbox = new Outbox({
      store,
      send: (p) => peer.postMessage(p.host, p.chatUuid, p.name, p.content, p.z),
      now: () => Date.now(),
      onChange: (posts) => this.events.emit('outboxChanged', { posts }),
      ...options,
    });
    peer.events.on('message', ({ chatUuid }) => this.events.emit('message', { host: null, chatUuid }));
    peer.events.on('chatsChanged', () => this.events.emit('chatsChanged', {}));
    peer.events.on('peersChanged', () => this.events.emit('peersChanged', {}));
    peer.events.on('statusChanged', () => this.events.emit('statusChanged', this.status()));
    store.onHealthChange(() => this.events.emit('statusChanged', this.status()));
    peer.events.on('modeChanged', ({ role }) => {
      this.events.emit('modeChanged', { mode: role });
      this.events.emit('statusChanged', this.status());
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
      await this.peer.syncNow();
      return this.chatList();
    },
    createChat: async ({ name, message, author }) =>
      chatDto(await this.peer.createChat(name, message, author)),
    // Stateless: the window keeps the cursor of each chat it shows (and push delivery will feed it).
    readChat: async ({ host, chatUuid, afterSeq }) => {
      const { messages, lastSeq, full } = await this.peer.readChatSince(host, chatUuid, afterSeq ?? 0);
      return { messages: messages.map(messageDto), lastSeq, full };
    },
    postMessage: async ({ host, chatUuid, name, content }) => {
      if (host === null) {
        await this.peer.postMessage(host, chatUuid, name, content);
        return null;
      }
      return this.outbox.post(host, chatUuid, name, content);
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
  };

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
      // What the peer runs with: the saved values in the desktop app (compose applies them at
      // start, `updateSettings` at once), the flags in the CLI.
      keepaliveSeconds: keepaliveSecondsOf(this.peer.config.traversal.keepaliveMs),
      relayForOthers: this.peer.config.traversal.relay.offer,
      // Applies at the next start (the running mapping, if any, is in `status()`).
      portMapping: saved.portMapping ?? true,
    };
  }

  status(): StatusDto {
    const pub = this.peer.config.publicEndpoint;
    return {
      mode: this.peer.role,
      udp: this.peer.localEndpoint(),
      publicAddress: pub ? { ...pub } : null,
      natType: this.peer.config.natType,
      bootstraps: this.peer.bootstrapStates().map(({ endpoint, state }) => ({
        address: endpointKey(endpoint),
        state,
      })),
      nextWipeAt: this.peer.nextWipeAt(),
      peerCount: this.peer.knownPeers().length,
      portMapping: this.portMapping && { ...this.portMapping, external: { ...this.portMapping.external } },
      storage: this.store.health(),
    };
  }

  private chatList(): ChatListDto {
    return {
      mine: this.peer.role === 'peer' ? this.peer.myChats().map(chatDto) : [],
      hosts: this.peer.remoteChats().map((h) => ({
        host: { ...h.host } as Endpoint,
        chats: h.chats.map((c) => ({ uuid: c.uuid, name: c.name, createdAt: parseTimestamp(c.timestamp) })),
        fetchedAt: h.fetchedAt ?? null,
        error: h.error ?? null,
        offlineSince: h.offlineSince ?? null,
        path: pathDto(this.peer.pathTo(h.host)),
      })),
    };
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
