import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.mjs';
import { SimClock } from './sim-clock.js';

const EPOCH = 1_700_000_000_000;

describe('SimClock', () => {
  it('starts at the given epoch, by default 1_700_000_000_000', () => {
    expect(new SimClock().now()).toBe(EPOCH);
    expect(new SimClock(42).now()).toBe(42);
  });

  it('runs timers by due time, then by insertion order, each at its own due time', async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    const at = (name: string) => () => log.push(`${name}@${clock.now()}`);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a1'), 10);
    clock.setTimeout(at('b'), 20);
    clock.setTimeout(at('a2'), 10);
    clock.setTimeout(at('zero'), -5);
    await clock.advance(100);
    expect(log).toEqual(['zero@0', 'a1@10', 'a2@10', 'b@20', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  it('keeps (due time, insertion order) across many timers', async () => {
    const clock = new SimClock(0);
    const random = mulberry32(5);
    const expected: { due: number; seq: number }[] = [];
    const ran: { due: number; seq: number }[] = [];
    for (let seq = 0; seq < 1_000; seq++) {
      const due = Math.floor(random() * 100);
      expected.push({ due, seq });
      const handle = clock.setTimeout(() => ran.push({ due: clock.now(), seq }), due);
      if (seq % 7 === 0) {
        handle.cancel();
        expected.pop();
      }
    }
    expected.sort((a, b) => a.due - b.due || a.seq - b.seq);
    await clock.advance(100);
    expect(ran).toEqual(expected);
  });

  it('runs only timers due within the window and ends at start + ms', async () => {
    const clock = new SimClock(0);
    const log: number[] = [];
    clock.setTimeout(() => log.push(1), 10);
    clock.setTimeout(() => log.push(2), 11);
    await clock.advance(10);
    expect(log).toEqual([1]);
    expect(clock.now()).toBe(10);
    expect(clock.pending()).toBe(1);
    await clock.advance(0);
    expect(log).toEqual([1]);
    await clock.advance(1);
    expect(log).toEqual([1, 2]);
    expect(clock.now()).toBe(11);
  });

  it('runs timers set by timers when they fall due inside the window', async () => {
    const clock = new SimClock(0);
    const log: number[] = [];
    clock.setTimeout(() => {
      log.push(clock.now());
      clock.setTimeout(() => log.push(clock.now()), 5);
      clock.setTimeout(() => log.push(clock.now()), 50);
    }, 10);
    await clock.advance(20);
    expect(log).toEqual([10, 15]);
    expect(clock.pending()).toBe(1);
  });

  it('cancels timers, and cancelling twice or after running is harmless', async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    const a = clock.setTimeout(() => log.push('a'), 10);
    const b = clock.setTimeout(() => log.push('b'), 20);
    expect(clock.pending()).toBe(2);
    a.cancel();
    a.cancel();
    expect(clock.pending()).toBe(1);
    await clock.advance(30);
    expect(log).toEqual(['b']);
    b.cancel();
    expect(clock.pending()).toBe(0);
  });

  it('lets a timer cancel a later timer due at the same instant', async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    clock.setTimeout(() => second.cancel(), 10);
    const second = clock.setTimeout(() => log.push('second'), 10);
    await clock.advance(10);
    expect(log).toEqual([]);
  });

  it('lets promise continuations finish before the next timer', async () => {
    const clock = new SimClock(0);
    const log: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        log.push(`continuation@${clock.now()}`);
      })();
    }, 10);
    clock.setTimeout(() => log.push(`next@${clock.now()}`), 10);
    await clock.advance(10);
    expect(log).toEqual(['continuation@10', 'next@10']);
  });

  it('lets setImmediate work queued from continuations finish before the next timer', async () => {
    // Shaped like the store's group commit: writes queue up and one setImmediate flush resolves them.
    let queue: (() => void)[] = [];
    const write = async (): Promise<void> => {
      await Promise.resolve();
      return new Promise((resolve) => {
        queue.push(resolve);
        if (queue.length === 1) {
          setImmediate(() => {
            const flushed = queue;
            queue = [];
            for (const done of flushed) done();
          });
        }
      });
    };

    const clock = new SimClock(0);
    const log: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        await write();
        log.push('first write');
        await write();
        log.push('second write');
      })();
    }, 10);
    clock.setTimeout(() => log.push('next timer'), 10);
    await clock.advance(10);
    expect(log).toEqual(['first write', 'second write', 'next timer']);
  });

  it('runUntilIdle runs everything within the limit and stops at the last timer', async () => {
    const clock = new SimClock(0);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      if (ticks < 5) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    await clock.runUntilIdle(10_000);
    expect(ticks).toBe(5);
    expect(clock.now()).toBe(500);
    expect(clock.pending()).toBe(0);
  });

  it('runUntilIdle stops at the limit when timers keep coming', async () => {
    const clock = new SimClock(0);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    await clock.runUntilIdle(1_050);
    expect(ticks).toBe(10);
    expect(clock.now()).toBe(1_000);
    expect(clock.pending()).toBe(1);
  });

  it('propagates an exception thrown by a timer', async () => {
    const clock = new SimClock(0);
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    await expect(clock.advance(5)).rejects.toThrow('boom');
    expect(clock.pending()).toBe(0);
  });

  it('rejects a negative or infinite advance', async () => {
    await expect(new SimClock().advance(-1)).rejects.toThrow(RangeError);
    await expect(new SimClock().advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });
});
