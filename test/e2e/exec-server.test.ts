/**
 * `sso-setup exec --server` from the built CLI against the emulator: the container credential
 * endpoint keeps a long-running child (the JS SDK's default chain and botocore) in valid
 * credentials across several role-credential lifetimes, guards itself with the token, survives an
 * expired sign-in until the next login, and closes with the child.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { findBotocorePython } from "../helpers/botocore.js";
import { makeSandbox, ROOT, runCli, type Sandbox } from "../helpers/cli.js";

const SDK_IDENTITY = path.join(ROOT, "test/helpers/sdk-identity.mjs");

const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

/** botocore's default chain (the container provider here), one client calling STS every 500 ms for argv[1] seconds. */
const BOTOCORE_LOOP = `import json, sys, time, botocore.session
session = botocore.session.get_session()
client = session.create_client("sts")
end = time.time() + float(sys.argv[1])
calls, keys = 0, set()
while True:
    answer = client.get_caller_identity()
    calls += 1
    credentials = session.get_credentials()
    keys.add(credentials.get_frozen_credentials().access_key)
    if time.time() >= end:
        break
    time.sleep(0.5)
print(json.dumps({"calls": calls, "Arn": answer["Arn"], "method": credentials.method, "keys": len(keys)}))
`;

let emu: Emulator;
let box: Sandbox;

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
});

afterEach(async () => {
  await emu.close();
  box.cleanup();
});

const env = (extra: Record<string, string | undefined> = {}) =>
  box.env({
    AWS_ENDPOINT_URL_STS: emu.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SHARED_CREDENTIALS_FILE: `${box.configFile}.no-credentials`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  });
const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { env: env(extra), timeoutMs: 60_000 });

async function login() {
  const r = await cli(["login", "--profile", "dev"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("exec --server", () => {
  it("keeps the JS SDK and botocore in valid credentials for longer than two lifetimes of the role credentials", async () => {
    await login();
    const lifetime = 3;
    const seconds = 8;
    emu.state.roleCredentialsExpiresIn = lifetime;
    const pyFile = path.join(box.dir, "botocore-loop.py");
    writeFileSync(pyFile, BOTOCORE_LOOP);
    const jsOut = path.join(box.dir, "js.json");
    const python = findBotocorePython().executable;
    const script = `"$1" "$2" ${seconds} > "$3" & js=$!; "$4" "$5" ${seconds}; py=$?; wait $js; exit $((py + $?))`;
    const mark = emu.requests.length;
    const r = await cli(
      ["exec", "--profile", "dev", "--server", "--", "sh", "-c", script, "sh", process.execPath, SDK_IDENTITY, jsOut, python, pyFile],
      { AWS_PROFILE: "some-other-profile" },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}\n${readText(jsOut)}`).toBe(0);
    expect(r.stderr).toBe("");

    const boto = JSON.parse(r.stdout) as { calls: number; Arn: string; method: string; keys: number };
    const js = JSON.parse(readText(jsOut)) as { calls: number; Arn: string; sources: string[]; expirations: number };
    expect(boto.method).toBe("container-role");
    expect(js.sources).toContain("CREDENTIALS_HTTP");
    for (const arn of [boto.Arn, js.Arn]) expect(arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_/);
    // Each client went through several sets of credentials, every one of them valid when used.
    expect(boto.keys).toBeGreaterThanOrEqual(3);
    expect(js.expirations).toBeGreaterThanOrEqual(3);
    const log = emu.requests.slice(mark);
    const identities = log.filter((entry) => entry.operation === "GetCallerIdentity");
    expect(identities.length).toBe(boto.calls + js.calls);
    expect(identities.every((entry) => entry.status === 200)).toBe(true);
    expect(identities.at(-1)!.receivedAt - identities[0]!.receivedAt).toBeGreaterThan(2 * lifetime * 1000);
    // The endpoint fetched new role credentials as the old ones ran out.
    const fetches = log.filter((entry) => entry.operation === "GetRoleCredentials");
    expect(fetches.length).toBeGreaterThanOrEqual(3);
    expect(fetches.at(-1)!.receivedAt - fetches[0]!.receivedAt).toBeGreaterThan(2 * lifetime * 1000);
  });

  it("answers only GET on its path with the exact token, in the container format; the port closes with the child", async () => {
    await login();
    const probe = `
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
const status = async (target, init) => (await fetch(target, init)).status;
const other = new URL(url); other.pathname = "/other";
const good = await fetch(url, { headers: { Authorization: token } });
process.stdout.write(JSON.stringify({
  url, token,
  keys: Object.keys(process.env).filter((k) => /^AWS_(ACCESS|SECRET|SESSION|CREDENTIAL_EXP|CONTAINER)/.test(k)).sort(),
  noToken: await status(url),
  wrongToken: await status(url, { headers: { Authorization: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") } }),
  bearer: await status(url, { headers: { Authorization: "Bearer " + token } }),
  post: await status(url, { method: "POST", headers: { Authorization: token } }),
  otherPath: await status(other, { headers: { Authorization: token } }),
  good: good.status, body: await good.json(),
}));`;
    const r = await cli(["exec", "--profile", "dev", "--server", "--", process.execPath, "--input-type=module", "-e", probe]);
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, any>;
    expect(seen.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    expect(Buffer.from(seen.token as string, "base64url").length).toBeGreaterThanOrEqual(32);
    expect(seen.keys).toEqual(["AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI"]);
    expect([seen.noToken, seen.wrongToken, seen.bearer]).toEqual([403, 403, 403]);
    expect(seen.post).toBe(405);
    expect(seen.otherPath).toBe(404);
    expect(seen.good).toBe(200);
    const issued = [...emu.state.roleCredentials.values()].at(-1)!;
    expect(seen.body).toEqual({
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: expect.any(String),
      Token: expect.any(String),
      Expiration: new Date(Math.floor(issued.expiration / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z"),
      AccountId: "111111111111",
    });
    expect(await canConnect(new URL(seen.url as string))).toBe(false);
  });

  it("warns when a [default] profile with credentials of its own would take precedence over the endpoint", async () => {
    writeFileSync(box.configFile, `${CONFIG}[default]\ncredential_process = /bin/false\n`);
    await login();
    const r = await cli(["exec", "--profile", "dev", "--server", "--", "true"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      `sso-setup: warning: [default] in ${box.configFile} has credentials of its own, and SDKs use them before the --server endpoint; remove or rename it, or run exec without --server.\n`,
    );
  });

  it("when the sign-in expires mid-run: an error answer and one line on stderr, then credentials again after a login elsewhere", async () => {
    await login();
    // Under 15 minutes: every request asks the service again, with the session's token.
    emu.state.roleCredentialsExpiresIn = 60;
    const poller = `
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const headers = { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN };
let failed = false;
for (const end = Date.now() + 45_000; Date.now() < end; ) {
  const answer = await fetch(url, { headers });
  const body = await answer.json();
  process.stdout.write(answer.status + " " + (body.Code ?? "ok") + "\\n");
  if (answer.status !== 200) failed = true;
  else if (failed) process.exit(0);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
process.exit(1);`;
    let loginStarted = false;
    let expired = false;
    let relogin: Promise<unknown> | undefined;
    const onSpawn = (child: ChildProcess) =>
      child.stdout!.on("data", (data: Buffer) => {
        const text = data.toString();
        if (!expired && text.includes("200 ok")) {
          expired = true;
          emu.expireToken(cachedAccessToken());
        }
        if (!loginStarted && text.includes("401 LoginRequired")) {
          loginStarted = true;
          relogin = cli(["login", "--profile", "dev"]);
        }
      });
    const r = await runCli(["exec", "--profile", "dev", "--server", "--", process.execPath, "--input-type=module", "-e", poller], {
      env: env(),
      timeoutMs: 60_000,
      onSpawn,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(((await relogin) as { code: number }).code).toBe(0);
    const statuses = r.stdout.trim().split("\n");
    expect(statuses[0]).toBe("200 ok");
    expect(statuses).toContain("401 LoginRequired");
    expect(statuses.at(-1)).toBe("200 ok");
    // One line however many requests failed.
    expect(r.stderr).toBe(
      `sso-setup: the sign-in behind profile "dev" has expired; the command gets no new credentials until you run, in another terminal: sso-setup login --profile dev\n`,
    );
  });
});

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function cachedAccessToken(): string {
  const tokens = Object.values(box.cacheFiles()).filter((entry) => typeof entry.accessToken === "string");
  expect(tokens).toHaveLength(1);
  return tokens[0]!.accessToken as string;
}

function canConnect(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
