/**
 * The life of a session after sign-in, from the built CLI against the emulator: export-credentials
 * (every format, the shared role-credential cache, refresh, credential_process through the SDKs),
 * status, logout, and a burst of processes that need one sign-in.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { botocoreAccessKey, botocoreAccessKeyWithCliCache, botocoreEnv } from "../helpers/botocore.js";
import { CLI, fileMode, makeSandbox, recordingBrowser, runCli, type Sandbox } from "../helpers/cli.js";
import { spawnCliPty } from "../helpers/pty.js";
import { sdkResolve } from "../helpers/sdk.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const OTHER_URL = "https://d-9999999999.awsapps.com/start";
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const TOKEN = { corp: sha1("corp"), other: sha1("other"), legacy: sha1(START_URL) };
// botocore's role-credential keys for the profiles below: sha1 of the minified JSON with sorted keys.
const ROLE_KEY = {
  dev: sha1('{"accountId":"111111111111","roleName":"ReadOnlyAccess","sessionName":"corp"}'),
  prod: sha1('{"accountId":"222222222222","roleName":"PowerUserAccess","sessionName":"corp"}'),
  side: sha1('{"accountId":"333333333333","roleName":"Billing","sessionName":"other"}'),
  old: sha1(`{"accountId":"444444444444","roleName":"SecurityAudit","startUrl":"${START_URL}"}`),
};

const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1
[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = PowerUserAccess
[profile side]
sso_session = other
sso_account_id = 333333333333
sso_role_name = Billing
[profile old]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 444444444444
sso_role_name = SecurityAudit
[profile dev-process]
credential_process = "${process.execPath}" "${CLI}" export-credentials --profile dev
region = eu-west-1
[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[sso-session other]
sso_start_url = ${OTHER_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

let emu: Emulator;
let box: Sandbox;
let cliCacheDir: string;

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  cliCacheDir = path.join(box.home, ".aws", "cli", "cache");
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
});

afterEach(async () => {
  await emu.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: box.env(env) });
const opsSince = (mark: number) => emu.requests.slice(mark).map((r) => r.operation);
const tokenFile = (key: string) => path.join(box.ssoCacheDir, `${key}.json`);
const roleFile = (key: string) => path.join(cliCacheDir, `${key}.json`);
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;

async function login(profile: string) {
  const r = await cli(["login", "--profile", profile]);
  expect(r.code, r.stderr).toBe(0);
}

/** Leaves the session's token `minutesLeft` from expiry locally, and dead at the service. */
function ageToken(key: string, minutesLeft: number) {
  const token = readJson(tokenFile(key));
  emu.expireToken(token.accessToken);
  const expiresAt = new Date(Date.now() + minutesLeft * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  writeFileSync(tokenFile(key), JSON.stringify({ ...token, expiresAt }));
  return token;
}

describe("export-credentials", () => {
  it("prints every format from one GetRoleCredentials, cached in the AWS CLI's file and format", async () => {
    await login("dev");
    const mark = emu.requests.length;
    const first = await cli(["export-credentials", "--profile", "dev"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe("");
    expect(opsSince(mark)).toEqual(["GetRoleCredentials"]);

    const entry = readJson(roleFile(ROLE_KEY.dev));
    const creds = entry.Credentials as Record<string, string>;
    const issued = emu.state.roleCredentials.get(creds.AccessKeyId!)!;
    expect(issued).toMatchObject({ accountId: "111111111111", roleName: "ReadOnlyAccess" });
    // One line of json.dumps, key order, ...Z without milliseconds, 0600: the AWS CLI's own entry.
    const expZ = new Date(Math.floor(issued.expiration / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
    expect(readFileSync(roleFile(ROLE_KEY.dev), "utf8")).toBe(
      `{"ProviderType": "sso", "Credentials": {"AccessKeyId": "${creds.AccessKeyId}", "SecretAccessKey": "${creds.SecretAccessKey}", "SessionToken": "${creds.SessionToken}", "Expiration": "${expZ}", "AccountId": "111111111111"}}`,
    );
    expect(fileMode(roleFile(ROLE_KEY.dev))).toBe(0o600);

    const exp = expZ.replace(/Z$/, "+00:00");
    const { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token } = creds;
    expect(first.stdout).toBe(
      `{\n  "Version": 1,\n  "AccessKeyId": "${id}",\n  "SecretAccessKey": "${secret}",\n  "SessionToken": "${token}",\n  "Expiration": "${exp}"\n}\n`,
    );
    const expected: Record<string, string> = {
      env: `export AWS_ACCESS_KEY_ID=${id}\nexport AWS_SECRET_ACCESS_KEY=${secret}\nexport AWS_SESSION_TOKEN=${token}\nexport AWS_CREDENTIAL_EXPIRATION=${exp}\n`,
      "env-no-export": `AWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${secret}\nAWS_SESSION_TOKEN=${token}\nAWS_CREDENTIAL_EXPIRATION=${exp}\n`,
      powershell: `$Env:AWS_ACCESS_KEY_ID="${id}"\n$Env:AWS_SECRET_ACCESS_KEY="${secret}"\n$Env:AWS_SESSION_TOKEN="${token}"\n$Env:AWS_CREDENTIAL_EXPIRATION="${exp}"\n`,
      "windows-cmd": `set AWS_ACCESS_KEY_ID=${id}\nset AWS_SECRET_ACCESS_KEY=${secret}\nset AWS_SESSION_TOKEN=${token}\nset AWS_CREDENTIAL_EXPIRATION=${exp}\n`,
      fish: `set -gx AWS_ACCESS_KEY_ID "${id}"\nset -gx AWS_SECRET_ACCESS_KEY "${secret}"\nset -gx AWS_SESSION_TOKEN "${token}"\nset -gx AWS_CREDENTIAL_EXPIRATION "${exp}"\n`,
    };
    const results = await Promise.all(Object.keys(expected).map((format) => cli(["export-credentials", "--profile", "dev", "--format", format])));
    Object.keys(expected).forEach((format, i) => {
      expect(results[i]!.code, results[i]!.stderr).toBe(0);
      expect(results[i]!.stdout).toBe(expected[format]);
      expect(results[i]!.stderr).toBe("");
    });
    // All served from the cache: still one GetRoleCredentials.
    expect(opsSince(mark)).toEqual(["GetRoleCredentials"]);
  });

  it("resolves the profile from AWS_PROFILE, and fetches again when the cached credentials have < 15 minutes left", async () => {
    await login("dev");
    expect((await cli(["export-credentials"], { AWS_PROFILE: "dev" })).code).toBe(0);
    const entry = readJson(roleFile(ROLE_KEY.dev));
    entry.Credentials.Expiration = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    writeFileSync(roleFile(ROLE_KEY.dev), JSON.stringify(entry));
    const mark = emu.requests.length;
    const r = await cli(["export-credentials", "--profile", "dev", "--format", "env"]);
    expect(r.code, r.stderr).toBe(0);
    expect(opsSince(mark)).toEqual(["GetRoleCredentials"]);
    expect(r.stdout).toContain(`export AWS_ACCESS_KEY_ID=${readJson(roleFile(ROLE_KEY.dev)).Credentials.AccessKeyId}\n`);
  });

  it("refreshes an expired token with its refresh token first, and writes it back", async () => {
    await login("dev");
    const old = ageToken(TOKEN.corp, -5);
    const mark = emu.requests.length;
    const r = await cli(["export-credentials", "--profile", "dev"]);
    expect(r.code, r.stderr).toBe(0);
    expect(opsSince(mark)).toEqual(["CreateToken", "GetRoleCredentials"]);
    expect(JSON.parse(emu.requests[mark]!.body)).toMatchObject({ grantType: "refresh_token", refreshToken: old.refreshToken });
    const refreshed = readJson(tokenFile(TOKEN.corp));
    expect(refreshed.accessToken).not.toBe(old.accessToken);
    expect(emu.requests[mark + 1]!.headers["x-amz-sso_bearer_token"]).toBe(refreshed.accessToken);
  });

  it("without a usable token and without a terminal, fails at once (253) naming the login command; no browser, no network", async () => {
    const browser = recordingBrowser(box);
    const r = await cli(["export-credentials", "--profile", "dev"], { BROWSER: browser.command });
    expect(r.code).toBe(253);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      '\nsso-setup: error: Unable to retrieve credentials: There is no cached SSO token for sso-session "corp". To sign in, run: sso-setup login --profile dev\n',
    );
    expect(existsSync(browser.marker)).toBe(false);
    expect(emu.requests).toHaveLength(0);
  });

  it("in a terminal, signs in instead of failing, then prints the credentials", async () => {
    const c = spawnCliPty(["export-credentials", "--profile", "dev", "--format", "env"], box.env());
    const exit = await c.waitForExit(20_000);
    expect(exit.code, c.text()).toBe(0);
    const screen = c.text();
    expect(screen).toContain('There is no cached SSO token for sso-session "corp". Signing in now.');
    expect(screen).toContain("Attempting to open your default browser.");
    expect(screen).toMatch(/export AWS_ACCESS_KEY_ID=ASIA/);
    expect(emu.requests.map((q) => q.operation)).toEqual(["RegisterClient", "Authorize", "CreateToken", "GetRoleCredentials"]);
  });

  it("turns a token the service refuses into the AWS CLI's session-expired message (253)", async () => {
    await login("old");
    emu.expireToken(readJson(tokenFile(TOKEN.legacy)).accessToken);
    const r = await cli(["export-credentials", "--profile", "old"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toContain(
      "Unable to retrieve credentials: The SSO session associated with this profile has expired or is otherwise invalid. To sign in again, run: sso-setup login --profile old",
    );
  });

  it.each([
    [["export-credentials", "--profile", "nope"], 253, "Unable to retrieve credentials: The config profile (nope) could not be found"],
    [["export-credentials", "--profile", "dev-process"], 253, 'Unable to retrieve credentials: The profile "dev-process" is not configured for IAM Identity Center'],
    [["export-credentials", "--profile", "dev", "--format", "xml"], 252, "argument 'xml' is invalid. Allowed choices are process, env, env-no-export, powershell, windows-cmd, fish"],
  ])("%j fails with %i", async (args, code, message) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
  });
});

describe("credential_process = sso-setup export-credentials, read by the SDKs", () => {
  it("the JS SDK's fromIni runs it and STS accepts the credentials; botocore's process provider too", async () => {
    await login("dev");
    const result = await sdkResolve(box, emu.url, "dev-process", "ini");
    expect(result.error).toBeUndefined();
    expect(result.identity!.Account).toBe("111111111111");
    expect(result.identity!.Arn).toContain("AWSReservedSSO_ReadOnlyAccess_");
    expect(result.credentials!.source).toHaveProperty("CREDENTIALS_PROCESS");
    // The SDK took the expiry from the process output: it matches the cached entry.
    const cached = readJson(roleFile(ROLE_KEY.dev)).Credentials;
    expect(result.credentials!.expiration).toBe(new Date(cached.Expiration).toISOString());

    const mark = emu.requests.length;
    const boto = await botocoreAccessKey("dev-process", botocoreEnv({ home: box.home, configFile: box.configFile, emulatorUrl: emu.url }));
    expect(boto.code, boto.stderr).toBe(0);
    expect(boto.stdout.trim()).toBe(cached.AccessKeyId);
    expect(opsSince(mark)).toEqual([]);
  });

  it("without a token, the SDK gets the failure with the login command, and nothing waits for a person", async () => {
    const started = Date.now();
    const result = await sdkResolve(box, emu.url, "dev-process", "ini");
    expect(result.ok).toBe(false);
    expect(result.error!.message).toContain("sso-setup login --profile dev");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("the role-credential cache is shared with the AWS CLI v2", () => {
  it("botocore with the CLI's cache uses what sso-setup cached, and sso-setup uses what botocore cached", async () => {
    await login("dev");
    await login("prod");
    const env = botocoreEnv({ home: box.home, configFile: box.configFile, emulatorUrl: emu.url });

    expect((await cli(["export-credentials", "--profile", "dev"])).code).toBe(0);
    let mark = emu.requests.length;
    const viaBotocore = await botocoreAccessKeyWithCliCache("dev", env);
    expect(viaBotocore.code, viaBotocore.stderr).toBe(0);
    expect(viaBotocore.stdout.trim()).toBe(readJson(roleFile(ROLE_KEY.dev)).Credentials.AccessKeyId);
    expect(opsSince(mark)).toEqual([]);

    mark = emu.requests.length;
    const written = await botocoreAccessKeyWithCliCache("prod", env);
    expect(written.code, written.stderr).toBe(0);
    expect(opsSince(mark)).toEqual(["GetRoleCredentials"]);
    mark = emu.requests.length;
    const r = await cli(["export-credentials", "--profile", "prod", "--format", "env-no-export"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`AWS_ACCESS_KEY_ID=${written.stdout.trim()}\n`);
    expect(opsSince(mark)).toEqual([]);
  });
});

describe("status", () => {
  it("shows every session and legacy start URL; exits 0 for a usable token and 253 otherwise", async () => {
    await login("dev");
    let r = await cli(["status"]);
    expect(r.code, r.stderr).toBe(0);
    // Fits 80 columns: expiry relative, profiles counted, a legacy sign-in named by its host.
    expect(r.stdout).toMatch(
      new RegExp(
        "^SESSION\\s+TOKEN\\s+EXPIRES\\s+REFRESHABLE\\s+PROFILES\n" +
          "corp\\s+valid\\s+in 7h 59m\\s+yes\\s+2\n" +
          "other\\s+none\\s+-\\s+-\\s+1\n" +
          "d-1234567890\\.awsapps\\.com \\(legacy\\)\\s+none\\s+-\\s+-\\s+1\n$",
      ),
    );
    expect(Math.max(...r.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
    r = await cli(["status", "--wide"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SESSION\s+TOKEN\s+EXPIRES \(UTC\)\s+REFRESHABLE\s+REGISTRATION EXPIRES\s+PROFILES\s+START URL$/);
    expect(lines[1]).toMatch(new RegExp(`^corp\\s+valid\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(in 7h 59m\\)\\s+yes\\s+\\d{4}-[\\d-]+T[\\d:]+Z\\s+dev,prod\\s+${START_URL}$`));
    expect(lines[2]).toMatch(/^other\s+none\s+-\s+-\s+-\s+side\s+https:/);
    expect(lines[3]).toMatch(/^\(legacy\)\s+none\s+-\s+-\s+-\s+old\s+https:/);
    expect(emu.requests.filter((q) => q.operation !== "RegisterClient" && q.operation !== "Authorize" && q.operation !== "CreateToken")).toEqual([]);

    expect((await cli(["status", "--profile", "dev"])).code).toBe(0);
    r = await cli(["status", "--profile", "side"]);
    expect(r.code).toBe(253);
    expect(r.stdout).toMatch(/^SESSION .*\nother\s+none/);
    expect(r.stderr).toContain('There is no cached SSO token for sso-session "other". To sign in, run: sso-setup login --profile side');
    // With no selector, AWS_PROFILE picks the session that decides the exit status.
    expect((await cli(["status"], { AWS_PROFILE: "side" })).code).toBe(253);
    expect((await cli(["status", "--sso-session", "nope"])).code).toBe(253);
  });

  it("--json prints one document; an expired token that can be refreshed is still usable, and status does not refresh it", async () => {
    await login("dev");
    ageToken(TOKEN.corp, -30);
    const mark = emu.requests.length;
    const r = await cli(["status", "--sso-session", "corp", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(emu.requests.length).toBe(mark);
    const doc = JSON.parse(r.stdout) as { sessions: Array<Record<string, any>> };
    expect(doc.sessions).toHaveLength(1);
    expect(doc.sessions[0]).toMatchObject({
      type: "sso-session",
      name: "corp",
      startUrl: START_URL,
      region: "us-east-1",
      profiles: ["dev", "prod"],
      tokenFile: tokenFile(TOKEN.corp),
      token: { state: "expired", refreshable: true },
      usable: true,
    });
    expect(doc.sessions[0]!.token.expiresInSeconds).toBeLessThan(-29 * 60);

    // Without a refresh token it is not usable: exit 253, and the JSON still says why.
    const token = readJson(tokenFile(TOKEN.corp));
    delete token.refreshToken;
    writeFileSync(tokenFile(TOKEN.corp), JSON.stringify(token));
    const r2 = await cli(["status", "--profile", "prod", "--json"]);
    expect(r2.code).toBe(253);
    expect(JSON.parse(r2.stdout).sessions[0]).toMatchObject({ token: { state: "expired", refreshable: false }, usable: false });
    expect(r2.stderr).toContain("has expired and cannot be refreshed without signing in");
  });
});

describe("logout", () => {
  it("ends one session at the service and removes only its token and its profiles' credentials", async () => {
    await login("dev");
    await login("side");
    await login("old");
    for (const p of ["dev", "prod", "side", "old"]) expect((await cli(["export-credentials", "--profile", p])).code).toBe(0);
    // Another tool's entry in the shared directory (an assume-role cache) is none of our business.
    writeFileSync(path.join(cliCacheDir, "assume-role-entry.json"), '{"Credentials": {"AccessKeyId": "ASIAOTHER"}}');
    const corp = readJson(tokenFile(TOKEN.corp));

    const mark = emu.requests.length;
    const r = await cli(["logout", "--profile", "prod"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'Signed out of sso-session "corp": ended the session at the service; removed its cached token and 2 cached role credential files.\n',
    );
    const logout = emu.requests.slice(mark);
    expect(logout.map((q) => q.operation)).toEqual(["Logout"]);
    expect(logout[0]!.headers["x-amz-sso_bearer_token"]).toBe(corp.accessToken);
    // The service ended the whole session: the refresh token is dead too.
    expect(emu.state.refreshTokens.get(corp.refreshToken)?.revoked).toBe(true);

    expect(existsSync(tokenFile(TOKEN.corp))).toBe(false);
    expect(existsSync(tokenFile(TOKEN.other))).toBe(true);
    expect(existsSync(tokenFile(TOKEN.legacy))).toBe(true);
    expect(readdirSync(cliCacheDir).sort()).toEqual(["assume-role-entry.json", `${ROLE_KEY.old}.json`, `${ROLE_KEY.side}.json`].sort());
    // The client registration stays, as the AWS CLI keeps it: the next sign-in needs no new one.
    expect(readdirSync(box.ssoCacheDir)).toContain("bc8a1afdb0f5cdc2c789b8a6cd51898e2be3c37c.json");

    const again = await cli(["logout", "--sso-session", "corp"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('Signed out of sso-session "corp": no live session to end at the service; no cached files to remove.\n');
  });

  it("ends an expired session through its refresh token, so the refresh token cannot be used afterwards", async () => {
    await login("old");
    await login("dev");
    const old = ageToken(TOKEN.corp, -60);
    const mark = emu.requests.length;
    const r = await cli(["logout", "--sso-session", "corp"]);
    expect(r.code, r.stderr).toBe(0);
    expect(opsSince(mark)).toEqual(["CreateToken", "Logout"]);
    expect(emu.state.refreshTokens.get(old.refreshToken)?.revoked).toBe(true);
  });

  it("removes the local files even when the service fails, and says so (254; 255 when unreachable)", async () => {
    await login("dev");
    await login("side");
    emu.fail({ operation: "Logout", status: 500, count: 3 });
    let r = await cli(["logout", "--profile", "dev"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('Signed out of sso-session "corp": could not end the session at the service; removed its cached token.');
    expect(r.stderr).toContain(
      'sso-setup: error: Signed out of sso-session "corp" on this machine, but the service could not be told to end the session: An error occurred (InternalServerException) when calling the Logout operation',
    );
    expect(existsSync(tokenFile(TOKEN.corp))).toBe(false);

    r = await cli(["logout", "--profile", "side"], { AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9" });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/could not be told to end the session: Could not reach http:\/\/127\.0\.0\.1:9 \(Logout\)/);
    expect(existsSync(tokenFile(TOKEN.other))).toBe(false);
  });

  it("--all signs out of every cached token, like aws sso logout, keeping registrations and non-SSO credentials", async () => {
    await login("dev");
    await login("old");
    expect((await cli(["export-credentials", "--profile", "dev"])).code).toBe(0);
    writeFileSync(path.join(cliCacheDir, "assume-role-entry.json"), '{"Credentials": {"AccessKeyId": "ASIAOTHER"}}');
    // A token another tool cached (an IDE's, say) goes too: that is what aws sso logout does.
    writeFileSync(path.join(box.ssoCacheDir, "foreign.json"), JSON.stringify({ accessToken: "not-a-live-token", expiresAt: "2099-01-01T00:00:00Z", region: "us-east-1" }));
    const mark = emu.requests.length;
    const r = await cli(["logout", "--all"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("Signed out of every cached SSO session: ended 2 at the service; removed 3 token files and 1 cached role credential file.\n");
    expect(opsSince(mark)).toEqual(["Logout", "Logout", "Logout"]);
    expect(readdirSync(box.ssoCacheDir).every((f) => !("accessToken" in readJson(path.join(box.ssoCacheDir, f))))).toBe(true);
    expect(readdirSync(box.ssoCacheDir).length).toBeGreaterThan(0);
    expect(readdirSync(cliCacheDir)).toEqual(["assume-role-entry.json"]);
    expect((await cli(["logout", "--all", "--profile", "dev"])).code).toBe(252);
  });
});

describe("single flight across processes", () => {
  it("export-credentials calls that start during a sign-in wait for it instead of failing or opening a browser", async () => {
    // A login whose person takes 1.5 s on the consent page: the lock is held all that time.
    emu.state.authorizeMode = "page";
    const signIn = cli(["login", "--profile", "dev"], { PERSON_DELAY_MS: "1500" });
    await new Promise((r) => setTimeout(r, 500));
    const browser = recordingBrowser(box);
    const exports = await Promise.all([1, 2, 3].map(() => cli(["export-credentials", "--profile", "dev"], { BROWSER: browser.command })));
    expect((await signIn).code).toBe(0);
    for (const r of exports) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveProperty("AccessKeyId");
      expect(r.stderr).toContain('Another sso-setup process is signing in to (or refreshing) sso-session "corp"');
    }
    expect(existsSync(browser.marker)).toBe(false);
    expect(emu.requests.filter((q) => q.operation === "Authorize")).toHaveLength(1);
  });

  it("a burst of export-credentials with an expired token refreshes it once", async () => {
    await login("dev");
    ageToken(TOKEN.corp, -1);
    const mark = emu.requests.length;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cli(["export-credentials", "--profile", "dev"])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(opsSince(mark).filter((o) => o === "CreateToken")).toHaveLength(1);
  });
});
