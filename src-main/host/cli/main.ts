// `npx nance`: a headless peer (or bootstrap peer) with its store in --data-dir.
import path from 'node:path';
import { natEvent } from '../../nat/nat-setup.js';
import { resolveHostPort, resolveStunServer } from '../../service/host-port.js';
import { type ComposedPeer, composePeer } from '../compose.js';
import { preparePrivateDir } from '../private-dir.js';
import { startWebHost, type WebHost } from '../web/web-host.js';
import { createFileLogger, type FileLogger } from './logger.js';
import { parseOptions } from './options.js';
import { attachStdioControl } from './stdio-control.js';

/** A shutdown that takes longer than this (a hung close) is cut short: a signal must end us promptly. */
const STOP_DEADLINE_MS = 3000;

// Whoever reads our stdout may go away; a write to a closed pipe must not crash the peer.
process.stdout.on('error', () => {});

const printLine = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);

function fail(message: string): never {
  process.stderr.write(`nance: ${message}\n`);
  process.exit(1);
}

// What is open so far, closed in reverse order on a signal (which may come in the middle of startup).
let fileLogger: FileLogger | undefined;
/** Aborted by a signal: a startup in progress closes what it opened and stops. */
const startup = new AbortController();
let composing: Promise<ComposedPeer> | undefined;
let detachStdio = () => {};
let web: WebHost | undefined;
let stopping = false;

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), STOP_DEADLINE_MS);
  startup.abort();
  const log = fileLogger?.logger;
  try {
    log?.info({ signal }, 'stopping');
    detachStdio();
    await web?.close();
    // A peer still starting closes itself (it sees the abort); one that is up is closed here.
    const composed = await composing?.catch(() => undefined);
    await composed?.close(); // closes the transport and the store too
    log?.info({}, 'stopped');
  } catch (err) {
    log?.error({ err: String(err) }, 'error while stopping');
  }
  await fileLogger?.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    preparePrivateDir(opts.dataDir);
  } catch (err) {
    fail(`cannot use data dir ${opts.dataDir}: ${(err as Error).message}`);
  }
  fileLogger = await createFileLogger(opts.dataDir, opts.logLevel).catch((err: Error) =>
    fail(`cannot open the log file in ${path.join(opts.dataDir, 'logs')}: ${err.message}`),
  );
  const logger = fileLogger.logger;
  const bootstrapPeers = await Promise.all(opts.bootstrapPeer.map(resolveHostPort)).catch((err: Error) =>
    fail(`cannot resolve bootstrap peer: ${err.message}`),
  );
  const stunServers = await Promise.all(opts.stunServers.map(resolveStunServer)).catch((err: Error) =>
    fail(`cannot resolve STUN server: ${err.message}`),
  );
  if (stopping) return;
  composing = composePeer({
    dataDir: opts.dataDir,
    host: opts.host,
    ...(opts.host6 ? { host6: opts.host6 } : {}),
    port: opts.port,
    bootstrap: opts.bootstrap,
    bootstrapPeers,
    retentionSeconds: opts.retention,
    syncIntervalMs: opts.syncInterval,
    fanOut: opts.fanOut,
    keepaliveMs: opts.keepalive * 1000,
    relay: opts.relay,
    stun: opts.stun,
    portMapping: opts.portMapping,
    lanDiscovery: opts.lanDiscovery,
    abuseLimits: opts.abuseLimits,
    // Without --stun, the stunServers setting (if any) is used.
    ...(stunServers.length > 0 ? { stunServers } : {}),
    ...(opts.stunAltAddress ? { stunAltAddress: opts.stunAltAddress } : {}),
    logger,
    signal: startup.signal,
  });
  const composed = await composing.catch((err: Error) => {
    // A signal came in the middle: stop() finishes the shutdown and exits.
    if (stopping) return undefined;
    return fail(err.message);
  });
  if (!composed || stopping) return;
  const { service } = composed;
  if (opts.stdio) detachStdio = attachStdioControl(service, printLine);
  if (opts.web !== undefined) {
    web = await startWebHost({ service, port: opts.web, logger }).catch((err: Error) => fail(err.message));
  }

  const status = service.status();
  logger.info({ udp: status.udp, mode: status.mode, dataDir: path.resolve(opts.dataDir) }, 'ready');
  printLine({
    event: 'ready',
    udp: status.udp,
    mode: status.mode,
    natType: status.natType,
    publicAddress: status.publicAddress,
    ipv6: status.ipv6,
    ...(composed.portMapping
      ? {
          path: 'mapped',
          portMapping: {
            method: composed.portMapping.method,
            external: composed.portMapping.external,
            internal: composed.portMapping.internal,
            leaseSeconds: composed.portMapping.leaseSeconds,
          },
        }
      : {}),
    dataDir: path.resolve(opts.dataDir),
    nextWipeAt: status.nextWipeAt,
    ...(web ? { web: web.url } : {}),
    pid: process.pid,
  });
  // Detection ran before the ready line (its result is in it); the details follow it, so the ready
  // line stays the first line a controlling process reads.
  if (composed.nat) printLine(natEvent(composed.nat));
  if (composed.nat6) printLine(natEvent(composed.nat6));
}

void main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
