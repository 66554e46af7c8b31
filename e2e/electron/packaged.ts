// Helpers of the packaged-app smoke suite (packaged.spec.ts), plain functions so that they are
// tested without a packaged app (test/ci/packaged-smoke.test.ts, against the fake Electron):
// finding the binary the workflow built, reading its fuses, checking a UDP port is free, and
// driving the main process through its smoke hook (src-main/host/shell/smoke-hook.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { ROOT } from '../support/peers.js';

const require = createRequire(import.meta.url);
const fuseScript = require(
  path.join(ROOT, 'scripts', 'fuses.cjs'),
) as typeof import('../../scripts/fuses.cjs');

/** The environment variable the workflow sets: electron-builder's unpacked folder, or the executable. */
export const PACKAGED_APP_ENV = 'NANCE_PACKAGED_APP';

export interface PackagedApp {
  /** What to start. */
  executable: string;
  /** What @electron/fuses reads: the .app bundle on macOS, the executable elsewhere. */
  fuseTarget: string;
}

/**
 * The packaged app named by `NANCE_PACKAGED_APP` (null when unset). A folder is electron-builder's
 * unpacked output (release/linux-unpacked, release/win-unpacked, release/mac-arm64 …), where the
 * binary sits as scripts/fuses.cjs says; a file is the executable itself. A path that is set but
 * holds no app throws: the workflow asked for a smoke test of something that is not there.
 */
export function findPackagedApp(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
): PackagedApp | null {
  const given = env[PACKAGED_APP_ENV];
  if (!given) return null;
  const where = path.resolve(given);
  if (!existsSync(where)) throw new Error(`${PACKAGED_APP_ENV}=${given}: no such file or folder`);
  if (statSync(where).isFile()) {
    const bundle = /^(.*\.app)[/\\]Contents[/\\]MacOS[/\\][^/\\]+$/.exec(where)?.[1];
    return { executable: where, fuseTarget: bundle ?? where };
  }
  const fuseTarget = fuseScript.electronBinaryPath({
    appOutDir: where,
    electronPlatformName: platform,
    productFilename: 'Nance',
    executableName: 'nance',
  });
  const executable = platform === 'darwin' ? path.join(fuseTarget, 'Contents', 'MacOS', 'Nance') : fuseTarget;
  if (!existsSync(executable)) throw new Error(`${PACKAGED_APP_ENV}=${given}: no ${executable}`);
  return { executable, fuseTarget };
}

/** Each fuse scripts/fuses.cjs sets, as the binary has it (true: on). */
export async function readFuses(fuseTarget: string): Promise<Record<string, boolean>> {
  const wire = await getCurrentFuseWire(fuseTarget);
  const out: Record<string, boolean> = {};
  for (const name of Object.keys(fuseScript.FUSES)) {
    const index = FuseV1Options[name as keyof typeof FuseV1Options];
    const state = wire[index];
    // '1' on, '0' off; 'r' (removed) or anything else is reported as off.
    out[name] = state === 49;
  }
  return out;
}

/** The fuses as scripts/fuses.cjs sets them. */
export const EXPECTED_FUSES: Readonly<Record<string, boolean>> = fuseScript.FUSES;

/** Whether a UDP port can be bound again on every interface (the app binds 0.0.0.0). */
export function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', exclusive: true } as dgram.SocketOptions);
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** Polls `check` until it holds or `timeoutMs` passes; the last answer. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TrayItem {
  id?: string;
  type: string;
  label?: string;
  checked?: boolean;
}

/** The main process's smoke hook, over the child's stdin and stdout. */
export class SmokeHook {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Record<string, unknown>) => void>();

  constructor(private readonly child: ChildProcess) {
    if (!child.stdout || !child.stdin) throw new Error('the app must be started with piped stdin and stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: { smoke?: unknown; id?: unknown };
      try {
        reply = JSON.parse(line);
      } catch {
        return; // the app's other output
      }
      if (typeof reply?.smoke !== 'string' || typeof reply.id !== 'number') return;
      this.waiting.get(reply.id)?.(reply as Record<string, unknown>);
      this.waiting.delete(reply.id);
    });
  }

  request(
    hook: string,
    args: Record<string, unknown> = {},
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(`the app did not answer the smoke hook "${hook}" (is ${'NANCE_SMOKE_HOOK'}=1 set?)`),
        );
      }, timeoutMs);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.stdin?.write(`${JSON.stringify({ id, hook, ...args })}\n`);
    });
  }

  async trayItems(): Promise<TrayItem[] | null> {
    const reply = await this.request('tray');
    return reply.tray ? (reply.items as TrayItem[]) : null;
  }

  async trayClick(item: 'toggle-window' | 'bootstrap-mode' | 'quit'): Promise<boolean> {
    return (await this.request('trayClick', { item })).clicked === true;
  }

  async closeWindow(): Promise<{ exists: boolean; visible: boolean }> {
    return (await this.request('closeWindow')) as unknown as { exists: boolean; visible: boolean };
  }

  async window(): Promise<{ exists: boolean; visible: boolean }> {
    return (await this.request('window')) as unknown as { exists: boolean; visible: boolean };
  }
}

export interface LaunchedApp {
  child: ChildProcess;
  hook: SmokeHook;
  /** The DevTools endpoint Chromium printed (Playwright attaches there). */
  devtools: string;
  exited: Promise<number | null>;
}

/**
 * Starts the packaged app on its own data dir with the smoke hook on and Chromium's DevTools on a
 * free port, and waits for the DevTools address (Playwright's own Electron launcher would wait
 * for the Node inspector, which the fuses turn off).
 */
export async function launchPackaged(
  executable: string,
  dataDir: string,
  timeoutMs = 30_000,
): Promise<LaunchedApp> {
  const args = ['--data-dir', dataDir, '--remote-debugging-port=0'];
  if (process.platform === 'linux') args.push('--no-sandbox'); // CI runners and containers lack the SUID sandbox
  const child = spawn(executable, args, {
    env: { ...process.env, NANCE_SMOKE_HOOK: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hook = new SmokeHook(child);
  const stderr: string[] = [];
  const devtools = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no DevTools address; stderr: ${stderr.join('')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      stderr.push(`${line}\n`);
      const match = /^DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`the app exited (${code}); stderr: ${stderr.join('')}`)));
  });
  return { child, hook, devtools, exited };
}
