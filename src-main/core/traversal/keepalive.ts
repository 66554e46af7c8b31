// Keepalives: NAT bindings die when idle, so every punched or relayed path gets one ping per
// interval; its answer refreshes both NATs' bindings on the way (and, through a relay, both sides'
// bindings toward the relay). A path that stays silent twice in a row is dropped: found again on use.
// So is a path we have not set out to use for `idleMs` (docs/scale.md): keeping every path of a
// 64-peer view open cost most of a peer's traffic, and finding one again on use costs less.
import type { PeerClient } from '../peer-client.js';
import type { Clock, TimerHandle } from '../ports.js';
import { endpointKey } from '../ports.js';
import { isClosed } from './connector.js';
import type { PathTable } from './path-table.js';

/** Keepalive failures in a row after which a punched or relayed path is dropped. */
const MAX_KEEPALIVE_FAILURES = 2;

export interface KeepaliveDeps {
  client: PeerClient;
  paths: PathTable;
  clock: Clock;
  /** Time between rounds (read again for every round); 0 or less: off. */
  intervalMs(): number;
  /** A path not wanted (PathTable.markWanted) for this long is dropped, not kept; 0 or less: never. */
  idleMs(): number;
}

export class Keepalive {
  private readonly failures = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly deps: KeepaliveDeps) {}

  start(): void {
    this.schedule();
  }

  /** The interval changed: it applies from now (also turning keepalives on or off). */
  restart(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    const interval = this.deps.intervalMs();
    if (interval <= 0) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.send();
      this.schedule();
    }, interval);
  }

  /** One ping per punched or relayed path: its answer refreshes both NATs' bindings on the way. */
  private send(): void {
    const { client, paths, clock } = this.deps;
    const idleMs = this.deps.idleMs();
    const now = clock.now();
    for (const { peer, route } of paths.entries()) {
      if (route.kind === 'direct') continue;
      const key = endpointKey(peer);
      if (idleMs > 0 && now - (paths.wantedAt(peer) ?? route.since) > idleMs) {
        paths.delete(peer);
        this.failures.delete(key);
        continue;
      }
      client.ping(peer, { attempts: 1, timeoutMs: 2_000 }).then(
        () => this.failures.delete(key),
        (err: unknown) => {
          if (isClosed(err)) return;
          const failures = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, failures);
          if (failures >= MAX_KEEPALIVE_FAILURES && paths.get(peer) === route) {
            paths.delete(peer);
            this.failures.delete(key);
          }
        },
      );
    }
  }
}
