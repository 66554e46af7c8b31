// Command-line flags of the headless peer, parsed and checked before anything starts.
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SYNC } from '../../core/sync.js';
import { hostPortOrThrow, stunServerOrThrow } from '../../service/host-port.js';

export interface CliOptions {
  port: number;
  host: string;
  /** --host6: IPv6 address of the second (udp6) socket; default: every interface when --host is. */
  host6: string | undefined;
  bootstrap: boolean;
  bootstrapPeer: string[];
  dataDir: string;
  retention: number;
  /** False with --no-stun: skip NAT detection. */
  stun: boolean;
  /** --stun HOST:PORT or [IPv6]:PORT (repeatable): STUN servers for NAT detection, per family (docs/nat.md). */
  stunServers: string[];
  /** --stun-alt-address IP: this host's second address; the STUN service then offers RFC 5780. */
  stunAltAddress: string | undefined;
  /**
   * False with --no-port-mapping, and with --no-stun (which implies it): do not ask the default
   * gateway to forward our port (NAT-PMP / UPnP IGD, docs/nat.md). Otherwise 'saved': the
   * window's setting decides (on unless it was turned off).
   */
  portMapping: false | 'saved';
  /**
   * LAN discovery (--lan-discovery / --no-lan-discovery): default on, off with --bootstrap (a
   * bootstrap serves the internet; its link is a data centre's, full of strangers' machines).
   */
  lanDiscovery: boolean;
  /** False with --no-abuse-limits: no rate limits, no anti-amplification (trusted benchmarks only). */
  abuseLimits: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  syncInterval: number;
  fanOut: number;
  /** Seconds between keepalives on punched and relayed paths (0: none). */
  keepalive: number;
  /** --relay: relay for others even as an ordinary peer; --no-relay: never; default: as a bootstrap. */
  relay: 'auto' | 'always' | 'never';
  stdio: boolean;
  /** Port of the web host, or undefined when --web is not given. */
  web: number | undefined;
}

function integer(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

function ipv4(value: string): string {
  if (!isIPv4(value)) throw new InvalidArgumentError(`"${value}" is not an IPv4 address`);
  return value;
}

function ipv6(value: string): string {
  if (!isIPv6(value)) throw new InvalidArgumentError(`"${value}" is not an IPv6 address`);
  return value;
}

function stunServer(value: string, previous: string[] | boolean | undefined): string[] {
  try {
    stunServerOrThrow(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...(Array.isArray(previous) ? previous : []), value];
}

function hostPort(value: string, previous: string[] | boolean | undefined): string[] {
  try {
    hostPortOrThrow(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...(Array.isArray(previous) ? previous : []), value];
}

/** The original served its web UI on 8080. */
export const DEFAULT_WEB_PORT = 8080;

export function defaultDataDir(): string {
  return path.join(os.homedir(), '.nance');
}

export function buildCommand(): Command {
  return new Command('nance')
    .description('Nance: serverless peer-to-peer chat over UDP. Runs a headless peer.')
    .option('-p, --port <port>', 'UDP port (0 = any free port)', integer(0, 65_535, 'port'), 0)
    .option('--host <address>', 'address to bind', '0.0.0.0')
    .option(
      '--host6 <address>',
      'IPv6 address for the udp6 socket (default: every interface when --host is)',
      ipv6,
    )
    .option('--bootstrap', 'run as a bootstrap peer (peer discovery only, no chats)', false)
    .option('--bootstrap-peer <host:port>', 'a bootstrap peer to join through (repeatable)', hostPort, [])
    .option('--data-dir <dir>', 'where the store and logs live', defaultDataDir())
    .option(
      '--retention <seconds>',
      'delete all chats every this many seconds',
      integer(1, 365 * 86_400, 'retention'),
      86_400,
    )
    .option(
      '--stun <host:port>',
      'a STUN server for NAT detection (repeatable; [IPv6]:port measures IPv6; bootstrap peers are asked too)',
      stunServer,
    )
    .option('--no-stun', 'skip NAT detection (and port mapping): assume reachable at the bound address')
    .option('--no-abuse-limits', 'turn off rate limits and the anti-amplification rule (benchmarks only)')
    .option('--no-port-mapping', 'do not ask the default gateway to forward our port (NAT-PMP / UPnP)')
    .option(
      '--stun-alt-address <ip>',
      "this host's second IPv4 address: serve RFC 5780 STUN (needs --host; uses port+1 too)",
      ipv4,
    )
    .addOption(
      new Option('--log-level <level>', 'log detail')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .option(
      '--sync-interval <ms>',
      'time between sync rounds',
      integer(100, 3_600_000, 'sync interval'),
      DEFAULT_SYNC.intervalMs,
    )
    .option('--fan-out <n>', 'known peers synced per round', integer(1, 1000, 'fan-out'), DEFAULT_SYNC.fanOut)
    .option(
      '--keepalive <seconds>',
      'keepalive interval on punched and relayed paths, so NAT bindings stay open (0 = off)',
      integer(0, 3600, 'keepalive'),
      20,
    )
    .option(
      '--lan-discovery',
      'find peers on the local network with no bootstrap (default, except --bootstrap)',
    )
    .option('--no-lan-discovery', 'do not announce on the local network nor listen to announcements')
    .option('--relay', 'relay for peers that cannot reach each other, also as an ordinary peer')
    .option('--no-relay', 'never relay for others (by default a bootstrap peer does, within a budget)')
    .option(
      '--web [port]',
      `also serve the window to a browser on 127.0.0.1 (default port ${DEFAULT_WEB_PORT})`,
      (v: string) => integer(0, 65_535, 'web port')(v),
    )
    .option('--stdio', 'accept commands as JSON lines on stdin (see docs/architecture.md)', false)
    .showHelpAfterError(false);
}

/** Parses argv; on a bad flag prints one line and exits non-zero. */
export function parseOptions(argv: string[]): CliOptions {
  const command = buildCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  try {
    command.parse(argv, { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; message: string; exitCode?: number };
    // Commander has already written the help (or version) to stdout.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') process.exit(0);
    process.stderr.write(`nance: ${e.message.replace(/^error: /, '')}\n`);
    process.exit(2);
  }
  // A bare --web means the original's port.
  const opts = command.opts<
    Omit<CliOptions, 'web' | 'stun' | 'stunServers' | 'relay' | 'lanDiscovery'> & {
      lanDiscovery?: boolean;
      web?: number | true;
      stun?: string[] | false;
      relay?: boolean;
    }
  >();
  // --stun and --no-stun share one attribute: a list of servers, or false.
  const { stun, relay, lanDiscovery, ...rest } = opts;
  return {
    ...rest,
    lanDiscovery: lanDiscovery ?? !opts.bootstrap,
    relay: relay === undefined ? 'auto' : relay ? 'always' : 'never',
    stun: stun !== false,
    // --no-stun means "do not touch the network to find out where we stand": no mapping either.
    // Otherwise the window's setting decides (default on), so the web host's checkbox means something.
    portMapping: opts.portMapping !== false && stun !== false ? 'saved' : false,
    stunServers: Array.isArray(stun) ? stun : [],
    stunAltAddress: opts.stunAltAddress,
    web: opts.web === true ? DEFAULT_WEB_PORT : opts.web,
  };
}
