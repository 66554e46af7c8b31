// Types of what TypeScript tests import from matrix.mjs (test/natlab/lan.test.ts).
export interface PeerOptions {
  syncIntervalMs?: number;
  extraArgs?: string[];
  portMapping?: boolean;
  /** HOST:PORT of the bootstrap to join through (default the NAT lab's); null: none. */
  bootstrap?: string | null;
}

/** One CLI peer (`--stdio`) in a namespace. */
export class Peer {
  constructor(name: string, ns: string, dataDir: string, opts?: PeerOptions);
  readonly name: string;
  stderr: string;
  ready: Record<string, unknown> | undefined;
  start(timeoutMs?: number): Promise<Record<string, unknown>>;
  // biome-ignore lint/suspicious/noExplicitAny: the result is the command's DTO (src-shared/api.ts)
  call(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  tail(): string;
  stop(): Promise<void>;
}

export function pathOf(entry: unknown): string;
