/**
 * Paces calls to an API that throttles (the SSO portal answers 429 TooManyRequestsException well
 * before thousands of accounts are listed) so that a bulk run finishes close to the rate the service
 * allows, without a single failed call.
 *
 * Two limits apply to every call: at most `maxConcurrency` in flight, and a send rate. The rate
 * starts unlimited, so an unthrottled service is limited by the machine only. The first throttle
 * sets it to what got through in the last second and then doubles it every second or so (TCP's slow
 * start: that first guess is only the service's burst). Every later throttle remembers the rate it
 * happened at (the ceiling) and cuts the rate, harder when throttles follow each other closely;
 * successes bring it back to the ceiling quickly and then probe beyond it slowly, faster the longer
 * nothing is throttled (as TCP CUBIC does). Throttles thus stay rare, which matters because each one
 * costs a pause: a `Retry-After` pauses every sender, not only the throttled call, since the limit is
 * shared by all of them.
 *
 * When the service refuses the calls' credentials (an access token that expired during a long run),
 * sending stops, `reauthorize` renews them once for every call refused meanwhile, and the refused
 * calls go again.
 *
 * Only one loop ever waits on the clock, so tests with a fake clock need no real time, and the
 * order of calls is deterministic.
 */
import { FlowError } from "../errors.js";
import type { Clock } from "../platform/clock.js";

export type CallOutcome =
  /** Over the service's rate: retried until it succeeds (within `stallTimeoutMs`). */
  | { kind: "throttled"; retryAfterMs: number | undefined }
  /** A server error or lost connection: retried a few times with backoff. */
  | { kind: "transient" }
  /** The credentials were refused (an expired access token): renewed through `reauthorize`, then retried. */
  | { kind: "unauthorized" }
  /** Retrying cannot help (bad request, access denied): the whole batch fails with it. */
  | { kind: "fatal" };

export interface LimiterStats {
  /** Requests sent, retries included. */
  calls: number;
  throttled: number;
  /** Times the credentials were renewed after the service refused them. */
  reauthorized: number;
  /** The current send rate in calls per second; Infinity while no throttling has been seen. */
  ratePerSecond: number;
}

export interface AdaptiveLimiterOptions {
  clock: Clock;
  classify(error: unknown): CallOutcome;
  /**
   * Renews the credentials the calls carry after an "unauthorized" outcome. Without it, that outcome
   * fails the batch as "fatal" does; so does its failure, and a refusal of the renewed credentials
   * before they served a single call (renewing again would not help).
   */
  reauthorize?: (() => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  maxConcurrency?: number;
  /** Factor applied to the rate on a throttle. */
  decrease?: number;
  /** How long after a cut the rate is back at the ceiling, before it probes beyond. */
  plateauMs?: number;
  minRatePerSecond?: number;
  /** Pause after a throttle that came without `Retry-After`; doubles while throttles repeat. */
  throttlePauseMs?: number;
  /** A `Retry-After` beyond this is taken as this: a bad header must not stall a run for hours. */
  maxRetryAfterMs?: number;
  maxTransientAttempts?: number;
  transientBackoffMs?: number;
  /** Give up when nothing has succeeded for this long while being throttled. */
  stallTimeoutMs?: number;
  onUpdate?(stats: LimiterStats): void;
}

/** The service kept answering 429 for longer than any sane run would wait. */
export class ThrottledTooLongError extends FlowError {}

interface Task {
  run: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  transientFailures: number;
  notBefore: number;
  /** Which send this was, in order: tells throttles of calls sent before the last cut apart. */
  sendNumber: number;
  /** The credentials it was sent with, counted in renewals. */
  credentials: number;
}

const DEFAULTS = {
  maxConcurrency: 16,
  decrease: 0.9,
  plateauMs: 10_000,
  minRatePerSecond: 0.5,
  throttlePauseMs: 500,
  maxRetryAfterMs: 60_000,
  maxTransientAttempts: 5,
  transientBackoffMs: 250,
  stallTimeoutMs: 180_000,
};

const RECENT_WINDOW_MS = 1000;

export class AdaptiveLimiter {
  private readonly options: typeof DEFAULTS & AdaptiveLimiterOptions;
  private readonly fresh: Task[] = [];
  /** Calls waiting to be retried, ordered by `notBefore`. */
  private readonly retries: Task[] = [];
  private inFlight = 0;
  private readonly control: RateControl;
  private nextSendAt = 0;
  private pausedUntil = 0;
  private consecutiveThrottles = 0;
  /** The number of sends when the rate was last cut. */
  private sendsAtLastCut = 0;
  private lastSuccessAt: number;
  /** Completion times of recent successes, to measure the rate that actually got through. */
  private readonly recentSuccesses: number[] = [];
  private waiting = false;
  /** A renewal of the credentials is under way: nothing is sent until it ends. */
  private renewing = false;
  /** Whether a call sent with the current credentials has succeeded. */
  private credentialsServed = false;
  private failure: { error: unknown } | undefined;
  private readonly stats = { calls: 0, throttled: 0, reauthorized: 0 };

  constructor(options: AdaptiveLimiterOptions) {
    this.options = { ...DEFAULTS, ...stripUndefined(options), clock: options.clock, classify: options.classify };
    this.lastSuccessAt = options.clock.now();
    this.control = new RateControl(this.options);
    if (options.signal?.aborted) this.fail(options.signal.reason);
    options.signal?.addEventListener("abort", () => this.fail(options.signal?.reason), { once: true });
  }

  get maxConcurrency(): number {
    return this.options.maxConcurrency;
  }

  snapshot(): LimiterStats {
    return { ...this.stats, ratePerSecond: this.control.rateAt(this.options.clock.now()) };
  }

  /** Runs `call` once a slot and the rate allow, retrying it as its errors are classified. */
  run<T>(call: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failure) return reject(this.failure.error);
      const task: Task = {
        run: call,
        resolve: resolve as (value: unknown) => void,
        reject,
        transientFailures: 0,
        notBefore: 0,
        sendNumber: 0,
        credentials: 0,
      };
      // Pages that reveal more work (the account list) go first, so the pipeline fills early.
      if (options.urgent) this.fresh.unshift(task);
      else this.fresh.push(task);
      this.pump();
    });
  }

  private get backlog(): number {
    return this.fresh.length + this.retries.length;
  }

  private pump(): void {
    if (this.waiting || this.renewing || this.failure) return;
    while (this.inFlight < this.options.maxConcurrency && this.backlog > 0) {
      const now = this.options.clock.now();
      const gate = Math.max(this.nextSendAt, this.pausedUntil);
      const retryReady = this.retries.length > 0 && this.retries[0]!.notBefore <= now;
      const hasFresh = this.fresh.length > 0;
      const readyAt = retryReady || hasFresh ? now : this.retries[0]!.notBefore;
      const wakeAt = Math.max(gate, readyAt);
      if (wakeAt > now) return this.waitUntil(wakeAt, now);
      const task = retryReady ? this.retries.shift()! : this.fresh.shift()!;
      this.send(task, now);
    }
  }

  private waitUntil(wakeAt: number, now: number): void {
    this.waiting = true;
    this.options.clock.sleep(wakeAt - now, this.options.signal).then(
      () => {
        this.waiting = false;
        this.pump();
      },
      (reason: unknown) => {
        this.waiting = false;
        this.fail(reason);
      },
    );
  }

  private send(task: Task, now: number): void {
    this.inFlight += 1;
    this.stats.calls += 1;
    task.sendNumber = this.stats.calls;
    task.credentials = this.stats.reauthorized;
    const rate = this.control.rateAt(now);
    this.nextSendAt = Number.isFinite(rate) ? Math.max(this.nextSendAt, now) + 1000 / rate : now;
    this.report();
    let promise: Promise<unknown>;
    try {
      promise = task.run();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => this.succeeded(task, value),
      (error: unknown) => this.failed(task, error),
    );
  }

  private succeeded(task: Task, value: unknown): void {
    this.inFlight -= 1;
    const now = this.options.clock.now();
    this.lastSuccessAt = now;
    this.consecutiveThrottles = 0;
    if (task.credentials === this.stats.reauthorized) this.credentialsServed = true;
    this.recentSuccesses.push(now);
    if (this.recentSuccesses.length > 4096) this.recentSuccesses.splice(0, 2048);
    task.resolve(value);
    this.report();
    this.pump();
  }

  private failed(task: Task, error: unknown): void {
    this.inFlight -= 1;
    if (this.failure) return task.reject(this.failure.error);
    const now = this.options.clock.now();
    const outcome = this.options.classify(error);
    switch (outcome.kind) {
      case "fatal":
        task.reject(error);
        this.fail(error);
        return;
      case "transient":
        task.transientFailures += 1;
        if (task.transientFailures >= this.options.maxTransientAttempts) {
          task.reject(error);
          this.fail(error);
          return;
        }
        task.notBefore = now + Math.min(10_000, this.options.transientBackoffMs * 2 ** (task.transientFailures - 1));
        break;
      case "unauthorized":
        if (!this.reauthorize(task)) {
          task.reject(error);
          this.fail(error);
          return;
        }
        task.notBefore = 0;
        break;
      case "throttled":
        this.stats.throttled += 1;
        if (now - this.lastSuccessAt > this.options.stallTimeoutMs) {
          const seconds = Math.round(this.options.stallTimeoutMs / 1000);
          const stalled = new ThrottledTooLongError(
            `The service answered every request with TooManyRequestsException for ${seconds} seconds, so sso-setup gave up. Another tool may be using up the rate limit; try again later.`,
            { cause: error },
          );
          task.reject(stalled);
          this.fail(stalled);
          return;
        }
        this.throttled(task, outcome.retryAfterMs, now);
        task.notBefore = 0;
        break;
    }
    insertByNotBefore(this.retries, task);
    this.report();
    this.pump();
  }

  private throttled(task: Task, retryAfterMs: number | undefined, now: number): void {
    // Calls sent before the last cut were sent at the old rate; their throttles are old news.
    if (task.sendNumber <= this.sendsAtLastCut) return;
    this.sendsAtLastCut = this.stats.calls;
    const gotThrough = this.recentSuccesses.filter((t) => t > now - RECENT_WINDOW_MS).length;
    this.control.throttled(now, gotThrough);
    this.consecutiveThrottles += 1;
    const pause =
      retryAfterMs !== undefined
        ? Math.min(retryAfterMs, this.options.maxRetryAfterMs)
        : Math.min(this.options.maxRetryAfterMs, this.options.throttlePauseMs * 2 ** (this.consecutiveThrottles - 1));
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    this.control.resumesAt(this.pausedUntil);
    // Resume at the new rate from the end of the pause, not with the slot booked at the old one.
    this.nextSendAt = this.pausedUntil;
  }

  /**
   * Starts the one renewal that every refused call waits for; false when renewing cannot help. A call
   * sent with credentials that were renewed since, or while the renewal runs, simply goes again.
   */
  private reauthorize(task: Task): boolean {
    const renew = this.options.reauthorize;
    if (!renew) return false;
    if (this.renewing || task.credentials !== this.stats.reauthorized) return true;
    // Renewed credentials refused before they served a call: the renewal did not help, and another
    // would not either (a revoked session, a clock far off). The first credentials get their chance:
    // a token the cache called valid may have lapsed early.
    if (this.stats.reauthorized > 0 && !this.credentialsServed) return false;
    this.renewing = true;
    Promise.resolve().then(renew).then(
      () => {
        this.renewing = false;
        this.stats.reauthorized += 1;
        this.credentialsServed = false;
        this.report();
        this.pump();
      },
      (error: unknown) => {
        this.renewing = false;
        this.fail(error);
      },
    );
    return true;
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    const pending = [...this.fresh, ...this.retries];
    this.fresh.length = 0;
    this.retries.length = 0;
    for (const task of pending) task.reject(error);
  }

  private report(): void {
    this.options.onUpdate?.(this.snapshot());
  }
}

type RateOptions = Pick<typeof DEFAULTS, "decrease" | "plateauMs" | "minRatePerSecond">;

/** A throttle this soon after sending resumed means the last cut was not deep enough. */
const QUICK_THROTTLE_MS = 2000;
/** In slow start the rate doubles this often. */
const SLOW_START_DOUBLING_MS = 1000;
const MAX_RATE = 1_000_000;

/**
 * The send rate as a function of time since the last throttle: pure, driven by the times it is given.
 * After a cut the rate follows TCP CUBIC's curve: back up towards the ceiling quickly, flat near it
 * for a while (each throttle costs a pause, so they should be rare), then beyond it ever faster.
 */
export class RateControl {
  private mode: "unlimited" | "slow-start" | "cubic" = "unlimited";
  /** Slow start: the rate it started from. Cubic: the rate of the last throttle. */
  private base = Infinity;
  /** Cubic: how far below the ceiling the last cut went, as a fraction of it. */
  private drop = 0;
  /** When sending resumed after the last cut: the curve's time origin. */
  private origin = 0;
  private quickCuts = 0;

  constructor(private readonly options: RateOptions) {}

  rateAt(now: number): number {
    const t = Math.max(0, now - this.origin);
    switch (this.mode) {
      case "unlimited":
        return Infinity;
      case "slow-start":
        return Math.min(MAX_RATE, this.base * 2 ** (t / SLOW_START_DOUBLING_MS));
      case "cubic": {
        const x = t / this.options.plateauMs - 1;
        const shape = x < 0 ? this.drop * x ** 3 : (1 - this.options.decrease) * x ** 3;
        return Math.min(MAX_RATE, Math.max(this.options.minRatePerSecond, this.base * (1 + shape)));
      }
    }
  }

  throttled(now: number, gotThroughLastSecond: number): void {
    const { decrease, minRatePerSecond } = this.options;
    if (this.mode === "unlimited") {
      // What got through is the service's burst more than its rate: only a starting point.
      this.mode = "slow-start";
      this.base = Math.max(minRatePerSecond, gotThroughLastSecond * decrease);
    } else {
      this.quickCuts = now - this.origin < QUICK_THROTTLE_MS ? Math.min(this.quickCuts + 1, 4) : 0;
      const ceiling = this.rateAt(now);
      const cut = Math.max(minRatePerSecond, ceiling * decrease ** (2 ** this.quickCuts));
      this.mode = "cubic";
      this.base = ceiling;
      this.drop = 1 - cut / ceiling;
    }
    this.origin = now;
  }

  /** Sending resumes after the pause that followed a throttle. */
  resumesAt(time: number): void {
    this.origin = Math.max(this.origin, time);
  }
}

function insertByNotBefore(queue: Task[], task: Task): void {
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.notBefore > task.notBefore) i--;
  queue.splice(i, 0, task);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
