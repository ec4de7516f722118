import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/errors.js";
import type { Clock } from "../../src/platform/clock.js";
import { nodeLoopback, type Loopback, type LoopbackHandler, type LoopbackResponse } from "../../src/platform/loopback.js";
import { runAuthCodeFlow, type AuthCodeFlowInput } from "../../src/sso/auth-code-flow.js";
import { ApiError, type TokenResponse } from "../../src/sso/clients.js";
import { AuthorizationExpiredError } from "../../src/sso/device-flow.js";
import { authorizeUrl, codeChallenge, createCodeVerifier, percentEncode } from "../../src/sso/pkce.js";
import { FakeClock } from "../helpers/fake-clock.js";

describe("PKCE values and the /authorize URL, as botocore builds them", () => {
  it("reproduces the published test vector byte for byte", () => {
    // aws-cli-sso-behavior.md §4.3: client exampleClientId, port 55555, zero UUID, two scopes, verifier 'a'*64.
    const url = authorizeUrl({
      oidcEndpoint: "https://oidc.us-east-1.amazonaws.com",
      clientId: "exampleClientId",
      redirectUri: "http://127.0.0.1:55555/oauth/callback",
      state: "00000000-0000-0000-0000-000000000000",
      scopes: ["sso:account:access", "sso:foo"],
      codeChallenge: codeChallenge("a".repeat(64)),
    });
    expect(url).toBe(
      "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=exampleClientId&redirect_uri=http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback&state=00000000-0000-0000-0000-000000000000&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20sso%3Afoo&code_challenge=_-BU_nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs",
    );
  });

  it("defaults the scopes to sso:account:access and uses only the endpoint's origin", () => {
    const url = authorizeUrl({
      oidcEndpoint: "http://127.0.0.1:4000/some/base/",
      clientId: "c",
      redirectUri: "http://127.0.0.1:1/oauth/callback",
      state: "s",
      scopes: undefined,
      codeChallenge: "x",
    });
    expect(url).toBe(
      "http://127.0.0.1:4000/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Foauth%2Fcallback&state=s&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=x",
    );
  });

  it("percent-encodes like Python's quote(safe='-._~')", () => {
    expect(percentEncode("a-b_c.d~e")).toBe("a-b_c.d~e");
    expect(percentEncode("!'()* /:&=+é")).toBe("%21%27%28%29%2A%20%2F%3A%26%3D%2B%C3%A9");
  });

  it("makes a 64-character verifier from the unreserved alphabet, without modulo bias", () => {
    let calls = 0;
    // 255 is above the largest multiple of 66 below 256 and must be skipped, never mapped.
    const bytes = (n: number) => {
      calls += 1;
      return Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 255 : i));
    };
    const verifier = createCodeVerifier(bytes);
    expect(verifier).toHaveLength(64);
    expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(calls).toBe(2);
    expect(codeChallenge(verifier)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

/** A clock whose sleeps end only when the test moves time past them (FakeClock's end at once). */
class ManualClock implements Clock {
  private current = Date.parse("2026-01-01T00:00:00Z");
  private waiting: Array<{ until: number; resolve: () => void }> = [];
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { until: this.current + ms, resolve };
      this.waiting.push(entry);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
  advance(ms: number): void {
    this.current += ms;
    for (const w of this.waiting.filter((w) => w.until <= this.current)) w.resolve();
    this.waiting = this.waiting.filter((w) => w.until > this.current);
  }
}

/** A loopback "server" in memory: the test plays the browser by calling the handler. */
function fakeLoopback(port = 43210) {
  const state: { handler?: LoopbackHandler; closed: boolean } = { closed: false };
  const loopback: Loopback = {
    async listen(handler) {
      state.handler = handler;
      return {
        port,
        close: async () => {
          state.closed = true;
        },
      };
    },
  };
  const visit = (path: string, query: Record<string, string>): Promise<LoopbackResponse> =>
    state.handler!({ path, query: new URLSearchParams(query) });
  return { loopback, state, visit };
}

const FIXED = { bytes: (n: number) => new Uint8Array(n).fill(0), uuid: () => "11111111-2222-3333-4444-555555555555" };

function flowInput(overrides: Partial<AuthCodeFlowInput> & Pick<AuthCodeFlowInput, "loopback" | "clock" | "onPending">): AuthCodeFlowInput {
  return {
    oidc: {
      async createToken(): Promise<TokenResponse> {
        return { accessToken: "at", expiresIn: 3600, refreshToken: "rt" };
      },
    },
    oidcEndpoint: "https://oidc.us-east-1.amazonaws.com",
    client: async () => ({ clientId: "cid", clientSecret: "secret" }),
    scopes: ["sso:account:access"],
    description: 'the sso-session "corp"',
    timeoutMs: 600_000,
    random: FIXED,
    ...overrides,
  };
}

describe("the authorization-code flow", () => {
  it("exchanges the code with the verifier and the exact redirect URI, and answers a success page", async () => {
    const { loopback, state, visit } = fakeLoopback(43210);
    const calls: unknown[] = [];
    let page: LoopbackResponse | undefined;
    const token = await runAuthCodeFlow(
      flowInput({
        loopback,
        clock: new ManualClock(),
        oidc: {
          async createToken(input) {
            calls.push(input);
            return { accessToken: "at", expiresIn: 3600, refreshToken: "rt" };
          },
        },
        onPending: async (url) => {
          const u = new URL(url);
          expect(u.searchParams.get("redirect_uri")).toBe("http://127.0.0.1:43210/oauth/callback");
          expect(u.searchParams.get("client_id")).toBe("cid");
          // A stray request first (browsers ask for icons): ignored, the flow keeps waiting.
          expect((await visit("/favicon.ico", {})).status).toBe(404);
          page = await visit("/oauth/callback", { code: "the-code", state: u.searchParams.get("state")! });
        },
      }),
    );
    expect(token.accessToken).toBe("at");
    expect(calls).toEqual([
      {
        clientId: "cid",
        clientSecret: "secret",
        grantType: "authorization_code",
        code: "the-code",
        redirectUri: "http://127.0.0.1:43210/oauth/callback",
        codeVerifier: createCodeVerifier(FIXED.bytes),
      },
    ]);
    expect(page!.status).toBe(200);
    expect(page!.html).toContain('data-result="ok"');
    expect(page!.html).toContain("You can close this tab");
    expect(state.closed).toBe(true);
    // A second redirect (a reload) gets a calm answer, not a second exchange.
    expect((await visit("/oauth/callback", { code: "x", state: FIXED.uuid() })).html).toContain("already finished");
    expect(calls).toHaveLength(1);
  });

  /** Runs the flow once, with the "browser" coming back with `query` (built from the authorize URL). */
  async function redirectOnce(query: (authorize: URL) => Record<string, string>, overrides: Partial<AuthCodeFlowInput> = {}) {
    const { loopback, visit } = fakeLoopback();
    let page: LoopbackResponse | undefined;
    const outcome = await runAuthCodeFlow(
      flowInput({
        loopback,
        clock: new ManualClock(),
        ...overrides,
        onPending: async (url) => {
          page = await visit("/oauth/callback", query(new URL(url)));
        },
      }),
    ).then(
      (token) => ({ token, error: undefined }),
      (error: unknown) => ({ token: undefined, error: error as Error & { exitCode?: number } }),
    );
    return { ...outcome, page: page! };
  }
  const ownState = (authorize: URL) => authorize.searchParams.get("state")!;

  it("refuses a redirect whose state does not match, with the AWS CLI's message", async () => {
    const { error, page } = await redirectOnce(() => ({ code: "c", state: "forged" }));
    expect(error?.message).toBe("Error loading authorization code: State parameter does not match expected value.");
    expect(page.status).toBe(400);
    expect(page.html).toContain('data-result="error"');
    expect(page.html).toContain("state parameter does not match");
  });

  it("reports ?error= redirects (a denial) and shows the error on the page, escaped", async () => {
    const { error, page } = await redirectOnce(() => ({ error: "access_denied", error_description: "<b>no</b>" }));
    expect(error?.message).toMatch(/^Error loading authorization code: Failed to retrieve an authorization code\. .*"access_denied"/);
    expect(error?.exitCode).toBe(255);
    expect(page.html).toContain("The authentication redirect failed with the following error: access_denied");
    expect(page.html).not.toContain("<b>no</b>");
  });

  it("maps an expired code to the expiry message and other service errors through, on the page too", async () => {
    for (const [code, message] of [
      ["ExpiredTokenException", /pending authorization to retrieve an SSO token has expired/],
      ["InvalidGrantException", /InvalidGrantException/],
    ] as const) {
      const failing = {
        async createToken(): Promise<TokenResponse> {
          throw new ApiError("CreateToken", code, 400, undefined);
        },
      };
      const { error, page } = await redirectOnce((u) => ({ code: "c", state: ownState(u) }), { oidc: failing });
      expect(error?.message).toMatch(message);
      expect(page.html).toContain("could not be exchanged for a token");
    }
  });

  it("gives up after the timeout with the AWS CLI's expiry message, without waiting in real time", async () => {
    const { loopback, state } = fakeLoopback();
    const clock = new FakeClock();
    const before = clock.now();
    await expect(runAuthCodeFlow(flowInput({ loopback, clock, onPending: () => undefined }))).rejects.toBeInstanceOf(
      AuthorizationExpiredError,
    );
    expect(clock.sleeps).toEqual([600_000]);
    expect(clock.now() - before).toBe(600_000);
    expect(state.closed).toBe(true);
  });

  it("waits for the redirect until the deadline, not a moment longer", async () => {
    const { loopback, visit } = fakeLoopback();
    const clock = new ManualClock();
    let url = "";
    const run = runAuthCodeFlow(flowInput({ loopback, clock, timeoutMs: 1000, onPending: (u) => void (url = u) }));
    await new Promise((r) => setTimeout(r, 5));
    clock.advance(999);
    await visit("/oauth/callback", { code: "c", state: ownState(new URL(url)) });
    await expect(run).resolves.toMatchObject({ accessToken: "at" });
  });

  it("explains a listener that cannot start, and points at --use-device-code", async () => {
    const broken: Loopback = {
      listen: async () => {
        throw Object.assign(new Error("listen EADDRNOTAVAIL: address not available 127.0.0.1"), { code: "EADDRNOTAVAIL" });
      },
    };
    let registered = false;
    const run = runAuthCodeFlow(
      flowInput({
        loopback: broken,
        clock: new ManualClock(),
        client: async () => {
          registered = true;
          return { clientId: "c", clientSecret: "s" };
        },
        onPending: () => undefined,
      }),
    );
    await expect(run).rejects.toThrow(
      /^Unable to initialize the OAuth 2\.0 authorization callback handler: listen EADDRNOTAVAIL.*\nYou may use --use-device-code to fall back to the device code flow/,
    );
    expect(registered).toBe(false);
  });

  it("stops waiting on Ctrl-C", async () => {
    const { loopback, state } = fakeLoopback();
    const controller = new AbortController();
    const run = runAuthCodeFlow(
      flowInput({ loopback, clock: new ManualClock(), signal: controller.signal, onPending: () => controller.abort(new CancelledError()) }),
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(state.closed).toBe(true);
  });
});

describe("the loopback listener", () => {
  it("binds 127.0.0.1 on an ephemeral port, serves HTML pages, and refuses foreign Host headers", async () => {
    const server = await nodeLoopback.listen(async (request) => ({ status: 200, html: `<p>${request.path}?${request.query.get("code")}</p>` }));
    try {
      expect(server.port).toBeGreaterThan(0);
      const ok = await fetch(`http://127.0.0.1:${server.port}/oauth/callback?code=abc`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(ok.headers.get("referrer-policy")).toBe("no-referrer");
      expect(await ok.text()).toBe("<p>/oauth/callback?abc</p>");
      const { request } = await import("node:http");
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.port, path: "/oauth/callback", headers: { host: "evil.example" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(400);
    } finally {
      await server.close();
    }
    await expect(fetch(`http://127.0.0.1:${server.port}/`)).rejects.toThrow();
  });
});
