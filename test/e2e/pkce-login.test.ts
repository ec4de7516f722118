/**
 * The authorization-code flow with PKCE, end to end: the built CLI, the emulator's /authorize and
 * CreateToken, and the stand-in person (BROWSER) who follows the redirect to sso-setup's loopback
 * listener and reads the page it answers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { makeSandbox, recordingBrowser, runCli, TOKEN_FILE_KEYS, type Sandbox } from "../helpers/cli.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const CORP_TOKEN_FILE = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")
const CORP_REGISTRATION_FILE = "bc8a1afdb0f5cdc2c789b8a6cd51898e2be3c37c.json"; // botocore's key for corp, [sso:account:access]
const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;
const PKCE_TEXT =
  "Attempting to open your default browser. If the browser does not open, open the following URL.\n" +
  "If you are unable to open the URL on this device, run this command again with the '--use-device-code' option.\n\n";
const EXPIRED = "The pending authorization to retrieve an SSO token has expired. The login flow to retrieve an SSO token must be restarted.";

let emu: Emulator;
let box: Sandbox;
let personLog: string;

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  personLog = path.join(box.dir, "person.log");
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
});

afterEach(async () => {
  await emu.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: box.env({ PERSON_LOG: personLog, ...env }) });
const ops = () => emu.requests.map((r) => r.operation);
/** What the person's browser saw. It may finish reading the page just after sso-setup has exited. */
async function visits(): Promise<Array<{ status: number; result: string; redirectAt: number }>> {
  // appendFileSync creates the file before it writes the line: wait for a whole line, not the file.
  const complete = () => existsSync(personLog) && readFileSync(personLog, "utf8").endsWith("\n");
  for (let i = 0; i < 100 && !complete(); i++) await new Promise((r) => setTimeout(r, 50));
  return readFileSync(personLog, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { status: number; result: string; redirectAt: number });
}

describe("login with the authorization-code flow (the default for an sso-session)", () => {
  it("registers for it, opens /authorize, receives the code on 127.0.0.1 and exchanges it with the verifier", async () => {
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const url = new RegExp(
      `${PKCE_TEXT.replace(/[.*+?^${}()|[\]\\']/g, "\\$&")}(${emu.url.replace(/[.]/g, "\\.")}/authorize\\?response_type=code&client_id=[^&]+&redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A(\\d+)%2Foauth%2Fcallback&state=[0-9a-f-]{36}&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=[A-Za-z0-9_-]{43})\n\n`,
    ).exec(r.stderr);
    expect(url, r.stderr).not.toBeNull();
    expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
    expect(ops()).toEqual(["RegisterClient", "Authorize", "CreateToken"]);

    const [register, authorize, createToken] = emu.requests;
    expect(JSON.parse(register!.body)).toEqual({
      clientName: "botocore-client-corp",
      clientType: "public",
      scopes: ["sso:account:access"],
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: START_URL,
    });
    const port = url![2]!;
    expect(authorize!.query.redirect_uri).toBe(`http://127.0.0.1:${port}/oauth/callback`);
    const exchange = JSON.parse(createToken!.body) as Record<string, string>;
    expect(exchange).toMatchObject({ grantType: "authorization_code", redirectUri: `http://127.0.0.1:${port}/oauth/callback` });
    expect(exchange.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{64}$/);

    // The browser was shown a success page once the code had been exchanged.
    expect(await visits()).toEqual([expect.objectContaining({ status: 200, result: "ok" })]);
    const caches = box.cacheFiles();
    expect(Object.keys(caches[CORP_TOKEN_FILE]!)).toEqual(TOKEN_FILE_KEYS);
    // The registration is cached as the AWS CLI caches an authorization-code one.
    expect(Object.keys(caches[CORP_REGISTRATION_FILE]!)).toEqual(["clientId", "clientSecret", "expiresAt", "scopes", "grantTypes"]);
    expect(caches[CORP_REGISTRATION_FILE]!.grantTypes).toEqual(["authorization_code", "refresh_token"]);
  });

  it("works through the emulator's consent page too (the person presses Allow)", async () => {
    emu.state.authorizeMode = "page";
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code, r.stderr).toBe(0);
    expect(ops()).toEqual(["RegisterClient", "Authorize", "AuthorizeApprove", "CreateToken"]);
  });

  it("refuses a redirect with the wrong state (255) and writes no token", async () => {
    emu.state.authorizeMode = "wrong-state";
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain("Error loading authorization code: State parameter does not match expected value.");
    expect(ops()).not.toContain("CreateToken");
    expect(await visits()).toEqual([expect.objectContaining({ status: 400, result: "error" })]);
    expect(Object.keys(box.cacheFiles())).not.toContain(CORP_TOKEN_FILE);
  });

  it("reports a denial (?error=access_denied) with the AWS CLI's message (255)", async () => {
    emu.state.authorizeMode = "page";
    const r = await cli(["login", "--profile", "dev"], { PERSON_ACTION: "deny" });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Error loading authorization code: Failed to retrieve an authorization code\. The browser was redirected with the error "access_denied"/);
    expect(Object.keys(box.cacheFiles())).not.toContain(CORP_TOKEN_FILE);
  });

  it("gives up when no redirect arrives in time (255); --no-browser prints the URL and opens nothing", async () => {
    const started = Date.now();
    const r = await cli(["login", "--profile", "dev", "--no-browser"], { SSO_SETUP_AUTH_TIMEOUT_SECONDS: "1" });
    expect(r.code).toBe(255);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.stderr).toMatch(/Browser will not be automatically opened\.\nPlease visit the following URL in a browser on this machine:\n\nhttp:\/\/127\.0\.0\.1:\d+\/authorize\?response_type=code&/);
    expect(r.stderr).toContain("\nWaiting for the request to be approved (Ctrl-C to cancel)...\n");
    expect(r.stderr).not.toContain("in the browser (Ctrl-C");
    expect(r.stderr).toContain(EXPIRED);
    expect(ops()).toEqual(["RegisterClient"]);
  });

  it("configure signs in with it too, and --use-device-code switches flows (re-registering, as botocore does)", async () => {
    writeFileSync(box.configFile, "");
    let r = await cli([
      "configure",
      "--profile",
      "dev",
      "--sso-session",
      "corp",
      "--start-url",
      START_URL,
      "--sso-region",
      "us-east-1",
      "--account-id",
      "444444444444",
      "--non-interactive",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(ops().slice(0, 3)).toEqual(["RegisterClient", "Authorize", "CreateToken"]);

    const mark = emu.requests.length;
    r = await cli(["login", "--profile", "dev", "--use-device-code"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Then enter the code:");
    const later = emu.requests.slice(mark);
    const laterOps = later.map((x) => x.operation);
    expect(laterOps[0]).toBe("RegisterClient");
    expect(laterOps).toContain("StartDeviceAuthorization");
    expect(laterOps).not.toContain("Authorize");
    expect(JSON.parse(later[0]!.body)).not.toHaveProperty("grantTypes");
    expect(box.cacheFiles()[CORP_REGISTRATION_FILE]).not.toHaveProperty("grantTypes");
  });
});

describe("choosing the flow from the environment", () => {
  it("uses the device flow under CI, saying why in one line, and then neither opens nor mentions a browser here", async () => {
    emu.state.autoApproveAfterPolls = 1;
    const { command, marker } = recordingBrowser(box);
    const r = await cli(["login", "--profile", "dev"], { CI: "true", BROWSER: command });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^Using the device code flow: CI is set, so the request has to be approved from a browser on another device\.\nBrowser will not be automatically opened\.\nPlease visit the following URL:\n/,
    );
    expect(r.stderr).not.toContain("Attempting to open");
    expect(r.stderr).toContain("\nWaiting for the request to be approved (Ctrl-C to cancel)...\n");
    expect(existsSync(marker)).toBe(false);
    expect(ops()).toContain("StartDeviceAuthorization");
    expect(ops()).not.toContain("Authorize");
  });

  it("uses the device flow in an SSH session without a display (and no BROWSER)", async () => {
    emu.state.autoApproveAfterPolls = 1;
    const r = await cli(["login", "--profile", "dev", "--no-browser"], { BROWSER: undefined, SSH_CONNECTION: "10.0.0.2 50000 10.0.0.1 22" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Using the device code flow: this is an SSH session without a display");
    expect(ops()).not.toContain("Authorize");
  });
});

describe("single flight", () => {
  it("five concurrent logins to one session run one authorization; the others wait and share its token", async () => {
    // The consent page keeps the first sign-in open for a while, so the others really overlap it.
    emu.state.authorizeMode = "page";
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cli(["login", "--profile", "dev"], { PERSON_DELAY_MS: "700" })));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
    }
    expect(ops().filter((o) => o === "Authorize")).toHaveLength(1);
    expect(ops().filter((o) => o === "CreateToken")).toHaveLength(1);
    expect(ops().filter((o) => o === "RegisterClient")).toHaveLength(1);
    const waited = results.filter((r) => r.stderr.includes('Another sso-setup process is signing in to (or refreshing) sso-session "corp"'));
    expect(waited).toHaveLength(4);
    expect(waited.every((r) => !r.stderr.includes("Attempting to open"))).toBe(true);
    expect(readFileSync(path.join(box.ssoCacheDir, CORP_TOKEN_FILE), "utf8")).toContain('"accessToken": ');
  });
});
