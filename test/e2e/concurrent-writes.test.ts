/**
 * Many sso-setup processes writing the same files at once (issue 5 §1): twenty `configure` runs into
 * one hand-written config, half of them through a symlink to it, and twenty `export-credentials`
 * runs writing the same role-credentials cache entry. Nothing may be lost, nothing torn.
 */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { parseConfig } from "../../src/config/ini.js";
import { makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const WRITERS = 20;

/**
 * What a person wrote by hand, with Windows line endings: comments in and between sections, a
 * [default] that is not an SSO profile, a nested [services] block, and no blank line at the end.
 */
const HAND_WRITTEN = [
  "# My AWS setup. Do not lose this comment.",
  "; nor this one",
  "[default]",
  "region = eu-central-1",
  "output = json",
  "",
  "[profile build]",
  "role_arn = arn:aws:iam::999999999999:role/Build",
  "source_profile = default",
  "# a comment at the end of a section",
  "",
  "[services local]",
  "s3 =",
  "  endpoint_url = http://localhost:9000",
  "[profile team.ops]",
  "region = us-west-2",
  "",
]
  .join("\r\n");

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

const accountId = (n: number) => `1111111111${String(n).padStart(2, "0")}`;

/** Leftovers in a directory: lock directories and temp files must be gone once every writer exited. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".lock") || name.endsWith(".tmp"));
}

describe("concurrent writers", () => {
  it(`${WRITERS} configure processes into one hand-written config keep every byte and every profile`, async () => {
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(box.configFile, HAND_WRITTEN);
    // Two names for one file: the lock must be the file's, not the name's.
    const link = path.join(box.dir, "config-link");
    symlinkSync(box.configFile, link);

    const runs = Array.from({ length: WRITERS }, (_, i) => {
      const n = i + 1;
      return runCli(
        [
          "configure",
          "--non-interactive",
          "--no-login",
          "--profile",
          `p${n}`,
          "--sso-session",
          "corp",
          "--start-url",
          START_URL,
          "--sso-region",
          "us-east-1",
          "--account-id",
          accountId(n),
          "--role-name",
          "R",
        ],
        { env: box.env({ AWS_CONFIG_FILE: n % 2 === 0 ? link : box.configFile }), timeoutMs: 60_000 },
      );
    });
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const text = readFileSync(box.configFile, "utf8");
    // Every original byte, in order, untouched: new sections only ever follow the person's text.
    expect(text.startsWith(HAND_WRITTEN)).toBe(true);
    const parsed = parseConfig(text);
    for (let n = 1; n <= WRITERS; n++) {
      expect(parsed.profiles.get(`p${n}`)?.values, `profile p${n}`).toEqual({
        sso_session: "corp",
        sso_account_id: accountId(n),
        sso_role_name: "R",
      });
    }
    expect([...parsed.profiles.keys()].sort()).toEqual(
      ["build", "default", "team.ops", ...Array.from({ length: WRITERS }, (_, i) => `p${i + 1}`)].sort(),
    );
    expect(text.match(/^\[sso-session corp\]/gm)).toHaveLength(1);
    expect(parsed.ssoSessions.get("corp")?.values).toMatchObject({ sso_start_url: START_URL, sso_region: "us-east-1" });
    // A CRLF file stays CRLF: no bare LF anywhere.
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    // Still a regular file at the same place, still reached through the link.
    expect(readFileSync(link, "utf8")).toBe(text);
    expect(leftovers(path.dirname(box.configFile))).toEqual([]);
    expect(leftovers(box.dir)).toEqual([]);
  });

  it(`${WRITERS} export-credentials processes writing one cache entry leave it whole`, async () => {
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(
      box.configFile,
      [
        "[profile dev]",
        "sso_session = corp",
        "sso_account_id = 111111111111",
        "sso_role_name = ReadOnlyAccess",
        "[sso-session corp]",
        `sso_start_url = ${START_URL}`,
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    );
    const login = await runCli(["login", "--sso-session", "corp"], { env: box.env() });
    expect(login.code, login.stderr).toBe(0);

    // The cache is empty, so every process fetches credentials and writes the same file at once.
    const results = await Promise.all(
      Array.from({ length: WRITERS }, () => runCli(["export-credentials", "--profile", "dev"], { env: box.env(), timeoutMs: 60_000 })),
    );
    const printed = results.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId;
    });
    const cacheDir = path.join(box.home, ".aws", "cli", "cache");
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    const entry = JSON.parse(readFileSync(path.join(cacheDir, files[0]!), "utf8")) as { Credentials: { AccessKeyId: string } };
    // The last rename wins, and it is one of the entries a process wrote whole.
    expect(printed).toContain(entry.Credentials.AccessKeyId);
  });
});
