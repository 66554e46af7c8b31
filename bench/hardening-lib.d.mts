// Types of bench/hardening-lib.mjs for the TypeScript tests that use it.
export const isBuilt: boolean;
export interface NanceChild {
  pid: number;
  ready: { udp: { host: string; port: number }; pid: number; mode: string };
  udp: { host: string; port: number };
  dataDir: string;
  call(
    cmd: string,
    args?: object,
    timeoutMs?: number,
  ): Promise<{ ok: boolean; result?: unknown; error?: unknown }>;
  ok<T = unknown>(cmd: string, args?: object, timeoutMs?: number): Promise<T>;
  /** Signals (SIGTERM by default), waits for the exit, removes the data dir unless it was given or keepData. */
  stop(signal?: NodeJS.Signals, keepData?: boolean): Promise<void>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  readonly hasExited: boolean;
  stderr(): string;
}
export function startNance(options?: {
  args?: string[];
  netns?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  readyTimeoutMs?: number;
}): Promise<NanceChild>;
export function rssKb(pid: number): number | undefined;
export function fuzzDatagram(rnd: () => number, chatUuid: string): Uint8Array;
export interface FuzzStats {
  sent: number;
  bytesSent: number;
  received: number;
  bytesReceived: number;
  responsesByCode: Record<string, number>;
  pingsFromPeer: number;
  invalid: number;
  invalidSamples: string[];
  monitorSent: number;
  monitorAnswered: number;
  monitorMaxMs: number;
  monitorLongestGapMs: number;
  rssBeforeKb: number | undefined;
  rssWarmKb: number | undefined;
  rssAfterKb: number | undefined;
  rssPeakKb: number;
  elapsedMs: number;
}
export function runFuzz(options: {
  target: { host: string; port: number };
  count: number;
  rate?: number;
  sources?: number;
  seed?: number;
  chatUuid?: string;
  pid?: number;
  onProgress?: (stats: FuzzStats) => void;
}): Promise<FuzzStats>;
export function canUseNetns(): string | undefined;
export interface LossyLink {
  a: string;
  b: string;
  ipA: string;
  ipB: string;
  cleanup(): void;
  setLoss(percent: number): void;
}
export function makeLossyLink(lossPercent: number, tag?: string): LossyLink;
export interface LossResult {
  lossPercent: number;
  posts: number;
  /** Acknowledged by the host at once. */
  acked: number;
  /** Taken into the outbox (the host did not answer in time), resent until it did. */
  pending: number;
  /** Still in the outbox after waiting up to 60 s for it to drain. */
  outboxLeft: number;
  failed: number;
  storedPosts: number;
  duplicates: number;
  missingAcked: number;
  postMs: number;
  chatMessages?: number;
  loadMs?: number;
  loadedMessages?: number;
  loadError?: unknown;
  chatBase64Bytes?: number;
  fillStoppedWith?: number;
}
export function lossRun(options: {
  lossPercent: number;
  posts?: number;
  concurrency?: number;
  fillChat?: boolean;
  tag?: string;
}): Promise<LossResult>;
