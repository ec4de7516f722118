import { describe, expect, it } from "vitest";
import { ApiError, type DeviceAuthorization, type TokenResponse } from "../../src/sso/clients.js";
import { AuthorizationDeniedError, AuthorizationExpiredError, pollForToken } from "../../src/sso/device-flow.js";
import { FakeClock } from "../helpers/fake-clock.js";

type Answer = "pending" | "slow_down" | "denied" | "expired" | "token" | "boom";

function scriptedOidc(answers: Answer[], clock: FakeClock) {
  const calls: number[] = [];
  return {
    calls,
    oidc: {
      async createToken(): Promise<TokenResponse> {
        calls.push(clock.now());
        const answer = answers.shift() ?? "pending";
        const fail = (code: string) => new ApiError("CreateToken", code, 400, undefined);
        switch (answer) {
          case "token":
            return { accessToken: "at", expiresIn: 3600, refreshToken: undefined };
          case "pending":
            throw fail("AuthorizationPendingException");
          case "slow_down":
            throw fail("SlowDownException");
          case "denied":
            throw fail("AccessDeniedException");
          case "expired":
            throw fail("ExpiredTokenException");
          case "boom":
            throw fail("InvalidGrantException");
        }
      },
    },
  };
}

const authorization = (overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization => ({
  deviceCode: "dc",
  userCode: "ABCD-EFGH",
  verificationUri: "https://device.example/",
  verificationUriComplete: "https://device.example/?user_code=ABCD-EFGH",
  expiresIn: 600,
  interval: 1,
  ...overrides,
});

function run(answers: Answer[], auth = authorization()) {
  const clock = new FakeClock();
  const { oidc, calls } = scriptedOidc(answers, clock);
  let pendingCalls = 0;
  const promise = pollForToken({
    oidc,
    clock,
    client: { clientId: "c", clientSecret: "s" },
    authorization: auth,
    issuedAt: clock.now(),
    onPending: () => {
      pendingCalls++;
    },
  });
  return { promise, clock, calls, pending: () => pendingCalls };
}

describe("pollForToken", () => {
  it("returns at once, without announcing anything, when the first attempt succeeds", async () => {
    const r = run(["token"]);
    await expect(r.promise).resolves.toMatchObject({ accessToken: "at" });
    expect(r.pending()).toBe(0);
    expect(r.clock.sleeps).toEqual([]);
  });

  it("announces once, polls again without sleeping, then every interval while pending", async () => {
    const r = run(["pending", "pending", "pending", "token"]);
    await expect(r.promise).resolves.toMatchObject({ accessToken: "at" });
    expect(r.pending()).toBe(1);
    expect(r.calls).toHaveLength(4);
    // attempt 1, announce, attempt 2 at once, sleep 1 s, attempt 3, sleep 1 s, attempt 4
    expect(r.clock.sleeps).toEqual([1000, 1000]);
  });

  it("adds five seconds to the interval for every slow_down, cumulatively", async () => {
    const r = run(["pending", "slow_down", "slow_down", "pending", "token"]);
    await r.promise;
    expect(r.clock.sleeps).toEqual([6000, 11000, 11000]);
  });

  it("uses five seconds when the service gives no interval", async () => {
    const r = run(["pending", "pending", "token"], authorization({ interval: undefined }));
    await r.promise;
    expect(r.clock.sleeps).toEqual([5000]);
  });

  it("stops at the device code's expiry even if the service never says so", async () => {
    const r = run(Array(1000).fill("pending"), authorization({ expiresIn: 10, interval: 3 }));
    await expect(r.promise).rejects.toBeInstanceOf(AuthorizationExpiredError);
    const total = r.clock.sleeps.reduce((a, b) => a + b, 0);
    expect(total).toBe(10_000);
    expect(r.clock.sleeps).toEqual([3000, 3000, 3000, 1000]);
  });

  it("turns ExpiredTokenException into the AWS CLI's expiry message", async () => {
    const r = run(["pending", "expired"]);
    await expect(r.promise).rejects.toThrow(/pending authorization to retrieve an SSO token has expired/);
  });

  it("reports a denial as a service error (exit 254) without polling further", async () => {
    const r = run(["pending", "denied", "token"]);
    const error = await r.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationDeniedError);
    expect((error as AuthorizationDeniedError).exitCode).toBe(254);
    expect(r.calls).toHaveLength(2);
  });

  it("lets other service errors through unchanged", async () => {
    const r = run(["pending", "boom"]);
    await expect(r.promise).rejects.toMatchObject({ code: "InvalidGrantException" });
  });

  it("stops when the signal aborts", async () => {
    const clock = new FakeClock();
    const { oidc } = scriptedOidc(Array(100).fill("pending"), clock);
    const controller = new AbortController();
    const promise = pollForToken({
      oidc,
      clock,
      signal: controller.signal,
      client: { clientId: "c", clientSecret: "s" },
      authorization: authorization(),
      issuedAt: clock.now(),
      onPending: () => controller.abort(new Error("cancelled")),
    });
    await expect(promise).rejects.toThrow("cancelled");
  });
});
