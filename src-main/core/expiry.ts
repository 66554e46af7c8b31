// Every chat and message is deleted once per retention period, counted from the store's first
// start (persisted), so restarting the app neither resets nor skips the daily wipe.
import type { Clock, Store, TimerHandle } from './ports.js';

/** Longest single timer; the wipe is re-checked at least this often (clocks jump, laptops sleep). */
const MAX_TIMER_MS = 60 * 60 * 1000;

export class ExpiryScheduler {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    private readonly onWipe: () => void,
  ) {
    if (!(retentionMs > 0)) throw new RangeError('retention must be positive');
  }

  /** Index of the retention period `now` falls in. */
  private period(now: number): number {
    return Math.floor((now - this.store.epoch()) / this.retentionMs);
  }

  nextWipeAt(): number {
    return this.store.epoch() + (this.period(this.clock.now()) + 1) * this.retentionMs;
  }

  /** Wipes if a period boundary passed since the last wipe (also while we were not running). */
  check(): boolean {
    const period = this.period(this.clock.now());
    if (period <= this.store.lastWipePeriod()) return false;
    const firstStart = this.store.lastWipePeriod() < 0 && period === 0;
    this.store.setLastWipePeriod(period);
    if (firstStart) return false;
    this.store.wipeChats();
    this.onWipe();
    return true;
  }

  start(): void {
    this.check();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, this.nextWipeAt() - this.clock.now()));
    this.timer = this.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, wait);
  }
}
