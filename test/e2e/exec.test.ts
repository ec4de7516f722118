/**
 * `sso-setup exec` from the built CLI against the emulator: the child's environment, exit codes and
 * signals, nesting, and independent consumers (the aws CLI, the JS SDK) running under it.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { botocoreEnv, findBotocorePython } from "../helpers/botocore.js";
import { makeSandbox, recordingBrowser, ROOT, runCli, type Sandbox } from "../helpers/cli.js";
import { KEYS, spawnCliPty } from "../helpers/pty.js";

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

/** Every variable exec must keep away from the child, each set in the parent. */
const REMOVED_IN_PARENT = {
  AWS_PROFILE: "parent-profile",
  AWS_DEFAULT_PROFILE: "parent-default-profile",
  AWS_SECURITY_TOKEN: "parent-security-token",
  AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/parent",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/parent",
  AWS_CONTAINER_AUTHORIZATION_TOKEN: "parent-container-token",
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/parent/token",
  AWS_WEB_IDENTITY_TOKEN_FILE: "/parent/web-identity",
  AWS_ROLE_ARN: "arn:aws:iam::999999999999:role/Parent",
  AWS_ACCESS_KEY_ID: "AKIAPARENT",
  AWS_SECRET_ACCESS_KEY: "parent-secret",
  AWS_SESSION_TOKEN: "parent-session-token",
  AWS_CREDENTIAL_EXPIRATION: "2000-01-01T00:00:00Z",
  AWS_ACCOUNT_ID: "999999999999",
  AWS_REGION: "ap-south-1",
  AWS_DEFAULT_REGION: "ap-south-1",
};

/** Prints the child's AWS_* and SSO_SETUP_* variables as JSON. */
const PRINT_ENV = [
  process.execPath,
  "-e",
  "process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(AWS_|SSO_SETUP)/.test(k)))))",
];

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

const env = (extra: Record<string, string | undefined> = {}) => box.env({ AWS_ENDPOINT_URL_STS: emu.url, AWS_EC2_METADATA_DISABLED: "true", ...extra });
const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { env: env(extra) });
const ops = () => emu.requests.map((r) => r.operation);

async function login() {
  const r = await cli(["login", "--profile", "dev"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("exec", () => {
  it("gives the child the profile's credentials and region, and none of the variables that would override them", async () => {
    await login();
    const r = await cli(["exec", "--profile", "dev", "--", ...PRINT_ENV], REMOVED_IN_PARENT);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    // stdout is the child's alone.
    const seen = JSON.parse(r.stdout) as Record<string, string>;
    const issued = [...emu.state.roleCredentials.values()];
    expect(issued).toHaveLength(1);
    const cached = JSON.parse(readFileSync(path.join(box.home, ".aws/cli/cache", readdirOne(path.join(box.home, ".aws/cli/cache"))), "utf8"))
      .Credentials as Record<string, string>;
    expect(seen).toEqual({
      AWS_ACCESS_KEY_ID: issued[0]!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cached.SecretAccessKey,
      AWS_SESSION_TOKEN: cached.SessionToken,
      AWS_CREDENTIAL_EXPIRATION: cached.Expiration,
      AWS_ACCOUNT_ID: "111111111111",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "eu-west-1",
      SSO_SETUP_PROFILE: "dev",
      // Left alone: how the parent reaches the emulator.
      AWS_CONFIG_FILE: box.configFile,
      AWS_ENDPOINT_URL_SSO: emu.url,
      AWS_ENDPOINT_URL_SSO_OIDC: emu.url,
      AWS_ENDPOINT_URL_STS: emu.url,
      AWS_EC2_METADATA_DISABLED: "true",
      SSO_SETUP_WEB_ENDPOINT_URL: emu.url,
    });
    expect(seen.AWS_CREDENTIAL_EXPIRATION).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("takes the profile from AWS_PROFILE and the region from --region", async () => {
    await login();
    const r = await cli(["exec", "--region", "us-west-2", "--", ...PRINT_ENV], { AWS_PROFILE: "dev" });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, string>;
    expect(seen).toMatchObject({ SSO_SETUP_PROFILE: "dev", AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "us-west-2" });
    expect(seen.AWS_PROFILE).toBeUndefined();
  });

  it("exits with the child's code: 0, 3, 127 not found, 126 not executable, 128+15 killed by SIGTERM", async () => {
    await login();
    const notExecutable = path.join(box.dir, "script.sh");
    writeFileSync(notExecutable, "#!/bin/sh\nexit 0\n");
    chmodSync(notExecutable, 0o644);
    const [ok, three, missing, denied, killed] = await Promise.all([
      cli(["exec", "--profile", "dev", "--", "true"]),
      cli(["exec", "--profile", "dev", "--", "sh", "-c", "exit 3"]),
      cli(["exec", "--profile", "dev", "--", "no-such-command-sso-setup"]),
      cli(["exec", "--profile", "dev", "--", notExecutable]),
      cli(["exec", "--profile", "dev", "--", "sh", "-c", "kill -TERM $$"]),
    ]);
    expect([ok.code, three.code, missing.code, denied.code, killed.code]).toEqual([0, 3, 127, 126, 143]);
    for (const r of [ok, three, missing, denied, killed]) expect(r.stdout).toBe("");
    expect([ok.stderr, three.stderr, killed.stderr]).toEqual(["", "", ""]);
    expect(missing.stderr).toBe(`sso-setup: "no-such-command-sso-setup": command not found\n`);
    expect(denied.stderr).toBe(`sso-setup: ${JSON.stringify(notExecutable)}: permission denied (not an executable file)\n`);
  });

  it("forwards SIGINT and SIGTERM to the child and exits with what it exits with, without a word of its own", async () => {
    await login();
    const trapping = (signal: string, code: number) => [
      "exec",
      "--profile",
      "dev",
      "--",
      "sh",
      "-c",
      `trap 'exit ${code}' ${signal}; echo ready; while :; do sleep 0.05; done`,
    ];
    const sendOnReady = (signal: NodeJS.Signals) => ({
      // When the tests run at a terminal, sso-setup would otherwise take Ctrl-C to have reached the child already.
      detached: true,
      onSpawn: (child: import("node:child_process").ChildProcess) =>
        child.stdout!.on("data", (data: Buffer) => {
          if (data.toString().includes("ready")) child.kill(signal);
        }),
    });
    const [int, term] = await Promise.all([
      runCli(trapping("INT", 42), { env: env(), ...sendOnReady("SIGINT") }),
      runCli(trapping("TERM", 43), { env: env(), ...sendOnReady("SIGTERM") }),
    ]);
    expect(int.code, int.stderr).toBe(42);
    expect(int.stderr).toBe("");
    expect(term.code, term.stderr).toBe(43);
    expect(term.stderr).toBe("");
  });

  it("forwards a signal that comes as the child starts: sso-setup neither dies of it nor leaves the child running", async () => {
    await login();
    // The child signals sso-setup as its first act, often before sso-setup's spawn() has even returned.
    const signallingParent = (signal: string, code: number) => {
      const script = `trap 'exit ${code}' ${signal}; kill -${signal} $PPID; while :; do sleep 0.05; done`;
      return runCli(["exec", "--profile", "dev", "--", "sh", "-c", script], { env: env(), detached: true });
    };
    const results = await Promise.all([signallingParent("TERM", 43), signallingParent("HUP", 44), signallingParent("QUIT", 45)]);
    expect(results.map((r) => [r.code, r.signal])).toEqual([
      [43, null],
      [44, null],
      [45, null],
    ]);
    expect(results.map((r) => r.stderr)).toEqual(["", "", ""]);
  });

  it("at a terminal, Ctrl-C reaches the child once (not forwarded again) and sso-setup neither dies nor says Cancelled", async () => {
    await login();
    // The child counts the interrupts it gets, and exits with 40 + that count half a second after the first.
    const counting = `n=0; trap 'n=$((n+1))' INT; echo ready; while [ "$n" -lt 1 ]; do sleep 0.05; done; sleep 0.5; exit $((40 + n))`;
    const term = spawnCliPty(["exec", "--profile", "dev", "--", "sh", "-c", counting], env());
    try {
      await term.waitFor("ready", { timeoutMs: 20_000 });
      term.write(KEYS.ctrlC);
      const exit = await term.waitForExit(20_000);
      expect(exit.code, term.text()).toBe(41);
      expect(term.text()).not.toContain("Cancelled");
    } finally {
      term.kill();
    }
  });

  it("refuses to run inside another exec (252), saying how to leave it", async () => {
    const r = await cli(["exec", "--profile", "dev", "--", "true"], { SSO_SETUP_PROFILE: "prod" });
    expect(r.code).toBe(252);
    expect(r.stderr).toContain(`already inside "sso-setup exec" for profile "prod"`);
    expect(r.stderr).toContain(`"exit"`);
    expect(ops()).toEqual([]);
  });

  it("without a usable token and without a terminal fails fast (253) naming the login command, and runs nothing", async () => {
    const browser = recordingBrowser(box);
    const marker = path.join(box.dir, "ran");
    const r = await cli(["exec", "--profile", "dev", "--", "touch", marker], { BROWSER: browser.command });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("sso-setup login --profile dev");
    expect(() => readFileSync(marker)).toThrow();
  });

  it("starts $SHELL when no command is given", async () => {
    await login();
    const shell = path.join(box.dir, "fake-shell.sh");
    writeFileSync(shell, `#!/bin/sh\necho "shell for $SSO_SETUP_PROFILE"\nexit 5\n`);
    chmodSync(shell, 0o755);
    const r = await cli(["exec", "--profile", "dev"], { SHELL: shell });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("shell for dev\n");
  });

  it("the aws CLI (botocore) and the JS SDK under exec act as the profile's role", async () => {
    await login();
    const boto = botocoreEnv({ home: box.home, configFile: box.configFile, emulatorUrl: emu.url });
    const aws = await runCli(["exec", "--profile", "dev", "--", ...findBotocorePython().aws, "sts", "get-caller-identity", "--output", "json"], {
      env: { ...env(), ...boto, AWS_PROFILE: "some-other-profile" },
      timeoutMs: 40_000,
    });
    expect(aws.code, aws.stderr).toBe(0);
    const identity = JSON.parse(aws.stdout) as { Account: string; Arn: string };
    expect(identity.Account).toBe("111111111111");
    expect(identity.Arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\//);

    const js = await runCli(["exec", "--profile", "dev", "--", process.execPath, SDK_IDENTITY], {
      env: env({ AWS_PROFILE: "some-other-profile", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }),
      timeoutMs: 40_000,
    });
    expect(js.code, js.stdout + js.stderr).toBe(0);
    const result = JSON.parse(js.stdout) as { Arn: string; Account: string; sources: string[] };
    expect(result.Arn).toBe(identity.Arn);
    expect(result.sources).toContain("CREDENTIALS_ENV_VARS");
    // Both ran on the one GetRoleCredentials that exec made.
    expect(ops().filter((op) => op === "GetRoleCredentials")).toHaveLength(1);
  });
});

function readdirOne(dir: string): string {
  const entries = readdirSync(dir);
  expect(entries).toHaveLength(1);
  return entries[0]!;
}
