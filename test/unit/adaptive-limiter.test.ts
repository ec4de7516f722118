/**
 * The limiter against a simulated service on simulated time: a token bucket like the emulator's,
 * calls that take a few milliseconds, and a clock that only moves when everything waits on it.
 * Throughput figures here are simulated seconds, so they are exact and machine-independent.
 */
import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/errors.js";
import { AdaptiveLimiter, RateControl, ThrottledTooLongError } from "../../src/sso/adaptive-limiter.js";
import { ApiError, NetworkError } from "../../src/sso/clients.js";
import { LoginRequiredError } from "../../src/sso/login-required.js";
import { classifyPortalError } from "../../src/sso/role-fetcher.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { SimBucket, SimClock } from "../helpers/sim-clock.js";

const throttle = (retryAfterMs?: number) =>
  new ApiError("ListAccountRoles", "TooManyRequestsException", 429, "Rate exceeded", { retryAfterMs });

interface Service {
  clock: SimClock;
  call: () => Promise<void>;
  sentAt: number[];
  throttledAt: number[];
  throttles: number;
  maxInFlight: number;
}

function service(options: { rate?: number; burst?: number; retryAfterMs?: number; latencyMs?: number } = {}): Service {
  const clock = new SimClock();
  const bucket = options.rate ? new SimBucket(clock, options.rate, options.burst ?? options.rate) : undefined;
  let inFlight = 0;
  const s: Service = {
    clock,
    sentAt: [],
    throttledAt: [],
    throttles: 0,
    maxInFlight: 0,
    async call() {
      s.sentAt.push(clock.now());
      inFlight += 1;
      s.maxInFlight = Math.max(s.maxInFlight, inFlight);
      try {
        await clock.sleep(options.latencyMs ?? 5);
        if (bucket && !bucket.admit()) {
          s.throttles += 1;
          s.throttledAt.push(clock.now());
          throw throttle(options.retryAfterMs);
        }
      } finally {
        inFlight -= 1;
      }
    },
  };
  return s;
}

async function runAll(s: Service, limiter: AdaptiveLimiter, calls: number): Promise<void> {
  await s.clock.run(Promise.all(Array.from({ length: calls }, () => limiter.run(s.call))));
}

describe("AdaptiveLimiter", () => {
  it("runs an unthrottled batch at full concurrency and never waits on the clock", async () => {
    const s = service();
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, maxConcurrency: 16 });
    await runAll(s, limiter, 500);
    expect(s.maxInFlight).toBe(16);
    // 500 calls of 5 ms, 16 at a time: only the calls' own latency passes.
    expect(s.clock.now()).toBe(Math.ceil(500 / 16) * 5);
    expect(limiter.snapshot()).toEqual({ calls: 500, throttled: 0, reauthorized: 0, ratePerSecond: Infinity });
  });

  it("finishes 1,010 calls under a 20/s limit within 1.15× of the lower bound, every call succeeding", async () => {
    const s = service({ rate: 20, burst: 20, retryAfterMs: 1000 });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError });
    await runAll(s, limiter, 1010);
    const lowerBoundMs = ((1010 - 20) / 20) * 1000;
    expect(s.clock.now()).toBeLessThan(lowerBoundMs * 1.15);
    expect(s.throttles).toBeGreaterThan(0);
    expect(limiter.snapshot().throttled).toBe(s.throttles);
    expect(s.sentAt).toHaveLength(1010 + s.throttles);
  });

  it("settles near the limit whatever the burst, with or without Retry-After", async () => {
    for (const [rate, burst, retryAfterMs] of [
      [10, 5, undefined],
      [20, 100, 1000],
      [20, 600, undefined],
      [50, 50, 1000],
    ] as const) {
      const s = service({ rate, burst, retryAfterMs, latencyMs: 30 });
      const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError });
      await runAll(s, limiter, 1500);
      const lowerBoundMs = (Math.max(0, 1500 - burst) / rate) * 1000;
      expect(s.clock.now(), `${rate}/s burst ${burst}`).toBeLessThan(lowerBoundMs * 1.25);
    }
  });

  it("sends nothing while a Retry-After is running", async () => {
    const s = service({ rate: 10, burst: 10, retryAfterMs: 4000 });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, maxConcurrency: 4 });
    await runAll(s, limiter, 60);
    const first = s.throttledAt[0]!;
    expect(s.sentAt.filter((t) => t > first && t < first + 4000)).toEqual([]);
    expect(s.sentAt.some((t) => t >= first + 4000)).toBe(true);
  });

  it("retries server errors and lost connections with backoff, then gives up on the fifth", async () => {
    const clock = new FakeClock();
    let failures = 3;
    const limiter = new AdaptiveLimiter({ clock, classify: classifyPortalError });
    const flaky = async () => {
      if (failures-- > 0) throw new ApiError("ListAccountRoles", "InternalServerException", 500, "boom");
      return "ok";
    };
    await expect(limiter.run(flaky)).resolves.toBe("ok");
    expect(clock.sleeps).toEqual([250, 500, 1000]);

    const down = new AdaptiveLimiter({ clock, classify: classifyPortalError });
    const unreachable = new NetworkError("ListAccountRoles", "https://portal", "ECONNREFUSED");
    let attempts = 0;
    await expect(
      down.run(async () => {
        attempts += 1;
        throw unreachable;
      }),
    ).rejects.toBe(unreachable);
    expect(attempts).toBe(5);
  });

  it("fails every waiting call with the first error retrying cannot fix, and sends nothing more", async () => {
    const clock = new FakeClock();
    const limiter = new AdaptiveLimiter({ clock, classify: classifyPortalError, maxConcurrency: 2 });
    const denied = new ApiError("ListAccountRoles", "UnauthorizedException", 401, "Session token not found or invalid");
    let sent = 0;
    const results = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        sent += 1;
        if (i === 0) throw denied;
      }),
    );
    const settled = await Promise.allSettled(results);
    expect(settled.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)).toEqual(
      Array(9).fill(denied),
    );
    expect(sent).toBe(2);
    await expect(limiter.run(async () => "late")).rejects.toBe(denied);
  });

  it("retries throttles without an attempt cap, but gives up when nothing succeeds for the stall timeout", async () => {
    const clock = new FakeClock();
    const limiter = new AdaptiveLimiter({ clock, classify: classifyPortalError, stallTimeoutMs: 60_000 });
    let attempts = 0;
    const error = await limiter
      .run(async () => {
        attempts += 1;
        throw throttle();
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledTooLongError);
    expect(attempts).toBeGreaterThan(5);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60_000);
    // Without Retry-After the pause doubles, capped at a minute.
    expect(clock.sleeps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
  });

  it("stops on Ctrl-C: waiting calls fail with the abort reason", async () => {
    const s = service({ rate: 2, burst: 1 });
    const controller = new AbortController();
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, signal: controller.signal });
    const work = Promise.all(Array.from({ length: 50 }, () => limiter.run(s.call)));
    work.catch(() => undefined);
    void s.clock.sleep(3000).then(() => controller.abort(new CancelledError()));
    await expect(s.clock.run(work)).rejects.toBeInstanceOf(CancelledError);
    const sentBefore = s.sentAt.length;
    await expect(limiter.run(s.call)).rejects.toBeInstanceOf(CancelledError);
    expect(s.sentAt).toHaveLength(sentBefore);
  });
});

describe("AdaptiveLimiter: credentials that expire during the run", () => {
  const refused = () => new ApiError("ListAccountRoles", "UnauthorizedException", 401, "Session token not found or invalid");

  /**
   * A portal whose token "t1" lapses at `expiresAt` (simulated ms); each renewal takes 300 ms and
   * hands out the next token, which `lapse` may make refused at once.
   */
  function expiringService(options: { expiresAt: number; renewal?: (n: number) => Promise<void>; lapse?: (token: string) => boolean }) {
    const clock = new SimClock();
    let token = "t1";
    let generation = 1;
    const live = new Map([["t1", options.expiresAt]]);
    const log = { sent: [] as Array<{ at: number; token: string }>, refusedAt: [] as number[], renewals: [] as Array<[number, number]> };
    const call = async () => {
      const carried = token;
      log.sent.push({ at: clock.now(), token: carried });
      await clock.sleep(5);
      if (clock.now() >= (live.get(carried) ?? -1) || options.lapse?.(carried)) {
        log.refusedAt.push(clock.now());
        throw refused();
      }
    };
    const reauthorize = async () => {
      const started = clock.now();
      await clock.sleep(300);
      await options.renewal?.(generation);
      token = `t${++generation}`;
      live.set(token, Infinity);
      log.renewals.push([started, clock.now()]);
    };
    return { clock, call, reauthorize, log };
  }

  it("renews once for every call refused at the same time, sends nothing meanwhile, and retries them all", async () => {
    const s = expiringService({ expiresAt: 100 });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, reauthorize: s.reauthorize, maxConcurrency: 16 });
    const results = await s.clock.run(Promise.allSettled(Array.from({ length: 400 }, () => limiter.run(s.call))));

    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(s.log.renewals).toHaveLength(1);
    // Every call in flight when the token lapsed was refused: a whole window of them, not one.
    expect(s.log.refusedAt.length).toBeGreaterThanOrEqual(16);
    const [[renewStarted, renewEnded]] = s.log.renewals as [[number, number]];
    expect(s.log.sent.filter((c) => c.at > renewStarted && c.at < renewEnded)).toEqual([]);
    expect(s.log.sent.filter((c) => c.at >= renewEnded).every((c) => c.token === "t2")).toBe(true);
    // Refused calls are retries: counted as calls, never as failures or throttles.
    expect(limiter.snapshot()).toMatchObject({ calls: 400 + s.log.refusedAt.length, throttled: 0, reauthorized: 1 });
  });

  it("fails every call with the renewal's error when the renewal fails, and sends nothing more", async () => {
    const noRefresh = new LoginRequiredError("The SSO token has expired and could not be refreshed (InvalidGrantException).", "sso-setup login");
    let renewals = 0;
    const s = expiringService({
      expiresAt: 50,
      renewal: async () => {
        renewals += 1;
        throw noRefresh;
      },
    });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, reauthorize: s.reauthorize, maxConcurrency: 8 });
    const results = await s.clock.run(Promise.allSettled(Array.from({ length: 100 }, () => limiter.run(s.call))));

    expect(renewals).toBe(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures)).toEqual(new Set([noRefresh]));
    expect(results.filter((r) => r.status === "fulfilled").length + failures.length).toBe(100);
    expect(s.log.sent.filter((c) => c.at >= s.log.refusedAt[0]!)).toEqual([]);
    await expect(limiter.run(s.call)).rejects.toBe(noRefresh);
  });

  it("gives up with UnauthorizedException when the renewed token is refused before it served a call", async () => {
    const s = expiringService({ expiresAt: 50, lapse: (token) => token === "t2" });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, reauthorize: s.reauthorize, maxConcurrency: 8 });
    const results = await s.clock.run(Promise.allSettled(Array.from({ length: 100 }, () => limiter.run(s.call))));

    expect(s.log.renewals).toHaveLength(1);
    const reasons = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => (r.reason as ApiError).code);
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(["UnauthorizedException"]));
  });

  it("renews again when the renewed token has served calls and lapses later in a long run", async () => {
    let renewedAt = 0;
    const s = expiringService({
      expiresAt: 100,
      renewal: async () => {
        renewedAt = s.clock.now();
      },
      // The second token lives 200 ms; the third for good.
      lapse: (token) => token === "t2" && s.clock.now() >= renewedAt + 200,
    });
    const limiter = new AdaptiveLimiter({ clock: s.clock, classify: classifyPortalError, reauthorize: s.reauthorize, maxConcurrency: 4 });
    const results = await s.clock.run(Promise.allSettled(Array.from({ length: 600 }, () => limiter.run(s.call))));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(s.log.renewals).toHaveLength(2);
    expect(limiter.snapshot().reauthorized).toBe(2);
  });
});

describe("RateControl", () => {
  const control = () => new RateControl({ decrease: 0.9, plateauMs: 10_000, minRatePerSecond: 0.5 });

  it("is unlimited until the first throttle, then starts from what got through and doubles each second", () => {
    const rc = control();
    expect(rc.rateAt(0)).toBe(Infinity);
    rc.throttled(1000, 20);
    expect(rc.rateAt(1000)).toBe(18);
    expect(rc.rateAt(2000)).toBeCloseTo(36);
  });

  it("after a cut, climbs back to the ceiling by the end of the plateau and probes beyond it", () => {
    const rc = control();
    rc.throttled(0, 30);
    rc.throttled(5000, 0); // slow start reached 27·2^5 = 864/s: the ceiling
    const ceiling = 27 * 2 ** 5;
    rc.resumesAt(6000);
    expect(rc.rateAt(6000)).toBeCloseTo(ceiling * 0.9);
    expect(rc.rateAt(11_000)).toBeGreaterThan(ceiling * 0.98);
    expect(rc.rateAt(16_000)).toBeCloseTo(ceiling);
    expect(rc.rateAt(26_000)).toBeCloseTo(ceiling * 1.1);
  });

  it("cuts harder when throttles follow each other within two seconds of resuming", () => {
    const rc = control();
    rc.throttled(0, 100);
    rc.throttled(5000, 0);
    rc.resumesAt(6000);
    const beforeQuick = rc.rateAt(6500);
    rc.throttled(6500, 0);
    expect(rc.rateAt(6500)).toBeCloseTo(beforeQuick * 0.9 ** 2);
    rc.resumesAt(7500);
    const beforeQuicker = rc.rateAt(8000);
    rc.throttled(8000, 0);
    expect(rc.rateAt(8000)).toBeCloseTo(beforeQuicker * 0.9 ** 4);
    // A throttle long after resuming is an ordinary one again.
    rc.resumesAt(9000);
    const beforeSlow = rc.rateAt(20_000);
    rc.throttled(20_000, 0);
    expect(rc.rateAt(20_000)).toBeCloseTo(beforeSlow * 0.9);
  });
});
