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
import { makeSandbox, recordingBrowser, runCli, START_URL, type Sandbox } from "../helpers/cli.js";

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
