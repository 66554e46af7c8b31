// How every host builds a peer: bind UDP, open the store in the data dir, create the peer (its
// role from the flags or the saved mode) and the service over it, start it. The CLI and the
// desktop app both call this, so they run the same peer.

import { isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { endpointKey } from '../../src-shared/endpoint.js';
import { isReachableIPv6 } from '../core/addresses.js';
import { GUARD_OFF } from '../core/guard/index.js';
import type { KeyPair } from '../core/identity/keys.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_CONFIG, NancePeer } from '../core/peer.js';
import type { Endpoint, StorageHealth } from '../core/ports.js';
import type { NatDiscoveryResult } from '../nat/nat-discovery.js';
import { NatSetup, natPeerConfig } from '../nat/nat-setup.js';
import { PortMapping, type PortMappingResult } from '../nat/port-mapping.js';
import { systemClock } from '../net/system-clock.js';
import { UdpTransport } from '../net/udp-transport.js';
import { resolveHostPort } from '../service/host-port.js';
import {
  NanceService,
  savedLanDiscovery,
  savedPortMapping,
  savedTraversal,
} from '../service/nance-service.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { loadOrCreateIdentity, type SecretBox, saveIdentity } from './identity-file.js';
import { type LanAndRoaming, startLanAndRoaming } from './lan-and-roaming.js';

export interface ComposeOptions {
  /** Where the store lives (`nance.db`); the folder must exist. */
  dataDir: string;
  /** IPv4 address to bind. */
  host: string;
  /** IPv6 address of the udp6 socket (same port); default: every interface when `host` is. */
  host6?: string;
  /** UDP port; 0 picks a free one. */
  port: number;
  /** Run as a bootstrap peer; when false, the mode saved by the last `setMode` (default peer). */
  bootstrap: boolean;
  bootstrapPeers: Endpoint[];
  retentionSeconds: number;
  syncIntervalMs?: number;
  fanOut?: number;
  /**
   * Keepalive interval on punched and relayed paths (0: none). Default: the `keepaliveSeconds`
   * saved by `updateSettings` (the desktop app has no flags), else 20 s.
   */
  keepaliveMs?: number;
  /**
   * Whether we relay for others. Default: the `relayForOthers` saved by `updateSettings`, else
   * 'auto' (as a bootstrap peer).
   */
  relay?: 'auto' | 'always' | 'never';
  logger: Logger;
  /**
   * With no `bootstrapPeers`, join through the ones saved by `updateSettings` (the desktop app has
   * no flags; the window's settings are its configuration). One that does not resolve is logged and
   * skipped. Default false: the CLI joins through its flags only.
   */
  savedBootstrapPeers?: boolean;
  /**
   * NAT detection at start (docs/nat.md): false skips it (we assume we are reachable where bound:
   * "Open Internet"). Default true; it runs when there is any server to ask: `stunServers` (else the
   * `stunServers` setting) and the bootstrap peers, whose STUN service shares their Nance port.
   */
  stun?: boolean;
  stunServers?: Endpoint[];
  /** This host's second IPv4 address: the peer's STUN service then offers RFC 5780. */
  stunAltAddress?: string;
  /**
   * Ask the default gateway to forward our UDP port (NAT-PMP, then UPnP IGD; docs/nat.md, "Port
   * mapping"), renew it while running, delete it on close. Default false: only hosts that mean to
   * touch the real router turn it on (the CLI unless --no-port-mapping or --no-stun). 'saved': the
   * `portMapping` saved by `updateSettings`, true when never saved (the desktop app has no flags).
   */
  portMapping?: boolean | 'saved';
  /**
   * LAN discovery (docs/nat.md, "LAN and roaming"): announce on the link and list its peers' chats,
   * with no bootstrap. Never in bootstrap mode. Default false (a host opts in: the CLI unless
   * --no-lan-discovery); 'saved': the `lanDiscovery` saved by `updateSettings`, true when never saved.
   */
  lanDiscovery?: boolean | 'saved';
  /** The discovery port (default 34490; tests use their own). */
  lanDiscoveryPort?: number;
  /** Notice network changes (roaming) and re-detect, re-join, re-announce. Default true. */
  roaming?: boolean;
  /** False turns the abuse limits off (rate limits, anti-amplification): for trusted benchmarks. */
  abuseLimits?: boolean;
  /**
   * Aborted while composing (a signal during startup): what is open so far is closed and the
   * promise rejects with a `ComposeAbortedError`.
   */
  signal?: AbortSignal;
  /** Seals the identity key in the OS keychain (the desktop app's safeStorage); absent: stored plain, 0600. */
  secretBox?: SecretBox;
}

export interface ComposedPeer {
  peer: NancePeer;
  service: NanceService;
  store: SqliteStore;
  transport: UdpTransport;
  /** What NAT detection found; undefined when it was skipped. */
  nat: NatDiscoveryResult | undefined;
  /** The same over the udp6 socket; undefined without one, or without an IPv6 STUN server. */
  nat6: NatDiscoveryResult | undefined;
  /** The gateway's mapping of our port (path "mapped"); undefined when none was made. */
  portMapping: PortMappingResult | undefined;
  /** Stops the peer and closes the transport and the store. Idempotent. */
  close(): Promise<void>;
}

export class ComposeAbortedError extends Error {
  constructor() {
    super('stopped while starting');
    this.name = 'ComposeAbortedError';
  }
}

/**
 * Builds and starts a peer. Rejects with the transport's own message when the port cannot be bound
 * and with `cannot open the store in DIR: …` when the store cannot be opened (nothing stays open).
 */
export async function composePeer(options: ComposeOptions): Promise<ComposedPeer> {
  const { dataDir, logger, signal } = options;
  const transport = await UdpTransport.bind({
    host: options.host,
    port: options.port,
    ...(options.host6 ? { host6: options.host6 } : {}),
  });
  if (signal?.aborted) {
    await transport.close();
    throw new ComposeAbortedError();
  }
  let store: SqliteStore;
  try {
    store = SqliteStore.open({ path: path.join(dataDir, 'nance.db'), now: Date.now });
  } catch (err) {
    await transport.close();
    throw new Error(`cannot open the store in ${dataDir}: ${(err as Error).message}`, { cause: err });
  }

  logStorageHealth(store, logger);

  // STUN and Nance share the socket: the peer gets the Nance channel (closing it closes all).
  let nat: NatSetup;
  try {
    nat = await NatSetup.start(transport, {
      logger,
      ...(options.stunAltAddress ? { altAddress: options.stunAltAddress } : {}),
    });
  } catch (err) {
    await transport.close();
    store.close();
    throw err;
  }
  let identity: KeyPair;
  try {
    identity = loadOrCreateIdentity(dataDir, options.secretBox);
  } catch (err) {
    await transport.close();
    store.close();
    throw new Error(`cannot read this install's identity: ${(err as Error).message}`, { cause: err });
  }
  const local = transport.localEndpoint();
  const savedMode = store.getSetting<'peer' | 'bootstrap'>('mode');
  // Explicit options (the CLI's flags) win over the window's saved settings.
  const saved = savedTraversal(store);
  const keepaliveMs = options.keepaliveMs ?? saved.keepaliveMs;
  const relay = options.relay ?? saved.relay;
  const peer = new NancePeer(
    { transport: nat.peerTransport, clock: systemClock, store, logger, identity },
    {
      role: options.bootstrap ? 'bootstrap' : (savedMode ?? 'peer'),
      bootstrapPeers: options.bootstrapPeers,
      ...natPeerConfig(undefined, local),
      retentionMs: options.retentionSeconds * 1000,
      ...(options.abuseLimits === false ? { guard: GUARD_OFF } : {}),
      traversal: {
        ...DEFAULT_CONFIG.traversal,
        ...(keepaliveMs === undefined ? {} : { keepaliveMs }),
        relay: { ...DEFAULT_CONFIG.traversal.relay, ...(relay ? { offer: relay } : {}) },
      },
      sync: {
        ...DEFAULT_CONFIG.sync,
        ...(options.syncIntervalMs === undefined ? {} : { intervalMs: options.syncIntervalMs }),
        ...(options.fanOut === undefined ? {} : { fanOut: options.fanOut }),
      },
    },
  );
  const local6 = transport.localEndpoint6();
  const service = new NanceService(peer, store, {
    saveIdentity: (keys) => saveIdentity(dataDir, keys, options.secretBox),
  });
  // Map before detection: the gateway then also rewrites our outgoing source port to the mapped one,
  // so STUN sees the mapped endpoint.
  const portMapping =
    options.portMapping === 'saved' ? savedPortMapping(store) : options.portMapping === true;
  const mapping =
    portMapping && !signal?.aborted
      ? await PortMapping.start({ internalPort: local.port, logger, ...(signal ? { signal } : {}) })
      : undefined;
  service.reportPortMapping(mapping?.result);
  let reach: LanAndRoaming | undefined;
  const close = async () => {
    await reach?.close();
    await mapping?.close();
    await peer.close(); // closes the transport and the store too
  };

  if (options.savedBootstrapPeers && options.bootstrapPeers.length === 0) {
    peer.reconfigure({ bootstrapPeers: await resolveSaved(service.settings().bootstrapPeers, logger) });
  }
  // Before the peer starts: its first packets must not reach the STUN server's other address before
  // the filtering tests ran, and registration announces the detected type.
  let natResult: NatDiscoveryResult | undefined;
  const stunServers =
    options.stunServers ?? (await resolveSaved(store.getSetting<string[]>('stunServers') ?? [], logger));
  // Per family: each socket has its own mapping (IPv6 servers are named "[v6]:port").
  const servers = [...stunServers, ...peer.config.bootstrapPeers].filter((s) => !isIPv6(s.host));
  const servers6 = local6 ? stunServers.filter((s) => isIPv6(s.host)) : [];
  let natResult6: NatDiscoveryResult | undefined;
  if (options.stun !== false && !signal?.aborted) {
    [natResult, natResult6] = await Promise.all([
      servers.length > 0 ? nat.detect(servers) : undefined,
      servers6.length > 0
        ? nat.detect(servers6, { family: 'ipv6', ...ipv6LocalAddresses(local6) })
        : undefined,
    ]);
    if (natResult) peer.reconfigure(natPeerConfig(natResult, local));
  }
  service.reportIPv6Nat(natResult6);
  if (local6) {
    // `a6`: where an IPv6 server saw us first (it crossed any firewall and NPT), then our interfaces.
    const seen = natResult6?.publicEndpoint;
    const ours = [...(seen && isReachableIPv6(seen.host) ? [seen] : []), ...ownIPv6Endpoints(local6)];
    peer.reconfigure({ ipv6Endpoints: dedupeEndpoints(ours) });
  }
  if (mapping) {
    // Anyone may send to a mapped port: reachable like behind a full cone, at the mapped endpoint.
    peer.reconfigure({
      publicEndpoint: { ...mapping.result.external },
      mapped: true,
      ...(peer.config.natType !== 'Open Internet' ? { natType: 'Full Cone' as const } : {}),
    });
  }
  if (signal?.aborted) {
    await close();
    throw new ComposeAbortedError();
  }
  peer.start();
  const lanDiscovery =
    peer.role === 'peer' &&
    (options.lanDiscovery === 'saved' ? savedLanDiscovery(store) : options.lanDiscovery === true);
  if (lanDiscovery || options.roaming !== false) {
    reach = await startLanAndRoaming({
      peer,
      nat,
      logger,
      lanDiscovery,
      // Not detected again with --no-stun, nor behind a mapped port (the mapping says where we are).
      // IPv4 only: a v6 server's mapping beside the v4 ones would read as a symmetric NAT.
      stunServers: () =>
        options.stun === false || peer.config.mapped
          ? []
          : [...stunServers, ...peer.config.bootstrapPeers].filter((s) => !isIPv6(s.host)),
      ...(options.lanDiscoveryPort === undefined ? {} : { discoveryPort: options.lanDiscoveryPort }),
    });
  }
  return {
    peer,
    service,
    store,
    transport,
    nat: natResult,
    nat6: natResult6,
    portMapping: mapping?.result,
    close,
  };
}

/** Says in the log when the store stops (or starts again) taking writes; the window shows it too. */
function logStorageHealth(store: SqliteStore, logger: Logger): void {
  const report = (health: StorageHealth) => {
    if (health.ok) logger.info({}, 'storage: writes succeed again');
    else logger.error({ problem: health.problem }, 'storage: cannot write; chats stay readable');
  };
  if (!store.health().ok) report(store.health());
  store.onHealthChange(report);
}

async function resolveSaved(saved: string[], logger: Logger): Promise<Endpoint[]> {
  const resolved = await Promise.all(
    saved.map((hostPort) =>
      resolveHostPort(hostPort).catch((err: unknown) => {
        logger.warn(
          { bootstrap: hostPort, err: String(err) },
          'saved bootstrap peer does not resolve; skipped',
        );
        return undefined;
      }),
    ),
  );
  return resolved.filter((e): e is Endpoint => e !== undefined);
}

/** The udp6 socket's addresses: its own, or every interface's when bound to `::`. */
function ipv6Hosts(local6: Endpoint): string[] {
  const hosts =
    local6.host === '::'
      ? Object.values(os.networkInterfaces()).flatMap((list) =>
          (list ?? []).filter((i) => i.family === 'IPv6' && !i.internal).map((i) => i.address),
        )
      : [local6.host];
  return [...new Set(hosts)];
}

/** The udp6 socket's reachable endpoints (global or ULA addresses). */
function ownIPv6Endpoints(local6: Endpoint): Endpoint[] {
  return ipv6Hosts(local6)
    .filter(isReachableIPv6)
    .map((host) => ({ host, port: local6.port }));
}

/** IPv6 discovery compares the mapped address with these: ours, so "seen as-is" means no NAT. */
function ipv6LocalAddresses(local6: Endpoint | undefined): { localAddresses?: string[] } {
  return local6 && local6.host !== '::' ? { localAddresses: [local6.host] } : {};
}

function dedupeEndpoints(list: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return list.filter((e) => !seen.has(endpointKey(e)) && Boolean(seen.add(endpointKey(e))));
}
