/**
 * Faults from the service (issue 5 §3), end to end: the built CLI against the emulator's fault knobs.
 * What the SDK's standard strategy retries (500/503, timeouts, resets) is retried up to its 3
 * attempts; what is left fails with a clear message, 254 when the service answered and 255 when no
 * answer came, and leaves the config as it was.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { CONFIGURE_DEV, DEV_CONFIG, makeSandbox, runCli, type CliResult, type Sandbox } from "../helpers/cli.js";

// A config that configure must leave byte for byte when it fails.
const EXISTING_CONFIG = "# mine\n[profile keep]\nregion = eu-west-1\n";
const TOKEN_FILE = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")

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
const calls = (operation: string) => emu.counts()[operation]?.calls ?? 0;
const writeConfig = (text: string) => {
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, text);
};
const cliCacheFiles = () => {
  const dir = path.join(box.home, ".aws", "cli", "cache");
  return existsSync(dir) ? readdirSync(dir) : [];
};

/** A failure people can read: the one error line, no stack trace, no SDK internals. */
function expectCleanFailure(r: CliResult): void {
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("sso-setup: error: ");
  expect(r.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(r.stderr).not.toMatch(/unexpected error|This is a bug|Deserialization error|\$response/);
}

describe("HTTP 500 and 503 bursts", () => {
  it("a 500 burst on ListAccounts shorter than the retry budget: configure succeeds on the third attempt", async () => {
    emu.fail({ operation: "ListAccounts", status: 500, count: 2 });
    const r = await cli(CONFIGURE_DEV);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(emu.counts().ListAccounts).toMatchObject({ calls: 3, faults: 2 });
    expect(box.readConfig()).toContain("[profile dev]");
  });

  it("a 503 burst on CreateToken during login shorter than the retry budget: login succeeds", async () => {
    writeConfig(DEV_CONFIG);
    emu.fail({ operation: "CreateToken", status: 503, count: 2 });
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(0);
    expect(emu.counts().CreateToken).toMatchObject({ calls: 3, faults: 2 });
    expect(Object.keys(box.cacheFiles())).toContain(TOKEN_FILE);
  });

  it("a 500 burst longer than the retry budget: configure exits 254 with botocore's message, the config untouched", async () => {
    writeConfig(EXISTING_CONFIG);
    emu.fail({ operation: "ListAccounts", status: 500, count: 10 });
    const r = await cli(CONFIGURE_DEV);
    expect(r.code).toBe(254);
    expectCleanFailure(r);
    expect(r.stderr).toContain(
      "An error occurred (InternalServerException) when calling the ListAccounts operation (reached max retries: 2): Injected fault from the sso-setup emulator",
    );
    expect(calls("ListAccounts")).toBe(3);
    expect(box.readConfig()).toBe(EXISTING_CONFIG);
  });

  it("a 503 burst longer than the retry budget on GetRoleCredentials: export-credentials fails (253, as the AWS CLI's) and caches nothing", async () => {
    writeConfig(DEV_CONFIG);
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    emu.fail({ operation: "GetRoleCredentials", status: 503, count: 10 });
    const r = await cli(["export-credentials", "--profile", "dev"]);
    // `aws configure export-credentials` reports every failure as a configuration error; so does ours.
    expect(r.code).toBe(253);
    expectCleanFailure(r);
    expect(r.stderr).toContain(
      "Unable to retrieve credentials: An error occurred (ServiceUnavailableException) when calling the GetRoleCredentials operation (reached max retries: 2)",
    );
    expect(calls("GetRoleCredentials")).toBe(3);
    expect(cliCacheFiles()).toEqual([]);
  });
});

describe("a response slower than the client timeout", () => {
  it("fails within bounded time with exit 255 and says it timed out", async () => {
    writeConfig(EXISTING_CONFIG);
    emu.fail({ operation: "ListAccounts", mode: "delay", delayMs: 20_000, count: 10 });
    const started = Date.now();
    const r = await cli(CONFIGURE_DEV, { SSO_SETUP_HTTP_TIMEOUT_SECONDS: "1" });
    const elapsed = Date.now() - started;
    expect(r.code).toBe(255);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+ \(ListAccounts\): timed out: no answer within 1 s, after 3 attempts/);
    expect(r.stderr).toContain("SSO_SETUP_HTTP_TIMEOUT_SECONDS");
    expect(calls("ListAccounts")).toBe(3);
    // Three one-second attempts plus backoff and the sign-in before them; far below the 20 s delay.
    expect(elapsed).toBeLessThan(12_000);
    expect(box.readConfig()).toBe(EXISTING_CONFIG);
  });

  it("one slow answer is retried, and the command succeeds", async () => {
    emu.fail({ operation: "ListAccounts", mode: "delay", delayMs: 20_000, count: 1 });
    const r = await cli(CONFIGURE_DEV, { SSO_SETUP_HTTP_TIMEOUT_SECONDS: "1" });
    expect(r.code).toBe(0);
    expect(calls("ListAccounts")).toBe(2);
  });
});

describe("a connection reset", () => {
  it("is retried, and the command succeeds", async () => {
    emu.fail({ operation: "ListAccounts", mode: "reset", count: 2 });
    const r = await cli(CONFIGURE_DEV);
    expect(r.code).toBe(0);
    expect(emu.counts().ListAccounts).toMatchObject({ calls: 3, faults: 2 });
  });

  it("persistent: exit 255 with a network message, the config untouched", async () => {
    writeConfig(EXISTING_CONFIG);
    emu.fail({ operation: "ListAccounts", mode: "reset", count: 10 });
    const r = await cli(CONFIGURE_DEV);
    expect(r.code).toBe(255);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+ \(ListAccounts\): the connection was reset \(ECONNRESET\), after 3 attempts/);
    expect(calls("ListAccounts")).toBe(3);
    expect(box.readConfig()).toBe(EXISTING_CONFIG);
  });
});

describe("a malformed JSON body", () => {
  it("on ListAccounts: exit 254 with a clear message, not retried, the config untouched", async () => {
    writeConfig(EXISTING_CONFIG);
    emu.fail({ operation: "ListAccounts", mode: "malformed", count: 10 });
    const r = await cli(CONFIGURE_DEV);
    expect(r.code).toBe(254);
    expectCleanFailure(r);
    expect(r.stderr).toContain("The answer to ListAccounts (HTTP 200) could not be read: the body is not valid JSON");
    // A 200 is not retried by the SDK's strategy, whatever its body.
    expect(calls("ListAccounts")).toBe(1);
    expect(box.readConfig()).toBe(EXISTING_CONFIG);
  });

  it("on CreateToken during login: exit 254, and no token is cached", async () => {
    writeConfig(DEV_CONFIG);
    emu.fail({ operation: "CreateToken", mode: "malformed", count: 10 });
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(254);
    expectCleanFailure(r);
    expect(r.stderr).toContain("The answer to CreateToken (HTTP 200) could not be read");
    expect(Object.keys(box.cacheFiles())).not.toContain(TOKEN_FILE);
    expect(box.readConfig()).toBe(DEV_CONFIG);
  });
});

describe("client settings in the config file, read as the AWS CLI reads them (sdk-settings.ts)", () => {
  const devWith = (lines: string, rest = "") => DEV_CONFIG.replace("[profile dev]\n", `[profile dev]\n${lines}`) + rest;
  const userAgents = (operation: string) => emu.requests.filter((r) => r.operation === operation).map((r) => r.headers["user-agent"] ?? "");

  it("max_attempts of the command's profile, not AWS_PROFILE's, sets the attempts per call; AWS_MAX_ATTEMPTS wins over it", async () => {
    writeConfig(devWith("max_attempts = 5\n", "[profile other]\nmax_attempts = 1\n"));
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    emu.fail({ operation: "GetRoleCredentials", status: 503, count: 100 });
    let r = await cli(["export-credentials", "--profile", "dev"], { AWS_PROFILE: "other" });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("(reached max retries: 4)");
    expect(calls("GetRoleCredentials")).toBe(5);

    r = await cli(["export-credentials", "--profile", "dev"], { AWS_MAX_ATTEMPTS: "2" });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("(reached max retries: 1)");
    expect(calls("GetRoleCredentials")).toBe(7);
  });

  it("[default]'s max_attempts applies when the profile has none", async () => {
    writeConfig(devWith("", "[default]\nmax_attempts = 1\n"));
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    emu.fail({ operation: "GetRoleCredentials", status: 503, count: 100 });
    const r = await cli(["export-credentials", "--profile", "dev"]);
    expect(r.code).toBe(253);
    expect(r.stderr).not.toContain("reached max retries");
    expect(calls("GetRoleCredentials")).toBe(1);
  });

  it("an invalid setting stops the command before any call, naming the setting and where it is (exit 253)", async () => {
    writeConfig(devWith("retry_mode = sometimes\n"));
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(253);
    expectCleanFailure(r);
    expect(r.stderr).toContain(
      `retry_mode = sometimes (in profile "dev" in ${box.configFile}) is not a valid value: expected one of standard, adaptive, legacy.`,
    );
    expect(calls("RegisterClient")).toBe(0);
    expect(box.readConfig()).toBe(devWith("retry_mode = sometimes\n"));
  });

  it("the AWS SDK reads neither the config file nor the credentials file: sso-setup gives the clients every setting", async () => {
    writeConfig(devWith("", "[profile chained]\nrole_arn = arn:aws:iam::111111111111:role/Deploy\nsource_profile = dev\n"));
    const credentialsFile = path.join(box.dir, "credentials");
    writeFileSync(credentialsFile, "[other]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n");
    // Node's readFile, which the SDK reads these files with (sso-setup reads them otherwise), watched.
    const log = path.join(box.dir, "reads.txt");
    const watcher = path.join(box.dir, "watch-reads.cjs");
    writeFileSync(
      watcher,
      `const fs = require("node:fs");
const watched = new Set([process.env.AWS_CONFIG_FILE, process.env.AWS_SHARED_CREDENTIALS_FILE]);
for (const target of [fs, fs.promises]) {
  const original = target.readFile;
  target.readFile = function (file, ...rest) {
    if (watched.has(String(file))) fs.appendFileSync(${JSON.stringify(log)}, String(file) + "\\n");
    return original.call(this, file, ...rest);
  };
}
`,
    );
    writeFileSync(log, "");
    const env = { NODE_OPTIONS: `--require ${watcher}`, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_ENDPOINT_URL_STS: emu.url };
    for (const args of [["login", "--profile", "dev"], ["export-credentials", "--profile", "dev"], ["export-credentials", "--profile", "chained"]]) {
      const r = await cli(args, env);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(calls("AssumeRole")).toBe(1);
    expect(readFileSync(log, "utf8")).toBe("");

    // The watcher sees such a read.
    const probe = await runCli(["-e", "require('node:fs/promises').readFile(process.env.AWS_CONFIG_FILE)"], { env: box.env(env), bin: process.execPath });
    expect(probe.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`${box.configFile}\n`);
  });

  it("sdk_ua_app_id is sent in the User-Agent of every call, as app/ID", async () => {
    writeConfig(devWith("sdk_ua_app_id = team-ci\n"));
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    expect((await cli(["export-credentials", "--profile", "dev"])).code).toBe(0);
    const agents = [...userAgents("CreateToken"), ...userAgents("GetRoleCredentials")];
    expect(agents.length).toBeGreaterThanOrEqual(2);
    for (const agent of agents) expect(agent).toMatch(/(^| )app\/team-ci( |$)/);
  });
});

describe("endpoints configured in the config file (botocore's configured endpoints)", () => {
  const noEnvEndpoints = { AWS_ENDPOINT_URL_SSO_OIDC: undefined, AWS_ENDPOINT_URL_SSO: undefined };
  // Where a call would go to AWS itself: a proxy nobody listens on, so that it fails at once here
  // and never leaves the machine on one that has a network.
  const toDeadProxy = { HTTPS_PROXY: "http://127.0.0.1:1", NO_PROXY: "127.0.0.1" };
  const devWith = (lines: string, rest = "") => DEV_CONFIG.replace("[profile dev]\n", `[profile dev]\n${lines}`) + rest;

  it("the profile's endpoint_url serves sign-in and the portal, with no AWS_ENDPOINT_URL_* set", async () => {
    writeConfig(devWith(`endpoint_url = ${emu.url}\n`));
    expect((await cli(["login", "--profile", "dev"], noEnvEndpoints)).code).toBe(0);
    const r = await cli(["export-credentials", "--profile", "dev"], noEnvEndpoints);
    expect(r.code).toBe(0);
    expect(calls("CreateToken")).toBeGreaterThanOrEqual(1);
    expect(calls("GetRoleCredentials")).toBe(1);
  });

  it("a [services] section's endpoint_url per service wins over the profile's, and AWS_ENDPOINT_URL_SSO over both", async () => {
    const services = `[services local]\nsso_oidc =\n  endpoint_url = ${emu.url}\nsso =\n  endpoint_url = ${emu.url}\n`;
    writeConfig(devWith("services = local\nendpoint_url = http://127.0.0.1:9/unused\n", services));
    expect((await cli(["login", "--profile", "dev"], noEnvEndpoints)).code).toBe(0);
    const r = await cli(["export-credentials", "--profile", "dev"], { ...noEnvEndpoints, AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9" });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("Could not reach http://127.0.0.1:9 (GetRoleCredentials)");
    expect(calls("GetRoleCredentials")).toBe(0);

    expect((await cli(["export-credentials", "--profile", "dev"], noEnvEndpoints)).code).toBe(0);
    expect(calls("GetRoleCredentials")).toBe(1);
  });

  it("[default]'s endpoint_url does not stand in for the profile's", async () => {
    writeConfig(devWith(`endpoint_url = ${emu.url}\n`, "[default]\nendpoint_url = http://127.0.0.1:9\n"));
    expect((await cli(["login", "--profile", "dev"], noEnvEndpoints)).code).toBe(0);
    writeConfig(devWith("", "[default]\nendpoint_url = http://127.0.0.1:9\nregion = us-east-1\n"));
    const r = await cli(["export-credentials", "--profile", "dev", "--debug"], { ...noEnvEndpoints, ...toDeadProxy });
    // AWS's own portal endpoint, not [default]'s, reached (and failed) through the dead proxy.
    expect(r.code).toBe(253);
    expect(r.stderr).toMatch(/net   SSO portal https:\/\/portal\.sso\.us-east-1\.amazonaws\.com via proxy http:\/\/127\.0\.0\.1:1;/);
    expect(r.stderr).toContain("Could not reach the proxy http://127.0.0.1:1 (from HTTPS_PROXY) for https://portal.sso.us-east-1.amazonaws.com");
    expect(r.stderr).not.toContain("127.0.0.1:9");
  });

  it("ignore_configured_endpoint_urls = true turns the configured endpoints off; a missing [services] section is a config error", async () => {
    writeConfig(devWith(`endpoint_url = ${emu.url}\nignore_configured_endpoint_urls = true\n`));
    let r = await cli(["login", "--profile", "dev", "--debug"], { ...noEnvEndpoints, ...toDeadProxy });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/net   SSO OIDC https:\/\/oidc\.us-east-1\.amazonaws\.com via proxy http:\/\/127\.0\.0\.1:1;/);
    expect(calls("RegisterClient")).toBe(0);

    writeConfig(devWith("services = nowhere\n"));
    r = await cli(["login", "--profile", "dev"], noEnvEndpoints);
    expect(r.code).toBe(253);
    expectCleanFailure(r);
    expect(r.stderr).toContain(`The profile "dev" in ${box.configFile} uses the services section "nowhere" (services = nowhere), but the config has no [services nowhere].`);
  });
});
