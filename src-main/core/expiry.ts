// Every chat and message is deleted once per retention period, counted from the store's first
// start (persisted), so restarting the app neither resets nor skips the daily wipe. A wipe the
// store cannot write (a full disk) is retried until it succeeds; it never stops the peer.
import type { Clock, Store, TimerHandle } from './ports.js';

/** Longest single timer; the wipe is re-checked at least this often (clocks jump, laptops sleep). */
const MAX_TIMER_MS = 60 * 60 * 1000;
/** Wait before retrying a failed wipe (at most; a short retention period retries sooner). */
const MAX_RETRY_MS = 60 * 1000;

export class ExpiryScheduler {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    private readonly onWipe: () => void,
    /** A wipe (or its bookkeeping) failed; it is retried. */
    private readonly onError: (err: unknown) => void = () => {},
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
    const last = this.store.lastWipePeriod();
    if (period <= last) return false;
    if (last < 0 && period === 0) {
      this.store.setLastWipePeriod(period); // the first start of a new store: nothing to wipe
      return false;
    }
    this.store.wipeChats(period);
    this.onWipe();
    return true;
  }

  /** Never throws: a failed wipe is reported and retried. */
  start(): void {
    this.run();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private run(): void {
    let failed = false;
    try {
      this.check();
    } catch (err) {
      failed = true;
      this.onError(err);
    }
    this.schedule(failed);
  }

  private schedule(retry: boolean): void {
    const untilNext = Math.min(MAX_TIMER_MS, Math.max(0, this.nextWipeAt() - this.clock.now()));
    const wait = retry ? Math.min(MAX_RETRY_MS, Math.ceil(this.retentionMs / 4)) : untilNext;
    this.timer = this.clock.setTimeout(() => this.run(), wait);
  }
}
