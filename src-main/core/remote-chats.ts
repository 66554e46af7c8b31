// What we last learned of other peers' chat lists, so the window can show every known chat
// without asking every host each time, and say when that knowledge is stale. A host that proved a
// key is known by it, not by its address: back on another address or port (a restart), its list
// is the same entry, moved.
import type { ChatSummary } from '../../src-shared/protocol/index.js';
import type { NanceErrorKind } from './errors.js';
import { Lru } from './lru.js';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

export interface HostChats {
  /** Where the host was when we last heard of it. */
  host: Endpoint;
  /** The key the host proved (docs/protocol.md, "Key proof"); undefined for a base peer. */
  hostKey: string | undefined;
  chats: ChatSummary[];
  /** When the list was last fetched successfully (undefined: never). */
  fetchedAt: number | undefined;
  /** Why the last attempt failed, if it did. */
  error: NanceErrorKind | undefined;
  /** When the host first failed to answer since it last did (undefined while it answers). */
  offlineSince?: number;
}

/**
 * Hosts whose lists we keep: each list is at most one datagram (~64 KB), so this bounds the
 * memory (~64 MB at worst, ~100 KB per 1,000 ordinary hosts); the least recently updated go first.
 */
export const MAX_REMOTE_HOSTS = 1_000;

/** Only the address: callers may pass a richer object (a stored peer). */
const addressOf = (e: Endpoint): Endpoint => ({ host: e.host, port: e.port });

export class RemoteChats {
  /** By host key when the host proved one, else by address. */
  private readonly hosts: Lru<string, HostChats>;

  constructor(
    maxHosts = MAX_REMOTE_HOSTS,
    /** The key proven at an address (the key directory's word), if any. */
    private readonly keyAt: (at: Endpoint) => string | undefined = () => undefined,
  ) {
    this.hosts = new Lru(maxHosts);
  }

  set(host: Endpoint, chats: ChatSummary[], at: number): HostChats {
    return this.put(host, { chats, fetchedAt: at, error: undefined });
  }

  /**
   * Keeps the last known list but records that the host could not be asked (at `at`): the window
   * shows its chats greyed, "offline since" the first failure.
   */
  failed(host: Endpoint, error: NanceErrorKind, at: number): HostChats {
    const old = this.get(host);
    return this.put(host, {
      chats: old?.chats ?? [],
      fetchedAt: old?.fetchedAt,
      error,
      offlineSince: old?.offlineSince ?? at,
    });
  }

  /**
   * The host answered another request (a read, a post): it is online again, though its list is
   * no fresher (`fetchedAt` stays). Returns whether that changed what the window shows.
   */
  answered(host: Endpoint): boolean {
    const entry = this.get(host);
    if (entry?.error === undefined) return false;
    entry.error = undefined;
    delete entry.offlineSince;
    return true;
  }

  /**
   * A chat its host announced (signed by `hostKey`, docs/protocol.md "gossip"): added
   * to what we know of that host, which is created (never fetched yet) at `host` if we knew nothing.
   * The next `g/c` of the host replaces the list with what it says itself. Returns the entry.
   */
  announced(hostKey: string, host: Endpoint, chat: ChatSummary): HostChats {
    const id = `key:${hostKey}`;
    const entry = this.hosts.get(id);
    if (!entry) {
      const fresh: HostChats = {
        host: addressOf(host),
        hostKey,
        chats: [chat],
        fetchedAt: undefined,
        error: undefined,
      };
      this.hosts.set(id, fresh);
      return fresh;
    }
    if (!entry.chats.some((c) => c.uuid === chat.uuid)) entry.chats = [chat, ...entry.chats];
    return entry;
  }

  /** The key's host is now at `to` (proven there): its list follows it. */
  moved(hostKey: string, to: Endpoint): void {
    const entry = this.hosts.peek(`key:${hostKey}`);
    if (entry) entry.host = addressOf(to);
  }

  /** `hostKey`'s list goes if it stands at `at` (an announced address that proved another key). */
  forgetKeyAt(hostKey: string, at: Endpoint): void {
    const entry = this.hosts.peek(`key:${hostKey}`);
    if (entry && endpointKey(entry.host) === endpointKey(at)) this.hosts.delete(`key:${hostKey}`);
  }

  forget(host: Endpoint): void {
    const found = this.find(host);
    if (found) this.hosts.delete(found.id);
  }

  get(host: Endpoint): HostChats | undefined {
    return this.find(host)?.entry;
  }

  /** The list of the host that proved `hostKey`, wherever it is. */
  byKey(hostKey: string): HostChats | undefined {
    return this.hosts.peek(`key:${hostKey}`);
  }

  all(): HostChats[] {
    return [...this.hosts.values()];
  }

  clear(): void {
    this.hosts.clear();
  }

  /** Stores what we learned from `host` under its key (or its address), replacing what stood there. */
  private put(
    host: Endpoint,
    news: Pick<HostChats, 'chats' | 'fetchedAt' | 'error' | 'offlineSince'>,
  ): HostChats {
    const hostKey = this.keyAt(host);
    const id = hostKey === undefined ? `at:${endpointKey(host)}` : `key:${hostKey}`;
    // What stood at this address before (keyless, or another key that was here) is not this host.
    const before = this.find(host);
    if (before && before.id !== id) this.hosts.delete(before.id);
    const entry: HostChats = { host: addressOf(host), hostKey, ...news };
    this.hosts.set(id, entry);
    return entry;
  }

  /** The entry of the host at `host` now: by the key proven there, else by the address. */
  private find(host: Endpoint): { id: string; entry: HostChats } | undefined {
    const hostKey = this.keyAt(host);
    const byKey = hostKey === undefined ? undefined : this.hosts.peek(`key:${hostKey}`);
    if (byKey) return { id: `key:${hostKey}`, entry: byKey };
    const id = `at:${endpointKey(host)}`;
    const byAddress = this.hosts.peek(id);
    return byAddress ? { id, entry: byAddress } : undefined;
  }
}
