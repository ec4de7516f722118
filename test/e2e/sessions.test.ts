/**
 * Sessions the way daily users want them, from the built CLI against the emulator: configure runs
 * that never cost a second sign-in, `login --if-needed`, `login --new-session`, sso_use_device_code,
 * vanity start URLs and the portal page's region, and populate's regions.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { CONFIGURE_DEV, DEV_CONFIG, makeSandbox, recordingBrowser, runCli, START_URL, type Sandbox } from "../helpers/cli.js";
import { KEYS, spawnCliPty } from "../helpers/pty.js";
import { startVanityHost, type VanityAnswer } from "../helpers/vanity-host.js";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const CORP_TOKEN = sha1("corp");
const SIGN_IN_OPERATIONS = ["Authorize", "StartDeviceAuthorization", "DevicePage", "AuthorizeApprove", "DeviceApprove"];

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
const opsSince = (mark: number) => emu.requests.slice(mark).map((r) => r.operation);
const signInsSince = (mark: number) => opsSince(mark).filter((op) => SIGN_IN_OPERATIONS.includes(op));
const tokenFile = (key: string) => path.join(box.ssoCacheDir, `${key}.json`);
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
const writeConfig = (text: string) => {
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, text);
};

const SESSION_FLAGS = ["--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1"];

describe("non-interactive configure never costs a second sign-in", () => {
  it("keeps the token of a run that failed on a missing --account-id, and the retry signs in no more", async () => {
    const first = await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--non-interactive"]);
    expect(first.code).toBe(252);
    expect(first.stderr).toMatch(/Choose one of the 5 accounts with --account-id/);
    expect(box.readConfig()).toBeNull();
    expect(signInsSince(0)).toContain("Authorize");
    const token = readJson(tokenFile(CORP_TOKEN));

    const mark = emu.requests.length;
    const second = await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--account-id", "111111111111", "--non-interactive"]);
    expect(second.code).toBe(252);
    expect(second.stderr).toMatch(/Choose one of the roles with --role-name/);
    expect(second.stderr).toContain('Using the SSO token cached for sso-session "corp" by an earlier sign-in');

    const third = await cli(
      ["configure", "--profile", "dev", ...SESSION_FLAGS, "--account-id", "111111111111", "--role-name", "ReadOnlyAccess", "--non-interactive"],
      { BROWSER: recordingBrowser(box).command },
    );
    expect(third.code, third.stderr).toBe(0);
    expect(signInsSince(mark)).toEqual([]);
    expect(opsSince(mark)).not.toContain("CreateToken");
    expect(readJson(tokenFile(CORP_TOKEN)).accessToken).toBe(token.accessToken);
    expect(box.readConfig()).toContain("[sso-session corp]");
  });

  it("a token cached for another definition of the session name (other scopes) does not count: a new session signs in", async () => {
    expect((await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--non-interactive"])).code).toBe(252);
    const mark = emu.requests.length;
    const r = await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--scopes", "sso:account:access,openid", "--non-interactive"]);
    expect(r.code).toBe(252);
    expect(r.stderr).not.toContain("Using the SSO token cached");
    expect(signInsSince(mark)).toContain("Authorize");
  });

  it("errors before any sign-in when a value that cannot be derived is missing", async () => {
    const missingUrl = await cli(["configure", "--profile", "dev", "--sso-session", "corp", "--non-interactive"]);
    expect(missingUrl.code).toBe(252);
    expect(missingUrl.stderr).toMatch(/--start-url/);
    // An awsapps.com portal needs its region: nothing is derived for AWS-owned hosts, as in the AWS CLI.
    const missingRegion = await cli(["configure", "--profile", "dev", "--sso-session", "corp", "--start-url", START_URL, "--non-interactive"]);
    expect(missingRegion.code).toBe(252);
    expect(missingRegion.stderr).toMatch(/--sso-region/);
    expect(emu.requests).toHaveLength(0);
  });
});

const SESSION_CONFIG = DEV_CONFIG;

/** Leaves the session's token `minutesLeft` from expiry locally, and dead at the service. */
function ageToken(minutesLeft: number, drop: string[] = []) {
  const token = readJson(tokenFile(CORP_TOKEN));
  emu.expireToken(token.accessToken);
  const expiresAt = new Date(Date.now() + minutesLeft * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const aged: Record<string, unknown> = { ...token, expiresAt };
  for (const key of drop) delete aged[key];
  writeFileSync(tokenFile(CORP_TOKEN), JSON.stringify(aged));
  return token;
}

describe("login --if-needed", () => {
  beforeEach(() => writeConfig(SESSION_CONFIG));

  it("signs in when there is no token, then does nothing (one line, exit 0) while it is valid", async () => {
    const first = await cli(["login", "--profile", "dev", "--if-needed"]);
    expect(first.code, first.stderr).toBe(0);
    expect(signInsSince(0)).toContain("Authorize");
    const token = readJson(tokenFile(CORP_TOKEN));

    const mark = emu.requests.length;
    const again = await cli(["login", "--profile", "dev", "--if-needed"], { BROWSER: recordingBrowser(box).command });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("");
    expect(again.stderr).toBe(`Still signed in to sso-session "corp": the SSO token is valid until ${token.expiresAt}; nothing to do.\n`);
    expect(opsSince(mark)).toEqual([]);
  });

  it("refreshes a token with less than 15 minutes left instead of signing in", async () => {
    expect((await cli(["login", "--sso-session", "corp"])).code).toBe(0);
    const old = ageToken(10);
    const mark = emu.requests.length;
    const r = await cli(["login", "--sso-session", "corp", "--if-needed"], { BROWSER: recordingBrowser(box).command });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Still signed in to sso-session "corp": the SSO token is valid until \S+Z; nothing to do\.\n$/);
    expect(opsSince(mark)).toEqual(["CreateToken"]);
    expect(readJson(tokenFile(CORP_TOKEN)).accessToken).not.toBe(old.accessToken);
  });

  it("signs in when the token has expired and cannot be refreshed", async () => {
    expect((await cli(["login", "--sso-session", "corp"])).code).toBe(0);
    ageToken(-5, ["refreshToken"]);
    const mark = emu.requests.length;
    const r = await cli(["login", "--sso-session", "corp", "--if-needed"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Successfully logged into Start URL");
    expect(signInsSince(mark)).toContain("Authorize");
  });

  it("--if-needed and --new-session together are a usage error (252)", async () => {
    const r = await cli(["login", "--if-needed", "--new-session"]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/use one of them/);
  });
});

describe("login --new-session", () => {
  beforeEach(() => writeConfig(SESSION_CONFIG));

  it("calls the portal's Logout with the current token before signing in again", async () => {
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    const old = readJson(tokenFile(CORP_TOKEN));
    const mark = emu.requests.length;
    const r = await cli(["login", "--profile", "dev", "--new-session"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Ended the current session of sso-session "corp" at the service; signing in to a new one.');
    const ops = opsSince(mark);
    expect(ops[0]).toBe("Logout");
    expect(ops).toContain("Authorize");
    expect(ops.indexOf("Logout")).toBeLessThan(ops.indexOf("Authorize"));
    // The old session is over at the service, refresh token included; the new token is another one.
    expect(emu.state.accessTokens.get(old.accessToken)?.revoked).toBe(true);
    expect(emu.state.refreshTokens.get(old.refreshToken)?.revoked).toBe(true);
    expect(readJson(tokenFile(CORP_TOKEN)).accessToken).not.toBe(old.accessToken);
  });

  it("without a cached token, says there was no session to end and signs in", async () => {
    const r = await cli(["login", "--profile", "dev", "--new-session"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('No live session of sso-session "corp" to end at the service; signing in to a new one.');
    expect(opsSince(0)).not.toContain("Logout");
  });

  it("does not sign in when the session could not be ended (254), and keeps the token file", async () => {
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    const before = readFileSync(tokenFile(CORP_TOKEN), "utf8");
    emu.fail({ operation: "Logout", status: 500, count: 3 });
    const mark = emu.requests.length;
    const r = await cli(["login", "--profile", "dev", "--new-session"], { BROWSER: recordingBrowser(box).command });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/Could not end the current session of sso-session "corp" at the service, so a sign-in now would continue it/);
    expect(signInsSince(mark)).toEqual([]);
    expect(readFileSync(tokenFile(CORP_TOKEN), "utf8")).toBe(before);
  });
});

describe("sso_use_device_code", () => {
  it("in an [sso-session] (any case) makes the device flow the default for it", async () => {
    writeConfig(SESSION_CONFIG + "sso_use_device_code = TRUE\n");
    const r = await cli(["login", "--sso-session", "corp"]);
    expect(r.code, r.stderr).toBe(0);
    expect(opsSince(0)).toContain("StartDeviceAuthorization");
    expect(opsSince(0)).not.toContain("Authorize");
    expect(r.stderr).toContain("Then enter the code:");
  });

  it("configure --use-device-code writes it for a new session, and for an existing one", async () => {
    const r = await cli([
      "configure",
      "--profile",
      "dev",
      ...SESSION_FLAGS,
      "--account-id",
      "111111111111",
      "--role-name",
      "ReadOnlyAccess",
      "--use-device-code",
      "--non-interactive",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(opsSince(0)).toContain("StartDeviceAuthorization");
    expect(box.readConfig()).toContain(
      `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\nsso_use_device_code = true\n`,
    );
    // Later sign-ins use the device flow without the flag.
    const mark = emu.requests.length;
    expect((await cli(["login", "--profile", "dev"])).code).toBe(0);
    expect(opsSince(mark)).toContain("StartDeviceAuthorization");
    expect(opsSince(mark)).not.toContain("Authorize");

    writeConfig(SESSION_CONFIG);
    const existing = await cli([
      "configure",
      "--profile",
      "qa",
      "--sso-session",
      "corp",
      "--account-id",
      "111111111111",
      "--role-name",
      "ReadOnlyAccess",
      "--use-device-code",
      "--non-interactive",
    ]);
    expect(existing.code, existing.stderr).toBe(0);
    expect(box.readConfig()).toContain("sso_registration_scopes = sso:account:access\nsso_use_device_code = true\n");
  });
});

describe("vanity start URLs", () => {
  const VANITY = "https://sso.mycompany.example/start";
  const PORTAL = "https://ssoins-7223abcd1234.portal.eu-west-1.app.aws";
  // CONFIGURE_DEV with the vanity URL and without --sso-region.
  const configureVanity = (extra: string[] = []) => [
    ...CONFIGURE_DEV.filter((arg, i, all) => arg !== "--sso-region" && all[i - 1] !== "--sso-region").map((arg) => (arg === START_URL ? VANITY : arg)),
    ...extra,
  ];
  const withHost = async (answer: (method: string) => VanityAnswer) => {
    const host = await startVanityHost(answer);
    return { host, env: { SSO_SETUP_WEB_ENDPOINT_URL: host.url } };
  };

  it("derives sso_region from the one redirect a HEAD gets, and gives the service the portal URL it leads to", async () => {
    const { host, env } = await withHost(() => ({ status: 302, location: `${PORTAL}/?from=vanity` }));
    try {
      // The emulator accepts only the resolved portal URL, as the real service does.
      emu.state.startUrls = [PORTAL];
      const r = await cli(configureVanity(), env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Derived sso_region eu-west-1 from ssoins-7223abcd1234.portal.eu-west-1.app.aws, where ${VANITY} leads.`);
      expect(host.requests).toEqual(["HEAD /start"]);
      expect(box.readConfig()).toContain(`[sso-session corp]\nsso_start_url = ${VANITY}\nsso_region = eu-west-1\n`);
      // The token stays keyed and labelled by the configured URL, as the AWS CLI keeps it.
      expect(readJson(tokenFile(CORP_TOKEN)).startUrl).toBe(VANITY);
      expect(readJson(tokenFile(CORP_TOKEN)).region).toBe("eu-west-1");

      // The authorization-code flow registered the client with the portal URL as its issuer.
      const register = emu.requests.find((q) => q.operation === "RegisterClient");
      expect(JSON.parse(register!.body).issuerUrl).toBe(PORTAL);

      // A later sign-in resolves again (one HEAD) and gives the device flow the portal URL.
      const mark = emu.requests.length;
      const login = await cli(["login", "--profile", "dev", "--use-device-code"], env);
      expect(login.code, login.stderr).toBe(0);
      expect(host.requests).toEqual(["HEAD /start", "HEAD /start"]);
      const started = emu.requests.slice(mark).find((q) => q.operation === "StartDeviceAuthorization");
      expect(JSON.parse(started!.body).startUrl).toBe(PORTAL);
    } finally {
      await host.close();
    }
  });

  it("asks again with GET when HEAD is refused (405)", async () => {
    const { host, env } = await withHost((method) => (method === "HEAD" ? { status: 405 } : { status: 301, location: PORTAL }));
    try {
      const r = await cli(configureVanity(), env);
      expect(r.code, r.stderr).toBe(0);
      expect(host.requests).toEqual(["HEAD /start", "GET /start"]);
      expect(box.readConfig()).toContain("sso_region = eu-west-1");
    } finally {
      await host.close();
    }
  });

  it.each([
    [{ status: 302, location: "https://login.evil.example/steal" }, "Could not resolve start URL 'https://sso.mycompany.example/start' to an AWS-owned endpoint. Final URL: 'https://login.evil.example/steal'"],
    [{ status: 302, location: "http://ssoins-1.portal.eu-west-1.app.aws/" }, "to an AWS-owned endpoint. Final URL: 'http://ssoins-1.portal.eu-west-1.app.aws'"],
    [{ status: 302, location: "https://ssoins-1.portal.not-a-region.app.aws/" }, "Cannot determine region from start URL"],
    [{ status: 302, location: "https://d-1234567890.awsapps.com/start" }, "Cannot determine region from start URL"],
    [{ status: 302 }, "Redirect response missing Location header."],
    [{ status: 200 }, "to an AWS-owned endpoint. Final URL: 'https://sso.mycompany.example/start'"],
    [{ status: 404 }, "Failed to resolve start URL: HTTP 404"],
  ])("without --sso-region, %j is a usage error (252) before any sign-in", async (answer, message) => {
    const { host, env } = await withHost(() => answer);
    try {
      const r = await cli(configureVanity(), env);
      expect(r.code).toBe(252);
      expect(r.stderr).toContain('Missing a value for "SSO region": pass --sso-region (it could not be derived from the start URL: ');
      expect(r.stderr).toContain(message);
      expect(emu.requests).toHaveLength(0);
      expect(box.readConfig()).toBeNull();
    } finally {
      await host.close();
    }
  });

  it("login with a vanity URL that no longer leads to AWS is a configuration error (253), with no sign-in", async () => {
    const { host, env } = await withHost(() => ({ status: 302, location: "https://elsewhere.example/" }));
    try {
      writeConfig(DEV_CONFIG.replace(START_URL, VANITY));
      const r = await cli(["login", "--profile", "dev"], env);
      expect(r.code).toBe(253);
      expect(r.stderr).toContain(`Could not resolve start URL '${VANITY}' to an AWS-owned endpoint.`);
      expect(signInsSince(0)).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it("a bad SSO_SETUP_WEB_ENDPOINT_URL is a usage error (252)", async () => {
    const r = await cli(configureVanity(), { SSO_SETUP_WEB_ENDPOINT_URL: "http://example.com:8080" });
    expect(r.code).toBe(252);
    expect(r.stderr).toContain("SSO_SETUP_WEB_ENDPOINT_URL");
    expect(r.stderr).toContain("must be https, or http to a loopback address");
  });

  it("the wizard offers the derived region as the default", async () => {
    const { host, env } = await withHost(() => ({ status: 302, location: PORTAL }));
    const c = spawnCliPty(["configure", "--profile", "dev", "--sso-session", "corp"], box.env(env));
    try {
      await c.waitFor("SSO start URL");
      c.write(VANITY);
      await c.waitFor(VANITY);
      c.write(KEYS.enter);
      await c.waitFor(/SSO region \(eu-west-1\)/);
      expect(c.text()).toContain("Derived sso_region eu-west-1 from ssoins-7223abcd1234.portal.eu-west-1.app.aws");
    } finally {
      c.kill();
      await c.exit;
      await host.close();
    }
  });
});

describe("the portal page's region (awsapps.com)", () => {
  /** Types the start URL into the wizard and returns the SSO region prompt line as drawn. */
  async function regionPrompt(env: Record<string, string> = {}) {
    const c = spawnCliPty(["configure", "--profile", "dev", "--sso-session", "corp"], box.env(env));
    try {
      await c.waitFor("SSO start URL");
      c.write(START_URL);
      await c.waitFor(START_URL);
      c.mark();
      c.write(KEYS.enter);
      const screen = await c.waitFor(/SSO region.*/, { sinceMark: true });
      return /SSO region.*/.exec(screen)![0];
    } finally {
      c.kill();
      await c.exit;
    }
  }

  it("is offered as the wizard's default", async () => {
    emu.state.portalRegion = "ap-southeast-2";
    expect(await regionPrompt()).toMatch(/SSO region \(ap-southeast-2\)/);
    expect(opsSince(0)).toEqual(["PortalPage"]);
  });

  it("is not waited for longer than 2 seconds, nor trusted when it is not a region", async () => {
    emu.fail({ operation: "PortalPage", mode: "delay", delayMs: 8000 });
    expect(await regionPrompt()).not.toMatch(/\(/);
    emu.state.portalRegion = "not-a-region";
    expect(await regionPrompt()).not.toMatch(/\(/);
  });

  it("is not asked for without a terminal: an awsapps.com URL needs --sso-region, as in the AWS CLI", async () => {
    const r = await cli(["configure", "--profile", "dev", "--sso-session", "corp", "--start-url", START_URL, "--non-interactive"]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/--sso-region/);
    expect(emu.requests).toHaveLength(0);
  });
});
