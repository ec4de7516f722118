/**
 * Role-chained profiles from the built CLI against the emulator: export-credentials (formats and
 * credential_process), the same identity from botocore's `aws` and the JS SDK's fromIni, and the
 * assume-role cache in ~/.aws/cli/cache shared with the AWS CLI both ways (the emulator's log must
 * show no second AssumeRole). Independent consumers are the judges, not our own code.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { awsCli, botocoreEnv } from "../helpers/botocore.js";
import { CLI, DEV_CONFIG, fileMode, makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";
import { makeSelfSignedCertificate, startCountingProxy, startTlsFront } from "../helpers/network.js";
import { KEYS, spawnCliPty } from "../helpers/pty.js";
import { sdkResolve } from "../helpers/sdk.js";

const TARGET_ARN = "arn:aws:iam::222233334444:role/Target";
// botocore 1.43.11's key for {"RoleArn": TARGET_ARN}, observed (daily-use.md §4.3).
const TARGET_KEY = "6214f67098dd6e0408aa6cb222ea9bcb87fe421c";
const NAMED_KEY = createHash("sha1").update(`{"RoleArn": "${TARGET_ARN}", "RoleSessionName": "alice"}`).digest("hex");

const CONFIG = `${DEV_CONFIG}[profile target]
source_profile = dev
role_arn = ${TARGET_ARN}
[profile named]
source_profile = dev
role_arn = ${TARGET_ARN}
role_session_name = alice
[profile deeper]
source_profile = named
role_arn = arn:aws:iam::333344445555:role/Deeper
[profile target-process]
credential_process = "${process.execPath}" "${CLI}" export-credentials --profile target
[profile loop-a]
source_profile = loop-b
role_arn = arn:aws:iam::111111111111:role/A
[profile loop-b]
source_profile = loop-a
role_arn = arn:aws:iam::111111111111:role/B
[profile mfa]
source_profile = dev
role_arn = arn:aws:iam::222233334444:role/Mfa
mfa_serial = arn:aws:iam::111111111111:mfa/alice
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
  const login = await cli(["login", "--profile", "dev"]);
  expect(login.code, login.stderr).toBe(0);
});

afterEach(async () => {
  await emu.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: box.env({ AWS_ENDPOINT_URL_STS: emu.url, ...env }) });
const awsEnv = () => botocoreEnv({ home: box.home, configFile: box.configFile, emulatorUrl: emu.url });
const count = (operation: string) => emu.requests.filter((r) => r.operation === operation).length;
const roleFile = (key: string) => path.join(cliCacheDir, `${key}.json`);
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
const signedWith = (r: { headers: Record<string, string> }) => /Credential=([^/]+)\//.exec(r.headers.authorization ?? "")?.[1];
const lastCallerIdentityKey = () => signedWith(emu.requests.filter((r) => r.operation === "GetCallerIdentity").at(-1)!);

describe("export-credentials of a role-chained profile", () => {
  it("assumes the role on top of the SSO role, prints it in every format, and caches it under the AWS CLI's key", async () => {
    const first = await cli(["export-credentials", "--profile", "target"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe("");
    expect([count("GetRoleCredentials"), count("AssumeRole")]).toEqual([1, 1]);
    const out = JSON.parse(first.stdout) as Record<string, string>;
    const issued = emu.state.roleCredentials.get(out.AccessKeyId!);
    expect(issued).toMatchObject({ accountId: "222233334444", roleName: "Target", mintedByAssumeRole: true });
    expect(issued!.sessionName).toMatch(/^botocore-session-\d{10}$/);

    // The AWS CLI's file: name, mode and JSON shape.
    const entry = readJson(roleFile(TARGET_KEY));
    expect(fileMode(roleFile(TARGET_KEY))).toBe(0o600);
    expect(Object.keys(entry)).toEqual(["Credentials", "AssumedRoleUser", "ResponseMetadata"]);
    expect(Object.keys(entry.Credentials)).toEqual(["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"]);
    expect(entry.Credentials).toMatchObject({ AccessKeyId: out.AccessKeyId, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken, AccountId: "222233334444" });
    expect(entry.Credentials.Expiration).toBe(new Date(issued!.expiration).toISOString().replace(".000Z", "+00:00"));
    expect(entry.AssumedRoleUser.Arn).toBe(`arn:aws:sts::222233334444:assumed-role/Target/${issued!.sessionName}`);

    const exp = out.Expiration;
    const expected: Record<string, string> = {
      env: `export AWS_ACCESS_KEY_ID=${out.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${out.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${out.SessionToken}\nexport AWS_CREDENTIAL_EXPIRATION=${exp}\n`,
      powershell: `$Env:AWS_ACCESS_KEY_ID="${out.AccessKeyId}"\n$Env:AWS_SECRET_ACCESS_KEY="${out.SecretAccessKey}"\n$Env:AWS_SESSION_TOKEN="${out.SessionToken}"\n$Env:AWS_CREDENTIAL_EXPIRATION="${exp}"\n`,
      fish: `set -gx AWS_ACCESS_KEY_ID "${out.AccessKeyId}"\nset -gx AWS_SECRET_ACCESS_KEY "${out.SecretAccessKey}"\nset -gx AWS_SESSION_TOKEN "${out.SessionToken}"\nset -gx AWS_CREDENTIAL_EXPIRATION "${exp}"\n`,
    };
    for (const [format, text] of Object.entries(expected)) {
      const r = await cli(["export-credentials", "--profile", "target", "--format", format]);
      expect([r.code, r.stdout]).toEqual([0, text]);
    }
    // Every later run came from the cache.
    expect(count("AssumeRole")).toBe(1);
  });

  it("serves credential_process: the JS SDK gets the chained role's identity from sso-setup's cached AssumeRole", async () => {
    expect((await cli(["export-credentials", "--profile", "target"])).code).toBe(0);
    const cached = readJson(roleFile(TARGET_KEY)).Credentials.AccessKeyId as string;
    const sdk = await sdkResolve(box, emu.url, "target-process", "ini");
    expect(sdk.ok, JSON.stringify(sdk.error)).toBe(true);
    expect(sdk.credentials?.accessKeyId).toBe(cached);
    expect(sdk.identity?.Arn).toMatch(/^arn:aws:sts::222233334444:assumed-role\/Target\/botocore-session-\d+$/);
    expect(count("AssumeRole")).toBe(1);
  });

  it("a chain of two hops: the second is signed with the first's keys", async () => {
    const r = await cli(["export-credentials", "--profile", "deeper"]);
    expect(r.code, r.stderr).toBe(0);
    const calls = emu.requests.filter((x) => x.operation === "AssumeRole");
    expect(calls.map((c) => new URLSearchParams(c.body).get("RoleArn"))).toEqual([TARGET_ARN, "arn:aws:iam::333344445555:role/Deeper"]);
    expect(emu.state.roleCredentials.get(signedWith(calls[1]!)!)).toMatchObject({ roleName: "Target", sessionName: "alice" });
    expect(emu.state.roleCredentials.get(JSON.parse(r.stdout).AccessKeyId)).toMatchObject({ accountId: "333344445555", roleName: "Deeper" });
  });
});

describe("one chained profile, three consumers", () => {
  it("aws (botocore), the JS SDK's fromIni and sso-setup resolve it to the same identity", async () => {
    const aws = await awsCli(["sts", "get-caller-identity", "--profile", "named", "--output", "json", "--region", "us-east-1"], awsEnv());
    expect(aws.code, aws.stderr).toBe(0);
    const sdk = await sdkResolve(box, emu.url, "named", "ini");
    expect(sdk.ok, JSON.stringify(sdk.error)).toBe(true);
    rmSync(cliCacheDir, { recursive: true, force: true });
    const ours = await cli(["export-credentials", "--profile", "named"]);
    expect(ours.code, ours.stderr).toBe(0);
    const ourRecord = emu.state.roleCredentials.get(JSON.parse(ours.stdout).AccessKeyId)!;

    const arn = "arn:aws:sts::222233334444:assumed-role/Target/alice";
    expect(JSON.parse(aws.stdout)).toMatchObject({ Account: "222233334444", Arn: arn });
    expect(sdk.identity).toMatchObject({ Account: "222233334444", Arn: arn });
    expect(ourRecord).toMatchObject({ accountId: "222233334444", roleName: "Target", sessionName: "alice" });
    // fromIni keeps no file cache, so each of the three made its own AssumeRole.
    expect(count("AssumeRole")).toBe(3);
  });

  it("aws uses the AssumeRole result sso-setup cached: no second AssumeRole, no GetRoleCredentials", async () => {
    const ours = await cli(["export-credentials", "--profile", "target"]);
    expect(ours.code, ours.stderr).toBe(0);
    const before = [count("AssumeRole"), count("GetRoleCredentials")];
    const aws = await awsCli(["sts", "get-caller-identity", "--profile", "target", "--output", "json", "--region", "us-east-1"], awsEnv());
    expect(aws.code, aws.stderr).toBe(0);
    expect([count("AssumeRole"), count("GetRoleCredentials")]).toEqual(before);
    expect(lastCallerIdentityKey()).toBe(JSON.parse(ours.stdout).AccessKeyId);
    expect(JSON.parse(aws.stdout).Arn).toMatch(/^arn:aws:sts::222233334444:assumed-role\/Target\/botocore-session-\d+$/);
  });

  it("sso-setup (and through it the JS SDK) uses the AssumeRole result aws cached", async () => {
    const aws = await awsCli(["sts", "get-caller-identity", "--profile", "named", "--output", "json", "--region", "us-east-1"], awsEnv());
    expect(aws.code, aws.stderr).toBe(0);
    expect(readdirSync(cliCacheDir)).toEqual([`${NAMED_KEY}.json`]);
    const awsKey = lastCallerIdentityKey();
    const before = emu.requests.length;
    const ours = await cli(["export-credentials", "--profile", "named"]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(JSON.parse(ours.stdout).AccessKeyId).toBe(awsKey);
    // Not a single request: neither the SSO leg nor AssumeRole.
    expect(emu.requests.length).toBe(before);

    writeFileSync(box.configFile, `${CONFIG}[profile named-process]\ncredential_process = "${process.execPath}" "${CLI}" export-credentials --profile named\n`);
    const sdk = await sdkResolve(box, emu.url, "named-process", "ini");
    expect(sdk.ok, JSON.stringify(sdk.error)).toBe(true);
    expect(sdk.credentials?.accessKeyId).toBe(awsKey);
    expect(count("AssumeRole")).toBe(1);
  });
});

describe("MFA", () => {
  it("in a terminal, asks for the code, sends it with the serial, and the next run (no terminal) uses the cache", async () => {
    const c = spawnCliPty(["export-credentials", "--profile", "mfa", "--format", "env"], box.env({ AWS_ENDPOINT_URL_STS: emu.url }));
    await c.waitFor("Enter MFA code for arn:aws:iam::111111111111:mfa/alice:");
    c.write(`123456${KEYS.enter}`);
    const exit = await c.waitForExit(20_000);
    expect(exit.code, c.text()).toBe(0);
    expect(c.text()).toMatch(/export AWS_ACCESS_KEY_ID=ASIA/);
    const body = new URLSearchParams(emu.requests.find((r) => r.operation === "AssumeRole")!.body);
    expect([body.get("SerialNumber"), body.get("TokenCode")]).toEqual(["arn:aws:iam::111111111111:mfa/alice", "123456"]);

    const again = await cli(["export-credentials", "--profile", "mfa"]);
    expect(again.code, again.stderr).toBe(0);
    expect(count("AssumeRole")).toBe(1);
  });
});

describe("failures", () => {
  it("a refused AssumeRole exits 254 with the service's words, naming the profile and role; nothing is cached for it", async () => {
    emu.state.deniedRoleArns = [TARGET_ARN];
    const r = await cli(["export-credentials", "--profile", "target"]);
    expect(r.code).toBe(254);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^\nsso-setup: error: Unable to retrieve credentials: Could not assume role arn:aws:iam::222233334444:role\/Target for profile "target": An error occurred \(AccessDenied\) when calling the AssumeRole operation: User: arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/developer@example.com is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222233334444:role\/Target\n$/,
    );
    expect(existsSync(roleFile(TARGET_KEY))).toBe(false);
  });

  it("a source_profile loop exits 253 naming the profiles and role, before any request", async () => {
    const before = emu.requests.length;
    const r = await cli(["export-credentials", "--profile", "loop-a"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toBe(
      '\nsso-setup: error: Unable to retrieve credentials: Infinite loop in the source_profile chain of profile "loop-a": the profile "loop-b" (role_arn arn:aws:iam::111111111111:role/B) names source_profile "loop-a", which is already in the chain (loop-a -> loop-b -> loop-a).\n',
    );
    expect(emu.requests.length).toBe(before);
  });

  it("an MFA profile without a terminal exits 253 naming the profile, without asking or calling anything", async () => {
    const before = emu.requests.length;
    const r = await cli(["export-credentials", "--profile", "mfa"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toContain('The profile "mfa" (role_arn arn:aws:iam::222233334444:role/Mfa) needs an MFA code for arn:aws:iam::111111111111:mfa/alice, and there is no terminal');
    expect(emu.requests.length).toBe(before);
  });
});

describe("corporate networks", () => {
  it("STS goes through the HTTPS_PROXY tunnel and is checked against AWS_CA_BUNDLE, like the SSO calls", async () => {
    const certificate = makeSelfSignedCertificate(box.dir);
    const front = await startTlsFront(emu.url, certificate);
    const proxy = await startCountingProxy();
    try {
      // A host name, as AWS endpoints have (the tunnel checks the certificate against it).
      const sts = front.url.replace("127.0.0.1", "localhost");
      const untrusted = await cli(["export-credentials", "--profile", "target"], { AWS_ENDPOINT_URL_STS: sts, HTTPS_PROXY: proxy.url });
      expect(untrusted.code).toBe(253);
      expect(untrusted.stderr).toMatch(/Could not reach https:\/\/localhost:\d+ \(AssumeRole\): the server's TLS certificate was not accepted/);
      expect(untrusted.stderr).toContain("AWS_CA_BUNDLE");
      expect(existsSync(roleFile(TARGET_KEY))).toBe(false);

      const r = await cli(["export-credentials", "--profile", "target"], { AWS_ENDPOINT_URL_STS: sts, HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: certificate.certFile });
      expect(r.code, r.stderr).toBe(0);
      expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(sts).host]));
      expect(front.requests).toBeGreaterThanOrEqual(1);
      expect(emu.state.roleCredentials.get(JSON.parse(r.stdout).AccessKeyId)).toMatchObject({ roleName: "Target", mintedByAssumeRole: true });
    } finally {
      await proxy.close();
      await front.close();
    }
  });
});

describe("start-up", () => {
  it("serves a chained profile from its cached AssumeRole without loading the AWS SDK", async () => {
    expect((await cli(["export-credentials", "--profile", "target"])).code).toBe(0);
    const r = await runTracingModules(["export-credentials", "--profile", "target"], box.env({ AWS_ENDPOINT_URL_STS: emu.url }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.loaded.join("\n")).not.toMatch(/\/node_modules\/(@aws-sdk|@smithy|@inquirer)\//);
  });
});
