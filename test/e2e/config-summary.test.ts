/**
 * The config summary cache (config/config-summary.ts) as the built CLI uses it: `completion --list`
 * and `status` answer from it once the config has settled, and never from a summary of another
 * version of the file. A preload moves the CLI's clock ahead, so that a config written by the test a
 * moment ago already counts as settled.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STABLE_MS } from "../../src/config/config-summary.js";
import { makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";

const CONFIG = `# hand-written
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin
`;

let sb: Sandbox;
let ahead: string;
let summaries: string;

beforeEach(() => {
  sb = makeSandbox();
  mkdirSync(path.dirname(sb.configFile), { recursive: true });
  writeFileSync(sb.configFile, CONFIG);
  ahead = path.join(sb.dir, "clock-ahead.cjs");
  writeFileSync(ahead, `const now = Date.now; Date.now = () => now() + ${2 * STABLE_MS};\n`);
  summaries = path.join(sb.home, ".cache", "sso-setup", "config-summaries");
});

afterEach(() => sb.cleanup());

const settled = () => sb.env({ NODE_OPTIONS: `--require ${ahead}` });
const run = (args: string[], env = settled()) => runCli(["--debug", ...args], { env });
const FROM_CACHE = /read the summary of .* from .*config-summaries/;

describe("the config summary cache", () => {
  it("answers completion and status from the summary once the config has settled, as from the file", async () => {
    const first = await run(["completion", "--list", "profiles"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("dev\nprod\n");
    expect(first.stderr).not.toMatch(FROM_CACHE);
    const [file] = readdirSync(summaries);
    expect(statSync(path.join(summaries, file!)).mode & 0o777).toBe(0o600);
    expect(statSync(summaries).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(summaries, file!), "utf8")).not.toContain("111111111111");

    const second = await run(["completion", "--list", "profiles"]);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(FROM_CACHE);
    const sessions = await run(["completion", "--list", "sso-sessions"]);
    expect(sessions.stdout).toBe("corp\n");

    const fresh = await runCli(["status", "--json", "--profile", "prod"], { env: sb.env({ XDG_CACHE_HOME: path.join(sb.dir, "elsewhere") }) });
    const cached = await run(["status", "--json", "--profile", "prod"]);
    expect(cached.stderr).toMatch(FROM_CACHE);
    expect([cached.code, cached.stdout]).toEqual([fresh.code, fresh.stdout]);
    expect(fresh.code).toBe(253);
    expect(JSON.parse(cached.stdout).sessions[0]).toMatchObject({ name: "corp", profiles: ["dev", "prod"], token: { state: "none" } });
    expect(cached.stderr).toContain("There is no cached SSO token for sso-session \"corp\". To sign in, run: sso-setup login --profile prod");
  });

  it("sees every edit: an added profile, and a rename of the same size with the old modification time", async () => {
    await run(["completion", "--list", "profiles"]);
    appendFileSync(sb.configFile, "\n[profile added]\nregion = eu-west-1\n");
    const added = await run(["completion", "--list", "profiles"]);
    expect(added.stdout).toBe("dev\nprod\nadded\n");
    expect(added.stderr).not.toMatch(FROM_CACHE);

    const { atime, mtime } = statSync(sb.configFile);
    writeFileSync(sb.configFile, readFileSync(sb.configFile, "utf8").replace("[profile prod]", "[profile prud]"));
    utimesSync(sb.configFile, atime, mtime);
    const renamed = await run(["completion", "--list", "profiles"]);
    expect(renamed.stdout).toBe("dev\nprud\nadded\n");
    const status = await run(["status", "--json"]);
    expect(JSON.parse(status.stdout).sessions[0].profiles).toEqual(["dev", "prud"]);
  });

  it("keeps nothing for a config that changed a moment ago", async () => {
    const r = await run(["completion", "--list", "profiles"], sb.env());
    expect(r.stdout).toBe("dev\nprod\n");
    expect(existsSync(summaries)).toBe(false);
  });

  it("still warns on every run about a config others can write, the runs answered from the summary too", async () => {
    chmodSync(sb.configFile, 0o666);
    for (let i = 0; i < 2; i++) {
      const r = await run(["status"]);
      expect(r.stderr).toContain(`${sb.configFile} can be written by group and others`);
      expect(r.stderr.match(FROM_CACHE) !== null).toBe(i === 1);
    }
  });

  it("ignores a summary it cannot trust, and writes a good one in its place", async () => {
    await run(["completion", "--list", "profiles"]);
    const file = path.join(summaries, readdirSync(summaries)[0]!);
    writeFileSync(file, "\u001b]0;pwned\u0007 not json");
    const r = await run(["completion", "--list", "profiles"]);
    expect(r.stdout).toBe("dev\nprod\n");
    expect(JSON.parse(readFileSync(file, "utf8")).profileNames).toEqual(["dev", "prod"]);
  });
});
