// An in-memory NanceApi for the store's tests: a test double of the contract in src-shared/api.ts
// (not of any host). Records every call, checks its arguments with the contract's own
// `parseCommand` (so a test cannot pass with arguments the service would refuse), can be told to
// fail a command, and emits events on demand.
import {
  type AuthorDto,
  type ChatDto,
  type ChatListDto,
  type ChatReadDto,
  type CommandArgs,
  type CommandError,
  type CommandName,
  type CommandReply,
  type CommandResults,
  type EndpointDto,
  type EventName,
  type EventPayloads,
  type HostChatsDto,
  type IdentityDto,
  type IdentityImportDto,
  type MessageDto,
  type NanceApi,
  type PeerDto,
  type PendingPostDto,
  parseCommand,
  type SettingsDto,
  type StatusDto,
} from '../../src-shared/api';
import { chatKey } from '../../src-shared/chat-key';

type Listener = (payload: unknown) => void;

/** The window's own key, as main would report it on what this window posted. */
export const FAKE_OWN_AUTHOR: AuthorDto = { key: 'o'.repeat(43), fingerprint: 'own0-own0-own0', hue: 120 };

export class FakeNanceApi implements NanceApi {
  calls: { command: CommandName; args: unknown }[] = [];
  settings: SettingsDto = {
    displayName: '',
    bootstrapPeers: [],
    onboarded: false,
    lanDiscovery: true,
    keepaliveSeconds: 20,
    relayForOthers: 'auto',
    portMapping: true,
    autoUpdate: true,
  };
  status: StatusDto = {
    mode: 'peer',
    udp: { host: '0.0.0.0', port: 5000 },
    publicAddress: { host: '203.0.113.7', port: 5000 },
    natType: 'Full Cone',
    ipv6: null,
    bootstraps: [{ address: '198.51.100.1:5000', state: 'registered' }],
    nextWipeAt: Date.now() + 3_600_000,
    peerCount: 0,
    portMapping: null,
    storage: { ok: true, problem: null },
    update: null,
  };
  identity: IdentityDto = {
    publicKey: 'A'.repeat(43),
    fingerprint: 'k7f3-9qxa-2m4b',
    hue: 210,
    displayName: '',
  };
  /** What `importIdentity` answers; by default the identity it would become (a fixed other key). */
  importAnswer: IdentityImportDto = {
    identity: { publicKey: 'B'.repeat(43), fingerprint: 'q2zz-8hn4-w0c1', hue: 30, displayName: '' },
  };
  mine: ChatDto[] = [];
  hosts: HostChatsDto[] = [];
  peers: PeerDto[] = [];
  /** Messages by chat key ("me/<uuid>" or "<host>:<port>/<uuid>"). */
  messages = new Map<string, MessageDto[]>();
  /** Chat keys whose host cannot page (a base peer): every read answers the whole chat, `full`. */
  wholeChatOnly = new Set<string>();
  /** Chat keys whose host pushes (push delivery): reads answer `live: true`. */
  pushing = new Set<string>();
  /** What main's outbox holds (posts whose host did not answer). */
  outbox: PendingPostDto[] = [];
  /** Hosts ("host:port") that do not answer: a post to one waits in the outbox. */
  silentHosts = new Set<string>();
  private failures = new Map<CommandName, CommandError[]>();
  private listeners = new Map<string, Set<Listener>>();
  private seq = 0;
  /** When set, calls wait for this promise before answering. */
  gate: Promise<void> | null = null;

  static key(host: EndpointDto | null, chatUuid: string): string {
    return chatKey({ host, chatUuid });
  }

  /** The next call of `command` fails with `error` (queue several by calling again). */
  failNext(command: CommandName, error: CommandError): void {
    const queue = this.failures.get(command) ?? [];
    queue.push(error);
    this.failures.set(command, queue);
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  count(command: CommandName): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  async call<K extends CommandName>(command: K, args: CommandArgs<K>): Promise<CommandReply<K>> {
    this.calls.push({ command, args });
    if (this.gate) await this.gate;
    await Promise.resolve();
    const checked = parseCommand(command, args);
    if (!checked.ok) return { ok: false, error: { kind: 'invalid-argument', message: checked.message } };
    const failure = this.failures.get(command)?.shift();
    if (failure) return { ok: false, error: failure };
    return { ok: true, result: this.answer(command, args) as CommandResults[K] };
  }

  private list(): ChatListDto {
    return {
      mine: [...this.mine],
      hosts: this.hosts.map((h) => ({ ...h, chats: [...h.chats] })),
      rooms: [],
    };
  }

  private answer(command: CommandName, raw: unknown): unknown {
    const args = raw as Record<string, unknown>;
    switch (command) {
      case 'getStatus':
        return { ...this.status };
      case 'listChats':
      case 'refreshChats':
        return this.list();
      case 'createChat': {
        const chat = { uuid: `chat-${++this.seq}`, name: String(args.name), createdAt: Date.now() };
        this.mine.push(chat);
        this.messages.set(FakeNanceApi.key(null, chat.uuid), [
          {
            uuid: `m-${++this.seq}`,
            name: String(args.author),
            content: String(args.message),
            createdAt: Date.now(),
            author: FAKE_OWN_AUTHOR,
            mine: true,
          },
        ]);
        return chat;
      }
      case 'readChat': {
        const key = FakeNanceApi.key(args.host as EndpointDto | null, String(args.chatUuid));
        const all = this.messages.get(key) ?? [];
        const after = this.wholeChatOnly.has(key) ? 0 : Math.min(Number(args.afterSeq ?? 0), all.length);
        const live = this.pushing.has(key);
        return {
          messages: all.slice(after),
          lastSeq: all.length,
          full: after === 0,
          live,
        } satisfies ChatReadDto;
      }
      case 'postMessage': {
        const host = args.host as EndpointDto | null;
        if (host && this.silentHosts.has(`${host.host}:${host.port}`)) {
          const pending: PendingPostDto = {
            id: `p-${++this.seq}`,
            host,
            chatUuid: String(args.chatUuid),
            name: String(args.name),
            content: String(args.content),
            queuedAt: Date.now(),
            failed: null,
          };
          this.outbox = [...this.outbox, pending];
          this.emit('outboxChanged', { posts: [...this.outbox] });
          return pending;
        }
        const key = FakeNanceApi.key(host, String(args.chatUuid));
        const list = this.messages.get(key) ?? [];
        list.push({
          uuid: `m-${++this.seq}`,
          name: String(args.name),
          content: String(args.content),
          createdAt: Date.now(),
          author: FAKE_OWN_AUTHOR,
          mine: true,
        });
        this.messages.set(key, list);
        return null;
      }
      case 'listPeers':
        return [...this.peers];
      case 'getSettings':
        return { ...this.settings };
      case 'updateSettings':
        this.settings = { ...this.settings, ...(args as Partial<SettingsDto>) };
        return { ...this.settings };
      case 'setMode':
        this.status = { ...this.status, mode: args.mode as StatusDto['mode'] };
        return { ...this.status };
      case 'getIdentity':
        return { ...this.identity, displayName: this.settings.displayName };
      case 'exportIdentity':
        return {
          backup: `{"format":"nance-identity-backup","sealed":${args.passphrase !== undefined}}`,
          phrase: `${'abandon '.repeat(23)}art`,
        };
      case 'importIdentity':
        if (!args.preview && 'identity' in this.importAnswer) this.identity = this.importAnswer.identity;
        return this.importAnswer;
      case 'listOutbox':
        return [...this.outbox];
      case 'cancelPost': {
        const before = this.outbox.length;
        this.outbox = this.outbox.filter((p) => p.id !== args.id);
        return this.outbox.length < before;
      }
      case 'restartToUpdate':
        return this.status.update?.action === 'restart';
    }
  }
}
