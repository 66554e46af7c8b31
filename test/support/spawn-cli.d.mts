// Types of test/support/spawn-cli.mjs.
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const BIN: string;
export const CLI_ENTRY: string;
export const isBuilt: boolean;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: Exit): string;

/** A reply line with its id taken off. */
export type CliReply = { ok: boolean; result?: unknown; error?: unknown };

export class CliChild {
  readonly args: string[];
  /** The ready line, parsed. */
  readonly ready: Record<string, unknown> & { event: 'ready'; pid?: number };
  readonly exited: Promise<Exit>;
  readonly child: ChildProcess;
  /** The newest 64 KiB of stderr. */
  readonly stderr: string;
  readonly exit: Exit | undefined;
  readonly hasExited: boolean;
  tail(): string;
  sendLine(line: string): void;
  call(cmd: string, args?: object, timeoutMs?: number): Promise<CliReply>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit & { forced: boolean }>;
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

export function spawnCli(options: {
  args: string[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Names the process in error messages; default "nance". */
  label?: string;
  readyTimeoutMs?: number;
  /** Stdout lines (other than the ready line and replies to calls), with their JSON when parsable. */
  onLine?: (line: string, msg: Record<string, unknown> | undefined) => void;
}): Promise<CliChild>;
