// Types of test/support/window-probe.mjs.
import type { CDPSession, Page } from '@playwright/test';

export interface ProbeReading {
  commits: number;
  /** Components rendered, by name (minified in a production build). */
  renders: Record<string, number>;
  /** "bench <n>" -> when its WebSocket frame arrived / its row appeared (epoch ms). */
  frames: Record<string, number>;
  shown: Record<string, number>;
  longTasks: { start: number; ms: number }[];
  /** DOM mutations that touched a message row or day separator already shown. */
  oldRowMutations: number;
  /** Message rows added to the DOM. */
  rowsAdded: number;
  /** Components that are a row ('chat-item' | 'message-item' | 'day-separator'): mounted / rendered again. */
  rowMounts: Record<string, number>;
  rowRenders: Record<string, number>;
  /** The page's performance.now() when read. */
  now: number;
}

export interface ThreadMetrics {
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
  taskMs: number;
  layouts: number;
  styles: number;
}

export const probeScript: string;
export function installProbe(page: Page): Promise<void>;
export function watchRows(page: Page): Promise<void>;
export function readProbe(page: Page): Promise<ProbeReading>;
export function threadMetrics(cdp: CDPSession): Promise<ThreadMetrics>;
export function workBetween(
  before: ProbeReading,
  after: ProbeReading,
  m0: ThreadMetrics,
  m1: ThreadMetrics,
  pushes: number,
): Record<string, unknown>;
