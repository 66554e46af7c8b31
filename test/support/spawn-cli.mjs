// The one way tests (vitest), end-to-end specs (Playwright) and benches (plain node) run the CLI:
// spawn `node bin/nance.js` (inside a network namespace when asked), wait for its ready line, and
// talk to it over the --stdio channel (one JSON line per command, reply or event). Plain
// JavaScript so all three can import it; types in spawn-cli.d.mts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'nance.js');
export const CLI_ENTRY = path.join(ROOT, 'build', 'src-main', 'host', 'cli', 'main.js');
/** bin/nance.js runs the compiled build (`npm run build`). */
export const isBuilt = existsSync(CLI_ENTRY);

/** A chatty child cannot grow the test's memory: only the newest stderr is kept. */
const STDERR_KEPT_CHARS = 64 * 1024;

function parseJson(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export function describeExit(exit) {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** A running `bin/nance.js` process, ready (its ready line printed). Made by spawnCli. */
export class CliChild {
  #child;
  #label;
  #onLine;
  #stderr = '';
  #exit;
  #nextId = 1;
  #pending = new Map();

  constructor(child, label, args, onLine) {
    this.#child = child;
    this.#label = label;
    this.#onLine = onLine;
    this.args = args;
    this.ready = undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        for (const [id, call] of this.#pending) {
          clearTimeout(call.timer);
          call.reject(new Error(`${label} exited (${describeExit(this.#exit)}) before replying to #${id}`));
        }
        this.#pending.clear();
        resolve(this.#exit);
      }),
    );
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_KEPT_CHARS);
    });
    // Writes to a process that just died fail with EPIPE; the exit is what the caller observes.
    child.stdin.on('error', () => {});
  }

  get child() {
    return this.#child;
  }

  get stderr() {
    return this.#stderr;
  }

  get exit() {
    return this.#exit;
  }

  get hasExited() {
    return this.#exit !== undefined;
  }

  /** The end of stderr, for error messages. */
  tail() {
    const err = this.#stderr.trim();
    return err ? `\n--- ${this.#label} stderr ---\n${err.slice(-2000)}` : ' (stderr empty)';
  }

  waitReady(timeoutMs) {
    const lines = createInterface({ input: this.#child.stdout });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        reject(new Error(`${this.#label}: no ready line within ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`${this.#label} exited (${describeExit(exit)}) before ready${this.tail()}`));
      });
      lines.on('line', (line) => {
        const msg = parseJson(line);
        if (!this.ready && msg?.event === 'ready') {
          this.ready = msg;
          clearTimeout(timer);
          resolve();
          return;
        }
        const call = typeof msg?.ok === 'boolean' && this.#pending.get(msg.id);
        if (call) {
          this.#pending.delete(msg.id);
          clearTimeout(call.timer);
          const { id: _id, ...reply } = msg;
          call.resolve(reply);
          return;
        }
        this.#onLine(line, msg);
      });
    });
  }

  /** Writes one raw line to stdin. */
  sendLine(line) {
    this.#child.stdin.write(`${line}\n`);
  }

  /** Sends a command and resolves with its reply ({ok, result} or {ok, error}), ok or not. */
  call(cmd, args = {}, timeoutMs = 15_000) {
    if (this.#exit) {
      return Promise.reject(new Error(`${this.#label} already exited (${describeExit(this.#exit)})`));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.#label}: no reply to #${id} ${cmd} within ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.sendLine(JSON.stringify({ id, cmd, args }));
    });
  }

  /** Like call, but returns the result and throws on a failed reply. */
  async ok(cmd, args = {}, timeoutMs = 15_000) {
    const reply = await this.call(cmd, args, timeoutMs);
    if (!reply.ok) throw new Error(`${this.#label}: ${cmd} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /** Sends `signal`, then SIGKILL after graceMs; resolves with the exit (`forced`: it took SIGKILL). */
  async stop(signal = 'SIGTERM', graceMs = 5_000) {
    if (this.#exit) return { ...this.#exit, forced: false };
    this.#child.kill(signal);
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.#child.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, forced };
  }

  /** Sends a signal without grace (kill -9 by default) and awaits the exit. */
  async kill(signal = 'SIGKILL') {
    if (!this.#exit) this.#child.kill(signal);
    return this.exited;
  }
}

/**
 * Spawns `node bin/nance.js ...args` (inside `netns` with `ip netns exec` when given) and resolves
 * once it prints its ready line; rejects when it exits first or prints none within readyTimeoutMs
 * (then it is killed). Every other stdout line that answers no call goes to onLine, with its JSON.
 */
export async function spawnCli({ args, netns, label = 'nance', readyTimeoutMs = 15_000, onLine = () => {} }) {
  const argv = [BIN, ...args];
  const options = { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] };
  const child = netns
    ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], options)
    : spawn(process.execPath, argv, options);
  const cli = new CliChild(child, label, args, onLine);
  await cli.waitReady(readyTimeoutMs);
  return cli;
}
