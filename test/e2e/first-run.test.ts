/**
 * What a newcomer meets first, from the built CLI: help that fits the terminal, one error style,
 * mistakes from AWS CLI habits answered with the command to run, and errors about names that are
 * not in the config answered with the names that are. No network: none of this signs in.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";
import { spawnCliPty } from "../helpers/pty.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: box.env(env) });
const writeConfig = (text: string, file = box.configFile) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};
const HELP_COMMANDS = [[], ["configure"], ["configure", "sso-session"], ["login"], ["logout"], ["status"], ["export-credentials"], ["list"], ["populate"], ["completion"], ["exec"], ["console"], ["credentials"], ["credentials", "write"], ["credentials", "refresh"], ["credentials", "remove"]];
const longest = (text: string) => Math.max(...text.split("\n").map((line) => line.length));
const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("help", () => {
  it("every help text fits 80 columns without a terminal, and the root help names configure sso-session and --config-file", async () => {
    for (const command of HELP_COMMANDS) {
      const r = await cli([...command, "--help"]);
      expect(r.code, command.join(" ")).toBe(0);
      expect(longest(r.stdout), `${command.join(" ")} --help`).toBeLessThanOrEqual(80);
    }
    for (const root of [await cli(["--help"]), await cli(["help"])]) {
      expect(root.stdout).toMatch(/^ {2}configure sso-session \[options\] +Create or update an \[sso-session\]/m);
      expect(root.stdout).toMatch(/^ {2}--config-file <path> +the AWS config file for the command/m);
    }
  });

  it("epilogues wrap to a narrower terminal at word boundaries, keeping example lines whole", async () => {
    const plain = await cli(["login", "--help"]);
    const c = spawnCliPty(["login", "--help"], box.env(), { cols: 60 });
    expect((await c.exit).code).toBe(0);
    // Commander keeps its option table unwrapped below 40 free columns; the epilogue is ours.
    const epilogueOf = (text: string) => text.slice(text.indexOf("display help for command\n") + 25);
    const shown = epilogueOf(c.text().replace(/\r/g, ""));
    expect(shown).toMatch(/^\nRuns a new authorization/);
    expect(longest(shown)).toBeLessThanOrEqual(60);
    // The same words in the same order: nothing cut in the middle, nothing lost.
    expect(words(shown)).toEqual(words(epilogueOf(plain.stdout)));
    expect(shown).toContain("\n  sso-setup login --sso-session my-sso --no-browser\n");
  });

  it("the completion Install block is aligned: every command line starts in one column", async () => {
    const r = await cli(["completion", "--help"]);
    const install = r.stdout.slice(r.stdout.indexOf("Install:\n"));
    const commandLines = install.split("\n").filter((line) => /sso-setup completion/.test(line));
    expect(commandLines).toHaveLength(4);
    expect(new Set(commandLines.map((line) => line.search(/\S/)))).toEqual(new Set([10]));
    expect(install).toContain('          sso-setup completion zsh > "${fpath[1]}/_sso-setup"\n');
  });

  it("every command that resolves a profile names AWS_DEFAULT_PROFILE in its help", async () => {
    for (const command of ["configure", "login", "logout", "status", "export-credentials", "list"]) {
      const r = await cli([command, "--help"]);
      expect(r.stdout.replace(/\s+/g, " "), command).toMatch(/AWS_PROFILE, (then|else) AWS_DEFAULT_PROFILE/);
    }
  });
});

describe("errors", () => {
  it("commander's errors and sso-setup's share one format and exit 252", async () => {
    const unknownOption = await cli(["login", "--bogus"]);
    expect(unknownOption).toMatchObject({ code: 252, stdout: "", stderr: "sso-setup: error: unknown option '--bogus'\n" });
    const ours = await cli(["login", "--profile", "a", "--sso-session", "b"]);
    expect(ours).toMatchObject({ code: 252, stderr: "\nsso-setup: error: Use either --profile or --sso-session, not both.\n" });
  });

  it("`sso-setup sso login` points to `sso-setup login`, `sso-setup login dev` to --profile dev", async () => {
    const sso = await cli(["sso", "login", "--profile", "dev"]);
    expect(sso.code).toBe(252);
    expect(sso.stderr).toBe("sso-setup: error: unknown command 'sso'\nThat is the AWS CLI's spelling; with sso-setup, run: sso-setup login --profile dev\n");
    const configureSso = await cli(["configure", "sso"]);
    expect(configureSso.stderr).toContain("with sso-setup, run: sso-setup configure\n");
    const positional = await cli(["login", "dev"]);
    expect(positional.code).toBe(252);
    expect(positional.stderr).toBe(
      "sso-setup: error: too many arguments for 'login'. Expected 0 arguments but got 1.\nProfiles are named with --profile: sso-setup login --profile dev\n",
    );
    expect((await cli(["export-credentials", "dev"])).stderr).toContain("sso-setup export-credentials --profile dev\n");
  });

  it("a bad value in an SSO_SETUP_* variable is a usage error naming it", async () => {
    for (const [name, value] of [
      ["SSO_SETUP_HTTP_TIMEOUT_SECONDS", "abc"],
      ["SSO_SETUP_AUTH_TIMEOUT_SECONDS", "-5"],
      ["SSO_SETUP_DEBUG", "maybe"],
    ] as const) {
      const r = await cli(["status"], { [name]: value });
      expect(r.code, name).toBe(252);
      expect(r.stderr).toContain(`sso-setup: error: ${name}=${JSON.stringify(value)} is not a valid value: expected `);
    }
    expect((await cli(["status"], { SSO_SETUP_DEBUG: "0", SSO_SETUP_HTTP_TIMEOUT_SECONDS: "2.5" })).code).toBe(0);
  });

  it("without a config, a missing profile points to plain `sso-setup configure`", async () => {
    const r = await cli(["login"]);
    expect(r.code).toBe(253);
    expect(r.stderr).toBe(
      `\nsso-setup: error: The config profile (default) could not be found. ${box.configFile} has no profiles or sso-sessions yet; set one up with: sso-setup configure\n`,
    );
  });

  it("a name that is not in the config is answered with the names that are", async () => {
    writeConfig("[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n");
    const profile = await cli(["export-credentials", "--profile", "prod"]);
    expect(profile.code).toBe(253);
    expect(profile.stderr).toContain(
      `The config profile (prod) could not be found. ${box.configFile} has the profiles default, dev (and the sso-sessions corp). Use one of them with --profile, or create it with: sso-setup configure --profile prod\n`,
    );
    const session = await cli(["login", "--sso-session", "crop"]);
    expect(session.stderr).toContain(
      `The specified sso-session does not exist: "crop". ${box.configFile} has the sso-sessions corp. Use one of them with --sso-session, or create it with: sso-setup configure sso-session --sso-session crop\n`,
    );
  });
});

describe("an unknown host", () => {
  it("is retried like any connection failure, as the README's timeouts table says (255)", async () => {
    writeConfig("[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n");
    const r = await cli(["login", "--sso-session", "corp", "--use-device-code"], { AWS_ENDPOINT_URL_SSO_OIDC: "http://sso-setup-test.invalid" });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(
      "Could not reach http://sso-setup-test.invalid (RegisterClient): the host name could not be resolved (ENOTFOUND), after 3 attempts.",
    );
  });
});

describe("--config-file before the command", () => {
  it("works like after it, in both spellings; the command's own wins", async () => {
    const other = writeConfig("[sso-session elsewhere]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n", path.join(box.dir, "other-config"));
    writeConfig("[sso-session home]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n");
    for (const args of [["--config-file", other, "status"], [`--config-file=${other}`, "status"], ["status", "--config-file", other]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^elsewhere\s+none/m);
    }
    const both = await cli(["--config-file", box.configFile, "status", "--config-file", other]);
    expect(both.stdout).toMatch(/^elsewhere\s+none/m);
  });
});

describe("status at 80 columns", () => {
  it("counts a populated session's profiles instead of naming them; --wide names them all", async () => {
    const profiles = Array.from({ length: 300 }, (_, i) => `[profile corp-account-${String(i).padStart(4, "0")}-AdministratorAccess]\nsso_session = corp\nsso_account_id = ${String(100000000000 + i)}\nsso_role_name = AdministratorAccess\n`);
    writeConfig(`${profiles.join("")}[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n`);
    const r = await cli(["status"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SESSION\s+TOKEN\s+EXPIRES\s+REFRESHABLE\s+PROFILES\ncorp\s+none\s+-\s+-\s+300\n$/);
    expect(longest(r.stdout)).toBeLessThanOrEqual(80);
    const wide = await cli(["status", "--wide"]);
    expect(wide.stdout).toContain("corp-account-0000-AdministratorAccess,corp-account-0001-AdministratorAccess,");
    expect(wide.stdout).toContain("corp-account-0299-AdministratorAccess");
    expect((await cli(["status", "--wide", "--json"])).code).toBe(252);
  });
});
