/**
 * Role-chained profiles: the AWS CLI's assume-role cache key, the chain walk (lengths 1-3, loops,
 * missing profiles, unsupported sources) and the resolver against the emulator's real STS wire
 * format through the real SDK client (MFA with and without a terminal, refusals, the 15-minute rule).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { AwsConfig } from "../../src/config/aws-config.js";
import { JsonFileCache } from "../../src/config/json-cache.js";
import { assumeRoleCacheKey } from "../../src/credentials/role-cache.js";
import { parseCredentialsFile, planChain } from "../../src/credentials/role-chain.js";
import { AssumeRoleError, resolveCredentials } from "../../src/credentials/resolver.js";
import type { Deps } from "../../src/deps.js";
import { ConfigError, ExitCode } from "../../src/errors.js";
import { nodeFs } from "../../src/platform/fs.js";
import { nodeFileLocker } from "../../src/platform/lock.js";
import { nodeLoopback } from "../../src/platform/loopback.js";
import { createSdkApiFactory, createStsApiFactory } from "../../src/sso/clients.js";
import { formatTimestamp, tokenCacheKey } from "../../src/sso/token.js";
import { createDebugLog } from "../../src/ui/debug.js";
import type { TextQuestion } from "../../src/ui/prompter.js";
import { DEV_CONFIG } from "../helpers/cli.js";
import { FakeClock } from "../helpers/fake-clock.js";

// botocore 1.43.11's keys for these arguments (daily-use.md §4.3), written out so src/ is not the judge.
describe("the AWS CLI's assume-role cache key", () => {
  it.each([
    [{ roleArn: "arn:aws:iam::123456789012:role/Admin" }, "51e7b105b5040ce662656c8dc6ab4de70c4de7ad"],
    [{ roleArn: "arn:aws:iam::123456789012:role/Admin", roleSessionName: "alice" }, "3bb32a2920a40a5690d3fe4645e7c1ededd4319d"],
    [
      {
        roleArn: "arn:aws:iam::123456789012:role/Admin",
        roleSessionName: "alice",
        externalId: "xyz",
        serialNumber: "arn:aws:iam::111122223333:mfa/alice",
        durationSeconds: 3600,
      },
      "2550ef4cde8b091967c65c6bfe7c5a4a5efed410",
    ],
    [{ roleArn: "arn:aws:iam::222233334444:role/Target" }, "6214f67098dd6e0408aa6cb222ea9bcb87fe421c"],
  ])("%j", (args, key) => {
    expect(assumeRoleCacheKey(args)).toBe(key);
  });
});

// Profile dev: sso-session corp, account 111111111111, ReadOnlyAccess.
const SESSION = DEV_CONFIG;

const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

const CHAINS = `${SESSION}
[profile one]
source_profile = dev
role_arn = ${role("222233334444", "One")}
[profile two]
source_profile = one
role_arn = ${role("333344445555", "Two")}
role_session_name = two-session
[profile three]
source_profile = two
role_arn = ${role("444455556666", "Three")}
external_id = ext-3
duration_seconds = 1800
region = ap-southeast-2
`;

const config = (text: string) => AwsConfig.fromText("/home/u/.aws/config", text);
const plan = (text: string, profile: string, credentials = "") => planChain(config(text), parseCredentialsFile(credentials), profile);

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.configuration);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("planning a chain", () => {
  it("walks chains of length 1, 2 and 3 down to the SSO profile, in call order", () => {
    expect(plan(CHAINS, "one").hops.map((h) => h.profileName)).toEqual(["one"]);
    expect(plan(CHAINS, "two").hops.map((h) => h.profileName)).toEqual(["one", "two"]);
    const three = plan(CHAINS, "three");
    expect(three.root).toMatchObject({ kind: "sso", profile: { profileName: "dev", accountId: "111111111111", roleName: "ReadOnlyAccess" } });
    expect(three.hops).toEqual([
      { profileName: "one", roleArn: role("222233334444", "One") },
      { profileName: "two", roleArn: role("333344445555", "Two"), roleSessionName: "two-session" },
      { profileName: "three", roleArn: role("444455556666", "Three"), externalId: "ext-3", durationSeconds: 1800, region: "ap-southeast-2" },
    ]);
    expect(plan(CHAINS, "dev")).toMatchObject({ root: { kind: "sso" }, hops: [] });
  });

  it("starts at static keys from the credentials file, which beat role_arn in a source profile", () => {
    const text = `[profile keys]\nrole_arn = ${role("999999999999", "Ignored")}\nsource_profile = nowhere\n[profile target]\nrole_arn = ${role("222233334444", "T")}\nsource_profile = keys\n`;
    const creds = "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cret\n";
    expect(plan(text, "target", creds)).toEqual({
      root: { kind: "static", profileName: "keys", credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cret" } },
      hops: [{ profileName: "target", roleArn: role("222233334444", "T") }],
    });
    // A profile may name itself as source for its own static keys (botocore allows that loop only).
    const self = `[profile me]\nrole_arn = ${role("222233334444", "T")}\nsource_profile = me\naws_access_key_id = AKIA1\naws_secret_access_key = s\n`;
    expect(plan(self, "me")).toMatchObject({ root: { kind: "static", profileName: "me" }, hops: [{ profileName: "me" }] });
  });

  it("refuses loops, naming the profile, the role and the chain", () => {
    const loop = `[profile a]\nrole_arn = ${role("111111111111", "A")}\nsource_profile = b\n[profile b]\nrole_arn = ${role("111111111111", "B")}\nsource_profile = a\n`;
    expect(configError(() => plan(loop, "a")).message).toBe(
      `Infinite loop in the source_profile chain of profile "a": the profile "b" (role_arn ${role("111111111111", "B")}) names source_profile "a", which is already in the chain (a -> b -> a).`,
    );
    const self = `[profile a]\nrole_arn = ${role("111111111111", "A")}\nsource_profile = a\n`;
    expect(configError(() => plan(self, "a")).message).toContain("(a -> a)");
  });

  it("names a missing source profile and the profile and role that refer to it", () => {
    const text = `[profile a]\nrole_arn = ${role("111111111111", "A")}\nsource_profile = gone\n`;
    expect(configError(() => plan(text, "a")).message).toBe(
      `The source_profile "gone" referenced in the profile "a" (role_arn ${role("111111111111", "A")}) does not exist. Add [profile gone] to /home/u/.aws/config, or fix source_profile.`,
    );
    expect(configError(() => plan(text, "nope")).message).toMatch(/^The config profile \(nope\) could not be found\. .* has the profiles a\. /);
  });

  it("says which sources are not supported", () => {
    const arn = role("111111111111", "A");
    const cases: [string, string][] = [
      [`credential_source = Ec2InstanceMetadata`, "uses credential_source = Ec2InstanceMetadata, which sso-setup does not support"],
      [`web_identity_token_file = /tmp/token`, "uses web_identity_token_file, which sso-setup does not support"],
      [``, "has neither source_profile nor credential_source"],
      [`source_profile = dev\ncredential_source = Environment`, "has both source_profile and credential_source"],
      [`source_profile = proc`, `The source profile "proc" must have credentials: sso-setup starts role chains at an SSO profile or static keys, and "proc" has credential_process, which it does not support.`],
      [`source_profile = dev\nduration_seconds = 1h`, `duration_seconds of profile "a" must be a whole number of seconds, not "1h".`],
    ];
    for (const [lines, message] of cases) {
      const text = `${SESSION}[profile proc]\ncredential_process = /bin/true\n[profile a]\nrole_arn = ${arn}\n${lines}\n`;
      expect(configError(() => plan(text, "a")).message).toContain(message);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The resolver against the emulator

let emu: Emulator;
let dir: string;
let home: string;
let clock: FakeClock;
let answers: string[];
let asked: TextQuestion[];

beforeEach(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(path.join(tmpdir(), "role-chain-"));
  home = path.join(dir, "home");
  clock = new FakeClock(Date.now());
  answers = [];
  asked = [];
});

afterEach(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeDeps(configText: string, terminal = false): Deps {
  const configFile = path.join(home, ".aws", "config");
  mkdirSync(path.dirname(configFile), { recursive: true });
  writeFileSync(configFile, configText);
  const io = {
    out: { write: () => {} },
    err: { write: () => {} },
    stdinIsTTY: terminal,
    stdoutIsTTY: false,
    stderrIsTTY: terminal,
  };
  return {
    io,
    prompter: {
      text: async (question) => {
        asked.push(question);
        const answer = answers.shift();
        if (answer === undefined) throw new Error(`unexpected question ${question.name}`);
        return answer;
      },
      pick: async () => {
        throw new Error("unexpected pick");
      },
    },
    browser: { open: async () => false },
    clock,
    fs: nodeFs,
    env: { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: path.join(home, ".aws", "credentials") },
    homedir: home,
    ssoApis: createSdkApiFactory({ oidc: emu.url, portal: emu.url }),
    stsApis: createStsApiFactory({ sts: emu.url }),
    loopback: nodeLoopback,
    locker: nodeFileLocker,
    signal: new AbortController().signal,
    debug: createDebugLog(io.err, false),
    scope: {},
  };
}

/** A signed-in session "corp": an access token the emulator knows, in the token cache. */
async function signIn(): Promise<void> {
  const accessToken = "aoa-test-token";
  const now = Date.now();
  emu.state.accessTokens.set(accessToken, {
    accessToken,
    clientId: "test-client",
    startUrl: "https://d-1234567890.awsapps.com/start",
    grantType: "urn:ietf:params:oauth:grant-type:device_code",
    issuedAt: now,
    expiresAt: now + 8 * 3600_000,
    refreshToken: null,
    revoked: false,
  });
  const cache = new JsonFileCache(nodeFs, path.join(home, ".aws", "sso", "cache"));
  const target = { sessionName: "corp", startUrl: "https://d-1234567890.awsapps.com/start", region: "us-east-1" };
  await cache.write(tokenCacheKey(target), {
    startUrl: target.startUrl,
    region: target.region,
    accessToken,
    expiresAt: formatTimestamp(clock.now() + 8 * 3600_000),
  });
}

const assumeCalls = () => emu.requests.filter((r) => r.operation === "AssumeRole");
const cliCacheFiles = () => {
  const cacheDir = path.join(home, ".aws", "cli", "cache");
  return existsSync(cacheDir) ? readdirSync(cacheDir).sort() : [];
};
const callerKey = (r: { headers: Record<string, string> }) => /Credential=([^/]+)\//.exec(r.headers.authorization ?? "")?.[1];

describe("resolving a chained profile", () => {
  it.each([
    ["one", ["One"]],
    ["two", ["One", "Two"]],
    ["three", ["One", "Two", "Three"]],
  ])("%s: one AssumeRole a hop, each signed with the hop below's keys; cached, so the next run calls nothing", async (profile, roles) => {
    await signIn();
    const deps = makeDeps(CHAINS);
    const resolved = await resolveCredentials({ profile, configFile: undefined, allowSignIn: false }, deps);
    expect(resolved).toMatchObject({ profileName: profile, kind: "assume-role" });
    expect(resolved.sso).toBeUndefined();
    const calls = assumeCalls();
    expect(calls.map((c) => new URLSearchParams(c.body).get("RoleArn")?.split("/")[1])).toEqual(roles);
    const getRole = emu.requests.filter((r) => r.operation === "GetRoleCredentials");
    expect(getRole).toHaveLength(1);
    // Each hop is signed with the keys the previous call issued.
    const issuedBy = new Map([...emu.state.roleCredentials.values()].map((c) => [c.accessKeyId, c]));
    expect(issuedBy.get(callerKey(calls[0]!)!)).toMatchObject({ accountId: "111111111111", roleName: "ReadOnlyAccess" });
    expect(issuedBy.get(callerKey(calls[0]!)!)?.mintedByAssumeRole).toBeUndefined();
    calls.slice(1).forEach((call, i) => expect(issuedBy.get(callerKey(call)!)).toMatchObject({ roleName: roles[i], mintedByAssumeRole: true }));
    const final = issuedBy.get(resolved.credentials.accessKeyId);
    expect(final).toMatchObject({ roleName: roles.at(-1), mintedByAssumeRole: true });
    expect(resolved.credentials.expiration).toBe(final!.expiration);
    // The default session name is the AWS CLI's; a configured one is sent as it is.
    const body = (i: number) => new URLSearchParams(calls[i]!.body);
    expect(body(0).get("RoleSessionName")).toBe(`botocore-session-${Math.floor(clock.now() / 1000)}`);
    expect(body(0).has("DurationSeconds")).toBe(false);
    if (roles.length > 1) expect(body(1).get("RoleSessionName")).toBe("two-session");
    if (roles.length > 2) expect([body(2).get("ExternalId"), body(2).get("DurationSeconds")]).toEqual(["ext-3", "1800"]);

    const mark = emu.requests.length;
    const again = await resolveCredentials({ profile, configFile: undefined, allowSignIn: false }, deps);
    expect(again.credentials.accessKeyId).toBe(resolved.credentials.accessKeyId);
    expect(emu.requests.length).toBe(mark);
  });

  it("re-assumes only when less than 15 minutes are left, as the AWS CLI", async () => {
    await signIn();
    const deps = makeDeps(CHAINS);
    const first = await resolveCredentials({ profile: "one", configFile: undefined, allowSignIn: false }, deps);
    // The emulator's expiry has whole seconds: 44 minutes on leaves just over 15.
    clock.advance(44 * 60_000);
    expect((await resolveCredentials({ profile: "one", configFile: undefined, allowSignIn: false }, deps)).credentials).toEqual(first.credentials);
    expect(assumeCalls()).toHaveLength(1);
    clock.advance(61_000);
    const renewed = await resolveCredentials({ profile: "one", configFile: undefined, allowSignIn: false }, deps);
    expect(renewed.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(assumeCalls()).toHaveLength(2);
  });

  it("without a terminal, an MFA profile fails at once (253) naming the profile; nothing is called or cached", async () => {
    await signIn();
    const deps = makeDeps(`${CHAINS}[profile mfa]\nsource_profile = one\nrole_arn = ${role("555566667777", "Mfa")}\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n`);
    const error = await resolveCredentials({ profile: "mfa", configFile: undefined, allowSignIn: true }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `The profile "mfa" (role_arn ${role("555566667777", "Mfa")}) needs an MFA code for arn:aws:iam::111111111111:mfa/alice, and there is no terminal to ask for it. Run "sso-setup export-credentials --profile mfa" in a terminal: the credentials are then cached and used without a code until they expire.`,
    );
    expect(emu.requests).toEqual([]);
    expect(cliCacheFiles()).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("in a terminal, asks for the MFA code and sends it with the serial; the key has the serial, not the code", async () => {
    await signIn();
    const serial = "arn:aws:iam::111111111111:mfa/alice";
    const deps = makeDeps(`${CHAINS}[profile mfa]\nsource_profile = dev\nrole_arn = ${role("555566667777", "Mfa")}\nmfa_serial = ${serial}\n`, true);
    answers = ["123456"];
    await resolveCredentials({ profile: "mfa", configFile: undefined, allowSignIn: true }, deps);
    expect(asked.map((q) => q.message)).toEqual([`Enter MFA code for ${serial}:`]);
    const body = new URLSearchParams(assumeCalls()[0]!.body);
    expect([body.get("SerialNumber"), body.get("TokenCode")]).toEqual([serial, "123456"]);
    expect(cliCacheFiles()).toContain(`${assumeRoleCacheKey({ roleArn: role("555566667777", "Mfa"), serialNumber: serial })}.json`);
  });

  it("a refused AssumeRole is a 254 naming the profile and role in the service's words; the final hop is not cached", async () => {
    await signIn();
    emu.state.deniedRoleArns = [role("333344445555", "Two")];
    const deps = makeDeps(CHAINS);
    const error = await resolveCredentials({ profile: "two", configFile: undefined, allowSignIn: false }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect((error as AssumeRoleError).exitCode).toBe(ExitCode.service);
    expect((error as AssumeRoleError).message).toMatch(
      /^Could not assume role arn:aws:iam::333344445555:role\/Two for profile "two": An error occurred \(AccessDenied\) when calling the AssumeRole operation: User: arn:aws:sts::222233334444:assumed-role\/One\/botocore-session-\d+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333344445555:role\/Two$/,
    );
    const twoKey = assumeRoleCacheKey({ roleArn: role("333344445555", "Two"), roleSessionName: "two-session" });
    expect(cliCacheFiles()).not.toContain(`${twoKey}.json`);
  });

  it("assumes a role with static keys of the credentials file", async () => {
    await signIn();
    const deps = makeDeps(CHAINS);
    // Real keys the emulator knows: the dev role's, as someone might paste them from the portal.
    const dev = await resolveCredentials({ profile: "dev", configFile: undefined, allowSignIn: false }, deps);
    const { accessKeyId, secretAccessKey, sessionToken } = dev.credentials;
    writeFileSync(
      path.join(home, ".aws", "credentials"),
      `[pasted]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\naws_session_token = ${sessionToken}\n`,
    );
    writeFileSync(path.join(home, ".aws", "config"), `${CHAINS}[profile from-keys]\nsource_profile = pasted\nrole_arn = ${role("222233334444", "Keys")}\n`);
    const resolved = await resolveCredentials({ profile: "from-keys", configFile: undefined, allowSignIn: false }, deps);
    expect(resolved.kind).toBe("assume-role");
    expect(callerKey(assumeCalls()[0]!)).toBe(accessKeyId);
    expect(await resolveCredentials({ profile: "pasted", configFile: undefined, allowSignIn: false }, deps)).toMatchObject({
      kind: "static",
      credentials: { accessKeyId },
    });
  });
});
