/**
 * `sso-setup console` from the built CLI against the emulator's sign-in service: the federation
 * exchange (what is sent, and what is not), the link a real browser follows to the console page it
 * was made for, the portal shortcut link, and the failures (no session, a refusal).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { launchChromium, screenshot, urlRecorder } from "../helpers/browser.js";
import { makeSandbox, runCli, START_URL, type Sandbox } from "../helpers/cli.js";

const CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
region = eu-west-1
[profile nosession]
sso_session = other
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
[profile chained]
source_profile = dev
role_arn = arn:aws:iam::222233334444:role/Deploy
[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[sso-session other]
sso_start_url = https://d-9999999999.awsapps.com/start
sso_region = us-east-1
`;

let emu: Emulator;
let box: Sandbox;
let browser: Browser;

const env = (extra: Record<string, string | undefined> = {}) => box.env({ AWS_ENDPOINT_URL_SIGNIN: emu.url, AWS_ENDPOINT_URL_STS: emu.url, ...extra });

beforeAll(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
  const login = await runCli(["login", "--profile", "dev"], { env: env() });
  expect(login.code, login.stderr).toBe(0);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await emu?.close();
  box?.cleanup();
});

/** The getSigninToken requests the emulator received since `from`, as the form fields sent. */
function signinRequests(from: number): URLSearchParams[] {
  return emu.requests
    .slice(from)
    .filter((r) => r.operation === "GetSigninToken")
    .map((r) => new URLSearchParams(r.method === "POST" ? r.body : new URLSearchParams(r.query).toString()));
}

describe("console --print for an SSO profile", { timeout: 120_000 }, () => {
  it("prints a login link on stdout, warns on stderr, and sends no SessionDuration unless asked", async () => {
    const from = emu.requests.length;
    const r = await runCli(["console", "--profile", "dev", "--print"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const url = new URL(lines[0]!);
    expect(`${url.origin}${url.pathname}`).toBe(`${emu.url}/federation`);
    expect(url.searchParams.get("Action")).toBe("login");
    expect(url.searchParams.get("Issuer")).toBe(START_URL);
    expect(url.searchParams.get("Destination")).toBe("https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1");
    expect(url.searchParams.get("SigninToken")).toMatch(/^[\w-]{100,}$/);
    expect(r.stderr).toMatch(/signs in whoever opens it, for 15 minutes/);

    const [sent, ...more] = signinRequests(from);
    expect(more).toEqual([]);
    expect(emu.requests.slice(from).find((q) => q.operation === "GetSigninToken")?.method).toBe("POST");
    expect(sent?.get("Action")).toBe("getSigninToken");
    expect(sent?.has("SessionDuration")).toBe(false);
    expect(Object.keys(JSON.parse(sent?.get("Session") ?? "{}") as object).sort()).toEqual(["sessionId", "sessionKey", "sessionToken"]);
  });

  it("--duration 60 sends SessionDuration=3600; --service and --region pick the page", async () => {
    const from = emu.requests.length;
    const r = await runCli(["console", "--profile", "dev", "--print", "--duration", "60", "--service", "lambda", "--region", "us-east-2"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(signinRequests(from)[0]?.get("SessionDuration")).toBe("3600");
    expect(new URL(r.stdout.trim()).searchParams.get("Destination")).toBe("https://us-east-2.console.aws.amazon.com/lambda/home?region=us-east-2");
  });

  it("refuses bad flags with 252 before any network call", async () => {
    const from = emu.requests.length;
    for (const args of [
      ["--duration", "5"],
      ["--duration", "abc"],
      ["--destination", "https://evil.example.com/"],
      ["--service", "s3", "--destination", "https://console.aws.amazon.com/"],
      ["--region", "moon-1"],
      ["--portal", "--duration", "60"],
    ]) {
      const r = await runCli(["console", "--profile", "dev", "--print", ...args], { env: env() });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(252);
      expect(r.stdout).toBe("");
    }
    expect(emu.requests.length).toBe(from);
  });

  it("where no browser can be opened (SSH, no BROWSER), prints the link instead", async () => {
    const r = await runCli(["console", "--profile", "dev"], { env: env({ BROWSER: undefined, SSH_CONNECTION: "10.0.0.1 5000 10.0.0.2 22", DISPLAY: undefined }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/federation\?Action=login&/);
    expect(r.stderr).toMatch(/No browser can be opened here/);
    expect(r.stderr).toMatch(/15 minutes/);
  });

  it("a session that needs a sign-in fails fast with 253 and the login command, outside a terminal", async () => {
    const r = await runCli(["console", "--profile", "nosession", "--print"], { env: env() });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("sso-setup login --profile nosession");
    expect(r.stdout).toBe("");
  });

  it("a refusal of the sign-in service is 254 with the service's words", async () => {
    emu.fail({ operation: "GetSigninToken", mode: "error", status: 400, errorType: "BadRequest", message: "Invalid credentials parameter" });
    const r = await runCli(["console", "--profile", "dev", "--print"], { env: env() });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/refused .*\(HTTP 400\).*Invalid credentials parameter/);
    expect(r.stdout).toBe("");
  });
});

describe("console for a role-chained profile", { timeout: 120_000 }, () => {
  it("--print federates the AssumeRole credentials and never sends SessionDuration", async () => {
    const from = emu.requests.length;
    const r = await runCli(["console", "--profile", "chained", "--print"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(emu.requests.slice(from).some((q) => q.operation === "AssumeRole")).toBe(true);
    const sent = signinRequests(from);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.has("SessionDuration")).toBe(false);
    const key = (JSON.parse(sent[0]?.get("Session") ?? "{}") as { sessionId: string }).sessionId;
    expect(emu.state.roleCredentials.get(key)?.mintedByAssumeRole).toBe(true);
    expect(new URL(r.stdout.trim()).searchParams.get("SigninToken")).toBeTruthy();
  });

  it("--duration is refused with 252 (the sign-in service refuses it for chained credentials)", async () => {
    const from = emu.requests.length;
    const r = await runCli(["console", "--profile", "chained", "--print", "--duration", "60"], { env: env() });
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/role-chained/);
    expect(signinRequests(from)).toEqual([]);
  });

  it("--portal is refused with 252: the portal has no shortcut for a chained role", async () => {
    const r = await runCli(["console", "--profile", "chained", "--portal", "--print"], { env: env() });
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/--portal needs an IAM Identity Center profile.*role_arn/);
    expect(r.stdout).toBe("");
  });
});

describe("a real browser", { timeout: 120_000 }, () => {
  it("opens the link sso-setup opened (BROWSER) and lands on the console page it was made for", async () => {
    const recorder = urlRecorder(box.dir);
    const r = await runCli(["console", "--profile", "dev", "--service", "s3"], { env: env({ BROWSER: recorder.command }) });
    // The browser is started detached and console exits at once: the URL may land just after.
    const opened = await recorder.url(new Promise(() => undefined));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Opened the AWS console for profile "dev"/);

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const response = await page.goto(opened);
      expect(response?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe("/console-landing");
      expect(await page.textContent("#destination")).toBe("https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1");
      expect(await page.textContent("#account")).toBe("111111111111");
      expect(await page.textContent("#role")).toBe("ReadOnlyAccess");
      await screenshot(page, "console-landing");
    } finally {
      await context.close();
    }
  });
});

describe("console --portal", { timeout: 120_000 }, () => {
  it("prints the access portal's shortcut link for the profile's account and role, without credentials", async () => {
    const from = emu.requests.length;
    const r = await runCli(["console", "--profile", "dev", "--portal", "--print", "--service", "ec2"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `${START_URL}/#/console?account_id=111111111111&role_name=ReadOnlyAccess&destination=${encodeURIComponent("https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1")}\n`,
    );
    expect(r.stderr).not.toMatch(/15 minutes/);
    expect(emu.requests.length).toBe(from);
  });
});
