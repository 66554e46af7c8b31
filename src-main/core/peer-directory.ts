// Known peers: only verified ones (they answered a ping) are kept; failing ones are dropped.
import type { PeerAddress } from '../../src-shared/protocol/index.js';
import { isPrivateAddress } from './addresses.js';
import type { Clock, Endpoint, PeerRole, Store, StoredPeer } from './ports.js';
import { sameEndpoint } from './ports.js';

export class PeerDirectory {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Consecutive failed checks after which a peer is forgotten. */
    private readonly maxFailures = 3,
  ) {}

  get(e: Endpoint): StoredPeer | undefined {
    return this.store.getPeer(e.host, e.port);
  }

  all(): StoredPeer[] {
    return this.store.listPeers();
  }

  /** Records a peer that just proved it is reachable. */
  markAlive(e: Endpoint, natType?: string, role?: PeerRole): StoredPeer {
    const now = this.clock.now();
    const old = this.get(e);
    const peer: StoredPeer = {
      host: e.host,
      port: e.port,
      natType: natType ?? old?.natType ?? 'Restricted Cone',
      role: role ?? old?.role ?? 'peer',
      firstSeen: old?.firstSeen ?? now,
      lastSeen: now,
      failures: 0,
    };
    this.store.upsertPeer(peer);
    return peer;
  }

  /** Counts a failed check; returns true when the peer was dropped. */
  markFailed(e: Endpoint): boolean {
    const old = this.get(e);
    if (!old) return false;
    if (old.failures + 1 >= this.maxFailures) {
      this.store.removePeer(e.host, e.port);
      return true;
    }
    this.store.upsertPeer({ ...old, failures: old.failures + 1 });
    return false;
  }

  /** The `g/i` answer for `asker`: never the asker itself; private addresses only to private askers. */
  listFor(asker: Endpoint, max: number): PeerAddress[] {
    const askerPrivate = isPrivateAddress(asker.host);
    return this.all()
      .filter((p) => !sameEndpoint(p, asker) && p.failures === 0)
      .filter((p) => askerPrivate || !isPrivateAddress(p.host))
      .slice(0, max)
      .map((p) => ({ natConeType: p.natType, ip: p.host, port: p.port }));
  }
}
