import type { Clock } from "../../src/platform/clock.js";

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
}

/**
 * A discrete-event clock: concurrent sleepers wake in time order, and time jumps to the next
 * wake-up only once every pending promise has settled. Unlike FakeClock (one sleeper at a time),
 * it can stand for many requests in flight, each with its own latency.
 */
export class SimClock implements Clock {
  private current = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Runs `work` to completion, advancing time whenever nothing else can happen. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    settled.catch(() => undefined);
    for (;;) {
      // Let every microtask and I/O callback run before deciding that time must move.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done) return settled;
      if (this.timers.length === 0) throw new Error("SimClock: the work is waiting on something that is not a timer");
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
  }
}

/** The emulator's token bucket, on simulated time. */
export class SimBucket {
  private tokens: number;
  private updatedAt = 0;
  constructor(
    private readonly clock: Clock,
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  admit(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
