import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ListAccountsCommand, SSOClient } from "@aws-sdk/client-sso";
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from "@aws-sdk/client-sso-oidc";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { generateAccounts, sampleAccounts } from "../../emulator/accounts.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/server.js";

// The /_emulator/* knobs a separate process uses, the account generators, and the standalone CLI.

const REGION = "us-east-1";
const START_URL = "https://d-1234567890.awsapps.com/start";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

let emulator: Emulator | undefined;
const clients: { destroy(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator(options);
  return emulator;
}

async function control(emu: Emulator, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${emu.url}/_emulator/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function deviceFlow(emu: Emulator) {
  const oidc = new SSOOIDCClient({ region: REGION, endpoint: emu.url, maxAttempts: 1 });
  clients.push(oidc);
  const { clientId, clientSecret } = await oidc.send(new RegisterClientCommand({ clientName: "knobs", clientType: "public", scopes: ["sso:account:access"] }));
  const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: START_URL }));
  const poll = () => oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }));
  return { oidc, clientId, clientSecret, auth, poll, userCode: auth.userCode ?? "" };
}

/** An emulator with one signed-in token, a portal client, and the session's refresh. */
async function signedIn() {
  const emu = await start({ autoApproveAfterPolls: 0 });
  const flow = await deviceFlow(emu);
  const token = await flow.poll();
  const sso = new SSOClient({ region: REGION, endpoint: emu.url, maxAttempts: 1 });
  clients.push(sso);
  const listAccounts = (accessToken: string | undefined) => sso.send(new ListAccountsCommand({ accessToken }));
  const refresh = () =>
    flow.oidc.send(
      new CreateTokenCommand({ clientId: flow.clientId, clientSecret: flow.clientSecret, grantType: "refresh_token", refreshToken: token.refreshToken }),
    );
  return { emu, token, listAccounts, refresh };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

describe("HTTP control endpoints", () => {
  it("approves and denies by user code, and reports pending codes and registrations", async () => {
    const emu = await start();
    const first = await deviceFlow(emu);
    const second = await deviceFlow(emu);

    const state = await control(emu, "state");
    expect(state.status).toBe(200);
    expect(state.json.pendingDeviceCodes.map((p: { userCode: string }) => p.userCode).sort()).toEqual([first.userCode, second.userCode].sort());
    expect(state.json.pendingDeviceCodes[0]).toMatchObject({ clientName: "knobs", startUrl: START_URL, polls: 0 });
    expect(state.json.registrations).toHaveLength(2);
    // Secrets stay out of the dump.
    expect(state.json.registrations[0].clientSecret).toBeUndefined();
    expect(state.json.counts.StartDeviceAuthorization).toEqual({ calls: 2, throttled: 0, faults: 0 });

    expect((await control(emu, "approve", { userCode: first.userCode.toLowerCase() })).status).toBe(200);
    expect((await control(emu, "deny", { userCode: second.userCode })).json).toEqual({ userCode: second.userCode, status: "denied" });
    expect((await control(emu, "approve", { userCode: second.userCode })).status).toBe(409);
    expect((await control(emu, "approve", { userCode: "ZZZZ-ZZZZ" })).status).toBe(404);
    expect((await control(emu, "approve", {})).status).toBe(400);

    const token = await first.poll();
    expect((await rejection(second.poll())).name).toBe("AccessDeniedException");
    const after = await control(emu, "state");
    expect(after.json.pendingDeviceCodes).toEqual([]);
    expect(after.json.accessTokens).toEqual([expect.objectContaining({ accessToken: token.accessToken, live: true })]);
  });

  it("merges knobs from POST /_emulator/config and rejects bad ones whole", async () => {
    const emu = await start();
    const merged = await control(emu, "config", { interval: 5, autoApproveAfterPolls: 1, generateAccounts: { count: 1200, rolesPerAccount: 2 } });
    expect(merged.status).toBe(200);
    expect(merged.json).toMatchObject({ interval: 5, autoApproveAfterPolls: 1, accountCount: 1200, deviceCodeExpiresIn: 600 });
    expect(emu.state.accounts).toHaveLength(1200);

    const rejected = await control(emu, "config", { interval: 2, intervall: 3, enforceInterval: "yes" });
    expect(rejected.status).toBe(400);
    expect(rejected.json.message).toContain('unknown knob "intervall"');
    expect(rejected.json.message).toContain('knob "enforceInterval" must be a boolean');
    expect(emu.state.interval).toBe(5);

    const flow = await deviceFlow(emu);
    expect(flow.auth.interval).toBe(5);
    expect((await rejection(flow.poll())).name).toBe("AuthorizationPendingException");
    expect((await flow.poll()).accessToken).toBeTruthy();

    const read = await control(emu, "config");
    expect(read.json.accounts).toHaveLength(1200);
  });

  it("injects faults and expires tokens over HTTP", async () => {
    const { emu, token, listAccounts, refresh } = await signedIn();
    const accessToken = token.accessToken ?? "";

    const fault = await control(emu, "fail", { operation: "ListAccounts", status: 429, count: 1 });
    expect(fault.json.faults).toHaveLength(1);
    const throttled = await rejection(listAccounts(accessToken));
    expect(throttled.name).toBe("TooManyRequestsException");
    expect(emu.requests.at(-1)?.status).toBe(429);
    expect(emu.counts().ListAccounts).toEqual({ calls: 1, throttled: 1, faults: 1 });
    expect((await control(emu, "fail", { operation: "ListAccounts", mode: "explode" })).status).toBe(400);
    await control(emu, "fail", { operation: "*", count: 5 });
    expect((await control(emu, "fail", { clear: true })).json.faults).toEqual([]);

    expect((await control(emu, "expire-token", { accessToken })).status).toBe(200);
    expect((await rejection(listAccounts(accessToken))).name).toBe("UnauthorizedException");
    // The session's refresh token still works, which is what a CLI's refresh path needs to test.
    await listAccounts((await refresh()).accessToken);
    expect((await control(emu, "expire-token", { accessToken: "nope" })).status).toBe(404);

    const log = await control(emu, "requests?operation=ListAccounts");
    expect(log.json.map((r: { status: number }) => r.status)).toEqual([429, 401, 200]);
  });

  it("expires the access token in use after expireAccessTokenAfterCalls portal calls, once, keeping its refresh token", async () => {
    const { emu, token, listAccounts, refresh } = await signedIn();
    expect((await control(emu, "config", { expireAccessTokenAfterCalls: 0 })).status).toBe(400);
    expect((await control(emu, "config", { expireAccessTokenAfterCalls: "soon" })).json.message).toContain(
      'knob "expireAccessTokenAfterCalls" must be null or an integer ≥ 1',
    );
    expect((await control(emu, "config", { expireAccessTokenAfterCalls: 2 })).json.expireAccessTokenAfterCalls).toBe(2);
    await listAccounts(token.accessToken);
    await listAccounts(token.accessToken);
    expect((await rejection(listAccounts(token.accessToken))).name).toBe("UnauthorizedException");
    expect(emu.state.expireAccessTokenAfterCalls).toBeNull();

    // The refresh token still works, and the knob, spent, leaves the new token alone.
    const refreshed = await refresh();
    for (let i = 0; i < 3; i++) await listAccounts(refreshed.accessToken);
    const log = await control(emu, "requests?operation=ListAccounts");
    expect(log.json.map((r: { status: number }) => r.status)).toEqual([200, 200, 401, 200, 200, 200]);
  });

  it("keeps only the newest requests when requestLogLimit is set", async () => {
    const emu = await start({ requestLogLimit: 3 });
    for (let i = 0; i < 5; i++) await fetch(`${emu.url}/missing-${i}`);
    expect(emu.requests.map((r) => r.path)).toEqual(["/missing-2", "/missing-3", "/missing-4"]);
  });

  it("answers unknown routes and wrong methods with clear JSON errors", async () => {
    const emu = await start();
    const unknown = await fetch(`${emu.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(unknown.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await unknown.json()) as { message: string }).message).toContain("GET /nope");

    const wrongMethod = await fetch(`${emu.url}/token`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");

    const badJson = await fetch(`${emu.url}/client/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    expect(badJson.headers.get("content-type")).toBe("application/json");
    expect(await badJson.json()).toEqual({ error: "invalid_request", error_description: "The request body must be a JSON object" });

    const noToken = await fetch(`${emu.url}/assignment/accounts`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ message: "Session token not found or invalid" });
    expect(emu.requests.map((r) => r.operation)).toEqual(["Unknown", "MethodNotAllowed", "RegisterClient", "ListAccounts"]);
  });

  it("answers STS actions other than GetCallerIdentity and AssumeRole with an InvalidAction XML error", async () => {
    const emu = await start();
    const response = await fetch(`${emu.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Version=2011-06-15&Action=GetSessionToken",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("text/xml");
    const xml = await response.text();
    expect(xml).toContain("<Code>InvalidAction</Code>");
    expect(xml).toContain("GetSessionToken");
    expect(emu.requests.at(-1)?.operation).toBe("GetSessionToken");
  });

  it("takes the AssumeRole knobs over POST /_emulator/config, and checks them", async () => {
    const emu = await start();
    const post = (body: unknown) =>
      fetch(`${emu.url}/_emulator/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const ok = await post({ assumeRoleExpiresIn: 3, deniedRoleArns: ["arn:aws:iam::222233334444:role/Target"], maxSessionDuration: 7200 });
    expect(ok.status).toBe(200);
    expect(emu.state).toMatchObject({ assumeRoleExpiresIn: 3, deniedRoleArns: ["arn:aws:iam::222233334444:role/Target"], maxSessionDuration: 7200 });
    const bad = await post({ deniedRoleArns: "arn:aws:iam::222233334444:role/Target" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('knob "deniedRoleArns" must be an array of role ARNs');
  });

  it("parses JSON bodies regardless of key order and spacing, as botocore sends them", async () => {
    const emu = await start();
    const response = await fetch(`${emu.url}/client/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"scopes": ["sso:account:access"], "clientType": "public", "clientName": "botocore-client-dev"}',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["clientId", "clientIdIssuedAt", "clientSecret", "clientSecretExpiresAt"]);
  });
});

describe("account fixtures", () => {
  it("sampleAccounts gives five named accounts, one with a single role", () => {
    const accounts = sampleAccounts();
    expect(accounts.map((a) => a.accountName)).toEqual(["Production", "Staging", "Development", "Security Audit", "Shared Services"]);
    expect(accounts.filter((a) => a.roles.length === 1)).toHaveLength(1);
    for (const account of accounts) {
      expect(account.accountId).toMatch(/^\d{12}$/);
      expect(account.emailAddress).toMatch(/@example\.com$/);
      expect(account.roles.length).toBeGreaterThanOrEqual(1);
      expect(account.roles.length).toBeLessThanOrEqual(4);
    }
  });

  it("generateAccounts is deterministic, unique and quick at 5,000 accounts", () => {
    const started = performance.now();
    const accounts = generateAccounts(5000);
    expect(performance.now() - started).toBeLessThan(200);
    expect(accounts).toHaveLength(5000);
    expect(new Set(accounts.map((a) => a.accountId)).size).toBe(5000);
    expect(new Set(accounts.map((a) => a.accountName)).size).toBe(5000);
    expect(accounts.every((a) => /^\d{12}$/.test(a.accountId))).toBe(true);
    expect(generateAccounts(5000)[4321]).toEqual(accounts[4321]);
    expect(accounts[0]?.roles).toEqual(["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"]);
    // One shared role list keeps the memory flat.
    expect(accounts[0]?.roles).toBe(accounts[4999]?.roles);
    expect(generateAccounts(1, 12)[0]?.roles.at(-1)).toBe("CustomRole12");
  });

  it("pages through 5,000 accounts with the SDK", async () => {
    const emu = await start({ accounts: generateAccounts(5000), autoApproveAfterPolls: 0 });
    const token = await (await deviceFlow(emu)).poll();
    const sso = new SSOClient({ region: REGION, endpoint: emu.url });
    clients.push(sso);
    let nextToken: string | undefined;
    let total = 0;
    do {
      const page = await sso.send(new ListAccountsCommand({ accessToken: token.accessToken, maxResults: 100, nextToken }));
      total += page.accountList?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    expect(total).toBe(5000);
    expect(emu.counts().ListAccounts?.calls).toBe(50);
  });
});

describe("standalone runner (emulator/cli.ts)", () => {
  const emulatorDir = fileURLToPath(new URL("../../emulator/", import.meta.url));

  /** Compiles the emulator sources to plain JS in a temp dir, so the runner is tested without a build. */
  async function compileEmulator(): Promise<string> {
    const outDir = await mkdtemp(join(tmpdir(), "sso-emulator-"));
    await writeFile(join(outDir, "package.json"), '{"type":"module"}');
    for (const file of await readdir(emulatorDir)) {
      if (!file.endsWith(".ts")) continue;
      const source = await readFile(join(emulatorDir, file), "utf8");
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      });
      await writeFile(join(outDir, file.replace(/\.ts$/, ".js")), outputText);
    }
    return outDir;
  }

  function run(outDir: string, args: string[]) {
    const child = spawn(process.execPath, [join(outDir, "cli.js"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, stderr: () => stderr };
  }

  it("prints its URL as one JSON line, serves until SIGTERM, and exits 0", async () => {
    const outDir = await compileEmulator();
    try {
      const { child, exited, stderr } = run(outDir, ["--accounts", "300", "--roles-per-account", "2", "--interval", "2", "--auto-approve-after", "1", "--throttle", "50:100"]);
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", () => reject(new Error("runner exited before printing its URL")));
      });
      const { url } = JSON.parse(firstLine) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // On stderr, what to paste to point sso-setup at it.
      await until(() => stderr().includes("sso-setup configure"));
      expect(stderr()).toContain(`export AWS_ENDPOINT_URL_SSO_OIDC=${url} AWS_ENDPOINT_URL_SSO=${url} AWS_ENDPOINT_URL_STS=${url}\n`);
      expect(stderr()).toContain(`export BROWSER=${join(outDir, "person.js")}`);
      const knobs = (await (await fetch(`${url}/_emulator/config`)).json()) as Record<string, unknown>;
      expect(knobs).toMatchObject({ interval: 2, autoApproveAfterPolls: 1, throttle: { all: { ratePerSecond: 50, burst: 100 } } });
      expect(knobs.accounts).toHaveLength(300);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it("--help prints the usage and how to point sso-setup at it, and exits 0", async () => {
    const outDir = await compileEmulator();
    try {
      const child = spawn(process.execPath, [join(outDir, "cli.js"), "--help"], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
      expect(stdout).toMatch(/^Usage: /);
      expect(stdout).toContain("how to point\nsso-setup at it");
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments with exit code 2 and the usage", async () => {
    const outDir = await compileEmulator();
    try {
      const { exited, stderr } = run(outDir, ["--accounts", "many"]);
      expect(await exited).toBe(2);
      expect(stderr()).toContain("--accounts must be an integer");
      expect(stderr()).toContain("Usage:");
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
