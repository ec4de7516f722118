/**
 * sso-setup against a hostile or broken service (issue 12 §1–§5), end to end: the built CLI, the real
 * SDK clients, and a small stub (test/helpers/hostile-service.ts) answering with what a mistyped
 * AWS_ENDPOINT_URL, an intercepting proxy or a compromised endpoint could send.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNT_ID, GOOD_CREDENTIALS, startHostileService, type HostileService } from "../helpers/hostile-service.js";
import { DEV_CONFIG, makeSandbox, recordingBrowser, runCli, START_URL, type CliResult, type Sandbox } from "../helpers/cli.js";

let svc: HostileService;
let box: Sandbox;

beforeEach(async () => {
  svc = await startHostileService();
  box = makeSandbox(svc.url);
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, DEV_CONFIG);
});

afterEach(async () => {
  await svc.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: box.env(env), timeoutMs: 30_000 });
const login = (env: Record<string, string | undefined> = {}) => cli(["login", "--profile", "dev", "--use-device-code"], env);
const cliCacheFiles = () => {
  const dir = path.join(box.home, ".aws", "cli", "cache");
  return existsSync(dir) ? readdirSync(dir) : [];
};
// ESC, BEL, CSI (C1) and DEL: none of them may reach a terminal from the service's text.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** A failure people can read: one error line, no stack trace, no "this is a bug". */
function expectCleanFailure(r: CliResult, code: number): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toContain("sso-setup: error: ");
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(r.stderr).not.toMatch(/unexpected error|This is a bug/);
}

/** A BROWSER program (node) written into the sandbox; `body` runs with `url` set to the URL it was given. */
function browserScript(name: string, body: string): string {
  const file = path.join(box.dir, name);
  writeFileSync(file, `#!${process.execPath}\nconst url = process.argv[2];\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("§1 URLs from the service are opened only when they are AWS's or the OIDC endpoint's https pages", () => {
  const refused: Array<[string, (base: string) => string, RegExp]> = [
    ["a Chromium option", () => "--renderer-cmd-prefix=/bin/sh -c 'touch /tmp/owned'", /starts with "-"/],
    ["a file: URL", () => "file:///etc/passwd", /scheme is file, not https/],
    ["a javascript: URL", () => "javascript:alert(document.cookie)", /scheme is javascript, not https/],
    ["an https URL on another host", () => "https://evil.example.com/device?user_code=ABCD-EFGH", /host evil\.example\.com is neither/],
    ["plain http to a remote host", () => "http://device.sso.us-east-1.amazonaws.com/", /not an https URL/],
  ];
  it.each(refused)("%s is printed, not opened, and the sign-in still completes", async (_what, uri, reason) => {
    const browser = recordingBrowser(box);
    svc.answer("StartDeviceAuthorization", (call) => ({
      body: { deviceCode: "d", userCode: "ABCD-EFGH", verificationUri: uri(call.baseUrl), verificationUriComplete: uri(call.baseUrl), expiresIn: 600, interval: 1 },
    }));
    const r = await login({ BROWSER: browser.command });
    expect(r.code).toBe(0);
    expect(existsSync(browser.marker)).toBe(false);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain("was not opened in a browser");
    expect(r.stderr).toContain("Browser will not be automatically opened.");
  });

  it("the verification URL on the OIDC endpoint's own host is opened", async () => {
    const browser = recordingBrowser(box);
    const r = await login({ BROWSER: browser.command });
    expect(r.code).toBe(0);
    expect(readFileSync(browser.marker, "utf8")).toBe(`${svc.url}/device?user_code=ABCD-EFGH\n`);
  });

  it("BROWSER's %s takes the URL literally: $&, $` and $' in it are not expanded", async () => {
    const browser = recordingBrowser(box);
    const odd = (base: string) => `${base}/device?user_code=A$&B$\`C$'D`;
    svc.answer("StartDeviceAuthorization", (call) => ({
      body: { deviceCode: "d", userCode: "ABCD", verificationUri: odd(call.baseUrl), verificationUriComplete: odd(call.baseUrl), expiresIn: 600, interval: 1 },
    }));
    const r = await login({ BROWSER: `${browser.command} --url=%s` });
    expect(r.code).toBe(0);
    expect(readFileSync(browser.marker, "utf8")).toBe(`--url=${odd(svc.url)}\n`);
  });
});

describe("§2 credential values are checked before they are cached or printed for a shell", () => {
  const hostile: Array<[string, Record<string, string>]> = [
    ["accessKeyId", { accessKeyId: "ASIA$(touch /tmp/owned)" }],
    ["secretAccessKey", { secretAccessKey: 'abc"; rm -rf ~; echo "' }],
    ["sessionToken", { sessionToken: "IQo`id`;$HOME" }],
  ];
  it.each(hostile)("an invalid %s: export-credentials exits 254 naming it, prints nothing, caches nothing", async (field, bad) => {
    expect((await login()).code).toBe(0);
    svc.answer("GetRoleCredentials", { body: { roleCredentials: { ...GOOD_CREDENTIALS, ...bad, expiration: Date.now() + 3_600_000 } } });
    for (const format of ["env", "fish", "powershell"]) {
      const r = await cli(["export-credentials", "--profile", "dev", "--format", format]);
      expectCleanFailure(r, 254);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`are not valid AWS credentials: ${field} `);
      // The refused value is never echoed: it may be a secret, and it is certainly not for a terminal.
      expect(r.stderr).not.toContain(Object.values(bad)[0]);
    }
    expect(cliCacheFiles()).toEqual([]);
  });

  it("valid credentials are printed as the AWS CLI prints them, and cached", async () => {
    expect((await login()).code).toBe(0);
    const r = await cli(["export-credentials", "--profile", "dev", "--format", "env"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`export AWS_ACCESS_KEY_ID=${GOOD_CREDENTIALS.accessKeyId}\n`);
    expect(r.stdout).toContain(`export AWS_SESSION_TOKEN=${GOOD_CREDENTIALS.sessionToken}\n`);
    expect(cliCacheFiles()).toHaveLength(1);
  });
});

describe("§3 text from the service and the callback reaches the terminal without control characters", () => {
  const TITLE = "\u001b]0;owned\u0007";
  const CLEAR = "\u001b[2J";
  const CSI = "\u009b31m";

  beforeEach(() => {
    svc.answer("ListAccounts", {
      body: { accountList: [{ accountId: ACCOUNT_ID, accountName: `prod${TITLE}${CLEAR}`, emailAddress: `ops${CSI}@example.com` }] },
    });
  });

  it("list: the table has none; --json keeps the exact text, JSON-escaped", async () => {
    expect((await login()).code).toBe(0);
    const table = await cli(["list", "--profile", "dev"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("prod");
    expect(table.stdout).not.toMatch(CONTROL);
    expect(table.stderr).not.toMatch(CONTROL);
    const json = await cli(["list", "--profile", "dev", "--json"]);
    expect(json.stdout).not.toMatch(CONTROL);
    const document = JSON.parse(json.stdout) as { accounts: Array<{ accountName: string; emailAddress: string }> };
    expect(document.accounts[0]).toMatchObject({ accountName: `prod${TITLE}${CLEAR}`, emailAddress: `ops${CSI}@example.com` });
  });

  it("populate --dry-run and configure print none", async () => {
    svc.answer("ListAccountRoles", { body: { roleList: [{ roleName: "ReadOnlyAccess" }, { roleName: `Admin${CLEAR}` }] } });
    expect((await login()).code).toBe(0);
    const dry = await cli(["populate", "--sso-session", "corp", "--dry-run"]);
    expect(dry.code).toBe(0);
    // Normalised to profile-name characters, as any account name is; the unsafe role is skipped.
    expect(dry.stdout).toBe("+ prod-0-owned-2J.ReadOnlyAccess\n");
    expect(dry.stdout + dry.stderr).not.toMatch(CONTROL);
    const conf = await cli(["configure", "--profile", "p2", "--sso-session", "corp", "--account-id", "999999999999", "--non-interactive"]);
    expect(conf.code).toBe(252);
    expect(conf.stderr).toContain("prod");
    expect(conf.stderr).not.toMatch(CONTROL);
  });

  it("the device flow's URL and user code are shown without them", async () => {
    svc.answer("StartDeviceAuthorization", (call) => ({
      body: {
        deviceCode: "d",
        userCode: `ABCD${TITLE}`,
        verificationUri: `${call.baseUrl}/device${CLEAR}`,
        verificationUriComplete: `${call.baseUrl}/device?user_code=${CSI}`,
        expiresIn: 600,
        interval: 1,
      },
    }));
    const browser = recordingBrowser(box);
    const r = await login({ BROWSER: browser.command });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("ABCD");
    expect(r.stderr).not.toMatch(CONTROL);
    // A URL with control characters is not one AWS sends: it is not opened either.
    expect(existsSync(browser.marker)).toBe(false);
  });

  it("the loopback callback's error and error_description are shown without them", async () => {
    const browser = browserScript(
      "callback-error.mjs",
      `const u = new URL(url); const back = new URL(u.searchParams.get("redirect_uri"));
back.searchParams.set("error", ${JSON.stringify(`access_denied${TITLE}`)});
back.searchParams.set("error_description", ${JSON.stringify(`no${CLEAR}`)});
back.searchParams.set("state", u.searchParams.get("state"));
await fetch(back);`,
    );
    const r = await cli(["login", "--profile", "dev"], { BROWSER: browser });
    expectCleanFailure(r, 255);
    expect(r.stderr).toContain('The browser was redirected with the error "access_denied');
    expect(r.stderr).not.toMatch(CONTROL);
  });
});

describe("§4 answers of the wrong shape or size", () => {
  const shapes: Array<[string, unknown, string]> = [
    ["a null account", { accountList: [null] }, '"accountList[]" is null, not an object'],
    ["an object instead of a list", { accountList: { accountId: ACCOUNT_ID } }, '"accountList" is object, not a list'],
    ["a number for the account ID", { accountList: [{ accountId: 111111111111 }] }, '"accountId" is number, not text'],
    ["a number for the account name", { accountList: [{ accountId: ACCOUNT_ID, accountName: 7 }] }, '"accountName" is number, not text'],
  ];
  it.each(shapes)("%s: list exits 254 with a clear message", async (_what, body, problem) => {
    expect((await login()).code).toBe(0);
    svc.answer("ListAccounts", { body });
    const r = await cli(["list", "--profile", "dev"]);
    expectCleanFailure(r, 254);
    expect(r.stderr).toContain(`The answer to ListAccounts could not be read: ${problem}.`);
  });

  it("a string where CreateToken's expiresIn belongs: login exits 254", async () => {
    svc.answer("CreateToken", { body: { accessToken: "t", expiresIn: [3600] } });
    const r = await login({ BROWSER: recordingBrowser(box).command });
    expectCleanFailure(r, 254);
    expect(r.stderr).toContain("CreateToken");
  });

  it("a page token that comes back again ends the listing with 254 instead of looping for ever", async () => {
    expect((await login()).code).toBe(0);
    svc.answer("ListAccounts", { body: { accountList: [{ accountId: ACCOUNT_ID }], nextToken: "again" } });
    for (const args of [["list", "--profile", "dev"], ["populate", "--sso-session", "corp"]]) {
      const r = await cli(args);
      expectCleanFailure(r, 254);
      expect(r.stderr).toContain("The answer to ListAccounts could not be read: it repeats an earlier page's nextToken");
    }
    expect(svc.calls("ListAccounts")).toBe(4);
    expect(box.readConfig()).toBe(DEV_CONFIG);
  });

  it("a body streamed without end is cut off at the cap: exit 254, bounded memory", async () => {
    expect((await login()).code).toBe(0);
    svc.answer("ListAccounts", { endless: true });
    const started = Date.now();
    const r = await cli(["list", "--profile", "dev"]);
    expectCleanFailure(r, 254);
    expect(r.stderr).toContain("The answer to ListAccounts (HTTP 200) could not be read: the body is larger than 4 MB.");
    // The connection was dropped soon after the cap, not read on: socket buffers hold a few MB at most.
    expect(svc.endlessBytesSent()).toBeLessThan(64 * 1024 * 1024);
    expect(svc.calls("ListAccounts")).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("a device interval of 0 is polled at most once a second", async () => {
    let approvedAt = 0;
    svc.answer("StartDeviceAuthorization", (call) => {
      approvedAt = Date.now() + 3000;
      return {
        body: { deviceCode: "d", userCode: "C", verificationUri: `${call.baseUrl}/d`, verificationUriComplete: `${call.baseUrl}/d`, expiresIn: 600, interval: 0 },
      };
    });
    svc.answer("CreateToken", () =>
      Date.now() < approvedAt
        ? { status: 400, body: { error: "authorization_pending" }, headers: { "x-amzn-errortype": "AuthorizationPendingException" } }
        : { body: { accessToken: "t", expiresIn: 3600 } },
    );
    const r = await login({ BROWSER: recordingBrowser(box).command });
    expect(r.code).toBe(0);
    // Three seconds of waiting: one attempt before the code is shown, then about one a second.
    expect(svc.calls("CreateToken")).toBeLessThanOrEqual(6);
  });

  it("populate skips account IDs and role names unsafe for the config with a warning, and writes the rest", async () => {
    svc.answer("ListAccounts", {
      body: {
        accountList: [
          { accountId: ACCOUNT_ID, accountName: "dev" },
          { accountId: "1234\n[profile evil]", accountName: "evil" },
        ],
      },
    });
    svc.answer("ListAccountRoles", { body: { roleList: [{ roleName: "ReadOnlyAccess" }, { roleName: "Admin\nregion = evil" }, { roleName: "Read Only" }] } });
    expect((await login()).code).toBe(0);
    const r = await cli(["populate", "--sso-session", "corp"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Skipped the account ID "1234\uFFFD[profile evil]" from the service: An AWS account ID is 12 digits.');
    expect(r.stderr).toContain('Skipped the role name (account 111111111111) "Admin\uFFFDregion = evil" from the service');
    expect(r.stderr).toContain('Skipped the role name (account 111111111111) "Read Only" from the service');
    expect(r.stderr).toContain("1 added");
    expect(r.stderr).toContain("3 skipped");
    const config = box.readConfig()!;
    expect(config).toContain("[profile dev.ReadOnlyAccess]");
    expect(config).not.toContain("evil");
  });

  it("configure refuses a role name unsafe for the config: 254, nothing written", async () => {
    svc.answer("ListAccountRoles", { body: { roleList: [{ roleName: "Admin\nregion = evil" }] } });
    expect((await login()).code).toBe(0);
    const r = await cli(["configure", "--profile", "p2", "--sso-session", "corp", "--account-id", ACCOUNT_ID, "--non-interactive"]);
    expectCleanFailure(r, 254);
    expect(r.stderr).toContain("none of them can be written to a config file safely");
    expect(box.readConfig()).toBe(DEV_CONFIG);
  });

  it("configure checks the default profile name built from the role like a typed one", async () => {
    svc.answer("ListAccountRoles", { body: { roleList: [{ roleName: "Ops=Admin" }] } });
    expect((await login()).code).toBe(0);
    const r = await cli(["configure", "--sso-session", "corp", "--account-id", ACCOUNT_ID, "--non-interactive"]);
    expectCleanFailure(r, 252);
    expect(r.stderr).toContain('The default for "Profile name" cannot be used: Profile names may contain only');
    expect(r.stderr).toContain("Pass --profile.");
    expect(box.readConfig()).toBe(DEV_CONFIG);
  });
});

describe("§5 the loopback listener", () => {
  it("answers an unparseable request with 400 and keeps waiting for the real redirect", async () => {
    const log = path.join(box.dir, "malformed-status.txt");
    const browser = browserScript(
      "malformed-then-approve.mjs",
      `import { connect } from "node:net";
import { writeFileSync } from "node:fs";
const u = new URL(url); const back = new URL(u.searchParams.get("redirect_uri"));
const status = await new Promise((resolve) => {
  const socket = connect(Number(back.port), back.hostname, () => socket.write("GET http://[::1 HTTP/1.1\\r\\nHost: " + back.host + "\\r\\n\\r\\n"));
  let text = ""; socket.on("data", (d) => (text += d)); socket.on("close", () => resolve(text.split("\\r\\n")[0]));
});
writeFileSync(${JSON.stringify(log)}, status);
back.searchParams.set("code", "code-1"); back.searchParams.set("state", u.searchParams.get("state"));
await fetch(back);`,
    );
    const r = await cli(["login", "--profile", "dev"], { BROWSER: browser });
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("HTTP/1.1 400 Bad Request");
    expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
  });
});
