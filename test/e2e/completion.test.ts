/**
 * `sso-setup completion`: each script is loaded into the real shell it is for and asked to complete,
 * with `sso-setup` on PATH, so what is checked is what a person gets at Tab, including the callback
 * that reads profile and sso-session names from the config at that moment.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";
import { bashComplete, fishComplete, run, shellEnv, startZsh, type ZshSession } from "../helpers/shells.js";

const CONFIG = `[default]
region = eu-west-1
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
[sso-session lab]
sso_start_url = https://d-0987654321.awsapps.com/start
sso_region = eu-west-1
`;
const OTHER_CONFIG = `[profile elsewhere]
region = us-west-2
[sso-session far]
sso_start_url = https://d-5555555555.awsapps.com/start
sso_region = ap-southeast-2
`;

let dir: string;
let configFile: string;
let otherConfig: string;
let env: Record<string, string>;
let topLevel: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sso-setup-completion-"));
  configFile = path.join(dir, "config");
  otherConfig = path.join(dir, "other-config");
  writeFileSync(configFile, CONFIG);
  writeFileSync(otherConfig, OTHER_CONFIG);
  env = shellEnv(dir, { AWS_CONFIG_FILE: configFile });
  // The commands `--help` lists: the scripts must offer exactly these, whoever added them.
  const help = await runCli(["--help"], { env });
  // The root help names nested commands too (`configure sso-session`); the top level is the one-word entries.
  topLevel = [...help.stdout.split("Commands:\n")[1]!.matchAll(/^ {2}([a-z][\w-]*)(?![\w-]| [a-z])/gm)].map((m) => m[1]!);
  expect(topLevel).toEqual(expect.arrayContaining(["configure", "login", "completion", "help"]));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bash = (...words: string[]) => bashComplete(["sso-setup", ...words], env, dir);

describe("completion bash", () => {
  it("is registered for sso-setup by sourcing the script", async () => {
    const r = await run("bash", ["--noprofile", "--norc", "-c", "source <(sso-setup completion bash) && complete -p sso-setup"], env, dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^complete -F \w+ sso-setup$/m);
  });

  it("completes the commands of the command tree", async () => {
    expect(await bash("")).toEqual(topLevel);
    expect(await bash("co")).toEqual(topLevel.filter((c) => c.startsWith("co")));
    expect(await bash("configure", "")).toEqual(["sso-session"]);
    expect(await bash("completion", "")).toEqual(["bash", "zsh", "fish"]);
    expect(await bash("help", "")).toEqual(topLevel.filter((c) => c !== "help"));
  });

  it("completes the flags of a command, without the hidden ones", async () => {
    const flags = await bash("configure", "--");
    expect(flags).toEqual(
      expect.arrayContaining([
        "--profile",
        "--sso-session",
        "--start-url",
        "--sso-region",
        "--account-id",
        "--role-name",
        "--non-interactive",
        "--no-login",
        "--no-browser",
        "--config-file",
        "--help",
      ]),
    );
    expect(flags.every((f) => f.startsWith("--"))).toBe(true);
    expect(await bash("configure", "--sso-r")).toEqual(["--sso-region"]);
    expect(await bash("configure", "sso-session", "--s")).toEqual(["--sso-session", "--start-url", "--sso-region", "--scopes"]);
    // A flag's value is not taken for a command: `sso-session` here is the name of a profile.
    expect(await bash("configure", "--profile", "sso-session", "--no-l")).toEqual(["--no-login"]);
    expect(await bash("completion", "--")).toEqual(["--help"]);
  });

  it("completes profile and sso-session names from the config, read at Tab time", async () => {
    expect(await bash("login", "--profile", "")).toEqual(["default", "dev", "prod"]);
    expect(await bash("login", "--profile", "d")).toEqual(["default", "dev"]);
    expect(await bash("login", "--sso-session", "")).toEqual(["corp", "lab"]);
    expect(await bash("configure", "sso-session", "--sso-session", "l")).toEqual(["lab"]);
    // --profile=<Tab>: bash splits the word at "=", as COMP_WORDBREAKS says.
    expect(await bash("login", "--profile", "=", "")).toEqual(["default", "dev", "prod"]);
    expect(await bash("login", "--profile", "=", "p")).toEqual(["prod"]);

    const edited = `${CONFIG}[profile staging]\nregion = eu-central-1\n`;
    writeFileSync(configFile, edited);
    try {
      expect(await bash("login", "--profile", "")).toEqual(["default", "dev", "prod", "staging"]);
    } finally {
      writeFileSync(configFile, CONFIG);
    }
  });

  it("reads the config named by --config-file when it is already on the line", async () => {
    expect(await bash("login", "--config-file", otherConfig, "--profile", "")).toEqual(["elsewhere"]);
    expect(await bash("login", "--config-file", otherConfig, "--sso-session", "")).toEqual(["far"]);
  });

  it("completes a flag's declared choices", async () => {
    const choices = await bash("export-credentials", "--format", "");
    expect(choices).toContain("process");
    expect(choices).toContain("env");
  });

  it("never runs what a name in the config says: names are compared as text and inserted quoted", async () => {
    const marker = path.join(dir, "pwned");
    const hostile = path.join(dir, "hostile-config");
    writeFileSync(hostile, `[profile x$(touch\${IFS}${marker})]\nregion = x\n[profile \`touch\${IFS}${marker}\`]\nregion = x\n`);
    const names = await bashComplete(["sso-setup", "login", "--profile", ""], { ...env, AWS_CONFIG_FILE: hostile }, dir);
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^x\\\$\\\(touch/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("completion --list (the scripts' callback)", () => {
  it("prints one name a line, honouring AWS_CONFIG_FILE and --config-file", async () => {
    expect((await runCli(["completion", "--list", "profiles"], { env })).stdout).toBe("default\ndev\nprod\n");
    expect((await runCli(["completion", "--list", "sso-sessions"], { env })).stdout).toBe("corp\nlab\n");
    const r = await runCli(["completion", "--list", "profiles", "--config-file", otherConfig], { env });
    expect(r).toMatchObject({ code: 0, stdout: "elsewhere\n", stderr: "" });
  });

  it("prints nothing and succeeds when the config is missing or broken", async () => {
    const broken = path.join(dir, "broken-config");
    writeFileSync(broken, "[profile dev\nregion = eu-west-1\n");
    for (const file of [broken, path.join(dir, "missing-config"), dir]) {
      const r = await runCli(["completion", "--list", "profiles"], { env: { ...env, AWS_CONFIG_FILE: file } });
      expect(r, file).toMatchObject({ code: 0, stdout: "", stderr: "" });
    }
  });

  it("loads neither commander, the AWS SDK nor the prompt library (it runs at every Tab)", async () => {
    const r = await runTracingModules(["completion", "--list", "profiles"], env);
    expect(r).toMatchObject({ code: 0, stdout: "default\ndev\nprod\n" });
    const loaded = r.loaded.join("\n");
    expect(loaded).toContain("/src/hot-paths.ts");
    expect(loaded).not.toMatch(/\/node_modules\/(commander|@aws-sdk|@smithy|@inquirer|open)\//);
  });

  it("is a usage error without a shell, or with both a shell and --list", async () => {
    expect((await runCli(["completion"], { env })).code).toBe(252);
    expect((await runCli(["completion", "bash", "--list", "profiles"], { env })).code).toBe(252);
    expect((await runCli(["completion", "tcsh"], { env })).code).toBe(252);
  });
});

describe("completion fish", () => {
  let script: string;
  beforeAll(async () => {
    script = path.join(dir, "sso-setup.fish");
    const r = await runCli(["completion", "fish"], { env });
    expect(r.code).toBe(0);
    writeFileSync(script, r.stdout);
  });
  const fish = (line: string) => fishComplete(script, line, env, dir);

  it("is valid fish", async () => {
    expect(await run("fish", ["--no-config", "--no-execute", script], env, dir)).toMatchObject({ code: 0, stderr: "" });
  });

  it("completes commands, flags, names from the config and choices", async () => {
    expect((await fish("sso-setup ")).sort()).toEqual([...topLevel].sort());
    expect(await fish("sso-setup configure ")).toEqual(["sso-session"]);
    expect(await fish("sso-setup configure --sso-r")).toEqual(["--sso-region"]);
    expect(await fish("sso-setup login --profile ")).toEqual(["default", "dev", "prod"]);
    expect(await fish("sso-setup login --profile=p")).toEqual(["--profile=prod"]);
    expect(await fish("sso-setup login --sso-session ")).toEqual(["corp", "lab"]);
    expect(await fish(`sso-setup status --config-file ${otherConfig} --sso-session `)).toEqual(["far"]);
    expect((await fish("sso-setup completion ")).sort()).toEqual(["bash", "fish", "zsh"]);
    expect((await fish("sso-setup help ")).sort()).toEqual(topLevel.filter((c) => c !== "help").sort());
    expect(await fish("sso-setup export-credentials --format ")).toContain("process");
  });
});

describe("completion zsh", () => {
  let script: string;
  let zsh: ZshSession | undefined;
  beforeAll(async () => {
    script = path.join(dir, "_sso-setup");
    const r = await runCli(["completion", "zsh"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("#compdef sso-setup\n")).toBe(true);
    writeFileSync(script, r.stdout);
  });
  afterAll(async () => {
    await zsh?.close();
  });

  it("is valid zsh", async () => {
    expect(await run("zsh", ["-n", script], env, dir)).toMatchObject({ code: 0, stderr: "" });
  });

  it("completes commands, flags, names from the config and choices at a real Tab", async () => {
    zsh = await startZsh(script, env, dir);
    await zsh.tab("sso-setup ", topLevel.map((command) => new RegExp(`^${command} +-- `, "m")));

    await zsh.tab("sso-setup configure --sso-r", /sso-setup configure --sso-region=/);
    await zsh.tab("sso-setup login --profile ", /default +dev +prod/);
    await zsh.tab("sso-setup login --profile pr", /--profile prod /);
    await zsh.tab("sso-setup login --sso-session ", /corp +lab/);
    await zsh.tab(`sso-setup login --config-file ${otherConfig} --sso-session `, /--sso-session far /);
    await zsh.tab("sso-setup completion ", /bash +fish +zsh/);
  });
});
