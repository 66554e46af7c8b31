// How often keepalives go out: a plain function of what the rounds so far showed (docs/nat.md,
// "Keepalives"). Routers forget an idle UDP binding after anything from 30 s (many home and
// carrier-grade NATs) to minutes, and we cannot ask them: so start conservative, shorten at once
// when a binding died, and lengthen only slowly, after many rounds that kept every path, never
// beyond the setting nor beyond half the interval that once lost a path.

/** Never closer than this: 5 s pings are already far more than any router needs. */
export const MIN_KEEPALIVE_MS = 5_000;
/** The first interval at most: half of the shortest common binding lifetime (30 s). */
export const START_KEEPALIVE_MS = 15_000;
/** Rounds that kept every path before the interval may grow by one step. */
export const GROW_AFTER_ROUNDS = 10;
export const GROW_STEP_MS = 2_500;

export interface KeepaliveCadence {
  /** Time to the next round; 0: keepalives are off. */
  intervalMs: number;
  /** The shortest interval that lost a path: bindings here live less than this. */
  lostAtMs?: number;
  /** Rounds in a row that kept every path, since the interval last changed. */
  keptRounds: number;
}

/** What one round showed: every path answered, a path was dropped, or there was nothing to ping. */
export type KeepaliveOutcome = 'kept' | 'lost' | 'idle';

/** The cadence to start with for the user's setting (the most they allow; 0 or less: off). */
export function startCadence(settingMs: number): KeepaliveCadence {
  if (settingMs <= 0) return { intervalMs: 0, keptRounds: 0 };
  return { intervalMs: Math.min(settingMs, START_KEEPALIVE_MS), keptRounds: 0 };
}

/** The cadence after a round with `outcome`, for the user's setting `settingMs`. */
export function nextCadence(
  cadence: KeepaliveCadence,
  outcome: KeepaliveOutcome,
  settingMs: number,
): KeepaliveCadence {
  if (settingMs <= 0) return { intervalMs: 0, keptRounds: 0 };
  const ceiling = Math.min(settingMs, cadence.lostAtMs === undefined ? settingMs : cadence.lostAtMs / 2);
  const floor = Math.min(MIN_KEEPALIVE_MS, settingMs);
  const interval = Math.max(floor, Math.min(cadence.intervalMs, ceiling));
  switch (outcome) {
    case 'idle':
      return { ...cadence, intervalMs: interval };
    case 'lost': {
      const lostAtMs = Math.min(cadence.lostAtMs ?? Number.POSITIVE_INFINITY, interval);
      return { intervalMs: Math.max(floor, Math.floor(interval / 2)), lostAtMs, keptRounds: 0 };
    }
    case 'kept': {
      const keptRounds = cadence.keptRounds + 1;
      const grown = Math.min(ceiling, interval + GROW_STEP_MS);
      if (keptRounds < GROW_AFTER_ROUNDS || grown <= interval)
        return { ...cadence, intervalMs: interval, keptRounds };
      return { ...cadence, intervalMs: grown, keptRounds: 0 };
    }
  }
}
