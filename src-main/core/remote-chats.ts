// What we last learned of other peers' chat lists, so the window can show every known chat
// without asking every host each time, and say when that knowledge is stale.
import type { ChatSummary } from '../../src-shared/protocol/index.js';
import type { NanceErrorKind } from './errors.js';
import { Lru } from './lru.js';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

export interface HostChats {
  host: Endpoint;
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

export class RemoteChats {
  private readonly hosts: Lru<string, HostChats>;

  constructor(maxHosts = MAX_REMOTE_HOSTS) {
    this.hosts = new Lru(maxHosts);
  }

  set(host: Endpoint, chats: ChatSummary[], at: number): HostChats {
    // Only the address: callers may pass a richer object (a stored peer).
    const entry: HostChats = {
      host: { host: host.host, port: host.port },
      chats,
      fetchedAt: at,
      error: undefined,
    };
    this.hosts.set(endpointKey(host), entry);
    return entry;
  }

  /**
   * Keeps the last known list but records that the host could not be asked (at `at`): the window
   * shows its chats greyed, "offline since" the first failure.
   */
  failed(host: Endpoint, error: NanceErrorKind, at: number): HostChats {
    const old = this.hosts.peek(endpointKey(host));
    const entry: HostChats = {
      host: { host: host.host, port: host.port },
      chats: old?.chats ?? [],
      fetchedAt: old?.fetchedAt,
      error,
      offlineSince: old?.offlineSince ?? at,
    };
    this.hosts.set(endpointKey(host), entry);
    return entry;
  }

  forget(host: Endpoint): void {
    this.hosts.delete(endpointKey(host));
  }

  get(host: Endpoint): HostChats | undefined {
    return this.hosts.peek(endpointKey(host));
  }

  all(): HostChats[] {
    return [...this.hosts.values()];
  }

  clear(): void {
    this.hosts.clear();
  }
}
