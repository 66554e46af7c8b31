// Types of the parts of test/natlab/matrix.mjs that tests use.
export interface ReadyLine {
  event: 'ready';
  natType: string;
  publicAddress: { host: string; port: number } | null;
  udp: { host: string; port: number };
  /** StatusDto.ipv6: the IPv6 side, when an IPv6 STUN server was asked. */
  ipv6: { natType: string; publicAddress: { host: string; port: number } | null } | null;
}

export class Peer {
  constructor(
    name: string,
    ns: string,
    dataDir: string,
    opts?: {
      syncIntervalMs?: number;
      extraArgs?: string[];
      portMapping?: boolean;
      /** HOST:PORT to join through (default the NAT lab's bootstrap); null: none. */
      bootstrap?: string | null;
    },
  );
  readonly name: string;
  ready: ReadyLine | undefined;
  start(timeoutMs?: number): Promise<ReadyLine>;
  // biome-ignore lint/suspicious/noExplicitAny: the command's DTO (src-shared/api.ts)
  call(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  /** The end of its stderr, for a failure message. */
  tail(): string;
  stop(): Promise<void>;
}

export function pathOf(entry: unknown): string;
// biome-ignore lint/suspicious/noExplicitAny: a hosts[] entry of ChatListDto
export function findHost(list: unknown, chatUuid: string): any;

export const KINDS: readonly string[];
export const HOST_KINDS: readonly string[];
export const REACH_KINDS: readonly string[];
/** Every ordered pair the matrix runs (`reach`: with the reach sites, as `--reach`). */
export function allPairs(reach?: boolean): { host: string; client: string }[];
