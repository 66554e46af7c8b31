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
    opts?: { syncIntervalMs?: number; extraArgs?: string[]; portMapping?: boolean },
  );
  readonly name: string;
  ready: ReadyLine | undefined;
  start(timeoutMs?: number): Promise<ReadyLine>;
  call(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export function pathOf(entry: unknown): string;
export function findHost(list: unknown, chatUuid: string): any;
