// Drives real `node bin/nance.js` processes for the CLI tests: start one on a temp data dir, wait
// for its ready line, talk to it over the --stdio JSON-line channel, collect its events, stop it.
// Every process binds 127.0.0.1 with an OS-picked port (unless a test pins one, e.g. a restart).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'nance.js');
const BUILT_ENTRY = path.join(ROOT, 'build', 'src-main', 'host', 'cli', 'main.js');

/** The CLI tests run the compiled build; without it they are skipped, saying why. */
export const isBuilt = existsSync(BUILT_ENTRY);
export const suiteName = (name: string) =>
  isBuilt ? name : `${name} [skipped: ${path.relative(ROOT, BUILT_ENTRY)} missing; run npm run build]`;

export interface ReadyLine {
  event: 'ready';
  udp: EndpointDto;
  mode: 'peer' | 'bootstrap';
  natType: string;
  publicAddress: EndpointDto | null;
  dataDir: string;
  nextWipeAt: number;
  pid: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

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

interface PendingCall {
  resolve(reply: CommandReply<CommandName>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class NanceProcess {
  readonly events: ReceivedEvent[] = [];
  readonly unmatchedReplies: UnmatchedReply[] = [];
  /** Stdout lines after the ready line that were neither replies nor events (should stay empty). */
  readonly strayLines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly eventWaiters = new Set<() => void>();
  private readyLine: ReadyLine | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly args: string[],
  ) {
    liveProcesses.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        liveProcesses.delete(this);
        for (const [id, call] of this.pending) {
          clearTimeout(call.timer);
          call.reject(new Error(`nance exited (${describeExit(this.exit)}) before replying to #${id}`));
        }
        this.pending.clear();
        for (const wake of this.eventWaiters) wake();
        resolve(this.exit);
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // Writes to a process that just died fail with EPIPE; the exit is what the test observes.
    child.stdin?.on('error', () => {});
  }

  /** Spawns `node bin/nance.js` and resolves once it prints its ready line. */
  static async start(opts: StartOptions = {}): Promise<NanceProcess> {
    const dataDir = opts.dataDir ?? (await tempDataDir());
    const args = argsFor(opts, dataDir);
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const proc = new NanceProcess(child, dataDir, args);
    await proc.waitReady(opts.readyTimeoutMs ?? 10_000);
    return proc;
  }

  get ready(): ReadyLine {
    if (!this.readyLine) throw new Error('not ready');
    return this.readyLine;
  }

  get address(): EndpointDto {
    return { host: this.ready.udp.host, port: this.ready.udp.port };
  }

  /** "127.0.0.1:port", as --bootstrap-peer takes it. */
  get hostPort(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    const stdout = this.child.stdout;
    if (!stdout) throw new Error('no stdout');
    const lines = createInterface({ input: stdout });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`nance ${this.args.join(' ')}: no ready line within ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(`nance ${this.args.join(' ')} exited (${describeExit(exit)}) before ready${this.tail()}`),
        );
      });
      lines.on('line', (line) => {
        if (!this.readyLine) {
          const parsed = parseJson(line) as Partial<ReadyLine> | undefined;
          if (parsed?.event !== 'ready') {
            this.strayLines.push(line);
            return;
          }
          this.readyLine = parsed as ReadyLine;
          clearTimeout(timer);
          resolve();
          return;
        }
        this.onLine(line);
      });
    });
  }

  private onLine(line: string): void {
    const msg = parseJson(line) as Record<string, unknown> | undefined;
    if (msg && typeof msg.event === 'string') {
      this.events.push({ event: msg.event as EventName, payload: msg.payload as never, at: Date.now() });
      for (const wake of this.eventWaiters) wake();
      return;
    }
    if (msg && typeof msg.ok === 'boolean' && 'id' in msg) {
      const call = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (call) {
        this.pending.delete(msg.id as number);
        clearTimeout(call.timer);
        const { id: _id, ...reply } = msg;
        call.resolve(reply as unknown as CommandReply<CommandName>);
      } else {
        this.unmatchedReplies.push(msg as unknown as UnmatchedReply);
        for (const wake of this.eventWaiters) wake();
      }
      return;
    }
    this.strayLines.push(line);
  }

  private tail(): string {
    const err = this.stderr.trim();
    return err ? `\n--- stderr ---\n${err.slice(-2000)}` : ' (stderr empty)';
  }

  /** Writes one raw line to stdin (for malformed input tests). */
  sendLine(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Sends a command and resolves with its reply, ok or not. */
  call<K extends CommandName>(cmd: K, args: CommandArgs<K>, timeoutMs = 15_000): Promise<CommandReply<K>> {
    if (this.exit) return Promise.reject(new Error(`nance already exited (${describeExit(this.exit)})`));
    const id = this.nextId++;
    return new Promise<CommandReply<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to #${id} ${cmd} within ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: resolve as (reply: CommandReply<CommandName>) => void,
        reject,
        timer,
      });
      this.sendLine(JSON.stringify({ id, cmd, args }));
    });
  }

  /** Sends a command and returns its result; a failed reply throws with its error. */
  async ok<K extends CommandName>(cmd: K, args: CommandArgs<K>): Promise<CommandResults[K]> {
    const reply = await this.call(cmd, args);
    if (!reply.ok) throw new Error(`${cmd} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  eventsOf<E extends EventName>(event: E): ReceivedEvent<E>[] {
    return this.events.filter((e): e is ReceivedEvent<E> => e.event === event);
  }

  /** Resolves when `check` holds, re-checked on every event (and exit); rejects after timeoutMs. */
  waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (check()) {
          done();
          resolve();
        } else if (this.exit) {
          done();
          reject(
            new Error(`nance exited (${describeExit(this.exit)}) while waiting for ${what}${this.tail()}`),
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
    if (this.exit) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`nance did not exit within ${timeoutMs} ms of ${signal}${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal without any grace (kill -9 by default) and awaits the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.exit) this.child.kill(signal);
    return this.exited;
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

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
