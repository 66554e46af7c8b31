// Drives real `node bin/nance.js` processes for the CLI tests: start one on a temp data dir, wait
// for its ready line, talk to it over the --stdio JSON-line channel, collect its events, stop it.
// Every process binds 127.0.0.1 with an OS-picked port (unless a test pins one, e.g. a restart).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  CommandArgs,
  CommandError,
  CommandName,
  CommandReply,
  CommandResults,
  EndpointDto,
  EventName,
  EventPayloads,
} from '../../src-shared/api.js';
import { endpointKey } from '../../src-shared/endpoint.js';
import {
  BIN,
  CLI_ENTRY,
  type CliChild,
  describeExit,
  type Exit,
  isBuilt,
  type ReadyLine,
  ROOT,
  spawnCli,
} from '../support/spawn-cli.mjs';

export { BIN, type Exit, isBuilt, type ReadyLine, ROOT };

/** The CLI tests run the compiled build; without it they are skipped, saying why. */
export const suiteName = (name: string) =>
  isBuilt ? name : `${name} [skipped: ${path.relative(ROOT, CLI_ENTRY)} missing; run npm run build]`;

export interface ReceivedEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
  at: number;
}

/** A reply that answers no call of ours: to a raw line without a usable id, or with a foreign id. */
export interface UnmatchedReply {
  id: number | string | null;
  ok: boolean;
  error?: CommandError;
}

export interface StartOptions {
  /** Defaults to a fresh temp dir (removed by cleanupAll). */
  dataDir?: string;
  /** Defaults to 0: the OS picks. */
  port?: number;
  /** Run as a bootstrap peer. */
  bootstrap?: boolean;
  /** host:port strings. */
  bootstrapPeers?: string[];
  syncIntervalMs?: number;
  retentionS?: number;
  /** --stdio; default true. */
  stdio?: boolean;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

const liveProcesses = new Set<NanceProcess>();
const tempDirs = new Set<string>();

export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nance-cli-test-'));
  tempDirs.add(dir);
  return dir;
}

/** Kills whatever a test left running and removes the temp dirs. For afterAll. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...liveProcesses].map((p) => p.kill('SIGKILL')));
  await Promise.all([...tempDirs].map((d) => rm(d, { recursive: true, force: true })));
  tempDirs.clear();
}

export function argsFor(opts: StartOptions, dataDir: string): string[] {
  // Never ask this machine's real router for a port mapping (docs/nat.md, "Port mapping").
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port ?? 0),
    '--data-dir',
    dataDir,
    '--no-port-mapping',
  ];
  if (opts.stdio ?? true) args.push('--stdio');
  if (opts.bootstrap) args.push('--bootstrap');
  for (const b of opts.bootstrapPeers ?? []) args.push('--bootstrap-peer', b);
  if (opts.syncIntervalMs !== undefined) args.push('--sync-interval', String(opts.syncIntervalMs));
  if (opts.retentionS !== undefined) args.push('--retention', String(opts.retentionS));
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export class NanceProcess {
  readonly events: ReceivedEvent[] = [];
  readonly unmatchedReplies: UnmatchedReply[] = [];
  /** Stdout lines that were neither the ready line, replies nor events (should stay empty). */
  readonly strayLines: string[] = [];
  private readonly eventWaiters = new Set<() => void>();
  private cli: CliChild | undefined;

  private constructor(readonly dataDir: string) {}

  /** Spawns `node bin/nance.js` and resolves once it prints its ready line. */
  static async start(opts: StartOptions = {}): Promise<NanceProcess> {
    const dataDir = opts.dataDir ?? (await tempDataDir());
    const proc = new NanceProcess(dataDir);
    // A start that fails has already killed its child (or seen it exit).
    proc.cli = await spawnCli({
      args: argsFor(opts, dataDir),
      readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
      onLine: (line, msg) => proc.onLine(line, msg),
    });
    liveProcesses.add(proc);
    void proc.cli.exited.then(() => {
      liveProcesses.delete(proc);
      for (const wake of proc.eventWaiters) wake();
    });
    return proc;
  }

  private get running(): CliChild {
    if (!this.cli) throw new Error('not started');
    return this.cli;
  }

  get child(): ChildProcess {
    return this.running.child;
  }

  get args(): string[] {
    return this.running.args;
  }

  get stderr(): string {
    return this.running.stderr;
  }

  get exited(): Promise<Exit> {
    return this.running.exited;
  }

  get ready(): ReadyLine {
    return this.running.ready;
  }

  get address(): EndpointDto {
    return { host: this.ready.udp.host, port: this.ready.udp.port };
  }

  /** "127.0.0.1:port", as --bootstrap-peer takes it. */
  get hostPort(): string {
    return endpointKey(this.address);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.running.hasExited;
  }

  private onLine(line: string, msg: Record<string, unknown> | undefined): void {
    if (msg && typeof msg.event === 'string') {
      this.events.push({ event: msg.event as EventName, payload: msg.payload as never, at: Date.now() });
      for (const wake of this.eventWaiters) wake();
    } else if (msg && typeof msg.ok === 'boolean' && 'id' in msg) {
      this.unmatchedReplies.push(msg as unknown as UnmatchedReply);
      for (const wake of this.eventWaiters) wake();
    } else {
      this.strayLines.push(line);
    }
  }

  /** Writes one raw line to stdin (for malformed input tests). */
  sendLine(line: string): void {
    this.running.sendLine(line);
  }

  /** Sends a command and resolves with its reply, ok or not. */
  call<K extends CommandName>(cmd: K, args: CommandArgs<K>, timeoutMs = 15_000): Promise<CommandReply<K>> {
    return this.running.call(cmd, args, timeoutMs);
  }

  /** Sends a command and returns its result; a failed reply throws with its error. */
  ok<K extends CommandName>(cmd: K, args: CommandArgs<K>): Promise<CommandResults[K]> {
    return this.running.ok(cmd, args);
  }

  eventsOf<E extends EventName>(event: E): ReceivedEvent<E>[] {
    return this.events.filter((e): e is ReceivedEvent<E> => e.event === event);
  }

  /** Resolves when `check` holds, re-checked on every event (and exit); rejects after timeoutMs. */
  waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        const exit = this.running.exit;
        if (check()) {
          done();
          resolve();
        } else if (exit) {
          done();
          reject(
            new Error(`nance exited (${describeExit(exit)}) while waiting for ${what}${this.running.tail()}`),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.eventWaiters.delete(wake);
      };
      this.eventWaiters.add(wake);
    });
  }

  /** Sends a signal and resolves with the exit; SIGKILLs and rejects if it does not exit in time. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<Exit> {
    const { forced, ...exit } = await this.running.stop(signal, timeoutMs);
    if (forced)
      throw new Error(`nance did not exit within ${timeoutMs} ms of ${signal}${this.running.tail()}`);
    return exit;
  }

  /** Sends a signal without any grace (kill -9 by default) and awaits the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    return this.running.kill(signal);
  }
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs nance to completion (for flags that make it exit), killing it after timeoutMs. */
export function runNance(args: string[], timeoutMs = 10_000): Promise<RunResult> {
  const started = Date.now();
  // First, so a flag missing its value at the end still fails as the test means it to.
  const child = spawn(process.execPath, [BIN, '--no-port-mapping', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Polls `probe` until it returns a value other than undefined; throws after timeoutMs. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  { timeoutMs = 10_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
