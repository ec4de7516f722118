/** The pieces of --debug that decide what may be shown, and the timeout knob. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFs } from "../../src/platform/fs.js";
import { withFsHook, type FsChange } from "../../src/platform/fs-hooks.js";
import { httpTimeoutsFromEnv, loggableParameters } from "../../src/sso/clients.js";
import { createDebugLog, debugFromEnv, displayUrl } from "../../src/ui/debug.js";

describe("loggableParameters", () => {
  it("shows allow-listed parameters and drops every token, secret and code", () => {
    const shown = loggableParameters({
      clientId: "cid",
      clientSecret: "SECRET-1",
      grantType: "authorization_code",
      code: "SECRET-2",
      codeVerifier: "SECRET-3",
      deviceCode: "SECRET-4",
      refreshToken: "SECRET-5",
      accessToken: "SECRET-6",
      nextToken: "SECRET-7",
      redirectUri: "http://127.0.0.1:5555/oauth/callback",
      accountId: "111111111111",
      roleName: "Admin",
      scopes: ["sso:account:access", "openid"],
    });
    expect(shown).toBe(
      " grantType=authorization_code scopes=sso:account:access,openid redirectUri=http://127.0.0.1:5555/oauth/callback accountId=111111111111 roleName=Admin",
    );
    expect(shown).not.toMatch(/SECRET|cid/);
    expect(loggableParameters({ accessToken: "x" })).toBe("");
  });
});

describe("displayUrl", () => {
  it("drops proxy credentials and query strings", () => {
    expect(displayUrl("http://alice:s3cret@proxy.example.com:3128")).toBe("http://***@proxy.example.com:3128");
    expect(displayUrl("https://portal.sso.us-east-1.amazonaws.com/assignment/roles?next_token=abc")).toBe(
      "https://portal.sso.us-east-1.amazonaws.com/assignment/roles",
    );
    expect(displayUrl("not a url")).toBe("(not a valid URL)");
  });
});

describe("debug switches", () => {
  it("SSO_SETUP_DEBUG turns it on unless it says no", () => {
    expect(debugFromEnv({})).toBe(false);
    expect(debugFromEnv({ SSO_SETUP_DEBUG: "1" })).toBe(true);
    expect(debugFromEnv({ SSO_SETUP_DEBUG: "true" })).toBe(true);
    expect(debugFromEnv({ SSO_SETUP_DEBUG: "0" })).toBe(false);
    expect(debugFromEnv({ SSO_SETUP_DEBUG: "off" })).toBe(false);
  });

  it("writes nothing until enabled, then one prefixed line per entry", () => {
    let out = "";
    const log = createDebugLog({ write: (text) => (out += text) }, false, () => Date.UTC(2025, 0, 2, 3, 4, 5, 6));
    log.log("api", "hidden");
    expect(out).toBe("");
    log.enable();
    log.log("file", "wrote /x (1 bytes, mode 0600)");
    expect(out).toBe("debug 2025-01-02T03:04:05.006Z file  wrote /x (1 bytes, mode 0600)\n");
  });
});

describe("SSO_SETUP_HTTP_TIMEOUT_SECONDS", () => {
  it("sets the answer timeout; the connect timeout never exceeds it", () => {
    expect(httpTimeoutsFromEnv({})).toEqual({ connectMs: 10_000, requestMs: 30_000 });
    expect(httpTimeoutsFromEnv({ SSO_SETUP_HTTP_TIMEOUT_SECONDS: "1.5" })).toEqual({ connectMs: 1_500, requestMs: 1_500 });
    expect(httpTimeoutsFromEnv({ SSO_SETUP_HTTP_TIMEOUT_SECONDS: "120" })).toEqual({ connectMs: 10_000, requestMs: 120_000 });
    expect(httpTimeoutsFromEnv({ SSO_SETUP_HTTP_TIMEOUT_SECONDS: "soon" })).toEqual({ connectMs: 10_000, requestMs: 30_000 });
  });
});

describe("withFsHook", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports writes with their size and the mode on disk, and removals, only while active", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sso-setup-fshook-"));
    const changes: FsChange[] = [];
    const hook = { active: false, changed: (change: FsChange) => changes.push(change) };
    const fs = withFsHook(nodeFs, hook);
    const file = path.join(dir, "a.json");
    await fs.writeFileAtomic(file, "{}", { mode: 0o600 });
    expect(changes).toEqual([]);
    hook.active = true;
    await fs.writeFileAtomic(file, "{\"é\":1}", { mode: 0o644 });
    expect(await fs.remove(file)).toBe(true);
    expect(await fs.remove(file)).toBe(false);
    // The existing file kept its 0600: the hook reports what is on disk, not what was asked.
    expect(changes).toEqual([
      { kind: "wrote", file, bytes: 8, mode: 0o600 },
      { kind: "removed", file },
    ]);
  });
});
