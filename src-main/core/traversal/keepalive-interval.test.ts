// The keepalive cadence: starts conservative, halves when a path was lost, grows only slowly and
// never past the setting nor past half the interval that once lost a path.
import { describe, expect, it } from 'vitest';
import {
  GROW_AFTER_ROUNDS,
  GROW_STEP_MS,
  type KeepaliveCadence,
  type KeepaliveOutcome,
  MIN_KEEPALIVE_MS,
  nextCadence,
  START_KEEPALIVE_MS,
  startCadence,
} from './keepalive-interval.js';

const run = (c: KeepaliveCadence, outcome: KeepaliveOutcome, rounds: number, settingMs: number) => {
  let cadence = c;
  for (let i = 0; i < rounds; i++) cadence = nextCadence(cadence, outcome, settingMs);
  return cadence;
};

describe('keepalive cadence', () => {
  it('starts at 15 s at most, below a 30 s router, whatever the setting', () => {
    expect(startCadence(20_000).intervalMs).toBe(START_KEEPALIVE_MS);
    expect(startCadence(120_000).intervalMs).toBe(START_KEEPALIVE_MS);
    expect(startCadence(8_000).intervalMs).toBe(8_000);
  });

  it('a setting of 0 (or less) is off, and stays off', () => {
    expect(startCadence(0).intervalMs).toBe(0);
    expect(startCadence(-1).intervalMs).toBe(0);
    expect(nextCadence(startCadence(20_000), 'kept', 0).intervalMs).toBe(0);
  });

  it('grows by one step only after many rounds that kept every path', () => {
    const start = startCadence(60_000);
    const almost = run(start, 'kept', GROW_AFTER_ROUNDS - 1, 60_000);
    expect(almost.intervalMs).toBe(START_KEEPALIVE_MS);
    const grown = nextCadence(almost, 'kept', 60_000);
    expect(grown.intervalMs).toBe(START_KEEPALIVE_MS + GROW_STEP_MS);
    expect(grown.keptRounds).toBe(0);
  });

  it('never grows past the setting', () => {
    expect(run(startCadence(20_000), 'kept', 20 * GROW_AFTER_ROUNDS, 20_000).intervalMs).toBe(20_000);
  });

  it('a lost path halves the interval, and half of that interval is the ceiling from then on', () => {
    // Grown to 30 s behind a router that forgets after 30 s: the path dies.
    let c: KeepaliveCadence = { intervalMs: 30_000, keptRounds: 3 };
    c = nextCadence(c, 'lost', 60_000);
    expect(c).toEqual({ intervalMs: 15_000, lostAtMs: 30_000, keptRounds: 0 });
    // However long it then goes well, it stays at half the interval that lost.
    expect(run(c, 'kept', 50 * GROW_AFTER_ROUNDS, 60_000).intervalMs).toBe(15_000);
  });

  it('halves again on every loss, down to the floor', () => {
    const c = run(startCadence(60_000), 'lost', 10, 60_000);
    expect(c.intervalMs).toBe(MIN_KEEPALIVE_MS);
  });

  it('an idle round (nothing to keep) changes nothing', () => {
    const c = run(startCadence(60_000), 'kept', GROW_AFTER_ROUNDS - 1, 60_000);
    expect(nextCadence(c, 'idle', 60_000)).toEqual(c);
  });

  it('a lowered setting applies at once', () => {
    const c = run(startCadence(60_000), 'kept', 4 * GROW_AFTER_ROUNDS, 60_000);
    expect(c.intervalMs).toBe(START_KEEPALIVE_MS + 4 * GROW_STEP_MS);
    expect(nextCadence(c, 'idle', 10_000).intervalMs).toBe(10_000);
  });
});
