/**
 * The built CLI against the emulator, non-interactively, as CI scripts use it: exit codes, stdout,
 * stderr and every file written (or, on failure, not written).
 */
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { fileMode, makeSandbox, runCli, TOKEN_FILE_KEYS, type Sandbox } from "../helpers/cli.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const SESSION_FLAGS = ["--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1"];
const CORP_TOKEN_FILE = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")
const LEGACY_TOKEN_FILE = "7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"; // sha1(START_URL)

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
const operations = () => emu.requests.map((r) => r.operation);

describe("configure, non-interactive", () => {
  it("writes an sso-session profile exactly as the AWS CLI would, and caches the token", async () => {
    const r = await cli([
      "configure",
      "--profile",
      "dev",
      ...SESSION_FLAGS,
      "--account-id",
      "111111111111",
      "--role-name",
      "ReadOnlyAccess",
      "--region",
      "eu-west-1",
      "--output",
      "json",
      "--non-interactive",
    ]);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|Warning:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    // An sso-session signs in with the authorization-code flow by default, as the AWS CLI 2.22+ does.
    expect(r.stderr).toContain("Attempting to open your default browser. If the browser does not open, open the following URL.");
    expect(r.stderr).toContain("Using the account ID 111111111111");
    expect(r.stderr).toContain('Using the role name "ReadOnlyAccess"');
    expect(r.stderr).toContain("aws sts get-caller-identity --profile dev");
    expect(box.readConfig()).toBe(
      [
        "[profile dev]",
        "sso_session = corp",
        "sso_account_id = 111111111111",
        "sso_role_name = ReadOnlyAccess",
        "region = eu-west-1",
        "output = json",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
    expect(fileMode(box.configFile)).toBe(0o600);

    const caches = box.cacheFiles();
    const token = caches[CORP_TOKEN_FILE]!;
    expect(Object.keys(token)).toEqual(TOKEN_FILE_KEYS);
    expect(token.startUrl).toBe(START_URL);
    expect(token.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(fileMode(path.join(box.ssoCacheDir, CORP_TOKEN_FILE))).toBe(0o600);
    expect(fileMode(box.ssoCacheDir)).toBe(0o700);
    // The raw file is botocore's compact json.dumps, so the AWS CLI could have written it.
    expect(readFileSync(path.join(box.ssoCacheDir, CORP_TOKEN_FILE), "utf8")).toMatch(/^\{"startUrl": "https:/);
    // Secrets never reach the terminal.
    expect(r.stderr).not.toContain(String(token.accessToken));
    expect(r.stderr).not.toContain(String(token.refreshToken));
    expect(operations()).toEqual(
      expect.arrayContaining(["RegisterClient", "Authorize", "CreateToken", "ListAccounts", "ListAccountRoles"]),
    );
  });

  it("writes the legacy format with --legacy, warning about it", async () => {
    const r = await cli([
      "configure",
      "--profile",
      "old",
      "--legacy",
      "--start-url",
      START_URL,
      "--sso-region",
      "us-east-1",
      "--account-id",
      "444444444444",
      "--non-interactive",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("WARNING: Configuring using legacy format");
    expect(r.stderr).toContain("The only role available to you is: SecurityAudit");
    expect(box.readConfig()).toBe(
      [
        "[profile old]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_account_id = 444444444444",
        "sso_role_name = SecurityAudit",
        "",
      ].join("\n"),
    );
    expect(Object.keys(box.cacheFiles())).toContain(LEGACY_TOKEN_FILE);
  });

  it("defaults the profile name to <role>-<account> and [default] for the name default", async () => {
    let r = await cli(["configure", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toContain("[profile SecurityAudit-444444444444]\n");

    r = await cli(["configure", "--sso-session", "corp", "--account-id", "444444444444", "--non-interactive"], {
      AWS_PROFILE: "default",
    });
    expect(r.code).toBe(0);
    expect(box.readConfig()).toContain("[default]\nsso_session = corp\n");
    expect(r.stderr).toContain("The AWS CLI is now configured to use the default profile.");
  });

  it("edits a hand-written config surgically, through a symlink, keeping its mode", async () => {
    const original = [
      "# my settings",
      "[default]",
      "region = us-east-1 ",
      "",
      "; work account",
      "[profile dev]",
      "output=text",
      "s3 =",
      "  max_concurrent_requests = 20",
      "# region = never-touch-me",
      "",
      "[profile other]",
      "aws_access_key_id = AKIAEXAMPLE",
      "",
    ].join("\r\n");
    const real = path.join(box.dir, "dotfiles", "aws-config");
    mkdirSync(path.dirname(real), { recursive: true });
    writeFileSync(real, original);
    chmodSync(real, 0o640);
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    symlinkSync(real, box.configFile);

    const r = await cli([
      "configure",
      "--profile",
      "dev",
      ...SESSION_FLAGS,
      "--account-id",
      "222222222222",
      "--role-name",
      "PowerUserAccess",
      "--non-interactive",
    ]);
    expect(r.code).toBe(0);
    expect(lstatSync(box.configFile).isSymbolicLink()).toBe(true);
    expect(fileMode(real)).toBe(0o640);
    expect(readFileSync(real, "utf8")).toBe(
      [
        "# my settings",
        "[default]",
        "region = us-east-1 ",
        "",
        "; work account",
        "[profile dev]",
        "output=text",
        "s3 =",
        "  max_concurrent_requests = 20",
        "sso_session = corp",
        "sso_account_id = 222222222222",
        "sso_role_name = PowerUserAccess",
        "# region = never-touch-me",
        "",
        "[profile other]",
        "aws_access_key_id = AKIAEXAMPLE",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\r\n"),
    );
  });

  it("reuses an existing sso-session and its fresh token without a new authorization", async () => {
    expect((await cli(["configure", "--profile", "a", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"])).code).toBe(0);
    const before = emu.requests.length;
    const r = await cli(
      ["configure", "--profile", "b", "--sso-session", "corp", "--account-id", "555555555555", "--role-name", "Billing", "--non-interactive"],
      { BROWSER: "/nonexistent/browser" },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("Then enter the code");
    const later = emu.requests.slice(before).map((x) => x.operation);
    expect(later).not.toContain("StartDeviceAuthorization");
    expect(later).not.toContain("RegisterClient");
    expect(box.readConfig()).toContain("[profile b]\nsso_session = corp\nsso_account_id = 555555555555\nsso_role_name = Billing\n");
  });

  it("refuses flags that contradict an existing sso-session", async () => {
    await cli(["configure", "sso-session", ...SESSION_FLAGS, "--non-interactive"]);
    const before = box.readConfig();
    const r = await cli([
      "configure",
      "--profile",
      "x",
      "--sso-session",
      "corp",
      "--start-url",
      "https://other.awsapps.com/start",
      "--account-id",
      "444444444444",
      "--non-interactive",
    ]);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('The sso-session "corp" already exists');
    expect(box.readConfig()).toBe(before);
  });

  it("writes a profile without signing in with --no-login", async () => {
    const r = await cli([
      "configure",
      "--profile",
      "ci",
      ...SESSION_FLAGS,
      "--account-id",
      "123456789012",
      "--role-name",
      "Deployer",
      "--no-login",
      "--non-interactive",
    ]);
    expect(r.code).toBe(0);
    expect(emu.requests).toHaveLength(0);
    expect(box.readConfig()).toContain("[profile ci]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Deployer\n");
    expect(box.cacheFiles()).toEqual({});
    // Nobody signed in, so the next step is a sign-in, not the AWS CLI's "verify with sts".
    expect(r.stderr).toBe("The profile ci was written without signing in. Sign in before using it:\n\nsso-setup login --profile ci\n");
    const exported = await cli(["export-credentials", "--profile", "ci"]);
    expect(exported.code).toBe(253);
    expect(exported.stderr).toContain('There is no cached SSO token for sso-session "corp". To sign in, run: sso-setup login --profile ci\n');
  });

  it("configure sso-session writes only the session section and signs in to nothing", async () => {
    const r = await cli(["configure", "sso-session", ...SESSION_FLAGS, "--scopes", "sso:account:access, codewhisperer:completions"]);
    expect(r.code).toBe(0);
    expect(emu.requests).toHaveLength(0);
    expect(box.readConfig()).toBe(
      `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access, codewhisperer:completions\n`,
    );
    expect(r.stderr).toContain("sso-setup login --sso-session corp");
  });

  it("converting a legacy profile drops legacy keys that would contradict the session", async () => {
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(box.configFile, "[profile dev]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\nregion = eu-west-1\n");
    const r = await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toBe(
      [
        "[profile dev]",
        "region = eu-west-1",
        "sso_session = corp",
        "sso_account_id = 444444444444",
        "sso_role_name = SecurityAudit",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
  });
});

describe("login", () => {
  const configured = async () => {
    const r = await cli(["configure", "--profile", "dev", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(0);
  };

  it("always runs a fresh authorization and says so on stderr", async () => {
    await configured();
    const oldToken = box.cacheFiles()[CORP_TOKEN_FILE]!.accessToken;
    const starts = () => operations().filter((o) => o === "Authorize").length;
    const before = starts();
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
    expect(starts()).toBe(before + 1);
    expect(box.cacheFiles()[CORP_TOKEN_FILE]!.accessToken).not.toBe(oldToken);
    // The registration was reused: one RegisterClient for both runs.
    expect(operations().filter((o) => o === "RegisterClient")).toHaveLength(1);
  });

  it("resolves the profile from AWS_PROFILE, and signs in to a session with --sso-session", async () => {
    await configured();
    expect((await cli(["login"], { AWS_PROFILE: "dev" })).code).toBe(0);
    expect((await cli(["login", "--sso-session", "corp"])).code).toBe(0);
  });

  it("prints the URL and code without opening a browser with --no-browser", async () => {
    await configured();
    emu.state.autoApproveAfterPolls = 1;
    const r = await cli(["login", "--profile", "dev", "--no-browser", "--use-device-code"], { BROWSER: "/nonexistent/browser" });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Browser will not be automatically opened.");
    expect(r.stderr).toMatch(/Alternatively, you may visit the following URL which will autofill the code upon loading:\nhttp:\/\/127\.0\.0\.1:\d+\/device\?user_code=/);
  });

  it("treats a browser that cannot start as a non-event: the URL is already printed", async () => {
    await configured();
    emu.state.autoApproveAfterPolls = 1;
    const r = await cli(["login", "--profile", "dev", "--use-device-code"], { BROWSER: "/nonexistent/browser" });
    expect(r.code).toBe(0);
  });
});

describe("errors: clear message, documented exit code, nothing written", () => {
  const hand = "# hand-written\n[profile keep]\nregion = eu-west-1\n";
  const withConfig = (text = hand) => {
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(box.configFile, text);
  };
  const unchanged = (text = hand) => expect(box.readConfig()).toBe(text);

  it.each([
    [["configure", "--profile", "p", "--non-interactive"], /--sso-session/],
    [["configure", "--profile", "p", "--sso-session", "s", "--non-interactive"], /--start-url/],
    [["configure", "--profile", "p", "--sso-session", "s", "--start-url", START_URL, "--non-interactive"], /--sso-region/],
    [["configure", "--profile", "p", ...SESSION_FLAGS, "--no-login", "--non-interactive"], /--no-login needs --account-id and --role-name/],
    [["configure", "--profile", "p", "--sso-session", "s", "--start-url", "d-123.awsapps.com/start", "--sso-region", "us-east-1"], /Not a valid Start URL/],
    [["configure", "--profile", "p", "--sso-session", "s", "--start-url", "http://d-1.awsapps.com/start", "--sso-region", "us-east-1"], /https/],
    [["configure", "--profile", "p", "--sso-session", "s", "--start-url", START_URL, "--sso-region", "useast1"], /does not look like an AWS region/],
    [["configure", "--profile", "bad]name", ...SESSION_FLAGS], /Profile names may contain only/],
    [["configure", "--profile", "two\nlines", ...SESSION_FLAGS], /Profile names may contain only/],
    [["configure", "--profile", "p", "--sso-session", "my session", "--start-url", START_URL, "--sso-region", "us-east-1"], /SSO session names may contain only/],
    [["configure", "--profile", "p", ...SESSION_FLAGS, "--output", "xml"], /output format must be one of/],
    [["configure", "--legacy", "--sso-session", "s"], /cannot be used together/],
    [["login", "--profile", "a", "--sso-session", "b"], /either --profile or --sso-session/],
    [["configure", "--bogus"], /unknown option '--bogus'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("usage error (252): %j", async (args, message) => {
    withConfig();
    const r = await cli(args as string[]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(message);
    unchanged();
    expect(emu.requests).toHaveLength(0);
  });

  it("fails at once without a terminal when an account must be chosen, naming --account-id", async () => {
    withConfig();
    const r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/Choose one of the 5 accounts with --account-id/);
    unchanged();
  });

  it.each([
    [["login", "--profile", "nope"], /The config profile \(nope\) could not be found/],
    [["login", "--sso-session", "nope"], /The specified sso-session does not exist: "nope"/],
    [["login", "--profile", "keep"], /Missing the following required SSO configuration values: sso_start_url, sso_region/],
    [["login"], /The config profile \(default\) could not be found/],
  ])("configuration error (253): %j", async (args, message) => {
    withConfig();
    const r = await cli(args as string[]);
    expect(r.code).toBe(253);
    expect(r.stderr).toMatch(message);
    unchanged();
  });

  it("reports a malformed config file with its line number and never rewrites it (253)", async () => {
    const broken = "[profile a]\nregion = us-east-1\nthis line is not valid\n";
    withConfig(broken);
    const r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toMatch(/Unable to parse config file .*config, line 3/);
    unchanged(broken);
    expect(emu.requests).toHaveLength(0);
  });

  it("reports an unreadable config file (253)", async () => {
    mkdirSync(box.configFile, { recursive: true }); // a directory where the file should be
    const r = await cli(["login", "--profile", "dev"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toMatch(/Unable to read the config file/);
  });

  it("a denied authorization is a service error (254) and writes nothing", async () => {
    withConfig();
    const r = await cli(
      ["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive", "--use-device-code"],
      { PERSON_ACTION: "deny" },
    );
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/denied/);
    unchanged();
    expect(Object.keys(box.cacheFiles())).not.toContain(CORP_TOKEN_FILE);
  });

  it("an expired device code ends the wait with the AWS CLI's message (255)", async () => {
    withConfig();
    emu.state.deviceCodeExpiresIn = 2;
    const r = await cli(["login", "--sso-session", "corp"].slice(0, 1).concat(["--profile", "dev"]), {});
    expect(r.code).toBe(253); // no such profile yet: checked before any network call
    withConfig(`${hand}[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`);
    const r2 = await cli(["login", "--profile", "dev", "--use-device-code"], { BROWSER: "/nonexistent/browser" });
    expect(r2.code).toBe(255);
    expect(r2.stderr).toContain("The pending authorization to retrieve an SSO token has expired.");
  });

  it("an unknown start URL surfaces the service's answer (254)", async () => {
    withConfig();
    emu.state.startUrls = ["https://d-0000000000.awsapps.com/start"];
    const r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive", "--use-device-code"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/InvalidRequestException.*StartDeviceAuthorization/);
    unchanged();
  });

  it("an unreachable endpoint is reported with the address it tried (255)", async () => {
    withConfig();
    const dead = "http://127.0.0.1:9";
    const r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"], {
      AWS_ENDPOINT_URL_SSO_OIDC: dead,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Could not reach http:\/\/127\.0\.0\.1:9 \(RegisterClient\): the connection was refused \(ECONNREFUSED\), after 3 attempts/);
    unchanged();
  });

  it("an account or role the service does not offer is an error, not a silent write (252)", async () => {
    withConfig();
    let r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "999999999999", "--non-interactive"]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/The account 999999999999 \(--account-id\) is not available to you/);
    r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--role-name", "AdministratorAccess", "--non-interactive"]);
    unchanged();
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(/The role AdministratorAccess \(--role-name\) is not available in account 444444444444; available roles: SecurityAudit/);
  });

  it("no accounts, or no roles, is a clear error (255) with nothing written", async () => {
    withConfig();
    emu.state.accounts = [];
    let r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--non-interactive"]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain("No AWS accounts are available to you.");
    emu.state.accounts = [{ accountId: "777777777777", accountName: "Empty", roles: [] }];
    r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--non-interactive"]);
    unchanged();
    expect(r.code).toBe(255);
    expect(r.stderr).toContain("No roles are available for the account 777777777777");
  });

  it("a failing or throttled service, after the SDK's retries, is a service error (254)", async () => {
    withConfig();
    emu.fail({ operation: "ListAccounts", status: 500, count: 3 }); // the SDK makes 3 attempts
    let r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/InternalServerException.*ListAccounts/);
    emu.fail({ operation: "ListAccountRoles", status: 429, count: 3 });
    r = await cli(["configure", "--profile", "p", ...SESSION_FLAGS, "--account-id", "444444444444", "--non-interactive"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/TooManyRequestsException.*ListAccountRoles/);
    unchanged();
  });
});

describe("help and version", () => {
  it("prints help on stdout and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: sso-setup/);
    expect(r.stdout).toMatch(/configure/);
    expect(r.stdout).toMatch(/login/);
    const c = await cli(["configure", "--help"]);
    expect(c.code).toBe(0);
    for (const flag of ["--profile", "--sso-session", "--start-url", "--sso-region", "--scopes", "--account-id", "--role-name", "--region", "--output", "--legacy", "--no-browser", "--use-device-code", "--non-interactive", "--no-login", "--config-file"]) {
      expect(c.stdout).toContain(flag);
    }
  });

  it("does not crash when the reader closes stdout early (sso-setup --help | head -1)", async () => {
    const { spawn } = await import("node:child_process");
    const { CLI } = await import("../helpers/cli.js");
    const child = spawn(process.execPath, [CLI, "configure", "--help"], { env: box.env(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it("answers --help early with exactly the text the command tree prints", async () => {
    const early = await cli(["--help"]);
    const full = await cli(["help"]);
    expect(early.code).toBe(0);
    expect(full.code).toBe(0);
    expect(early.stdout).toBe(full.stdout);
    // A bare `sso-setup` shows the same help, but as a usage error.
    const bare = await cli([]);
    expect(bare.code).toBe(252);
    expect(bare.stderr).toBe(full.stdout);
    for (const command of ["configure", "login", "logout", "status", "export-credentials", "list", "populate", "completion"]) {
      expect(early.stdout).toContain(`  ${command} `);
    }
  });

  it("prints the version from package.json", async () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
