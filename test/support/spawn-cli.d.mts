// Types of test/support/spawn-cli.mjs.
import type { ChildProcess } from 'node:child_process';
import type {
  CommandArgs,
  CommandName,
  CommandReply,
  CommandResults,
  EndpointDto,
} from '../../src-shared/api.js';

export const ROOT: string;
export const BIN: string;
export const CLI_ENTRY: string;
export const isBuilt: boolean;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: Exit): string;

/** The line the CLI prints once it answers datagrams (README, "The headless peer"). */
export interface ReadyLine {
  event: 'ready';
  udp: EndpointDto;
  mode: 'peer' | 'bootstrap';
  natType: string;
  publicAddress: EndpointDto | null;
  dataDir: string;
  nextWipeAt: number;
  /** The window's URL with its token, with --web. */
  web?: string;
  pid: number;
}

export class CliChild {
  readonly args: string[];
  readonly ready: ReadyLine;
  readonly exited: Promise<Exit>;
  readonly child: ChildProcess;
  /** The newest 64 KiB of stderr. */
  readonly stderr: string;
  readonly exit: Exit | undefined;
  readonly hasExited: boolean;
  tail(): string;
  sendLine(line: string): void;
  /** Sends a command and resolves with its reply (id taken off), ok or not. */
  call<K extends CommandName>(cmd: K, args: CommandArgs<K>, timeoutMs?: number): Promise<CommandReply<K>>;
  /** Like call, but returns the result and throws on a failed reply. */
  ok<K extends CommandName>(cmd: K, args: CommandArgs<K>, timeoutMs?: number): Promise<CommandResults[K]>;
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
