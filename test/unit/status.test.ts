import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsConfig } from "../../src/config/aws-config.js";
import { ConfigSummaryCache } from "../../src/config/config-summary.js";
import { listSignIns, signInFor, type SsoSignIn } from "../../src/config/sso-profiles.js";
import { profileFromEnv, resolveTarget, sessionTarget } from "../../src/config/sso-target.js";
import { runStatus, type SessionStatus, type StatusOptions } from "../../src/sso/session-status.js";
import type { Deps } from "../../src/deps.js";
import { ConfigError } from "../../src/errors.js";
import { describeSignIn, LoginRequiredError, noUsableTokenReason } from "../../src/sso/login-required.js";
import { nodeFs, type Fs } from "../../src/platform/fs.js";
import { tokenCacheKey } from "../../src/sso/token.js";
import { FakeClock } from "../helpers/fake-clock.js";

const URL_A = "https://d-1111111111.awsapps.com/start";
const URL_B = "https://d-2222222222.awsapps.com/start";
const PROFILES = 3000;

let home: string;
let configFile: string;
let clock: FakeClock;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), "status-test-"));
  configFile = path.join(home, ".aws", "config");
  mkdirSync(path.join(home, ".aws", "sso", "cache"), { recursive: true });
  clock = new FakeClock();
  // Profiles as populate writes them, two sessions and one legacy start URL in turn.
  const signIns = ["sso_session = corp", "sso_session = lab", `sso_start_url = ${URL_B}\nsso_region = eu-central-1`];
  const sections = Array.from(
    { length: PROFILES },
    (_, i) => `[profile p${i}]\n${signIns[i % 3]}\nsso_account_id = ${String(i).padStart(12, "0")}\nsso_role_name = ReadOnly\n`,
  );
  writeFileSync(
    configFile,
    `[sso-session corp]\nsso_start_url = ${URL_A}\nsso_region = us-east-1\n[sso-session lab]\nsso_start_url = ${URL_A}\nsso_region = us-west-2\n${sections.join("")}`,
  );
  const token = { startUrl: URL_A, region: "us-east-1", accessToken: "aoa", expiresAt: new Date(clock.now() + 3600_000).toISOString() };
  writeFileSync(path.join(home, ".aws", "sso", "cache", `${tokenCacheKey({ sessionName: "corp", startUrl: URL_A })}.json`), JSON.stringify(token));
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

/** runStatus with a file system that counts the reads of each file. */
async function status(opts: Partial<StatusOptions>): Promise<{ sessions: SessionStatus[]; reads: Map<string, number> }> {
  const reads = new Map<string, number>();
  const fs: Fs = {
    ...nodeFs,
    readText: (file, options) => {
      reads.set(file, (reads.get(file) ?? 0) + 1);
      return nodeFs.readText(file, options);
    },
  };
  let out = "";
  const io = { out: { write: (s: string) => void (out += s) }, err: { write: () => {} }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
  const configSummaries = new ConfigSummaryCache(fs, clock, path.join(home, "summaries"), undefined, process.getuid?.());
  const deps = { io, fs, clock, env: { AWS_CONFIG_FILE: configFile }, homedir: home, configSummaries } as unknown as Deps;
  await runStatus({ profile: undefined, ssoSession: undefined, json: true, wide: false, configFile: undefined, ...opts }, deps);
  return { sessions: (JSON.parse(out) as { sessions: SessionStatus[] }).sessions, reads };
}

describe("status on a config of thousands of profiles", () => {
  it("reads the config once and each sign-in's token once, however many profiles share it", async () => {
    const { sessions, reads } = await status({});
    expect(sessions.map((s) => [s.name ?? s.startUrl, s.profiles.length, s.token.state])).toEqual([
      ["corp", PROFILES / 3, "valid"],
      ["lab", PROFILES / 3, "none"],
      [URL_B, PROFILES / 3, "none"],
    ]);
    expect(sessions[0]?.profiles.slice(0, 2)).toEqual(["p0", "p3"]);
    expect(reads.get(configFile)).toBe(1);
    for (const session of sessions) expect(reads.get(session.tokenFile), session.tokenFile).toBe(1);
    // Besides the config and the tokens, at most a client registration per sign-in.
    expect(reads.size).toBeLessThanOrEqual(1 + 2 * sessions.length);
  });

  it("with --profile, reads only that profile's sign-in", async () => {
    const { sessions, reads } = await status({ profile: "p3" });
    expect(sessions.map((s) => [s.name, s.profiles.length])).toEqual([["corp", PROFILES / 3]]);
    expect(reads.get(configFile)).toBe(1);
    expect(reads.get(sessions[0]!.tokenFile)).toBe(1);
    expect(reads.size).toBeLessThanOrEqual(3);
  });
});

describe("status judged from the config's summary", () => {
  // Every way a profile or session can resolve, or fail to.
  const CONFIG = `[sso-session corp]
sso_start_url = ${URL_A}
sso_region = us-east-1

[sso-session noregion]
sso_start_url = ${URL_A}

[profile default]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile s]
sso_session = corp

[profile half]
sso_session = noregion

[profile lost]
sso_session = nowhere

[profile legacy]
sso_start_url = ${URL_B}
sso_region = eu-central-1

[profile legacy-noregion]
sso_start_url = ${URL_B}

[profile plain]
region = eu-west-1
`;
  const NAMES = ["default", "s", "half", "lost", "legacy", "legacy-noregion", "plain", "absent"];
  type Case = { profile?: string; ssoSession?: string; env?: Record<string, string> };
  const cases: Case[] = [
    {},
    ...NAMES.map((profile) => ({ profile })),
    ...NAMES.map((p) => ({ env: { AWS_PROFILE: p } })),
    ...["corp", "noregion", "absent"].map((ssoSession) => ({ ssoSession })),
  ];

  /** What status judged before it had summaries: resolveTarget and signInFor on the config itself. */
  function expected(config: AwsConfig, c: Case): string {
    const env = c.env ?? {};
    let signIn: SsoSignIn | undefined;
    try {
      if (c.ssoSession) signIn = signInFor(listSignIns(config), sessionTarget(config, c.ssoSession));
      else {
        const { target } = resolveTarget(config, { profile: profileFromEnv(c.profile, env) ?? "default" }, env);
        signIn = signInFor(listSignIns(config), target);
      }
    } catch (error) {
      if (c.ssoSession || c.profile || !(error instanceof ConfigError)) return `error: ${(error as Error).message}`;
    }
    // No token is cached: a judged sign-in always needs a login.
    return signIn ? `login: ${noUsableTokenReason(describeSignIn(signIn), false)}` : "ok";
  }

  async function outcome(c: Case, clockAt: number): Promise<{ outcome: string; configReads: number }> {
    let configReads = 0;
    const fs: Fs = {
      ...nodeFs,
      readText: (file, options) => {
        if (file === configFile) configReads++;
        return nodeFs.readText(file, options);
      },
    };
    const io = { out: { write: () => {} }, err: { write: () => {} }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
    const stableClock = new FakeClock(clockAt);
    const configSummaries = new ConfigSummaryCache(fs, stableClock, path.join(home, "summaries"), undefined, process.getuid?.());
    const deps = { io, fs, clock: stableClock, env: { AWS_CONFIG_FILE: configFile, ...c.env }, homedir: home, configSummaries } as unknown as Deps;
    try {
      await runStatus({ profile: c.profile, ssoSession: c.ssoSession, json: true, wide: false, configFile: undefined }, deps);
      return { outcome: "ok", configReads };
    } catch (error) {
      return { outcome: error instanceof LoginRequiredError ? `login: ${error.reason}` : `error: ${(error as Error).message}`, configReads };
    }
  }

  it("gives every profile, session and environment the outcome resolveTarget gives, from the cache or not", async () => {
    rmSync(path.join(home, ".aws", "sso", "cache"), { recursive: true, force: true });
    writeFileSync(configFile, CONFIG);
    const config = AwsConfig.fromText(configFile, CONFIG);
    // First before the file is stable (nothing kept), then long after (the first run keeps the summary).
    for (const clockAt of [Date.now() - 60_000, Date.now() + 60_000]) {
      for (const c of cases) {
        const { outcome: got } = await outcome(c, clockAt);
        expect(got, JSON.stringify(c)).toBe(expected(config, c));
      }
    }
    // The summary answers the profiles of a complete sso-session, and a missing default, alone.
    expect((await outcome({ profile: "s" }, Date.now() + 60_000)).configReads).toBe(0);
    expect((await outcome({ ssoSession: "corp" }, Date.now() + 60_000)).configReads).toBe(0);
    expect((await outcome({ env: { AWS_PROFILE: "absent" } }, Date.now() + 60_000)).configReads).toBe(0);
    expect((await outcome({ profile: "legacy" }, Date.now() + 60_000)).configReads).toBe(1);
  });
});

describe("status from a kept summary", () => {
  it("answers from one version of the file: a summary it must complete from the config is made again from what it reads", async () => {
    const before = `[profile legacy]\nsso_start_url = ${URL_B}\nsso_region = eu-central-1\n`;
    const after = `${before}[profile second]\nsso_start_url = ${URL_B}\nsso_region = eu-central-1\n`;
    writeFileSync(configFile, before);
    const clockAt = new FakeClock(Date.now() + 60_000);
    const version = await nodeFs.version(configFile);
    let text = before;
    // The file changes between the look at its version and the read a legacy profile needs.
    const fs: Fs = {
      ...nodeFs,
      version: async (file) => (file === configFile ? version : nodeFs.version(file)),
      readText: async (file, options) => (file === configFile ? text : nodeFs.readText(file, options)),
    };
    const run = async () => {
      let out = "";
      const io = { out: { write: (s: string) => void (out += s) }, err: { write: () => {} }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
      const configSummaries = new ConfigSummaryCache(fs, clockAt, path.join(home, "summaries"), undefined, process.getuid?.());
      const deps = { io, fs, clock: clockAt, env: { AWS_CONFIG_FILE: configFile }, homedir: home, configSummaries } as unknown as Deps;
      await runStatus({ profile: "legacy", ssoSession: undefined, json: true, wide: false, configFile: undefined }, deps).catch(() => undefined);
      return (JSON.parse(out) as { sessions: SessionStatus[] }).sessions;
    };
    expect((await run())[0]?.profiles).toEqual(["legacy"]);
    text = after;
    expect((await run())[0]?.profiles).toEqual(["legacy", "second"]);
  });
});
