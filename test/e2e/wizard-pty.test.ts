/**
 * The `configure` wizard as a person sees it: the built CLI runs in a real pseudo-terminal, keys are
 * typed into it, and the emulator plus the scripted "person" (BROWSER) stand in for IAM Identity Center
 * and the browser. Every wait is on something the screen shows, never on time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, sampleAccounts, type Emulator } from "../../emulator/server.js";
import { makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";
import { KEYS, spawnCliPty, type PtyCli } from "../helpers/pty.js";

// A cancel after the sign-in keeps its token and client registration (in the shared cache), and says so.
const CACHE_FILE = String.raw`~/\.aws/sso/cache/[0-9a-f]{40}\.json`;
const KEPT_SIGN_IN = new RegExp(String.raw`Cancelled\. Before that, sso-setup wrote ${CACHE_FILE} and ${CACHE_FILE}; nothing else was changed\.`);
const KEPT_REGISTRATION = new RegExp(String.raw`Cancelled\. Before that, sso-setup wrote ${CACHE_FILE}; nothing else was changed\.`);

const START_URL = "https://d-1234567890.awsapps.com/start";
const CTRL_U = "\x15";
// inquirer draws the active row of a list with a pointer (❯, or > where unicode is not supported).
const active = (label: string) => new RegExp(`[❯>] ${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

let emulator: Emulator | undefined;
let sandbox: Sandbox | undefined;
let cli: PtyCli | undefined;

afterEach(async () => {
  cli?.kill();
  if (cli) await cli.exit;
  cli = undefined;
  await emulator?.close();
  emulator = undefined;
  sandbox?.cleanup();
  sandbox = undefined;
});

async function setup(): Promise<{ emu: Emulator; box: Sandbox }> {
  emulator = await startEmulator({ accounts: sampleAccounts() });
  sandbox = makeSandbox(emulator.url);
  return { emu: emulator, box: sandbox };
}

function spawn(box: Sandbox, args: string[] = [], extraEnv: Record<string, string> = {}): PtyCli {
  cli = spawnCliPty(["configure", ...args], box.env(extraEnv));
  return cli;
}

/** Waits for a text prompt, types the answer (if any), waits for its echo, presses Enter. */
async function answer(c: PtyCli, prompt: string | RegExp, value = ""): Promise<void> {
  await c.waitFor(prompt, { sinceMark: true });
  c.mark();
  if (value) {
    c.write(value);
    await c.waitFor(value, { sinceMark: true });
  }
  c.mark();
  c.write(KEYS.enter);
}

/** The start of every wizard that creates a new sso-session, up to the account list. */
async function answerSessionPrompts(c: PtyCli, session: string): Promise<void> {
  await answer(c, "SSO session name (Recommended)", session);
  await answer(c, "SSO start URL", START_URL);
  await answer(c, "SSO region", "us-east-1");
  await answer(c, "SSO registration scopes (sso:account:access)");
}

describe("configure wizard in a pseudo-terminal", () => {
  it("walks through every prompt, picking an account with the arrow keys and a role by typing", async () => {
    const { box } = await setup();
    const c = spawn(box);

    await answerSessionPrompts(c, "my-sso");
    await c.waitFor("Attempting to open your default browser.", { sinceMark: true });
    await c.waitFor("There are 5 AWS accounts available to you.", { sinceMark: true });
    // Sorted by name: Development, Production, Security Audit, Shared Services, Staging.
    await c.waitFor(active("Development, aws-development@example.com (333333333333)"), { sinceMark: true });
    c.mark();
    c.write(KEYS.down);
    await c.waitFor(active("Production, aws-production@example.com (111111111111)"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);

    await c.waitFor("Using the account ID 111111111111", { sinceMark: true });
    await c.waitFor("There are 3 roles available to you.", { sinceMark: true });
    await c.waitFor(active("AdministratorAccess"), { sinceMark: true });
    c.mark();
    c.write("readonly");
    // Enter only once the filtered list is drawn: the search runs asynchronously after each key.
    await c.waitFor(active("ReadOnlyAccess"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor('Using the role name "ReadOnlyAccess"', { sinceMark: true });

    await answer(c, "Default client Region", "eu-west-1");
    await answer(c, "CLI default output format (json if not specified)");
    await answer(c, "Profile name (ReadOnlyAccess-111111111111)");
    await c.waitFor("aws sts get-caller-identity --profile ReadOnlyAccess-111111111111", { sinceMark: true });

    expect((await c.waitForExit()).code).toBe(0);
    const screen = c.text();
    expect(screen).toContain("To use this profile, specify the profile name using --profile, as shown:");
    expect(screen).not.toContain("Cancelled");
    // As the AWS CLI writes it: no blank line between the sections, one final newline.
    expect(box.readConfig()).toBe(
      [
        "[profile ReadOnlyAccess-111111111111]",
        "sso_session = my-sso",
        "sso_account_id = 111111111111",
        "sso_role_name = ReadOnlyAccess",
        "region = eu-west-1",
        "[sso-session my-sso]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
  });

  it("chooses the account whose email matches what is typed, and says so when only one role is left", async () => {
    const { box } = await setup();
    const c = spawn(box);

    await answerSessionPrompts(c, "corp");
    await c.waitFor("There are 5 AWS accounts available to you.", { sinceMark: true });
    await c.waitFor(active("Development"), { sinceMark: true });
    c.mark();
    c.write("security@");
    await c.waitFor(active("Security Audit, aws-security@example.com (444444444444)"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);

    await c.waitFor("Using the account ID 444444444444", { sinceMark: true });
    await c.waitFor("The only role available to you is: SecurityAudit", { sinceMark: true });
    await answer(c, "Default client Region");
    await answer(c, "CLI default output format (json if not specified)", "table");
    await answer(c, "Profile name (SecurityAudit-444444444444)", "audit");
    await c.waitFor("aws sts get-caller-identity --profile audit", { sinceMark: true });

    expect((await c.waitForExit()).code).toBe(0);
    expect(box.readConfig()).toBe(
      [
        "[profile audit]",
        "sso_session = corp",
        "sso_account_id = 444444444444",
        "sso_role_name = SecurityAudit",
        "output = table",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
  });

  it("a filter typed ahead together with Enter picks the filtered account, never the first row", async () => {
    const { box } = await setup();
    const c = spawn(box);

    await answerSessionPrompts(c, "corp");
    await c.waitFor(active("Development"), { sinceMark: true });
    c.mark();
    // One write, as a paste or a fast typist delivers it: the filter and Enter arrive together.
    c.write(`staging${KEYS.enter}`);
    await c.waitFor("Using the account ID 222222222222", { sinceMark: true });
    c.mark();
    c.write(`power${KEYS.enter}`);
    await c.waitFor('Using the role name "PowerUserAccess"', { sinceMark: true });
    c.write(KEYS.ctrlC);
    expect((await c.waitForExit()).code).toBe(130);
    expect(box.readConfig()).toBeNull();
  });

  it("keeps a prompt open with the validation message until the answer is fixed", async () => {
    const { box } = await setup();
    const c = spawn(box);

    await answer(c, "SSO session name (Recommended)", "my sso");
    await c.waitFor("SSO session names may contain only letters, digits", { sinceMark: true });
    c.mark();
    c.write(KEYS.backspace.repeat("my sso".length));
    c.write("my-sso");
    await c.waitFor("my-sso", { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);

    await answer(c, "SSO start URL", "not a url");
    await c.waitFor("Not a valid Start URL (expected something like https://d-1234567890.awsapps.com/start)", {
      sinceMark: true,
    });
    // The typed text is kept for fixing; Ctrl-U (readline's delete-to-start) clears it.
    c.mark();
    c.write(CTRL_U);
    c.write(START_URL);
    await c.waitFor(START_URL, { sinceMark: true });
    expect(c.text()).not.toContain("SSO region");
    c.mark();
    c.write(KEYS.enter);

    await answer(c, "SSO region", "moon-base");
    await c.waitFor('"moon-base" does not look like an AWS region (for example us-east-1)', { sinceMark: true });
    c.mark();
    c.write(KEYS.backspace.repeat("moon-base".length));
    c.write("us-east-1");
    await c.waitFor("us-east-1", { sinceMark: true });
    expect(c.text()).not.toContain("SSO registration scopes");
    c.mark();
    c.write(KEYS.enter);

    await c.waitFor("SSO registration scopes", { sinceMark: true });
    const screen = c.text();
    expect(screen).toMatch(/SSO session name \(Recommended\) my-sso/);
    expect(screen).toMatch(new RegExp(`SSO start URL ${START_URL.replace(/[.]/g, "\\.")}`));
    expect(screen).toMatch(/SSO region us-east-1/);
    c.write(KEYS.ctrlC);
    expect((await c.waitForExit()).code).toBe(130);
    expect(box.readConfig()).toBeNull();
  });

  it("Ctrl-C at the account list leaves a hand-written config byte-for-byte unchanged", async () => {
    const { box } = await setup();
    const original =
      "# my hand-written config\n" +
      "[default]\n" +
      "region = eu-central-1 ; inline note\n" +
      "\n" +
      "; another comment\n" +
      "[profile legacy]\n" +
      "aws_access_key_id = AKIAEXAMPLE\n";
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(box.configFile, original);

    const c = spawn(box);
    await answerSessionPrompts(c, "corp");
    await c.waitFor("There are 5 AWS accounts available to you.", { sinceMark: true });
    await c.waitFor(active("Development"), { sinceMark: true });
    c.mark();
    c.write(KEYS.ctrlC);

    expect((await c.waitForExit()).code).toBe(130);
    expect(c.sinceMark()).toMatch(KEPT_SIGN_IN);
    expect(box.readConfig()).toBe(original);
  });

  it("Ctrl-C while waiting for the browser approval cancels the login", async () => {
    const { box } = await setup();
    // A browser that opens and never approves: the CLI keeps polling until Ctrl-C.
    const c = spawn(box, [], { BROWSER: "true" });
    await answerSessionPrompts(c, "corp");
    await c.waitFor("Waiting for the request to be approved in the browser (Ctrl-C to cancel)...", { sinceMark: true });
    c.mark();
    c.write(KEYS.ctrlC);

    expect((await c.waitForExit()).code).toBe(130);
    expect(c.sinceMark()).toMatch(KEPT_REGISTRATION);
    expect(box.readConfig()).toBeNull();
  });

  it("Ctrl-C while the role list is loading (between two prompts) cancels and exits", async () => {
    const { emu, box } = await setup();
    const c = spawn(box);
    await answerSessionPrompts(c, "corp");
    await c.waitFor("There are 5 AWS accounts available to you.", { sinceMark: true });
    await c.waitFor(active("Development"), { sinceMark: true });
    // No prompt owns the terminal while the roles are fetched, so Ctrl-C arrives as SIGINT.
    emu.fail({ operation: "ListAccountRoles", mode: "delay", delayMs: 1500 });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor("Using the account ID 333333333333", { sinceMark: true });
    c.mark();
    c.write(KEYS.ctrlC);

    expect((await c.waitForExit()).code).toBe(130);
    expect(c.sinceMark()).toMatch(KEPT_SIGN_IN);
    expect(c.sinceMark()).not.toContain("Choose a role");
    expect(box.readConfig()).toBeNull();
  });

  it("Ctrl-C at the first prompt exits with 130 and creates no config file", async () => {
    const { box } = await setup();
    const c = spawn(box);
    await c.waitFor("SSO session name (Recommended)");
    c.mark();
    c.write(KEYS.ctrlC);

    expect((await c.waitForExit()).code).toBe(130);
    expect(c.sinceMark()).toContain("Cancelled. Nothing was written.");
    expect(box.readConfig()).toBeNull();
  });

  it("configuring a profile again starts the pickers on its account and role, and shows its output format once", async () => {
    const { box } = await setup();
    const first = await runCli(
      ["configure", "--profile", "b", "--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1"].concat(
        ["--account-id", "111111111111", "--role-name", "PowerUserAccess", "--output", "yaml", "--non-interactive"],
      ),
      { env: box.env() },
    );
    expect(first.code, first.stderr).toBe(0);

    const c = spawn(box, ["--profile", "b"]);
    await answer(c, "SSO session name (corp)");
    await c.waitFor(active("Production"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor("There are 3 roles available to you.", { sinceMark: true });
    await c.waitFor(active("PowerUserAccess"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor('Using the role name "PowerUserAccess"', { sinceMark: true });
    await answer(c, "Default client Region");
    await answer(c, "CLI default output format (yaml)");
    expect((await c.waitForExit()).code).toBe(0);
    expect(c.text()).not.toContain("(json if not specified) (");
    expect(box.readConfig()).toContain("[profile b]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = PowerUserAccess\noutput = yaml\n");
  });

  it("reuses an existing sso-session and its cached token: no URL, region, scopes or profile-name prompts, no browser", async () => {
    const { emu, box } = await setup();
    const first = await runCli(
      [
        "configure",
        "--profile",
        "a",
        "--sso-session",
        "corp",
        "--start-url",
        START_URL,
        "--sso-region",
        "us-east-1",
        "--account-id",
        "222222222222",
        "--role-name",
        "PowerUserAccess",
        "--non-interactive",
      ],
      { env: box.env() },
    );
    expect(first.code, first.stderr).toBe(0);
    // Either flow counts: a browser sign-in (Authorize) or a device code (StartDeviceAuthorization).
    const authorizations = () => (emu.counts().Authorize?.calls ?? 0) + (emu.counts().StartDeviceAuthorization?.calls ?? 0);
    const authorizationsBefore = authorizations();
    expect(authorizationsBefore).toBe(1);

    const c = spawn(box, ["--profile", "a"]);
    // The profile's sso_session is the default: Enter keeps it.
    await answer(c, "SSO session name (corp)");
    await c.waitFor("There are 5 AWS accounts available to you.", { sinceMark: true });
    // The cursor starts on the profile's current account.
    await c.waitFor(active("Staging"), { sinceMark: true });
    c.mark();
    c.write("5555");
    await c.waitFor(active("Shared Services, aws-shared-services@example.com (555555555555)"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor("There are 2 roles available to you.", { sinceMark: true });
    await c.waitFor(active("Billing"), { sinceMark: true });
    c.mark();
    c.write(KEYS.down);
    await c.waitFor(active("ReadOnlyAccess"), { sinceMark: true });
    c.mark();
    c.write(KEYS.enter);
    await c.waitFor('Using the role name "ReadOnlyAccess"', { sinceMark: true });
    await answer(c, "Default client Region", "ap-southeast-2");
    await answer(c, "CLI default output format (json if not specified)");
    await c.waitFor("aws sts get-caller-identity --profile a", { sinceMark: true });

    expect((await c.waitForExit()).code).toBe(0);
    const screen = c.text();
    for (const skipped of ["SSO start URL", "SSO region", "SSO registration scopes", "Profile name", "Attempting to open", "Waiting for"]) {
      expect(screen).not.toContain(skipped);
    }
    expect(authorizations()).toBe(authorizationsBefore);
    expect(box.readConfig()).toBe(
      [
        "[profile a]",
        "sso_session = corp",
        "sso_account_id = 555555555555",
        "sso_role_name = ReadOnlyAccess",
        "region = ap-southeast-2",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
  });
});
