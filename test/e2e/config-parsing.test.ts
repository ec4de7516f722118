/**
 * Issue 12 §8: the built CLI reads and edits the config file as the AWS CLI (botocore) reads it.
 * Each reproduction from the issue, end to end with `configure --non-interactive --no-login`; botocore
 * (python3 on this machine) checks what the AWS CLI makes of the result.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { botocoreReadAll, type OracleReading } from "../../bench/config-fuzz.js";
import { makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";
import { findBotocorePython } from "../helpers/botocore.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const SESSION = ["--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1"];
const FLAGS = [...SESSION, "--account-id", "111122223333", "--role-name", "Admin", "--no-login", "--non-interactive"];
const SSO_KEYS = { sso_session: "corp", sso_account_id: "111122223333", sso_role_name: "Admin" };

function botocorePython(): string | undefined {
  try {
    return findBotocorePython().executable;
  } catch (error) {
    console.warn(`SKIPPED: checking config edits with botocore needs python3 with botocore: ${(error as Error).message}`);
    return undefined;
  }
}
const python = botocorePython();

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
  mkdirSync(path.dirname(box.configFile), { recursive: true });
});
afterEach(() => box.cleanup());

const cli = (args: string[]) => runCli(args, { env: box.env() });
const write = (content: string | Buffer) => writeFileSync(box.configFile, content);
const bytes = () => readFileSync(box.configFile);

async function botocore(content: Buffer | string): Promise<OracleReading> {
  const [reading] = await botocoreReadAll(python!, [Buffer.from(content)]);
  return reading!;
}

function expectNoCrash(r: { stderr: string }): void {
  expect(r.stderr).not.toMatch(/TypeError|unexpected error|This is a bug|\n\s+at /);
}

describe("values that are not being written are kept as they are", () => {
  it("keeps `region = us-west-2 # oregon` and warns that the JS SDK reads it as us-west-2 (was a TypeError, exit 255)", async () => {
    write("[profile dev]\nregion = us-west-2 # oregon\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toMatch(/^\[profile dev\]\nregion = us-west-2 # oregon\nsso_session = corp\n/);
    expect(r.stderr).toContain('region: the AWS CLI reads "us-west-2 # oregon", the JS SDK "us-west-2"');
  });

  it("keeps an output and a region that continue on the next line", async () => {
    const before = "[profile dev]\nregion = us-west-2\n  eu-west-1\noutput = json\n  table\n";
    write(before);
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(box.readConfig()!.startsWith(before)).toBe(true);
  });

  it("configure sso-session leaves `sso_registration_scopes = … ; default` alone when it is not being changed", async () => {
    const before = `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access ; default\n`;
    write(before);
    const r = await cli(["configure", "sso-session", ...SESSION, "--non-interactive"]);
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toBe(before);
  });

  it("a new value that cannot be written safely is a clear 253, never a TypeError", async () => {
    write(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`);
    const before = bytes();
    // Passes the flag's check, but the JS SDK would cut the value at " #".
    const r = await cli(["configure", "sso-session", ...SESSION, "--scopes", "sso:account:access, #x", "--non-interactive"]);
    expectNoCrash(r);
    expect(r.code).toBe(253);
    expect(r.stderr).toContain('Cannot write to the config file');
    expect(r.stderr).toContain('"#" or ";" after a space would be read as a comment by the AWS SDKs. Nothing was written.');
    expect(bytes()).toEqual(before);
  });
});

describe("only the keys being written change", () => {
  it("with [default] and [profile default], does not copy output or region from one into the other", async () => {
    write("[profile default]\noutput = json\n\n[default]\noutput = text\nregion = us-west-2\n");
    const r = await cli(["configure", "--profile", "default", ...FLAGS]);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toBe(
      "[profile default]\noutput = json\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n\n" +
        "[default]\noutput = text\nregion = us-west-2\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n" +
        `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n`,
    );
  });

  it("leaves `Region: us-west-2` and `Output = table` lines alone when the values do not change", async () => {
    write("[profile dev]\nRegion: us-west-2\nOutput = table\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS, "--region", "us-west-2", "--output", "table"]);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toMatch(/^\[profile dev\]\nRegion: us-west-2\nOutput = table\nsso_session = corp\n/);
    // The JS SDK reads neither line: said on stderr, not "fixed" behind the user's back.
    expect(r.stderr).toContain("the AWS SDKs for JavaScript read profile dev differently");
  });

  it("keeps a comment line inside a multi-line value it replaces", async () => {
    write("[profile dev]\nregion = us-east-1\n  # moved to Frankfurt in May\n  eu-central-1\noutput = json\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS, "--region", "eu-west-2"]);
    expect(r.code).toBe(0);
    expect(box.readConfig()).toMatch(/^\[profile dev\]\nregion = eu-west-2\n  # moved to Frankfurt in May\noutput = json\n/);
  });
});

describe("files the AWS CLI cannot read are refused with 253 and left untouched", () => {
  it.each([
    ["an invalid UTF-8 byte in a comment", Buffer.from("[profile dev]\n# caf\xe9\nregion = us-east-1\n", "latin1"), "line 2: byte 0xE9 is not valid UTF-8; the AWS CLI cannot read this file either"],
    ["a UTF-8 byte-order mark", Buffer.from("\uFEFF[profile dev]\nregion = us-east-1\n"), "line 1: the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI cannot read"],
    ["a U+2028 inside a nested block", Buffer.from("[profile dev]\ns3 =\n  addressing_style = path\u2028junk\n"), "line 3: the nested setting \"junk\" under \"s3\" in [profile dev] is not of the form \"key = value\"; the line holds a character that Python treats as a line break"],
    ["a U+000C inside a nested block", Buffer.from("[profile dev]\ns3 =\n  addressing_style = path\fjunk\n"), "Python treats as a line break"],
    // botocore raises the repeated section at once; the bad line 2 would be reported only at the end.
    ["a repeated section after a bad line", Buffer.from("[profile dev]\nnonsense\n[profile x]\nregion = a\n[profile x]\n"), "line 5: the section [profile x] appears a second time (first on line 3)"],
    ["a line without a delimiter", Buffer.from("[profile dev]\nregion = a\nnonsense\n"), 'line 3: expected a "key = value" setting'],
  ])("%s", async (_, content, message) => {
    write(content);
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expectNoCrash(r);
    expect(r.code).toBe(253);
    expect(r.stderr).toContain(message);
    expect(bytes()).toEqual(content);
    if (python) {
      const reading = await botocore(content);
      expect(reading.ok).toBe(false);
      const cited = /line (\d+):/.exec(message)?.[1];
      if (!reading.ok && reading.line !== null && cited) expect(reading.line).toBe(Number(cited));
    }
  });
});

describe.skipIf(python === undefined)("files the AWS CLI reads are edited, as botocore reads them", () => {
  it.each([
    ["an indented [profile x] (a continuation for botocore)", "[profile dev]\nregion = us-east-1\n  [profile x]\n[profile y]\nregion = b\n"],
    ["text after ]", "[profile dev] # mine\nregion = us-east-1\n[profile x]extra\nregion = b\n"],
    ["two spellings of the same profile", "[profile dev]\nregion = a\n[profile  dev]\nregion = us-east-1\n[profile x]\nregion = b\n"],
    ["lone CR line endings", "[profile dev]\rregion = us-east-1\r[profile x]\rregion = b\r"],
    ["a key line starting with [", "[profile dev]\n[odd = 1\n[profile x]\nregion = b\n"],
    ["] inside a name", "[profile a]b]\nregion = x\n[profile dev]\nregion = us-east-1\n"],
    ["[DEFAULT] twice", "[DEFAULT]\ncli_pager =\n[profile x]\nregion = b\n[DEFAULT]\noutput = json\n[profile dev]\n"],
    ["mixed line endings, tabs and no final newline", "[profile dev]\r\n\tregion\t= us-east-1\n[profile x]\r\nregion : b"],
  ])("%s", async (_, content) => {
    write(content);
    const before = await botocore(content);
    expect(before.ok).toBe(true);
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expectNoCrash(r);
    expect(r.code).toBe(0);
    const after = await botocore(bytes());
    if (!before.ok || !after.ok) throw new Error("botocore refused the file");
    const { dev: devBefore, ...othersBefore } = before.profiles;
    const { dev: devAfter, ...othersAfter } = after.profiles;
    expect(devAfter).toEqual({ ...devBefore, ...SSO_KEYS });
    expect(othersAfter).toEqual(othersBefore);
  });

  it("edits the spelling botocore reads (the last) and the one the JS SDK reads, so neither keeps a stale value", async () => {
    write("[profile dev]\nregion = a\n[profile  dev]\nregion = us-east-1\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS, "--region", "eu-west-1"]);
    expect(r.code).toBe(0);
    const text = box.readConfig()!;
    expect(text).toMatch(/\[profile {2}dev\]\nregion = eu-west-1\nsso_session = corp\n/);
    // `[profile  dev]` (two spaces) is no profile to the JS SDK, which reads `[profile dev]`: that one
    // gets the keys being written too, so both readers agree and there is nothing to warn about.
    expect(text).toMatch(/^\[profile dev\]\nregion = eu-west-1\nsso_session = corp\n/);
    expect(r.stderr).not.toContain("differently");
  });

  it("warns where the JS SDK would still read the profile differently", async () => {
    write("[profile dev]\nregion = us-east-1\n  [profile x]\noutput = json\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expect(r.code).toBe(0);
    // The JS SDK takes the indented line for a header, and so the settings below it for profile x's.
    expect(r.stderr).toContain("Warning: the AWS SDKs for JavaScript read profile dev differently from the AWS CLI");
    expect(r.stderr).toContain('output: the AWS CLI reads "json", the JS SDK nothing');
  });
});

describe("[DEFAULT], which botocore gives to every profile", () => {
  it("refuses to add a profile that would inherit a nested block botocore cannot read (253, file untouched)", async () => {
    const before = Buffer.from("[DEFAULT]\ns3 =\n  junk\n");
    write(before);
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expectNoCrash(r);
    expect(r.code).toBe(253);
    expect(r.stderr).toContain('line 3: the nested setting "junk" under "s3" in [DEFAULT] is not of the form "key = value"');
    expect(r.stderr).toContain("making the file unreadable to it");
    expect(bytes()).toEqual(before);
  });

  it("says so when its sso_start_url contradicts the session being written", async () => {
    write("[DEFAULT]\nsso_start_url = https://other.awsapps.com/start\n");
    const r = await cli(["configure", "--profile", "dev", ...FLAGS]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the [DEFAULT] section of');
    expect(r.stderr).toContain('sets sso_start_url = "https://other.awsapps.com/start", which the AWS CLI applies to every profile, including dev');
  });
});
