/**
 * Independent-consumer compatibility: what sso-setup writes must be read by the AWS SDK for
 * JavaScript v3 (fromIni, fromSSO, its token refresh), by botocore and by the `aws` command; and what
 * the AWS CLI and the JS SDK write must be read by sso-setup. Our own code is never the judge here:
 * every check goes through a real consumer, talking to the emulator, in a child process.
 */
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from "@aws-sdk/client-sso-oidc";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type RequestLogEntry } from "../../emulator/server.js";
import { awsCli, botocoreAccessKey, botocoreEnv, findBotocorePython } from "../helpers/botocore.js";
import { makeSandbox, recordingBrowser, runCli, type Sandbox } from "../helpers/cli.js";
import { sdkResolve as resolveWithSdk, type SdkResult } from "../helpers/sdk.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const SSO_REGION = "us-east-1";
const SESSION = "corp";
const SCOPES = ["sso:account:access"];

// Registration cache keys the AWS CLI uses (sha1 of Python's json.dumps(..., sort_keys=True) of
// {tool, startUrl, region, scopes, session_name}); observed from `aws sso login`, see
// wire-and-sdk.md §6.5 and aws-cli-sso-behavior.md §3. Written out here so src/ is not the judge.
const CLI_REGISTRATION_KEY_SESSION = "bc8a1afdb0f5cdc2c789b8a6cd51898e2be3c37c"; // session corp, scopes [sso:account:access]
const CLI_REGISTRATION_KEY_LEGACY = "365414a68be7c9bfc776c660981dbdbd942acea4"; // scopes and session_name null

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");

// ---------------------------------------------------------------------------------------------
// Helpers

interface Env {
  emu: Emulator;
  sb: Sandbox;
}

async function setUp(): Promise<Env> {
  const emu = await startEmulator();
  return { emu, sb: makeSandbox(emu.url) };
}

async function tearDown(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.emu.close();
  env.sb.cleanup();
}

function tokenPath(sb: Sandbox, id: string): string {
  return path.join(sb.ssoCacheDir, `${sha1(id)}.json`);
}

function readToken(sb: Sandbox, id: string): Record<string, string> {
  return JSON.parse(readFileSync(tokenPath(sb, id), "utf8")) as Record<string, string>;
}

/** The AWS CLI's style: one line of Python's json.dumps (", " and ": "), no trailing newline. */
function pythonDumps(value: Record<string, unknown>): string {
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(", ")}]` : JSON.stringify(v)}`)
    .join(", ")}}`;
}

/** `%Y-%m-%dT%H:%M:%SZ`, as the AWS CLI and botocore write timestamps. */
function cliTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function writeCacheFile(sb: Sandbox, name: string, text: string): string {
  mkdirSync(sb.ssoCacheDir, { recursive: true, mode: 0o700 });
  const file = path.join(sb.ssoCacheDir, `${name}.json`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function writeConfig(sb: Sandbox, text: string): void {
  mkdirSync(path.dirname(sb.configFile), { recursive: true });
  writeFileSync(sb.configFile, text);
}

const SESSION_SECTION = `[sso-session ${SESSION}]
sso_start_url = ${START_URL}
sso_region = ${SSO_REGION}
sso_registration_scopes = ${SCOPES.join(",")}
`;

async function configure(env: Env, format: string[], accountId: string, roleName: string): Promise<void> {
  const result = await runCli(
    [
      "configure",
      "--profile",
      "dev",
      ...format,
      "--start-url",
      START_URL,
      "--sso-region",
      SSO_REGION,
      "--account-id",
      accountId,
      "--role-name",
      roleName,
      "--region",
      "eu-west-1",
      "--non-interactive",
    ],
    { env: env.sb.env() },
  );
  expect(result.code, result.stderr).toBe(0);
}

function sdkResolve(env: Env, profile: string, which: "ini" | "sso"): Promise<SdkResult> {
  return resolveWithSdk(env.sb, env.emu.url, profile, which);
}

function requestsSince(emu: Emulator, mark: number, operation?: string): RequestLogEntry[] {
  return emu.requests.slice(mark).filter((r) => operation === undefined || r.operation === operation);
}

function operationsSince(emu: Emulator, mark: number): string[] {
  return requestsSince(emu, mark).map((r) => r.operation);
}

/** The consumer asked the portal for exactly this account and role, with the cached access token. */
function expectRoleCredentialsCall(emu: Emulator, mark: number, want: { accountId: string; roleName: string; accessToken: string }) {
  const calls = requestsSince(emu, mark, "GetRoleCredentials");
  expect(calls).toHaveLength(1);
  const [call] = calls;
  expect(call!.status).toBe(200);
  expect(call!.query).toEqual({ account_id: want.accountId, role_name: want.roleName });
  expect(call!.headers["x-amz-sso_bearer_token"]).toBe(want.accessToken);
}

/** Role credentials the emulator issued for this access key, i.e. for which account and role. */
function issuedFor(emu: Emulator, accessKeyId: string) {
  const issued = emu.state.roleCredentials.get(accessKeyId);
  return issued && { accountId: issued.accountId, roleName: issued.roleName };
}

/** A real access token from the emulator, by the device flow run with the SDK's own OIDC client. */
async function deviceFlowToken(emu: Emulator) {
  const oidc = new SSOOIDCClient({ region: SSO_REGION, endpoint: emu.url, maxAttempts: 1 });
  try {
    const reg = await oidc.send(new RegisterClientCommand({ clientName: `botocore-client-${SESSION}`, clientType: "public", scopes: SCOPES }));
    const auth = await oidc.send(
      new StartDeviceAuthorizationCommand({ clientId: reg.clientId!, clientSecret: reg.clientSecret!, startUrl: START_URL }),
    );
    emu.approve(auth.userCode!);
    const token = await oidc.send(
      new CreateTokenCommand({
        clientId: reg.clientId!,
        clientSecret: reg.clientSecret!,
        grantType: "urn:ietf:params:oauth:grant-type:device_code",
        deviceCode: auth.deviceCode!,
      }),
    );
    return {
      clientId: reg.clientId!,
      clientSecret: reg.clientSecret!,
      registrationExpiresAtMs: reg.clientSecretExpiresAt! * 1000,
      accessToken: token.accessToken!,
      refreshToken: token.refreshToken!,
    };
  } finally {
    oidc.destroy();
  }
}

/** Registers as the AWS CLI does: for the device flow, or (authCode) for the authorization-code flow. */
async function registerClient(emu: Emulator, scopes: string[] | undefined, authCode = false) {
  const oidc = new SSOOIDCClient({ region: SSO_REGION, endpoint: emu.url, maxAttempts: 1 });
  const forAuthCode = authCode
    ? { grantTypes: ["authorization_code", "refresh_token"], redirectUris: ["http://127.0.0.1/oauth/callback"], issuerUrl: START_URL }
    : {};
  try {
    const reg = await oidc.send(
      new RegisterClientCommand({ clientName: "botocore-client-by-aws-cli", clientType: "public", ...(scopes ? { scopes } : {}), ...forAuthCode }),
    );
    return { clientId: reg.clientId!, clientSecret: reg.clientSecret!, expiresAtMs: reg.clientSecretExpiresAt! * 1000 };
  } finally {
    oidc.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// a, b, d: after `sso-setup configure`, every consumer resolves credentials for the profile

const FORMATS = [
  {
    name: "sso-session format",
    args: ["--sso-session", SESSION],
    cacheId: SESSION,
    accountId: "333333333333",
    roleName: "ReadOnlyAccess",
    sdkFeature: "CREDENTIALS_PROFILE_SSO",
  },
  {
    name: "legacy format (--legacy)",
    args: ["--legacy"],
    cacheId: START_URL,
    accountId: "222222222222",
    roleName: "PowerUserAccess",
    sdkFeature: "CREDENTIALS_PROFILE_SSO_LEGACY",
  },
] as const;

describe.each(FORMATS)("consumers of a profile written by sso-setup configure, $name", (format) => {
  let env: Env;
  let accessToken: string;

  beforeAll(async () => {
    env = await setUp();
    await configure(env, [...format.args], format.accountId, format.roleName);
    const token = readToken(env.sb, format.cacheId);
    accessToken = token.accessToken!;
    expect(accessToken).toBeTruthy();
  });
  afterAll(() => tearDown(env));

  const want = () => ({ accountId: format.accountId, roleName: format.roleName, accessToken });

  it.each([
    { which: "ini", provider: "fromIni" },
    { which: "sso", provider: "fromSSO" },
  ] as const)("the JS SDK's $provider resolves credentials and STS names the chosen account", async ({ which }) => {
    const mark = env.emu.requests.length;
    const result = await sdkResolve(env, "dev", which);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.identity!.Account).toBe(format.accountId);
    expect(result.identity!.Arn).toContain(`AWSReservedSSO_${format.roleName}_`);
    expect(issuedFor(env.emu, result.credentials!.accessKeyId)).toEqual({ accountId: format.accountId, roleName: format.roleName });
    if (which === "ini") expect(result.credentials!.source).toHaveProperty(format.sdkFeature);
    expectRoleCredentialsCall(env.emu, mark, want());
    expect(operationsSince(env.emu, mark)).toEqual(["GetRoleCredentials", "GetCallerIdentity"]);
  });

  it("botocore resolves credentials for the profile", async () => {
    const mark = env.emu.requests.length;
    const result = await botocoreAccessKey("dev", botocoreEnv({ home: env.sb.home, configFile: env.sb.configFile, emulatorUrl: env.emu.url }));
    expect(result.code, result.stderr).toBe(0);
    const accessKeyId = result.stdout.trim();
    expect(issuedFor(env.emu, accessKeyId)).toEqual({ accountId: format.accountId, roleName: format.roleName });
    expectRoleCredentialsCall(env.emu, mark, want());
    // A fresh token (8 h left) is used as it is: no refresh, no new authorization.
    expect(operationsSince(env.emu, mark)).toEqual(["GetRoleCredentials"]);
  });

  it("`aws sts get-caller-identity --profile dev` (AWS CLI v1) returns the chosen account", async () => {
    const mark = env.emu.requests.length;
    const result = await awsCli(
      ["sts", "get-caller-identity", "--profile", "dev", "--output", "json"],
      botocoreEnv({ home: env.sb.home, configFile: env.sb.configFile, emulatorUrl: env.emu.url }),
    );
    expect(result.code, result.stderr).toBe(0);
    const identity = JSON.parse(result.stdout) as { Account: string; Arn: string };
    expect(identity.Account).toBe(format.accountId);
    expect(identity.Arn).toContain(`AWSReservedSSO_${format.roleName}_`);
    expectRoleCredentialsCall(env.emu, mark, want());
    const sts = requestsSince(env.emu, mark, "GetCallerIdentity");
    expect(sts).toHaveLength(1);
    // The CLI signed for the profile's region, which sso-setup wrote as `region = eu-west-1`.
    expect(sts[0]!.headers.authorization).toMatch(/\/eu-west-1\/sts\/aws4_request/);
  });
});

// ---------------------------------------------------------------------------------------------
// c: token refresh by the SDKs, from the fields sso-setup cached

describe("token refresh by the SDKs from the token sso-setup cached", () => {
  let env: Env;
  let cached: Record<string, string>;

  beforeEach(async () => {
    env = await setUp();
    await configure(env, ["--sso-session", SESSION], "111111111111", "AdministratorAccess");
    cached = readToken(env.sb, SESSION);
    for (const key of ["accessToken", "expiresAt", "clientId", "clientSecret", "refreshToken", "registrationExpiresAt"]) {
      expect(cached[key], key).toBeTruthy();
    }
  });
  afterEach(() => tearDown(env));

  /** Leaves the token `minutesLeft` before its expiry, and dead at the service, so only a refresh works. */
  function nearExpiry(minutesLeft: number): void {
    writeFileSync(tokenPath(env.sb, SESSION), JSON.stringify({ ...cached, expiresAt: cliTimestamp(Date.now() + minutesLeft * 60_000) }));
    env.emu.expireToken(cached.accessToken!);
  }

  function expectRefreshCall(mark: number): void {
    const refreshes = requestsSince(env.emu, mark, "CreateToken");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.status).toBe(200);
    expect(JSON.parse(refreshes[0]!.body)).toEqual({
      grantType: "refresh_token",
      clientId: cached.clientId,
      clientSecret: cached.clientSecret,
      refreshToken: cached.refreshToken,
    });
  }

  it("the JS SDK's fromSSO refreshes a token with < 5 min left via CreateToken(refresh_token)", async () => {
    nearExpiry(2);
    const mark = env.emu.requests.length;
    const result = await sdkResolve(env, "dev", "sso");
    expect(result.error).toBeUndefined();
    expect(result.identity!.Account).toBe("111111111111");
    expect(operationsSince(env.emu, mark)).toEqual(["CreateToken", "GetRoleCredentials", "GetCallerIdentity"]);
    expectRefreshCall(mark);

    // The JS SDK wrote the refreshed token back (pretty-printed, keeping our other fields) and used it.
    const text = readFileSync(tokenPath(env.sb, SESSION), "utf8");
    expect(text).toContain('\n  "accessToken": ');
    const refreshed = JSON.parse(text) as Record<string, string>;
    expect(refreshed.accessToken).not.toBe(cached.accessToken);
    expect(refreshed).toMatchObject({
      startUrl: START_URL,
      region: SSO_REGION,
      clientId: cached.clientId,
      clientSecret: cached.clientSecret,
      registrationExpiresAt: cached.registrationExpiresAt,
    });
    expectRoleCredentialsCall(env.emu, mark, { accountId: "111111111111", roleName: "AdministratorAccess", accessToken: refreshed.accessToken! });
  });

  it("botocore refreshes a token with < 15 min left (needs a valid registrationExpiresAt) and rewrites the cache", async () => {
    // 10 minutes: outside the JS SDK's 5-minute window, inside botocore's 15-minute one.
    nearExpiry(10);
    const mark = env.emu.requests.length;
    const result = await botocoreAccessKey("dev", botocoreEnv({ home: env.sb.home, configFile: env.sb.configFile, emulatorUrl: env.emu.url }));
    expect(result.code, result.stderr).toBe(0);
    expect(issuedFor(env.emu, result.stdout.trim())).toEqual({ accountId: "111111111111", roleName: "AdministratorAccess" });
    expect(operationsSince(env.emu, mark)).toEqual(["CreateToken", "GetRoleCredentials"]);
    expectRefreshCall(mark);
    // botocore's own body style: json.dumps spacing, grantType first.
    expect(requestsSince(env.emu, mark, "CreateToken")[0]!.body).toMatch(/^\{"grantType": "refresh_token", /);

    const text = readFileSync(tokenPath(env.sb, SESSION), "utf8");
    const refreshed = JSON.parse(text) as Record<string, string>;
    expect(refreshed.accessToken).not.toBe(cached.accessToken);
    expect(refreshed.registrationExpiresAt).toBe(cached.registrationExpiresAt);
    expect(refreshed.refreshToken).toBeTruthy();
    expectRoleCredentialsCall(env.emu, mark, { accountId: "111111111111", roleName: "AdministratorAccess", accessToken: refreshed.accessToken! });
  });
});

// ---------------------------------------------------------------------------------------------
// e: sso-setup reuses a token cache written by the AWS CLI or the JS SDK

const TOKEN_STYLES: Array<{ name: string; file: (token: Record<string, string>, expiresAtMs: number) => string }> = [
  {
    name: "the AWS CLI (compact json.dumps, ...Z)",
    file: (t, ms) => pythonDumps({ ...t, expiresAt: cliTimestamp(ms) }),
  },
  {
    name: "the JS SDK (pretty-printed, milliseconds)",
    file: (t, ms) => JSON.stringify({ ...t, expiresAt: new Date(ms).toISOString() }, null, 2),
  },
  {
    name: "another SDK (+00:00 offset)",
    file: (t, ms) => pythonDumps({ ...t, expiresAt: cliTimestamp(ms).replace(/Z$/, "+00:00") }),
  },
  {
    name: "the AWS CLI before 2.1.14 (...UTC)",
    file: (t, ms) => pythonDumps({ ...t, expiresAt: cliTimestamp(ms).replace(/Z$/, "UTC") }),
  },
];

describe("sso-setup configure with an existing [sso-session] reuses a token another tool cached", () => {
  let env: Env;
  beforeEach(async () => {
    env = await setUp();
    writeConfig(env.sb, SESSION_SECTION);
  });
  afterEach(() => tearDown(env));

  async function cachedTokenFile(style: (token: Record<string, string>, expiresAtMs: number) => string, minutesLeft: number) {
    const t = await deviceFlowToken(env.emu);
    const token = {
      startUrl: START_URL,
      region: SSO_REGION,
      accessToken: t.accessToken,
      expiresAt: "",
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      registrationExpiresAt: cliTimestamp(t.registrationExpiresAtMs),
      refreshToken: t.refreshToken,
    };
    const text = style(token, Date.now() + minutesLeft * 60_000);
    writeCacheFile(env.sb, sha1(SESSION), text);
    return { text, accessToken: t.accessToken };
  }

  function configureProfileX(browser: string) {
    return runCli(
      ["configure", "--profile", "x", "--sso-session", SESSION, "--account-id", "444444444444", "--role-name", "SecurityAudit", "--non-interactive"],
      { env: env.sb.env({ BROWSER: browser }) },
    );
  }

  it.each(TOKEN_STYLES)("written by $name: no browser, no new authorization", async ({ file }) => {
    const { text, accessToken } = await cachedTokenFile(file, 60);
    const browser = recordingBrowser(env.sb);
    // Should it wrongly start a login, make it fail in seconds rather than wait for a person.
    env.emu.state.deviceCodeExpiresIn = 3;
    const mark = env.emu.requests.length;

    const result = await configureProfileX(browser.command);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(browser.marker)).toBe(false);
    const ops = operationsSince(env.emu, mark);
    expect(ops).not.toContain("RegisterClient");
    expect(ops).not.toContain("StartDeviceAuthorization");
    expect(ops).not.toContain("CreateToken");
    const listCalls = requestsSince(env.emu, mark).filter((r) => r.operation === "ListAccounts" || r.operation === "ListAccountRoles");
    expect(listCalls.length).toBeGreaterThan(0);
    for (const call of listCalls) expect(call.headers["x-amz-sso_bearer_token"]).toBe(accessToken);
    // The other tool's file is left exactly as it was.
    expect(readFileSync(tokenPath(env.sb, SESSION), "utf8")).toBe(text);
    expect(env.sb.readConfig()).toMatch(/\[profile x\]\nsso_session = corp\nsso_account_id = 444444444444\nsso_role_name = SecurityAudit\n/);
  });

  it("a cached token with < 15 min left is not reused: a new authorization runs", async () => {
    const { accessToken: old } = await cachedTokenFile(TOKEN_STYLES[0]!.file, 10);
    const mark = env.emu.requests.length;

    const result = await configureProfileX(env.sb.env().BROWSER!);
    expect(result.code, result.stderr).toBe(0);
    const ops = operationsSince(env.emu, mark);
    expect(ops).toContain("Authorize");
    const fresh = readToken(env.sb, SESSION);
    expect(fresh.accessToken).not.toBe(old);
    for (const call of requestsSince(env.emu, mark, "ListAccounts")) expect(call.headers["x-amz-sso_bearer_token"]).toBe(fresh.accessToken);
  });
});

// ---------------------------------------------------------------------------------------------
// f: the client registration cached by the AWS CLI is reused by sso-setup login

const SESSION_PROFILE = `[profile dev]\nsso_session = ${SESSION}\nsso_account_id = 111111111111\nsso_role_name = ReadOnlyAccess\n\n${SESSION_SECTION}`;
const REGISTRATION_CASES = [
  {
    name: "sso-session, device code",
    config: SESSION_PROFILE,
    key: CLI_REGISTRATION_KEY_SESSION,
    scopes: SCOPES as string[] | undefined,
    tokenId: SESSION,
    flow: "device",
  },
  {
    name: "sso-session, authorization code",
    config: SESSION_PROFILE,
    key: CLI_REGISTRATION_KEY_SESSION,
    scopes: SCOPES as string[] | undefined,
    tokenId: SESSION,
    flow: "pkce",
  },
  {
    name: "legacy profile",
    config: `[profile dev]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\nsso_account_id = 111111111111\nsso_role_name = ReadOnlyAccess\n`,
    key: CLI_REGISTRATION_KEY_LEGACY,
    scopes: undefined,
    tokenId: START_URL,
    flow: "device",
  },
] as const;

describe("the client registration cache is shared with the AWS CLI", () => {
  let env: Env;
  beforeEach(async () => {
    env = await setUp();
  });
  afterEach(() => tearDown(env));

  it.each(REGISTRATION_CASES)("sso-setup login reuses the registration the AWS CLI cached ($name)", async (c) => {
    writeConfig(env.sb, c.config);
    const pkce = c.flow === "pkce";
    const reg = await registerClient(env.emu, c.scopes, pkce);
    const expiresAt = cliTimestamp(reg.expiresAtMs);
    // The AWS CLI's registration files: the authorization-code flow's also lists scopes and grantTypes.
    writeCacheFile(
      env.sb,
      c.key,
      pythonDumps({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        expiresAt,
        ...(c.scopes ? { scopes: c.scopes } : {}),
        ...(pkce ? { grantTypes: ["authorization_code", "refresh_token"] } : {}),
      }),
    );
    const mark = env.emu.requests.length;

    const result = await runCli(["login", "--profile", "dev", ...(pkce ? [] : ["--use-device-code"])], {
      env: env.sb.env(),
    });
    expect(result.code, result.stderr).toBe(0);
    const ops = operationsSince(env.emu, mark);
    expect(ops).not.toContain("RegisterClient");
    if (pkce) {
      const authorizations = requestsSince(env.emu, mark, "Authorize");
      expect(authorizations).toHaveLength(1);
      expect(authorizations[0]!.query.client_id).toBe(reg.clientId);
      expect(ops).not.toContain("StartDeviceAuthorization");
    } else {
      const starts = requestsSince(env.emu, mark, "StartDeviceAuthorization");
      expect(starts).toHaveLength(1);
      expect(JSON.parse(starts[0]!.body)).toMatchObject({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: START_URL });
    }

    const token = readToken(env.sb, c.tokenId);
    expect(token).toMatchObject({ clientId: reg.clientId, clientSecret: reg.clientSecret, registrationExpiresAt: expiresAt });
    // And the token is good for credentials, as botocore reads it.
    const creds = await botocoreAccessKey("dev", botocoreEnv({ home: env.sb.home, configFile: env.sb.configFile, emulatorUrl: env.emu.url }));
    expect(creds.code, creds.stderr).toBe(0);
    expect(issuedFor(env.emu, creds.stdout.trim())).toEqual({ accountId: "111111111111", roleName: "ReadOnlyAccess" });
  });
});

// Fail loudly, not skip, when the machine lacks the second consumer: CI runs the same image.
describe("test prerequisites", () => {
  it("a python with botocore ≥ 1.31 and the aws command are on PATH", () => {
    const py = findBotocorePython();
    expect(py.executable).toBeTruthy();
    expect(py.aws.length).toBeGreaterThan(1);
  });
});
