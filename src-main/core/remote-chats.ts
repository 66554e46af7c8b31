// What we last learned of other peers' chat lists, so the window can show every known chat
// without asking every host each time, and say when that knowledge is stale.
import type { ChatSummary } from '../../src-shared/protocol/index.js';
import type { NanceErrorKind } from './errors.js';
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

export interface HostChats {
  host: Endpoint;
  chats: ChatSummary[];
  /** When the list was last fetched successfully (undefined: never). */
  fetchedAt: number | undefined;
  /** Why the last attempt failed, if it did. */
  error: NanceErrorKind | undefined;
}

export class RemoteChats {
  private readonly hosts = new Map<string, HostChats>();

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

  /** Keeps the last known list but records that the host could not be asked. */
  failed(host: Endpoint, error: NanceErrorKind): HostChats {
    const old = this.hosts.get(endpointKey(host));
    const entry: HostChats = {
      host: { host: host.host, port: host.port },
      chats: old?.chats ?? [],
      fetchedAt: old?.fetchedAt,
      error,
    };
    this.hosts.set(endpointKey(host), entry);
    return entry;
  }

  forget(host: Endpoint): void {
    this.hosts.delete(endpointKey(host));
  }

  get(host: Endpoint): HostChats | undefined {
    return this.hosts.get(endpointKey(host));
  }

  all(): HostChats[] {
    return [...this.hosts.values()];
  }

  clear(): void {
    this.hosts.clear();
  }
}
