/**
 * `sso-setup credentials write|refresh|remove` from the built CLI: what it writes is used by the
 * `aws` command, botocore and the JS SDK's fromIni; everything outside its own section stays byte for
 * byte; it never takes over a section it did not write; refresh, remove, logout and concurrent
 * writers behave.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { awsCli, botocoreAccessKey, botocoreEnv } from "../helpers/botocore.js";
import { fileMode, makeSandbox, runCli, START_URL, type Sandbox } from "../helpers/cli.js";
import { sdkResolve } from "../helpers/sdk.js";

const ROLES = ["ReadOnlyAccess", "AdministratorAccess"];
const PROFILES = Array.from({ length: 10 }, (_, i) => `p${i}`);

/** dev and p0..p9 on sso-session corp; ops on sso-session other (another start URL). */
const CONFIG =
  `[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnlyAccess\n` +
  `[profile ops]\nsso_session = other\nsso_account_id = 222222222222\nsso_role_name = AdministratorAccess\n` +
  PROFILES.map((p, i) => `[profile ${p}]\nsso_session = corp\nsso_account_id = ${String(300000000000 + i)}\nsso_role_name = ReadOnlyAccess\n`).join("") +
  `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n` +
  `[sso-session other]\nsso_start_url = https://d-2222222222.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n`;

/** Each test starts several processes (the CLI, Python's aws and botocore, Node with the SDK): slow on a loaded machine. */
const SLOW = 120_000;

let emu: Emulator;
let box: Sandbox;
let credentialsFile: string;

const env = (extra: Record<string, string | undefined> = {}) => box.env({ AWS_SHARED_CREDENTIALS_FILE: credentialsFile, ...extra });
const cli = (args: string[]) => runCli(args, { env: env(), timeoutMs: 30_000 });
const readCredentials = () => readFileSync(credentialsFile, "utf8");

beforeAll(async () => {
  emu = await startEmulator();
  emu.state.accounts = [
    { accountId: "111111111111", accountName: "dev", roles: ROLES },
    { accountId: "222222222222", accountName: "ops", roles: ROLES },
    ...PROFILES.map((_, i) => ({ accountId: String(300000000000 + i), accountName: `acct${i}`, roles: ROLES })),
  ];
  box = makeSandbox(emu.url);
  credentialsFile = path.join(box.home, ".aws", "credentials");
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
  for (const profile of ["dev", "ops"]) {
    const login = await cli(["login", "--profile", profile]);
    expect(login.code, login.stderr).toBe(0);
  }
}, SLOW);

afterAll(async () => {
  await emu?.close();
  box?.cleanup();
});

beforeEach(() => {
  // As people's files often are: readable by everyone.
  writeFileSync(credentialsFile, "", { mode: 0o644 });
});

function section(text: string, name: string): Record<string, string> | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.indexOf(`[${name}]`);
  if (start === -1) return undefined;
  const values: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("[")) break;
    const m = /^(\w+) = (.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!;
  }
  return values;
}

describe("credentials write", { timeout: SLOW }, () => {
  it("writes [<account>_<role>] that the aws command, botocore and the JS SDK's fromIni all use", async () => {
    const r = await cli(["credentials", "write", "--profile", "dev"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("111111111111_ReadOnlyAccess\n");
    const written = section(readCredentials(), "111111111111_ReadOnlyAccess");
    expect(Object.keys(written ?? {})).toEqual([
      "aws_access_key_id",
      "aws_secret_access_key",
      "aws_session_token",
      "x_security_token_expires",
      "sso_setup_source_profile",
    ]);
    expect(written?.x_security_token_expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(written?.sso_setup_source_profile).toBe("dev");
    // Secrets now live in it: no longer readable by group and others.
    expect(fileMode(credentialsFile)).toBe(0o600);

    const pyEnv = {
      ...botocoreEnv({ home: box.home, configFile: box.configFile, emulatorUrl: emu.url }),
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_DEFAULT_REGION: "us-east-1",
    };
    const aws = await awsCli(["sts", "get-caller-identity", "--profile", "111111111111_ReadOnlyAccess", "--output", "json"], pyEnv);
    expect(aws.code, aws.stderr).toBe(0);
    expect((JSON.parse(aws.stdout) as { Account: string; Arn: string }).Arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_ReadOnlyAccess_/);

    const boto = await botocoreAccessKey("111111111111_ReadOnlyAccess", pyEnv);
    expect(boto.stdout.trim()).toBe(written?.aws_access_key_id);

    const js = await sdkResolve(box, emu.url, "111111111111_ReadOnlyAccess", "ini", credentialsFile);
    expect(js.ok, JSON.stringify(js.error)).toBe(true);
    expect(js.credentials?.accessKeyId).toBe(written?.aws_access_key_id);
    expect(js.identity?.Account).toBe("111111111111");
  });

  it("rewrites its own section in place and drops a stale aws_security_token", async () => {
    writeFileSync(credentialsFile, "[keys]\naws_access_key_id = OLD\naws_security_token = STALE\nsso_setup_source_profile = dev\nregion = eu-west-1\n");
    const r = await cli(["credentials", "write", "--profile", "dev", "--as", "keys"]);
    expect(r.code, r.stderr).toBe(0);
    const text = readCredentials();
    expect(text).not.toContain("aws_security_token");
    expect(text).not.toContain("OLD");
    expect(section(text, "keys")?.region).toBe("eu-west-1");
    expect(text.match(/^\[keys\]$/gm)).toHaveLength(1);
  });

  it("refuses a section it did not write (253) unless --force, and leaves the file alone", async () => {
    const original = "# hand-written\n[keys]\naws_access_key_id = AKIAHANDWRITTEN\naws_secret_access_key = secret\n";
    writeFileSync(credentialsFile, original);
    const refused = await cli(["credentials", "write", "--profile", "dev", "--as", "keys"]);
    expect(refused.code).toBe(253);
    expect(refused.stderr).toMatch(/\[keys\].*was not written by sso-setup.*--force/);
    expect(readCredentials()).toBe(original);

    const forced = await cli(["credentials", "write", "--profile", "dev", "--as", "keys", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readCredentials().startsWith("# hand-written\n[keys]\naws_access_key_id = ASIA")).toBe(true);
    expect(section(readCredentials(), "keys")?.sso_setup_source_profile).toBe("dev");
  });

  it("refuses a name that is also an SSO profile of the config (the two SDKs would disagree) unless --force", async () => {
    const refused = await cli(["credentials", "write", "--profile", "dev", "--as", "ops"]);
    expect(refused.code).toBe(253);
    expect(refused.stderr).toMatch(/profile "ops".*AWS CLI would keep using that/);
    expect(readCredentials()).toBe("");
    const forced = await cli(["credentials", "write", "--profile", "dev", "--as", "ops", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
  });

  it("refuses a section name other tools would read differently (252)", async () => {
    const r = await cli(["credentials", "write", "--profile", "dev", "--as", "two words"]);
    expect(r.code).toBe(252);
  });
});

/** Hand-written files: comments, CRLF, [default], other profiles, no final newline, odd spacing. */
const CORPUS: Record<string, string> = {
  "portal paste": "[123456789011_ReadOnly]\naws_access_key_id=ASIAPASTED\naws_secret_access_key=pasted\naws_session_token=pasted\n",
  "crlf with default": "; my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT\r\naws_secret_access_key = s\r\n\r\n[other]\r\nregion=eu-west-1\r\n",
  "comments and spacing": "# top\n\n[default]\n  # indented comment\naws_access_key_id   =   AKIA1\naws_secret_access_key: colon\n\n\n# trailing comment\n",
  "no final newline": "[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s",
  "many profiles": Array.from({ length: 30 }, (_, i) => `[user${i}]\naws_access_key_id = AKIA${i}\naws_secret_access_key = s${i}\n`).join("\n"),
  empty: "",
};

describe("hand-written credentials files survive byte for byte", { timeout: SLOW }, () => {
  it.each(Object.entries(CORPUS))("%s", async (_name, original) => {
    writeFileSync(credentialsFile, original);
    const write = await cli(["credentials", "write", "--profile", "dev", "--as", "sso-dev"]);
    expect(write.code, write.stderr).toBe(0);
    const after = readCredentials();
    // Our section is appended; the text before it is the original (plus a line ending if it had none).
    expect(after.startsWith(original)).toBe(true);
    const added = after.slice(original.length);
    const eol = original.includes("\r\n") ? "\r\n" : "\n";
    expect(added.replace(/^\r?\n/, "")).toMatch(new RegExp(`^\\[sso-dev\\]${eol}aws_access_key_id = ASIA`));
    expect(added.split(eol).filter((l) => l.startsWith("["))).toEqual(["[sso-dev]"]);

    const remove = await cli(["credentials", "remove", "sso-dev"]);
    expect(remove.code, remove.stderr).toBe(0);
    const restored = readCredentials();
    // Removing our section gives the original back, but for the final newline sso-setup had to add.
    expect(restored === original || restored === `${original}\n`).toBe(true);
  });
});

describe("credentials refresh", { timeout: SLOW }, () => {
  it("rewrites sections about to expire; a session that needs a sign-in is named, exit 253, the others still refreshed", async () => {
    writeFileSync(credentialsFile, "[default]\naws_access_key_id = AKIAKEEP\n");
    const lastingSeconds = emu.state.roleCredentialsExpiresIn;
    // Keys that expire within the 15-minute window, fetched anew: the earlier tests' cached ones last an hour.
    rmSync(path.join(box.home, ".aws", "cli", "cache"), { recursive: true, force: true });
    emu.state.roleCredentialsExpiresIn = 600;
    try {
      for (const args of [
        ["--profile", "dev", "--as", "dev-keys"],
        ["--profile", "ops", "--as", "ops-keys"],
      ]) {
        const r = await cli(["credentials", "write", ...args]);
        expect(r.code, r.stderr).toBe(0);
      }
      emu.state.roleCredentialsExpiresIn = lastingSeconds;
      const lasting = await cli(["credentials", "write", "--profile", "p0", "--as", "lasting-keys"]);
      expect(lasting.code, lasting.stderr).toBe(0);
      const before = readCredentials();

      // The "other" session can no longer be used without a person: expired token, no refresh token.
      const otherToken = Object.entries(box.cacheFiles()).find(([, t]) => t.startUrl === "https://d-2222222222.awsapps.com/start");
      expect(otherToken).toBeDefined();
      const [otherName, token] = otherToken!;
      writeFileSync(path.join(box.ssoCacheDir, otherName), JSON.stringify({ ...token, expiresAt: "2020-01-01T00:00:00Z", refreshToken: undefined }));

      const r = await cli(["credentials", "refresh"]);
      expect(r.code).toBe(253);
      expect(r.stderr).toMatch(/Refreshed \[dev-keys\] from profile "dev"/);
      expect(r.stderr).toMatch(/Could not refresh \[ops-keys\] from profile "ops":.*sso-setup login --profile ops/);
      expect(r.stderr).not.toMatch(/lasting-keys/);

      const after = readCredentials();
      expect(section(after, "dev-keys")?.aws_access_key_id).not.toBe(section(before, "dev-keys")?.aws_access_key_id);
      expect(Date.parse(section(after, "dev-keys")!.x_security_token_expires!)).toBeGreaterThan(Date.now() + 50 * 60_000);
      expect(section(after, "ops-keys")).toEqual(section(before, "ops-keys"));
      expect(section(after, "lasting-keys")).toEqual(section(before, "lasting-keys"));
      expect(after.startsWith("[default]\naws_access_key_id = AKIAKEEP\n")).toBe(true);
    } finally {
      emu.state.roleCredentialsExpiresIn = lastingSeconds;
    }
  });
});

describe("credentials remove and logout", { timeout: SLOW }, () => {
  it("remove takes only sections sso-setup wrote", async () => {
    writeFileSync(credentialsFile, "[mine]\naws_access_key_id = AKIAMINE\n");
    for (const as of ["a", "b"]) expect((await cli(["credentials", "write", "--profile", "dev", "--as", as])).code).toBe(0);
    const refused = await cli(["credentials", "remove", "mine"]);
    expect(refused.code).toBe(253);
    const one = await cli(["credentials", "remove", "a"]);
    expect(one.code, one.stderr).toBe(0);
    expect(section(readCredentials(), "a")).toBeUndefined();
    expect(section(readCredentials(), "b")).toBeDefined();
    const all = await cli(["credentials", "remove", "--all"]);
    expect(all.code, all.stderr).toBe(0);
    expect(readCredentials()).toBe("[mine]\naws_access_key_id = AKIAMINE\n");
  });

  it("logout removes the sections written from the session it ends, and only those", async () => {
    writeFileSync(credentialsFile, "[mine]\naws_access_key_id = AKIAMINE\n");
    expect((await cli(["credentials", "write", "--profile", "dev", "--as", "from-dev"])).code).toBe(0);
    expect((await cli(["credentials", "write", "--profile", "p1", "--as", "from-p1"])).code).toBe(0);
    writeFileSync(credentialsFile, `${readCredentials()}[from-ops]\naws_access_key_id = X\nsso_setup_source_profile = ops\n`);
    const r = await cli(["logout", "--profile", "dev"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Removed \[from-dev\], \[from-p1\] from /);
    expect(readCredentials()).toBe("[mine]\naws_access_key_id = AKIAMINE\n[from-ops]\naws_access_key_id = X\nsso_setup_source_profile = ops\n");
    const login = await cli(["login", "--profile", "dev"]);
    expect(login.code, login.stderr).toBe(0);
  });
});

describe("concurrent writers", { timeout: 2 * SLOW }, () => {
  it("10 writes of different profiles at once lose nothing", async () => {
    writeFileSync(credentialsFile, "# shared\n[default]\naws_access_key_id = AKIAKEEP\n");
    const results = await Promise.all(PROFILES.map((p) => runCli(["credentials", "write", "--profile", p], { env: env(), timeoutMs: 60_000 })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const text = readCredentials();
    expect(text.startsWith("# shared\n[default]\naws_access_key_id = AKIAKEEP\n")).toBe(true);
    PROFILES.forEach((p, i) => expect(section(text, `${300000000000 + i}_ReadOnlyAccess`)?.sso_setup_source_profile, p).toBe(p));
  });
});
