// The scale scenario: N real NancePeers (in-memory stores, test/support/memory-store.ts) and a few
// bootstraps on one SimNetwork in virtual time, a share of them behind each NAT behaviour, joining
// over a spread, with churn (peers leave for good, fresh ones join), then chats created by a few
// peers. It measures what docs/scale.md reports: time to join, time until a new chat is listed by
// 50/90/99 % of the peers online, traffic per peer in steady state, the busiest node against the
// median, and peers that found nobody. Deterministic for a seed.

import { createHash } from 'node:crypto';
import type { GossipSettings } from '../../src-main/core/gossip/chat-gossip.js';
import { AddressTokens } from '../../src-main/core/guard/address-tokens.js';
import { GUARD_OFF } from '../../src-main/core/guard/index.js';
import { KeyPair } from '../../src-main/core/identity/keys.js';
import { DEFAULT_CONFIG, NancePeer, type PeerConfig } from '../../src-main/core/peer.js';
import type { Endpoint, Transport } from '../../src-main/core/ports.js';
import { STOCKED_VIEW, type SyncSettings } from '../../src-main/core/sync.js';
import type { TraversalSettings } from '../../src-main/core/traversal/traversal.js';
import type { NatType } from '../../src-shared/protocol/limits.js';
import { MemoryStore } from './memory-store.js';
import { mulberry32 } from './prng.mjs';
import { SimClock } from './sim-clock.js';
import { type NatBehaviour, SimNat } from './sim-nat.js';
import { SimNetwork } from './sim-network.js';
import { type LabelCount, perPeerPerSecond, TrafficBreakdown } from './traffic-breakdown.js';

/**
 * Issue 14's goals: a new chat listed by 90 % of the peers online within 60 s of virtual time,
 * background traffic ≤ 1 KB/s per peer, no node above 10× the median's load.
 */
export const SCALE_GOALS = { listedBy90Ms: 60_000, bytesPerSec: 1_000, busiestRatio: 10 } as const;

export interface ScaleOptions {
  peers: number;
  bootstraps: number;
  seed?: number;
  /** Peers start uniformly spread over this (virtual ms). */
  joinSpreadMs?: number;
  /** Virtual time after the last join before the steady-state window starts. */
  warmupMs?: number;
  /** The steady-state window: traffic is counted over it, chats are created at its start. */
  windowMs?: number;
  /** Share of online peers that leave (and are replaced by fresh ones) per minute. */
  churnPerMinute?: number;
  /** Chats created at the window's start (by as many peers, a second apart). */
  chats?: number;
  /**
   * How many of those chats are made by peers behind symmetric NATs (the hardest to list: each peer
   * sees such a host at another mapping); the rest by ordinary peers drawn at random. Default: all drawn.
   */
  symmetricCreators?: number;
  /** Sync settings of the ordinary peers (the design under test). */
  sync?: Partial<SyncSettings>;
  /** Traversal and gossip settings of every node (the design under test). */
  traversal?: Partial<TraversalSettings>;
  gossip?: Partial<GossipSettings>;
  /** Bootstraps each peer is configured with (chosen at random among them). */
  bootstrapsPerPeer?: number;
  latencyMs?: number;
  jitterMs?: number;
  lossRate?: number;
  /** Whether the abuse guard runs (default on, as in production). */
  guard?: boolean;
  /** Share of peers behind symmetric NATs (default 0.1; the open share takes the difference). */
  symmetricShare?: number;
  /** Progress lines (virtual time, real time) on stderr. */
  progress?: boolean;
  /**
   * Label every datagram by message and path kind (costs a decode each): `ScaleResult.breakdown`.
   * `'by-kind'`: also by direction and what the other end is (`in symmetric`, `out bootstrap`).
   */
  breakdown?: boolean | 'by-kind';
}

/** Share of peers per NAT behaviour (the rest, after these, are open). */
const NAT_MIX: readonly { behaviour: NatBehaviour; natType: NatType; share: number }[] = [
  { behaviour: 'full-cone', natType: 'Full Cone', share: 0.2 },
  { behaviour: 'address-restricted', natType: 'Restricted Cone', share: 0.2 },
  { behaviour: 'port-restricted', natType: 'Port Restricted Cone', share: 0.2 },
  { behaviour: 'symmetric', natType: 'Symmetric', share: 0.1 },
];

/** Counts what one peer sends and receives (at its own socket, before any NAT). */
class CountingTransport implements Transport {
  sentDatagrams = 0;
  sentBytes = 0;
  receivedDatagrams = 0;
  receivedBytes = 0;

  constructor(
    private readonly inner: Transport,
    readonly breakdown?: TrafficBreakdown,
  ) {
    inner.onDatagram((data, from) => {
      this.receivedDatagrams++;
      this.receivedBytes += data.byteLength;
      this.breakdown?.count(data, from.host, 'in');
    });
  }

  send(data: Uint8Array, to: Endpoint): void {
    this.sentDatagrams++;
    this.sentBytes += data.byteLength;
    this.breakdown?.count(data, to.host, 'out');
    this.inner.send(data, to);
  }

  onDatagram(handler: (data: Uint8Array, from: Endpoint) => void): void {
    this.inner.onDatagram(handler);
  }

  localEndpoint(): Endpoint {
    return this.inner.localEndpoint();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  snapshot() {
    return {
      datagrams: this.sentDatagrams + this.receivedDatagrams,
      bytes: this.sentBytes + this.receivedBytes,
    };
  }
}

interface Node {
  id: number;
  peer: NancePeer;
  counter: CountingTransport;
  role: 'peer' | 'bootstrap';
  natType: NatType;
  publicHost: string;
  startedAt: number;
  /** When it first knew an ordinary peer besides itself (joined), if it did. */
  joinedAt: number | undefined;
  leftAt: number | undefined;
  /** Chat uuid -> when this node first listed it. */
  listed: Map<string, number>;
}

export interface ScaleResult {
  peers: number;
  bootstraps: number;
  virtualMs: number;
  realMs: number;
  joinMs: { p50: number; p90: number; p99: number; never: number };
  /** Per chat: ms until listed by 50/90/99 % of the peers online from its creation to the end. */
  /** Per chat: when 50/90/99 % listed it, its host's NAT, and when the host left (if it did). */
  chatSpreadMs: { p50: number; p90: number; p99: number; hostNat: string; hostLeftAfterMs?: number }[];
  /** Worst over the chats (Infinity when a share was never reached). */
  spreadWorst: { p50: number; p90: number; p99: number };
  steady: {
    /** Per ordinary peer, per second, over the window: median and mean. */
    datagramsPerSecMedian: number;
    bytesPerSecMedian: number;
    bytesPerSecMean: number;
    bytesPerSecP99: number;
    /** The busiest node (bootstraps included) over the median ordinary peer, by datagrams. */
    busiestRatio: number;
    busiestRole: string;
    busiestDatagramsPerSec: number;
    /** The busiest ordinary peer over the median. */
    busiestPeerRatio: number;
    /**
     * Each bootstrap's load over the median, busiest first: whether one carries the load or all do
     * (which bootstrap is busiest follows from the keys, which rank homes: see `seededKey`).
     */
    bootstrapRatios: number[];
  };
  /** With `breakdown`: per message and path kind, per ordinary peer per second over the window. */
  breakdown?: { label: string; datagramsPerSec: number; bytesPerSec: number }[];
  /** With `breakdown`: the same for the busiest node alone. */
  busiestBreakdown?: { label: string; datagramsPerSec: number; bytesPerSec: number }[];
  /** With `breakdown`, when the busiest node is a bootstrap: the same for the busiest ordinary peer. */
  busiestPeerBreakdown?: { label: string; datagramsPerSec: number; bytesPerSec: number }[];
  /**
   * The peers that never listed some chat, over all chats: by NAT type, and how many of them no
   * other peer online had in its view (nobody could pass announcements to them).
   */
  unlisted: { byNat: Record<string, number>; inNoView: number; joinedAfterChat: number };
  /**
   * Views holding each online ordinary peer at the end (its in-degree): median, p99, the most, and
   * the busiest ordinary peer's.
   */
  inDegree: { median: number; p99: number; max: number; busiestPeer: number };
  /**
   * Ordinary peers in each online ordinary peer's view at the end (its out-degree): p10, median,
   * and how many hold fewer than STOCKED_VIEW (those still sync and ask bootstraps).
   */
  viewSize: { p10: number; median: number; belowStocked: number };
  /** Ordinary peers online at the end, for 30 s at least, that know no other ordinary peer. */
  isolated: number;
  online: number;
  left: number;
  joinedDuringChurn: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The time by which `share` of `times` (Infinity = never) were reached. */
function reachedBy(times: number[], share: number): number {
  return quantile(
    [...times].sort((a, b) => a - b),
    share,
  );
}

/**
 * A uniform shuffle (Fisher–Yates) with the run's seeded random. Not `sort(() => random() - 0.5)`:
 * that favours some orders heavily (of 30 bootstraps, the most picked was in 2.3× the mean share
 * of peers' configurations, the least in 0.6×), which made one bootstrap the busiest by itself.
 */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Node `id`'s key, from the run's seed: keys rank each peer's home bootstrap (home-bootstrap.ts),
 * so keys made afresh made two runs of one seed load their bootstraps differently (±30 % on the
 * busiest), and a change could not be told from that noise.
 */
function seededKey(seed: number, id: number): KeyPair {
  return KeyPair.fromSeed(createHash('sha256').update(`nance-scale ${seed} ${id}`).digest());
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const realStart = Date.now();
  const seed = options.seed ?? 1;
  const random = mulberry32(seed ^ 0x5bd1e995);
  const clock = new SimClock(1_700_000_000_000, { perInstant: true });
  const t0 = clock.now();
  const net = new SimNetwork({
    clock,
    seed,
    latencyMs: options.latencyMs ?? 20,
    jitterMs: options.jitterMs ?? 20,
    lossRate: options.lossRate ?? 0.005,
  });
  const tokens = new AddressTokens(undefined, new Uint8Array(32).fill(7));
  const joinSpreadMs = options.joinSpreadMs ?? 60_000;
  const warmupMs = options.warmupMs ?? 120_000;
  const windowMs = options.windowMs ?? 120_000;
  const churn = options.churnPerMinute ?? 0.02;
  const bootstrapsPerPeer = Math.min(options.bootstrapsPerPeer ?? 2, options.bootstraps);
  const guard = options.guard === false ? GUARD_OFF : DEFAULT_CONFIG.guard;
  const sync: SyncSettings = { ...DEFAULT_CONFIG.sync, ...options.sync };

  const nodes: Node[] = [];
  const bootstrapEndpoints: Endpoint[] = [];
  let nextId = 0;
  let pendingChats = new Set<string>();
  /** Public hosts behind a NAT (a datagram to or from one goes through a hole). */
  const nattedHosts = new Set<string>();
  const natted = (host: string) => nattedHosts.has(host);
  /** What each public host is (for the breakdown by kind). */
  const kindOfHost = new Map<string, string>();
  const kindOf = (host: string) => kindOfHost.get(host) ?? 'unknown';

  const makeNode = (role: 'peer' | 'bootstrap'): Node => {
    const id = nextId++;
    // Public addresses from 198.18.0.0/15 (benchmarking range: public to the private-address rule).
    const publicHost = `198.${18 + (id >> 16)}.${(id >> 8) & 255}.${id & 255}`;
    let behaviour: NatBehaviour = 'open';
    let natType: NatType = 'Open Internet';
    if (role === 'peer') {
      let r = random();
      for (const m of NAT_MIX) {
        const share = m.behaviour === 'symmetric' ? (options.symmetricShare ?? m.share) : m.share;
        if (r < share) {
          behaviour = m.behaviour;
          natType = m.natType;
          break;
        }
        r -= share;
      }
    }
    const local = { host: behaviour === 'open' ? publicHost : '10.0.0.10', port: 7000 };
    const raw =
      behaviour === 'open'
        ? net.bind(local)
        : new SimNat(net, { publicHost, behaviour, seed: id + 11 }).bind(local);
    if (behaviour !== 'open') nattedHosts.add(publicHost);
    kindOfHost.set(publicHost, role === 'bootstrap' ? 'bootstrap' : behaviour);
    const counter = new CountingTransport(
      raw,
      options.breakdown
        ? new TrafficBreakdown(natted, options.breakdown === 'by-kind' ? kindOf : undefined)
        : undefined,
    );
    const bootstraps =
      role === 'peer' ? shuffled(bootstrapEndpoints, random).slice(0, bootstrapsPerPeer) : [];
    const config: Partial<PeerConfig> = {
      role,
      natType,
      guard,
      bootstrapPeers: bootstraps,
      sync,
      traversal: { ...DEFAULT_CONFIG.traversal, ...options.traversal },
      gossip: { ...DEFAULT_CONFIG.gossip, ...options.gossip },
      ...(behaviour === 'open' ? { publicEndpoint: local } : {}),
    };
    const store = new MemoryStore(() => clock.now(), role === 'bootstrap' ? 200_000 : undefined);
    const peer = new NancePeer(
      {
        transport: counter,
        clock,
        store,
        random,
        addressTokens: tokens,
        checkSignaturesInline: true,
        identity: seededKey(seed, id),
      },
      config,
    );
    const node: Node = {
      id,
      peer,
      counter,
      role,
      natType,
      publicHost,
      startedAt: clock.now(),
      joinedAt: undefined,
      leftAt: undefined,
      listed: new Map(),
    };
    peer.events.on('peersChanged', () => {
      if (node.joinedAt === undefined && peer.knownPeers().some((p) => p.role === 'peer'))
        node.joinedAt = clock.now();
    });
    peer.events.on('chatsChanged', () => {
      if (pendingChats.size === 0) return;
      for (const host of peer.remoteChats())
        for (const chat of host.chats)
          if (pendingChats.has(chat.uuid) && !node.listed.has(chat.uuid))
            node.listed.set(chat.uuid, clock.now());
    });
    peer.start();
    nodes.push(node);
    return node;
  };

  const progress = (what: string) => {
    if (options.progress)
      process.stderr.write(
        `[scale ${options.peers}] ${what} at ${((clock.now() - t0) / 1000).toFixed(0)} s virtual, ${((Date.now() - realStart) / 1000).toFixed(0)} s real\n`,
      );
  };

  for (let b = 0; b < options.bootstraps; b++) {
    const node = makeNode('bootstrap');
    bootstrapEndpoints.push(node.peer.localEndpoint());
  }

  // Joins: spread uniformly; the clock is advanced between them.
  const joinTimes = Array.from({ length: options.peers }, () => random() * joinSpreadMs).sort(
    (a, b) => a - b,
  );
  for (const at of joinTimes) {
    const due = t0 + Math.round(at);
    if (due > clock.now()) await clock.advance(due - clock.now());
    makeNode('peer');
  }
  progress('all joined');

  const ordinaryOnline = () => nodes.filter((n) => n.role === 'peer' && n.leftAt === undefined);
  let left = 0;
  let joinedDuringChurn = 0;
  /** Runs `ms` of virtual time in steps of a minute at most, with churn at each step. */
  const run = async (ms: number) => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      const step = Math.min(60_000, end - clock.now());
      await clock.advance(step);
      const online = ordinaryOnline();
      const leaving = Math.round(online.length * churn * (step / 60_000));
      for (let i = 0; i < leaving; i++) {
        const victim = online.splice(Math.floor(random() * online.length), 1)[0];
        if (!victim) break;
        victim.leftAt = clock.now();
        await victim.peer.close();
        left++;
      }
      for (let i = 0; i < leaving; i++) {
        makeNode('peer');
        joinedDuringChurn++;
      }
      progress(`churn step (${leaving} left, ${leaving} joined)`);
    }
  };

  await run(warmupMs);

  // Steady-state window: traffic counted from here; chats created a second apart.
  const windowStart = clock.now();
  const before = new Map(nodes.map((n) => [n.id, n.counter.snapshot()]));
  const labelsBefore = new Map<number, Map<string, LabelCount>>(
    nodes.flatMap((n) => (n.counter.breakdown ? [[n.id, n.counter.breakdown.snapshot()]] : [])),
  );
  const chatCount = options.chats ?? 5;
  const candidates = shuffled(ordinaryOnline(), random);
  const symmetric = candidates
    .filter((n) => n.natType === 'Symmetric')
    .slice(0, options.symmetricCreators ?? 0);
  const creators = [...symmetric, ...candidates.filter((n) => !symmetric.includes(n))].slice(0, chatCount);
  const created: { uuid: string; at: number; host: Node }[] = [];
  pendingChats = new Set();
  for (const creator of creators) {
    const chat = await creator.peer.createChat(`scale ${created.length}`, 'hello', `peer ${creator.id}`);
    created.push({ uuid: chat.uuid, at: clock.now(), host: creator });
    pendingChats.add(chat.uuid);
    creator.listed.set(chat.uuid, clock.now());
    await clock.advance(1000);
  }
  await run(windowMs - (clock.now() - windowStart));
  const windowEnd = clock.now();
  progress('window done');

  // Traffic over the window, for nodes online through all of it.
  const steadyNodes = nodes.filter((n) => n.startedAt <= windowStart && n.leftAt === undefined);
  const perSec = (n: Node) => {
    const b = before.get(n.id) ?? { datagrams: 0, bytes: 0 };
    const a = n.counter.snapshot();
    const s = (windowEnd - windowStart) / 1000;
    return { datagrams: (a.datagrams - b.datagrams) / s, bytes: (a.bytes - b.bytes) / s, node: n };
  };
  const loads = steadyNodes.map(perSec);
  const ordinary = loads.filter((l) => l.node.role === 'peer');
  const labelsOf = (n: Node) => ({
    before: labelsBefore.get(n.id) ?? new Map(),
    after: n.counter.breakdown?.snapshot() ?? new Map(),
  });
  const breakdown = options.breakdown
    ? perPeerPerSecond(
        ordinary.map((l) => labelsOf(l.node)),
        (windowEnd - windowStart) / 1000,
      )
    : undefined;
  const byDatagrams = ordinary.map((l) => l.datagrams).sort((a, b) => a - b);
  const byBytes = ordinary.map((l) => l.bytes).sort((a, b) => a - b);
  const median = quantile(byDatagrams, 0.5);
  const busiest = loads.reduce((m, l) => (l.datagrams > m.datagrams ? l : m));
  const breakdownOf = (n: Node) => perPeerPerSecond([labelsOf(n)], (windowEnd - windowStart) / 1000);
  const busiestBreakdown = options.breakdown ? breakdownOf(busiest.node) : undefined;
  const busiestPeer =
    ordinary.length > 0 ? ordinary.reduce((m, l) => (l.datagrams > m.datagrams ? l : m)) : undefined;
  const busiestPeerBreakdown =
    options.breakdown && busiestPeer && busiestPeer !== busiest ? breakdownOf(busiestPeer.node) : undefined;

  // Spread of each chat among the ordinary peers online from its creation to the end.
  const chatSpreadMs = created.map(({ uuid, at, host }) => {
    const audience = nodes.filter((n) => n.role === 'peer' && n.startedAt <= at && n.leftAt === undefined);
    const times = audience.map((n) => {
      const seen = n.listed.get(uuid);
      return seen === undefined ? Number.POSITIVE_INFINITY : Math.max(0, seen - at);
    });
    return {
      p50: reachedBy(times, 0.5),
      p90: reachedBy(times, 0.9),
      p99: reachedBy(times, 0.99),
      hostNat: host.natType,
      ...(host.leftAt === undefined ? {} : { hostLeftAfterMs: host.leftAt - at }),
    };
  });
  const viewedHosts = new Set(
    nodes.filter((n) => n.leftAt === undefined).flatMap((n) => n.peer.knownPeers().map((p) => p.host)),
  );
  // How many online ordinary peers keep each online ordinary peer in their view: a peer many views
  // share is synced, pushed to and registered with by all of them.
  const onlineAtEnd = ordinaryOnline();
  const ordinaryViewOf = (n: Node) => n.peer.knownPeers().filter((p) => p.role === 'peer');
  const holders = new Map<string, number>();
  for (const n of onlineAtEnd)
    for (const p of ordinaryViewOf(n)) holders.set(p.host, (holders.get(p.host) ?? 0) + 1);
  const inDegrees = onlineAtEnd.map((n) => holders.get(n.publicHost) ?? 0).sort((a, b) => a - b);
  const viewSizes = onlineAtEnd.map((n) => ordinaryViewOf(n).length).sort((a, b) => a - b);
  const unlisted = { byNat: {} as Record<string, number>, inNoView: 0, joinedAfterChat: 0 };
  for (const { uuid, at } of created)
    for (const n of nodes)
      if (n.role === 'peer' && n.leftAt === undefined && !n.listed.has(uuid)) {
        if (n.startedAt > at) {
          unlisted.joinedAfterChat++;
          continue;
        }
        unlisted.byNat[n.natType] = (unlisted.byNat[n.natType] ?? 0) + 1;
        if (!viewedHosts.has(n.publicHost)) unlisted.inNoView++;
      }
  const worst = (k: 'p50' | 'p90' | 'p99') => Math.max(...chatSpreadMs.map((c) => c[k]));

  const allOrdinary = nodes.filter((n) => n.role === 'peer');
  const joinDelays = allOrdinary
    .filter((n) => n.joinedAt !== undefined)
    .map((n) => (n.joinedAt as number) - n.startedAt)
    .sort((a, b) => a - b);
  const online = ordinaryOnline();
  const settled = online.filter((n) => clock.now() - n.startedAt >= 30_000);
  const isolated = settled.filter((n) => !n.peer.knownPeers().some((p) => p.role === 'peer')).length;

  const result: ScaleResult = {
    peers: options.peers,
    bootstraps: options.bootstraps,
    virtualMs: clock.now() - t0,
    realMs: 0,
    joinMs: {
      p50: quantile(joinDelays, 0.5),
      p90: quantile(joinDelays, 0.9),
      p99: quantile(joinDelays, 0.99),
      // Online at the end, started at least 30 s before it, and still knowing no ordinary peer.
      never: allOrdinary.filter(
        (n) => n.leftAt === undefined && n.joinedAt === undefined && clock.now() - n.startedAt >= 30_000,
      ).length,
    },
    chatSpreadMs,
    spreadWorst: { p50: worst('p50'), p90: worst('p90'), p99: worst('p99') },
    steady: {
      datagramsPerSecMedian: median,
      bytesPerSecMedian: quantile(byBytes, 0.5),
      bytesPerSecMean: byBytes.reduce((a, b) => a + b, 0) / Math.max(1, byBytes.length),
      bytesPerSecP99: quantile(byBytes, 0.99),
      busiestRatio: busiest.datagrams / median,
      busiestRole: busiest.node.role,
      busiestDatagramsPerSec: busiest.datagrams,
      busiestPeerRatio: (byDatagrams.at(-1) ?? 0) / median,
      bootstrapRatios: loads
        .filter((l) => l.node.role === 'bootstrap')
        .map((l) => l.datagrams / median)
        .sort((a, b) => b - a),
    },
    ...(breakdown ? { breakdown } : {}),
    ...(busiestBreakdown ? { busiestBreakdown } : {}),
    ...(busiestPeerBreakdown ? { busiestPeerBreakdown } : {}),
    unlisted,
    inDegree: {
      median: quantile(inDegrees, 0.5),
      p99: quantile(inDegrees, 0.99),
      max: inDegrees.at(-1) ?? 0,
      busiestPeer: busiestPeer ? (holders.get(busiestPeer.node.publicHost) ?? 0) : 0,
    },
    viewSize: {
      p10: quantile(viewSizes, 0.1),
      median: quantile(viewSizes, 0.5),
      belowStocked: viewSizes.filter((v) => v < STOCKED_VIEW).length,
    },
    isolated,
    online: online.length,
    left,
    joinedDuringChurn,
  };
  for (const n of nodes) if (n.leftAt === undefined) await n.peer.close();
  result.realMs = Date.now() - realStart;
  return result;
}
