// Real peers for the end-to-end specs: a bootstrap and N peers, each a separate
// `node bin/nance.js` process on 127.0.0.1 with an OS-picked UDP port, a temp data dir and (for
// peers) the web host on a free port. A spec opens `peer.webUrl` in a browser; it may also drive a
// peer over --stdio (JSON lines, the same commands as the web host's socket) to set things up.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  ChatDto,
  CommandArgs,
  CommandName,
  CommandReply,
  CommandResults,
  EndpointDto,
} from '../../src-shared/api.js';
import { endpointKey } from '../../src-shared/endpoint.js';
import { CLI_ENTRY, type CliChild, type ReadyLine, ROOT, spawnCli } from '../../test/support/spawn-cli.mjs';

export { ROOT };
export const RENDERER_INDEX = path.join(ROOT, 'build', 'renderer', 'index.html');

/** The specs drive the compiled build (`npm run build`); say so plainly when it is missing. */
export function assertBuilt(): void {
  for (const file of [CLI_ENTRY, RENDERER_INDEX]) {
    if (!existsSync(file))
      throw new Error(`${path.relative(ROOT, file)} is missing: run npm run build first`);
  }
}

export interface PeerOptions {
  /** A label for messages and logs. */
  label: string;
  bootstrap?: boolean;
  /** "127.0.0.1:port" strings. */
  bootstrapPeers?: string[];
  /** Serve the window (`--web 0`); default true for peers, false for a bootstrap. */
  web?: boolean;
  /** The web host's port (default 0: any free one); a restart on the same port keeps old tabs' address. */
  webPort?: number;
  /** Default 300 ms, so chat lists spread within a second. */
  syncIntervalMs?: number;
  /** --retention in seconds (the "daily" wipe). */
  retentionS?: number;
  /** Pin the UDP port (0 = the OS picks). */
  port?: number;
  /** Reuse a data dir (a restart); default: a fresh temp dir. */
  dataDir?: string;
  readyTimeoutMs?: number;
}

export class PeerProcess {
  private constructor(
    readonly label: string,
    private readonly cli: CliChild,
    readonly dataDir: string,
  ) {}

  static async start(opts: PeerOptions, dataDir: string): Promise<PeerProcess> {
    const args = ['--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--data-dir', dataDir, '--stdio'];
    // --no-stun: no NAT detection, so nothing but 127.0.0.1 traffic and no wait for it at start.
    args.push('--no-stun', '--log-level', 'warn', '--sync-interval', String(opts.syncIntervalMs ?? 300));
    if (opts.bootstrap) args.push('--bootstrap');
    for (const b of opts.bootstrapPeers ?? []) args.push('--bootstrap-peer', b);
    if (opts.web ?? !opts.bootstrap) args.push('--web', String(opts.webPort ?? 0));
    if (opts.retentionS !== undefined) args.push('--retention', String(opts.retentionS));
    // Events ({event, payload}) are not needed by the specs: the windows show them.
    const cli = await spawnCli({ args, label: opts.label, readyTimeoutMs: opts.readyTimeoutMs ?? 15_000 });
    return new PeerProcess(opts.label, cli, dataDir);
  }

  get ready(): ReadyLine {
    return this.cli.ready;
  }

  get udp(): EndpointDto {
    return { host: this.ready.udp.host, port: this.ready.udp.port };
  }

  /** "127.0.0.1:port", as --bootstrap-peer and the onboarding form take it. */
  get hostPort(): string {
    return endpointKey(this.udp);
  }

  /** http://127.0.0.1:PORT/#token=… */
  get webUrl(): string {
    const url = this.ready.web;
    if (!url) throw new Error(`${this.label} has no web host`);
    return url;
  }

  get running(): boolean {
    return !this.cli.hasExited;
  }

  /** Sends a command over --stdio and resolves with its reply, ok or not. */
  call<K extends CommandName>(cmd: K, args: CommandArgs<K>, timeoutMs = 15_000): Promise<CommandReply<K>> {
    return this.cli.call(cmd, args, timeoutMs);
  }

  /** Like call, but returns the result and throws on a failed reply. */
  ok<K extends CommandName>(cmd: K, args: CommandArgs<K>): Promise<CommandResults[K]> {
    return this.cli.ok(cmd, args);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.cli.stop('SIGTERM', graceMs);
  }

  async kill(): Promise<void> {
    await this.cli.kill();
  }
}

/** A bootstrap and some peers; `add` starts more; `teardown` kills them all and removes their dirs. */
export class Cluster {
  readonly peers = new Map<string, PeerProcess>();
  private readonly dirs = new Set<string>();

  private constructor(readonly bootstrap: PeerProcess) {}

  /** Starts a bootstrap, then the named peers (in parallel), all pointed at it. */
  static async start(labels: string[], opts: Partial<PeerOptions> = {}): Promise<Cluster> {
    assertBuilt();
    const dir = await tempDir();
    const bootstrap = await PeerProcess.start({ label: 'bootstrap', bootstrap: true }, dir);
    const cluster = new Cluster(bootstrap);
    cluster.dirs.add(dir);
    try {
      await Promise.all(labels.map((label) => cluster.add(label, opts)));
    } catch (err) {
      await cluster.teardown();
      throw err;
    }
    return cluster;
  }

  async add(label: string, opts: Partial<PeerOptions> = {}): Promise<PeerProcess> {
    const dataDir = opts.dataDir ?? (await tempDir());
    this.dirs.add(dataDir);
    const peer = await PeerProcess.start(
      { ...opts, label, bootstrapPeers: opts.bootstrapPeers ?? [this.bootstrap.hostPort] },
      dataDir,
    );
    this.peers.set(label, peer);
    return peer;
  }

  get(label: string): PeerProcess {
    const peer = this.peers.get(label);
    if (!peer) throw new Error(`no peer ${label}`);
    return peer;
  }

  async teardown(): Promise<void> {
    await Promise.all([this.bootstrap, ...this.peers.values()].map((p) => p.kill()));
    await Promise.all([...this.dirs].map((d) => rm(d, { recursive: true, force: true })));
    this.dirs.clear();
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'nance-e2e-'));
}

/**
 * Fills a chat this peer hosts until only a little room is left: posts of 40,000 characters until
 * the host answers "full", then a quarter of that, and so on while at least `leaveUnder`
 * characters. Afterwards a post of twice `leaveUnder` characters surely no longer fits (the chat's
 * cap is 819,200 bytes of JSON). Returns the number of posts stored.
 */
export async function fillChat(host: PeerProcess, chatUuid: string, leaveUnder = 600): Promise<number> {
  let stored = 0;
  for (let size = 40_000; size >= leaveUnder; size = Math.floor(size / 4)) {
    for (;;) {
      const reply = await host.call('postMessage', {
        host: null,
        chatUuid,
        name: 'Filler',
        content: filler(size),
      });
      if (reply.ok) {
        stored++;
        continue;
      }
      if (reply.error.kind === 'full') break;
      throw new Error(`filling the chat failed: ${JSON.stringify(reply.error)}`);
    }
  }
  return stored;
}

/** Polls this peer's chat list (a sync round each time) until some other host offers a chat named `name`. */
export async function waitForRemoteChat(
  peer: PeerProcess,
  name: string,
  timeoutMs = 15_000,
): Promise<{ host: EndpointDto; chat: ChatDto }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await peer.ok('refreshChats', {});
    for (const entry of list.hosts) {
      const chat = entry.chats.find((c) => c.name === name);
      if (chat) return { host: entry.host, chat };
    }
    if (Date.now() > deadline) throw new Error(`${peer.label} did not learn of a chat named ${name}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Readable text of exactly `length` characters (wraps in the window, unlike one long word). */
export function filler(length: number): string {
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';
  return words.repeat(Math.ceil(length / words.length)).slice(0, length);
}
