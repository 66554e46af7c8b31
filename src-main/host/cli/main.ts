// `npx nance`: a headless peer (or bootstrap peer) with its store in --data-dir.
import fs from 'node:fs';
import path from 'node:path';
import type { NatType } from '../../../src-shared/protocol/index.js';
import { DEFAULT_CONFIG, NancePeer } from '../../core/peer.js';
import { systemClock } from '../../net/system-clock.js';
import { UdpTransport } from '../../net/udp-transport.js';
import { resolveHostPort } from '../../service/host-port.js';
import { NanceService } from '../../service/nance-service.js';
import { SqliteStore } from '../../store/sqlite-store.js';
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
let transport: UdpTransport | undefined;
let store: SqliteStore | undefined;
let peer: NancePeer | undefined;
let detachStdio = () => {};
let web: WebHost | undefined;
let stopping = false;

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), STOP_DEADLINE_MS);
  const log = fileLogger?.logger;
  try {
    log?.info({ signal }, 'stopping');
    detachStdio();
    await web?.close();
    if (peer) {
      await peer.close(); // closes the transport and the store too
    } else {
      await transport?.close();
      store?.close();
    }
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
    fs.mkdirSync(opts.dataDir, { recursive: true });
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
  if (stopping) return;
  transport = await UdpTransport.bind({ host: opts.host, port: opts.port }).catch((err: Error) =>
    fail(err.message),
  );
  if (stopping) return;
  try {
    store = SqliteStore.open({ path: path.join(opts.dataDir, 'nance.db'), now: Date.now });
  } catch (err) {
    await transport.close();
    fail(`cannot open the store in ${opts.dataDir}: ${(err as Error).message}`);
  }

  // NAT detection is skipped with --no-stun (and until STUN servers are configured): we assume
  // we are reachable at the bound address.
  const natType: NatType = 'Open Internet';
  const local = transport.localEndpoint();
  const savedMode = store.getSetting<'peer' | 'bootstrap'>('mode');
  peer = new NancePeer(
    { transport, clock: systemClock, store, logger },
    {
      role: opts.bootstrap ? 'bootstrap' : (savedMode ?? 'peer'),
      bootstrapPeers,
      natType,
      publicEndpoint: local.host === '0.0.0.0' ? { host: '127.0.0.1', port: local.port } : local,
      retentionMs: opts.retention * 1000,
      sync: { ...DEFAULT_CONFIG.sync, intervalMs: opts.syncInterval, fanOut: opts.fanOut },
    },
  );
  const service = new NanceService(peer, store);
  peer.start();
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
    dataDir: path.resolve(opts.dataDir),
    nextWipeAt: status.nextWipeAt,
    ...(web ? { web: web.url } : {}),
    pid: process.pid,
  });
}

void main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
