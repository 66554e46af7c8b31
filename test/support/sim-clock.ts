// Virtual time for deterministic tests: timers run only when the test advances the clock.
import type { Clock, TimerHandle } from '../../src-main/core/ports.js';
import { MinHeap } from './min-heap.js';

interface Timer {
  due: number;
  /** Insertion order: timers due at the same instant run in the order they were set. */
  seq: number;
  /** Dropped once cancelled, so a cancelled timer left in the heap holds nothing alive. */
  fn: (() => void) | undefined;
  /** Run or cancelled. */
  done: boolean;
}

export class SimClock implements Clock {
  #now: number;
  #seq = 0;
  #live = 0;
  readonly #queue = new MinHeap<Timer>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));

  /**
   * `perInstant`: every timer due at one instant runs before async work settles, and settling is one
   * macrotask turn (enough when nothing under test uses setImmediate, as the core does not). The
   * scale simulator's thousands of peers need it; the default settles after each timer.
   */
  readonly #perInstant: boolean;

  constructor(epochMs = 1_700_000_000_000, options: { perInstant?: boolean } = {}) {
    this.#now = epochMs;
    this.#perInstant = options.perInstant ?? false;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    // Like Node, a negative or non-finite delay means "as soon as possible".
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { due: this.#now + delay, seq: this.#seq++, fn, done: false };
    this.#queue.push(timer);
    this.#live++;
    return {
      cancel: () => {
        if (timer.done) return;
        // Left in the heap and skipped when it surfaces; cheaper than removing it now. Its closure
        // (a request's retry, often with a promise chain) is released now, not when it surfaces:
        // the scale run cancels most timers long before their due time.
        timer.done = true;
        timer.fn = undefined;
        this.#live--;
      },
    };
  }

  /** Timers set and neither run nor cancelled. */
  pending(): number {
    return this.#live;
  }

  /**
   * Moves time forward by `ms`, running every timer due in the window (including ones set by
   * timers in the window) at its own due time, with async work settling between timers.
   */
  async advance(ms: number): Promise<void> {
    if (!isDuration(ms)) throw new RangeError(`advance needs a finite duration >= 0, got ${ms}`);
    const end = this.#now + ms;
    await this.#runUntil(end);
    this.#now = end;
  }

  /** Runs timers until none is left or the next is due more than `maxMs` from now. */
  async runUntilIdle(maxMs: number): Promise<void> {
    if (!isDuration(maxMs)) throw new RangeError(`runUntilIdle needs a finite limit >= 0, got ${maxMs}`);
    await this.#runUntil(this.#now + maxMs);
  }

  async #runUntil(end: number): Promise<void> {
    for (;;) {
      await (this.#perInstant ? oneTurn() : settle());
      let timer = this.#nextLive();
      if (!timer || timer.due > end) return;
      const due = timer.due;
      do {
        this.#queue.pop();
        timer.done = true;
        this.#live--;
        this.#now = timer.due;
        timer.fn?.();
        timer = this.#perInstant ? this.#nextLive() : undefined;
      } while (timer && timer.due === due);
    }
  }

  #nextLive(): Timer | undefined {
    let timer = this.#queue.peek();
    while (timer?.done) {
      this.#queue.pop();
      timer = this.#queue.peek();
    }
    return timer;
  }
}

function isDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0;
}

function oneTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Bounds settle() when something keeps rescheduling itself with setImmediate.
const MAX_SETTLE_TURNS = 1000;

/**
 * Lets promise continuations and setImmediate work (e.g. the store's group commit) finish.
 * One turn is not enough: a continuation of that turn may queue an immediate that would then
 * run after the next timer, so keep turning while immediates are pending.
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < MAX_SETTLE_TURNS; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!process.getActiveResourcesInfo().includes('Immediate')) return;
  }
}
