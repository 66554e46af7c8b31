// LAN discovery (docs/nat.md, "LAN and roaming"): peers on one link find each other with no
// bootstrap. We announce on the discovery socket (lan-announcement.ts) at start, again after a
// network change, then every 30–60 s; a peer that hears an announcement from an address on one of
// its own links answers by unicast (a reply, unless it was one) and probes the announced address
// with a challenged ping. The probe, not the announcement, decides: a peer is added only when its
// ping answer proves a key, like any peer (the announced key is a hint).
//
// A forged announcement (any source can be spoofed) gains nothing worth having: off-link sources
// are ignored, each datagram's reaction fits within its own bytes (fixed sizes), each candidate
// address earns one reaction per cooldown, and all reactions together are rate-limited.
import { RateLimiter } from '../guard/rate-limiter.js';
import type { Logger } from '../logger.js';
import { Lru } from '../lru.js';
import type { Clock, Endpoint, TimerHandle, Transport } from '../ports.js';
import { endpointKey } from '../ports.js';
import { decodeAnnouncement, encodeAnnouncement } from './lan-announcement.js';

/** The fixed discovery port and group (organisation-local scope, RFC 2365). */
export const LAN_DISCOVERY_PORT = 34_490;
export const LAN_DISCOVERY_GROUP = '239.255.34.90';

export interface LanDiscoverySettings {
  /** Announcements after start and after a network change, at these offsets (ms). */
  burstMs: readonly number[];
  /** Then one every `periodMs` plus up to `jitterMs` (so a LAN's peers do not announce in step). */
  periodMs: number;
  jitterMs: number;
  /** One reaction (reply, probe) per candidate address per this long. */
  cooldownMs: number;
  /** Reactions per second for all candidates together, and the burst. */
  reactionsPerSecond: number;
  reactionBurst: number;
}

export const DEFAULT_LAN_DISCOVERY: LanDiscoverySettings = {
  burstMs: [0, 1_000, 3_000],
  periodMs: 30_000,
  jitterMs: 30_000,
  cooldownMs: 30_000,
  reactionsPerSecond: 10,
  reactionBurst: 20,
};

const MAX_CANDIDATES = 10_000;

export interface LanDiscoveryDeps {
  /** The discovery socket (not the peer's): sends to a target reach the link. */
  socket: Transport;
  /** Where announcements go: the group (the socket sends it on every link), or test addresses. */
  targets(): Endpoint[];
  /** Whether `ip` is on one of our links: only such a source is reacted to. */
  onLink(ip: string): boolean;
  /** Our Nance socket's port, and our key: what we announce. */
  port(): number;
  key(): string;
  /** A peer with this key is known and proven at this address already: no probe needed. */
  knows(at: Endpoint, key: string): boolean;
  /** Probes `at` with a challenged ping of at most PROBE_BYTES in all; adds it if it proves a key. */
  probe(at: Endpoint): void;
  clock: Clock;
  random?: () => number;
  logger: Logger;
  settings?: LanDiscoverySettings;
}

export interface LanDiscoveryStats {
  announced: number;
  replied: number;
  probed: number;
  /** Datagrams on the discovery socket that earned nothing (not ours, off-link, cooling down, over budget). */
  ignored: number;
}

export class LanDiscovery {
  readonly stats: LanDiscoveryStats = { announced: 0, replied: 0, probed: 0, ignored: 0 };
  private readonly settings: LanDiscoverySettings;
  private readonly random: () => number;
  private readonly lastReaction = new Lru<string, number>(MAX_CANDIDATES);
  private readonly budget: RateLimiter;
  private timers: TimerHandle[] = [];
  private running = false;

  constructor(private readonly deps: LanDiscoveryDeps) {
    this.settings = deps.settings ?? DEFAULT_LAN_DISCOVERY;
    this.random = deps.random ?? Math.random;
    this.budget = new RateLimiter(
      {
        perSourceRate: 0,
        perSourceBurst: 0,
        bytesPerExtraToken: 0,
        globalRate: this.settings.reactionsPerSecond,
        globalBurst: this.settings.reactionBurst,
        maxSources: 1,
      },
      deps.clock.now(),
    );
    deps.socket.onDatagram((data, from) => {
      try {
        this.onDatagram(data, from);
      } catch (err) {
        deps.logger.error({ err: String(err) }, 'LAN announcement handling failed');
      }
    });
  }

  start(): void {
    this.running = true;
    this.scheduleBurst();
  }

  /** The machine's addresses changed: announce afresh (the burst), then periodically again. */
  networkChanged(): void {
    if (this.running) this.scheduleBurst();
  }

  stop(): Promise<void> {
    this.running = false;
    this.cancelTimers();
    return this.deps.socket.close();
  }

  private scheduleBurst(): void {
    this.cancelTimers();
    const { burstMs } = this.settings;
    for (const at of burstMs) this.timers.push(this.deps.clock.setTimeout(() => this.announce(), at));
    this.schedulePeriodic((burstMs.at(-1) ?? 0) + this.period());
  }

  private schedulePeriodic(inMs: number): void {
    this.timers.push(
      this.deps.clock.setTimeout(() => {
        this.announce();
        this.schedulePeriodic(this.period());
      }, inMs),
    );
  }

  private period(): number {
    return this.settings.periodMs + Math.floor(this.random() * this.settings.jitterMs);
  }

  private cancelTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  private announce(): void {
    if (!this.running) return;
    const bytes = encodeAnnouncement({ port: this.deps.port(), key: this.deps.key(), reply: false });
    for (const to of this.deps.targets()) this.deps.socket.send(bytes, to);
    this.stats.announced++;
  }

  private onDatagram(data: Uint8Array, from: Endpoint): void {
    const a = this.running ? decodeAnnouncement(data) : undefined;
    if (!a || a.key === this.deps.key() || !this.deps.onLink(from.host)) {
      this.stats.ignored++;
      return;
    }
    const candidate = { host: from.host, port: a.port };
    const key = endpointKey(candidate);
    const now = this.deps.clock.now();
    const last = this.lastReaction.peek(key);
    if ((last !== undefined && now - last < this.settings.cooldownMs) || !this.budget.allow('lan', now)) {
      this.stats.ignored++;
      return;
    }
    this.lastReaction.set(key, now);
    // Each reaction fits within what this datagram cost (lan-announcement.ts sizes): a reply to an
    // announcement (REPLY_BYTES) plus a probe (PROBE_BYTES); to a reply, a probe only.
    if (!a.reply) {
      this.deps.socket.send(
        encodeAnnouncement({ port: this.deps.port(), key: this.deps.key(), reply: true }),
        from,
      );
      this.stats.replied++;
    }
    if (this.deps.knows(candidate, a.key)) return;
    this.stats.probed++;
    this.deps.probe(candidate);
  }
}
