/**
 * `--debug` (issue 5 §8), end to end: every API call and file write is on stderr, and no secret is,
 * neither those the caches hold nor those that only travel in requests (device and authorization
 * codes, the PKCE verifier, the bearer token header).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { CONFIGURE_DEV, makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";

const SECRET_KEYS = new Set([
  "accessToken",
  "refreshToken",
  "clientSecret",
  "SecretAccessKey",
  "SessionToken",
  "deviceCode",
  "code",
  "codeVerifier",
  "x-amz-sso_bearer_token",
]);
const DEBUG_LINE = /^debug \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (api  |net  |file |error) \S/;

let emu: Emulator;
let box: Sandbox;

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
});

afterEach(async () => {
  await emu.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: box.env(env) });
const cliCacheDir = () => path.join(box.home, ".aws", "cli", "cache");
const debugLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("debug "));

/** Every string under a secret-named key, at any depth. */
function collectSecrets(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) value.forEach((item) => collectSecrets(item, into));
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_KEYS.has(key) && typeof inner === "string" && inner !== "") into.add(inner);
      else collectSecrets(inner, into);
    }
  }
}

/** The secrets on disk now: token and registration caches, role-credential cache. */
function secretsOnDisk(into: Set<string>): void {
  collectSecrets(box.cacheFiles(), into);
  if (existsSync(cliCacheDir())) {
    for (const name of readdirSync(cliCacheDir())) collectSecrets(JSON.parse(readFileSync(path.join(cliCacheDir(), name), "utf8")), into);
  }
}

/** The secrets sso-setup sent: request bodies (codes, verifier, refresh token, client secret) and the bearer header. */
function secretsSent(into: Set<string>): void {
  for (const request of emu.requests) {
    collectSecrets(request.headers, into);
    if (request.body.startsWith("{")) collectSecrets(JSON.parse(request.body), into);
  }
}

describe("--debug", () => {
  it("logs each API call and file write of configure, login, export-credentials and logout, and no secret", async () => {
    const secrets = new Set<string>();
    let stderr = "";
    const step = async (args: string[], env: Record<string, string | undefined> = {}) => {
      const r = await cli(args, env);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
      stderr += r.stderr;
      secretsOnDisk(secrets);
      return r;
    };

    // --debug after the command, before it, and as SSO_SETUP_DEBUG: the three ways in.
    await step([...CONFIGURE_DEV, "--debug"]); // authorization code + PKCE
    await step(["--debug", "login", "--profile", "dev", "--use-device-code"]); // device code
    const exported = await step(["export-credentials", "--profile", "dev"], { SSO_SETUP_DEBUG: "1" });
    collectSecrets(JSON.parse(exported.stdout), secrets);
    // Expired access token, no cached role credentials: a refresh with the refresh token, then GetRoleCredentials.
    const tokenFile = path.join(box.ssoCacheDir, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    const token = JSON.parse(readFileSync(tokenFile, "utf8")) as Record<string, unknown>;
    writeFileSync(tokenFile, JSON.stringify({ ...token, expiresAt: "2020-01-01T00:00:00Z" }));
    rmSync(cliCacheDir(), { recursive: true });
    await step(["export-credentials", "--profile", "dev", "--debug"]);
    secretsSent(secrets);
    await step(["logout", "--profile", "dev", "--debug"]);

    // The haystack is real: tokens, the client secret, both credential parts, codes and the verifier.
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    const lines = debugLines(stderr);
    for (const secret of secrets) {
      expect(stderr.includes(secret), `a secret reached stderr: ${secret.slice(0, 6)}…`).toBe(false);
    }

    for (const line of lines) expect(line).toMatch(DEBUG_LINE);
    for (const operation of ["RegisterClient", "StartDeviceAuthorization", "CreateToken", "ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout"]) {
      expect(lines.some((line) => new RegExp(`^debug \\S+ api   ${operation} attempt 1: (GET|POST) http://127\\.0\\.0\\.1:\\d+/\\S+ -> HTTP 200 \\(\\d+ ms\\)$`).test(line)), operation).toBe(
        true,
      );
      expect(lines.some((line) => new RegExp(`api   ${operation}\\b.*: HTTP 200 after 1 attempt in \\d+ ms$`).test(line)), operation).toBe(true);
    }
    expect(lines).toContainEqual(expect.stringMatching(/api   CreateToken grantType=refresh_token: HTTP 200 after 1 attempt/));
    // Nothing failed, so every call took one attempt, each counted on its own (CreateToken is called
    // several times while the sign-in is pending).
    expect(lines.filter((line) => /api   CreateToken attempt/.test(line)).length).toBeGreaterThan(1);
    expect(lines.filter((line) => /api   \w+ attempt \d+:/.test(line) && !/ attempt 1:/.test(line))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/api   GetRoleCredentials accountId=111111111111 roleName=ReadOnlyAccess: HTTP 200/));
    expect(lines).toContainEqual(expect.stringMatching(/net   SSO portal http:\/\/127\.0\.0\.1:\d+ direct; timeouts: connect 10 s, answer 30 s; SDK standard retries, 3 attempts$/));

    const wrote = (file: string) => new RegExp(`file  wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d+ bytes, mode 0600\\)$`);
    expect(lines).toContainEqual(expect.stringMatching(wrote(box.configFile)));
    expect(lines).toContainEqual(expect.stringMatching(wrote(path.join(box.ssoCacheDir, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"))));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`file  wrote ${cliCacheDir()}/[0-9a-f]{40}\\.json \\(\\d+ bytes, mode 0600\\)$`)));
    expect(lines).toContainEqual(expect.stringMatching(/file  removed .*\/\.aws\/sso\/cache\/ee0bfd2552fbd840c02cc48b6e823320543c450f\.json$/));
    // Data stays on stdout only: the process credentials are still one clean JSON document.
    expect(JSON.parse(exported.stdout)).toMatchObject({ Version: 1 });
  });

  it("shows each retry as an attempt, and the error's causes when a command fails", async () => {
    emu.fail({ operation: "ListAccounts", status: 500, count: 1 });
    const ok = await cli([...CONFIGURE_DEV, "--debug"]);
    expect(ok.code).toBe(0);
    const lines = debugLines(ok.stderr);
    expect(lines).toContainEqual(expect.stringMatching(/api   ListAccounts attempt 1: GET http:\/\/\S+\/assignment\/accounts -> HTTP 500 InternalServerException \(\d+ ms\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/api   ListAccounts attempt 2: GET \S+ -> HTTP 200 \(\d+ ms\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/api   ListAccounts maxResults=\d+: HTTP 200 after 2 attempts in \d+ ms, \d+ ms of it waiting to retry$/));

    emu.fail({ operation: "ListAccounts", mode: "reset", count: 10 });
    const failed = await cli(["--debug", ...CONFIGURE_DEV]);
    expect(failed.code).toBe(255);
    const failedLines = debugLines(failed.stderr);
    expect(failedLines).toContainEqual(expect.stringMatching(/api   ListAccounts attempt 3: GET \S+ -> no answer: ECONNRESET \(\d+ ms\)$/));
    expect(failedLines).toContainEqual(expect.stringMatching(/error NetworkError: Could not reach/));
    expect(failedLines).toContainEqual(expect.stringMatching(/error caused by \w+ \[ECONNRESET\]: socket hang up$/));
  });

  it("prints nothing extra without --debug", async () => {
    const r = await cli(CONFIGURE_DEV);
    expect(r.code).toBe(0);
    expect(debugLines(r.stderr)).toEqual([]);
  });
});
