/**
 * populate edits big config files a segment at a time (src/config/segmented-config.ts); the result
 * must be byte for byte what editing the whole file at once gives, and a broken file must be refused
 * with the same line number.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsConfig, updateConfigFile, type ConfigChanges, type SectionEdit } from "../../src/config/aws-config.js";
import { POPULATE_KEYS } from "../../src/config/populate-plan.js";
import { readConfigView, updateConfigInSegments } from "../../src/config/segmented-config.js";
import { ConfigError } from "../../src/errors.js";
import { systemClock } from "../../src/platform/clock.js";
import { nodeFs } from "../../src/platform/fs.js";
import { nodeFileLocker } from "../../src/platform/lock.js";

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), "segmented-")));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const deps = { fs: nodeFs, locker: nodeFileLocker, clock: systemClock };

/** A file of `n` profiles over several segments, with comments, blank lines and an indented header. */
function bigFile(n: number, eol = "\n"): string {
  const lines = ["# my config", "[sso-session corp]", "sso_start_url = https://x.awsapps.com/start", "sso_region = us-east-1", ""];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0) lines.push(`; note ${i}`);
    lines.push(`[profile p${i}]`, "sso_session = corp", `sso_account_id = ${String(i).padStart(12, "0")}`);
    if (i % 3 === 0) lines.push("region = eu-west-1", "");
  }
  return lines.join(eol);
}

const profileEdit = (name: string, values: Array<[string, string]>): SectionEdit => ({ ref: { kind: "profile", name }, values });

const changes: ConfigChanges = {
  upserts: [
    profileEdit("p1", [["sso_role_name", "Admin"]]),
    profileEdit("p300", [["sso_account_id", "999999999999"], ["region", "us-west-2"]]),
    profileEdit("p305", [["output", "json"]]),
    profileEdit("p699", [["region", "ap-south-1"]]),
    profileEdit("new-a", [["sso_session", "corp"], ["sso_account_id", "111111111111"]]),
    profileEdit("new-b", [["sso_session", "corp"]]),
  ],
  removals: [],
};

async function both(text: string, c: ConfigChanges): Promise<{ whole: string; segmented: string }> {
  const a = path.join(dir, "whole");
  const b = path.join(dir, "segmented");
  writeFileSync(a, text);
  writeFileSync(b, text);
  await updateConfigFile(deps, a, () => c);
  await updateConfigInSegments(deps, b, POPULATE_KEYS, () => c);
  return { whole: readFileSync(a, "utf8"), segmented: readFileSync(b, "utf8") };
}

describe("updateConfigInSegments", () => {
  it.each([
    ["LF", bigFile(700)],
    ["CRLF", bigFile(700, "\r\n")],
    ["no final line ending", bigFile(700).replace(/\n$/, "")],
    ["mixed line endings", `${bigFile(300, "\r\n")}\n${bigFile(300).replaceAll("[profile p", "[profile q").replace("[sso-session corp]", "[sso-session other]")}`],
    ["an empty file", ""],
  ])("writes what editing the whole file writes: %s", async (_name, text) => {
    const { whole, segmented } = await both(text, text === "" ? { upserts: changes.upserts.slice(4), removals: [] } : changes);
    expect(whole).not.toBe(text);
    expect(segmented).toBe(whole);
  });

  it("writes nothing when every upsert is what the file already says, as on populate's re-run", async () => {
    const file = path.join(dir, "config");
    const text = bigFile(700, "\r\n");
    writeFileSync(file, text);
    const same: ConfigChanges = {
      upserts: [profileEdit("p1", [["sso_session", "corp"], ["sso_account_id", "000000000001"]]), profileEdit("p600", [["region", "eu-west-1"]])],
      removals: [],
    };
    expect((await updateConfigInSegments(deps, file, POPULATE_KEYS, () => same)).written).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect((await updateConfigInSegments(deps, file, POPULATE_KEYS, () => changes)).written).toBe(true);
  });

  it.each([
    ["only new sections, as populate's first run", { upserts: changes.upserts.slice(4), removals: [] }],
    ["only sections that exist", { upserts: changes.upserts.slice(0, 4), removals: [] }],
  ])("writes what editing the whole file writes, with %s", async (_name, c) => {
    for (const text of [bigFile(700), bigFile(700, "\r\n"), bigFile(700).replace(/\n$/, "")]) {
      const { whole, segmented } = await both(text, c);
      expect(whole).not.toBe(text);
      expect(segmented).toBe(whole);
    }
  });

  it("prunes when nothing else changes, as on a re-run with --prune", async () => {
    const same = profileEdit("p1", [["sso_session", "corp"]]);
    const { whole, segmented } = await both(bigFile(700), { upserts: [same], removals: [{ kind: "profile", name: "p600" }] });
    expect(segmented).toBe(whole);
    expect(segmented).not.toContain("[profile p600]");
  });

  it("prunes as editing the whole file does", async () => {
    const { whole, segmented } = await both(bigFile(700), {
      upserts: changes.upserts,
      removals: [{ kind: "profile", name: "p2" }, { kind: "profile", name: "p600" }],
    });
    expect(segmented).toBe(whole);
    expect(segmented).not.toContain("[profile p600]");
  });

  it("reads what a whole parse reads, keeping only the keys asked for", () => {
    const text = bigFile(700);
    const view = readConfigView("config", text, ["region", "sso_account_id"]);
    const config = AwsConfig.fromText("config", text);
    expect(view.profileNames()).toEqual(config.profileNames());
    expect(view.profile("p699")).toEqual({ region: "eu-west-1", sso_account_id: "000000000699" });
    expect(view.profile("p700")).toBeUndefined();
    expect(view.ssoSession("corp")).toEqual(config.ssoSession("corp"));
  });

  it.each([
    ["a duplicate section in a later segment", `${bigFile(600)}\n[profile p3]\nregion = x\n`],
    ["a file that starts with a byte order mark", `\uFEFF${bigFile(700)}`],
    ["a broken line in a later segment", `${bigFile(600)}\n[profile z]\nthis is not a setting\n`],
    ["a duplicate setting in a later segment", bigFile(600).replace("[profile p500]\nsso_session = corp", "[profile p500]\nsso_session = corp\nsso_session = x")],
  ])("refuses %s with the line a whole parse names", (_name, text) => {
    const whole = (() => {
      try {
        AwsConfig.fromText("config", text);
      } catch (error) {
        return error;
      }
    })();
    expect(whole).toBeInstanceOf(ConfigError);
    expect(() => readConfigView("config", text, POPULATE_KEYS)).toThrow((whole as Error).message);
  });
});
