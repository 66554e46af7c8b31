import { describe, expect, it } from 'vitest';
import { systemClock } from './system-clock.js';

describe('systemClock', () => {
  it('reads wall-clock time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('runs timers and cancels them', async () => {
    const log: string[] = [];
    systemClock.setTimeout(() => log.push('kept'), 5);
    systemClock.setTimeout(() => log.push('cancelled'), 5).cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).toEqual(['kept']);
  });
});
