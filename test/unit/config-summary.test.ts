import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsConfig } from "../../src/config/aws-config.js";
import { ConfigSummaryCache, STABLE_MS, summarize, summaryCacheDir } from "../../src/config/config-summary.js";
import { listSignIns } from "../../src/config/sso-profiles.js";
import { ConfigError } from "../../src/errors.js";
import { nodeFs, type Fs } from "../../src/platform/fs.js";
import { builtModule, nodeAsNobody } from "../helpers/as-nobody.js";
import { FakeClock } from "../helpers/fake-clock.js";

const CONFIG = `[sso-session corp]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile a]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile plain]
region = eu-west-1

[profile legacy]
sso_start_url = https://d-2222222222.awsapps.com/start
sso_region = eu-central-1
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile b]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Admin

[profile lost]
sso_session = nowhere

[sso-session lab]
sso_start_url = https://d-3333333333.awsapps.com/start
sso_region = us-west-2
`;

let dir: string;
let configFile: string;
let cacheDir: string;
let reads: string[];
let clock: FakeClock;
let fs: Fs;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "config-summary-"));
  configFile = path.join(dir, "config");
  cacheDir = path.join(dir, "cache", "sso-setup", "config-summaries");
  writeFileSync(configFile, CONFIG);
  reads = [];
  fs = {
    ...nodeFs,
    readText: (file, options) => {
      reads.push(file);
      return nodeFs.readText(file, options);
    },
  };
  // Long after the file was written: it is stable, and its summary may be kept.
  clock = new FakeClock(Date.now() + 60_000);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const configReads = () => reads.filter((f) => f === configFile).length;
const cacheFiles = () => {
  try {
    return readdirSync(cacheDir);
  } catch {
    return [];
  }
};

describe("summarize", () => {
  it("holds the names and listSignIns' sign-ins, the profiles by their place in the file", () => {
    const config = AwsConfig.fromText(configFile, CONFIG);
    const summary = summarize(config);
    expect(summary.profileNames).toEqual(["a", "plain", "legacy", "b", "lost"]);
    expect(summary.ssoSessionNames).toEqual(["corp", "lab"]);
    const named = summary.signIns.map(({ profiles, ...s }) => ({ ...s, profiles: profiles.map((i) => summary.profileNames[i]) }));
    expect(named).toEqual(listSignIns(config).map(({ profiles, ...s }) => ({ ...s, profiles: profiles.map((p) => p.name) })));
    expect(named.map((s) => [s.sessionName ?? s.startUrl, s.profiles])).toEqual([
      ["corp", ["a", "b"]],
      ["lab", []],
      ["https://d-2222222222.awsapps.com/start", ["legacy"]],
    ]);
  });
});

describe("the summary cache", () => {
  const uid = process.getuid?.();
  const cache = () => new ConfigSummaryCache(fs, clock, cacheDir, undefined, uid);

  it("answers a second run from the cache without reading the config, with the same summary", async () => {
    const first = await cache().load(configFile);
    expect(first.config).toBeDefined();
    expect(configReads()).toBe(1);
    const [name] = cacheFiles();
    expect(name).toMatch(/^config-[0-9a-f]{40}\.json$/);
    expect(statSync(path.join(cacheDir, name!)).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);

    const second = await cache().load(configFile);
    expect(configReads()).toBe(1);
    expect(second.config).toBeUndefined();
    expect(second.summary).toEqual(JSON.parse(JSON.stringify(first.summary)));
  });

  it("keeps nothing for a file changed less than STABLE_MS ago: it may still change within the same tick", async () => {
    clock = new FakeClock(statSync(configFile).ctimeMs + STABLE_MS - 1);
    await cache().load(configFile);
    expect(cacheFiles()).toEqual([]);
    clock.advance(1);
    await cache().load(configFile);
    expect(cacheFiles()).toHaveLength(1);
  });

  it("reads the config again after an edit of the same size with the old modification time", async () => {
    await cache().load(configFile);
    const { mtime, atime } = statSync(configFile);
    writeFileSync(configFile, CONFIG.replace("[profile b]", "[profile c]"));
    utimesSync(configFile, atime, mtime);
    const { summary, config } = await cache().load(configFile);
    expect(config).toBeDefined();
    expect(summary.profileNames).toContain("c");
    expect(configReads()).toBe(2);
  });

  it("ignores a cache file that is damaged, of another shape, for another file, or writable by others", async () => {
    await cache().load(configFile);
    const cacheFile = path.join(cacheDir, cacheFiles()[0]!);
    const good = JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, unknown>;
    const bad: unknown[] = [
      "{not json",
      JSON.stringify({ ...good, format: 0 }),
      JSON.stringify({ ...good, writer: "0.0.0-other" }),
      JSON.stringify({ ...good, file: path.join(dir, "other") }),
      JSON.stringify({ ...good, profileNames: [1, 2] }),
      JSON.stringify({ ...good, signIns: [{ profiles: [99] }] }),
      JSON.stringify({ ...good, signIns: [{ startUrl: 5, profiles: [] }] }),
      JSON.stringify([]),
    ];
    for (const text of bad) {
      writeFileSync(cacheFile, text as string, { mode: 0o600 });
      const { config } = await cache().load(configFile);
      expect(config, String(text)).toBeDefined();
    }
    writeFileSync(cacheFile, JSON.stringify({ ...good, profileNames: ["planted", "plain", "legacy", "b", "lost"] }));
    chmodSync(cacheFile, 0o622);
    const planted = await cache().load(configFile);
    expect(planted.summary.profileNames[0]).toBe("a");
  });

  it("believes only a summary owned by the user it runs as, in a directory nobody else may write", async () => {
    await cache().load(configFile);
    expect((await cache().load(configFile)).config).toBeUndefined();
    const someoneElse = new ConfigSummaryCache(fs, clock, cacheDir, undefined, (uid ?? 0) + 1);
    expect((await someoneElse.load(configFile)).config).toBeDefined();
    chmodSync(cacheDir, 0o777);
    expect((await cache().load(configFile)).config).toBeDefined();
    chmodSync(cacheDir, 0o700);
    expect((await cache().load(configFile)).config).toBeUndefined();
  });

  it("reports a config it can no longer read, though its summary is kept", async () => {
    await cache().load(configFile);
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    fs = {
      ...fs,
      version: async (file) => (file === configFile ? Promise.reject(denied) : nodeFs.version(file)),
      readText: async (file, options) => (file === configFile ? Promise.reject(denied) : nodeFs.readText(file, options)),
    };
    await expect(cache().load(configFile)).rejects.toThrow(/Unable to read the config file .*EACCES/);
  });

  it("keeps the 32 most recently written summaries", async () => {
    const configs = Array.from({ length: 34 }, (_, i) => path.join(dir, `config-${i}`));
    for (const file of configs) writeFileSync(file, CONFIG);
    for (const file of configs) await cache().load(file);
    expect(cacheFiles()).toHaveLength(32);
    reads = [];
    await cache().load(configs[33]!);
    expect(reads).not.toContain(configs[33]);
  });

  it("never follows a symlink planted as the cache file", async () => {
    await cache().load(configFile);
    const cacheFile = path.join(cacheDir, cacheFiles()[0]!);
    const elsewhere = path.join(dir, "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(cacheFile));
    rmSync(cacheFile);
    symlinkSync(elsewhere, cacheFile);
    const { config } = await cache().load(configFile);
    expect(config).toBeDefined();
  });

  it("works without a cache when the cache directory cannot be made", async () => {
    writeFileSync(path.join(dir, "cache"), "a file where the directory would go");
    const first = await cache().load(configFile);
    const second = await cache().load(configFile);
    expect(second.summary).toEqual(first.summary);
    expect(configReads()).toBe(2);
  });

  it("throws the config's own errors, and keeps no summary of a file it cannot read", async () => {
    writeFileSync(configFile, "[profile a]\nregion = x\nregion = y\n");
    utimesSync(configFile, new Date(0), new Date(0));
    await expect(cache().load(configFile)).rejects.toThrow(ConfigError);
    expect(cacheFiles()).toEqual([]);
    await expect(cache().load(path.join(dir, "missing"))).resolves.toMatchObject({ summary: { profileNames: [] } });
  });

  it("a file behind a symlink is cached under the name used, and an edit of the target is seen", async () => {
    const link = path.join(dir, "link");
    symlinkSync(configFile, link);
    await cache().load(link);
    writeFileSync(configFile, `${CONFIG}\n[profile new]\nregion = x\n`);
    const { summary } = await cache().load(link);
    expect(summary.profileNames).toContain("new");
  });
});

describe("summaryCacheDir", () => {
  it("is XDG_CACHE_HOME's when absolute, else ~/.cache's", () => {
    expect(summaryCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "/home/me")).toBe(path.join("/x/cache", "sso-setup", "config-summaries"));
    expect(summaryCacheDir({ XDG_CACHE_HOME: "relative" }, "/home/me")).toBe(path.join("/home/me", ".cache", "sso-setup", "config-summaries"));
    expect(summaryCacheDir({}, "")).toBeUndefined();
  });
});

describe("nodeFs.version", () => {
  it("opens the file to ask: an unreadable file is an error, not a version", async () => {
    const file = path.join(dir, "secret");
    writeFileSync(file, CONFIG, { mode: 0o600 });
    expect(await nodeFs.version(file)).toMatchObject({ id: expect.stringMatching(/^\d+:\d+:\d+:\d+:\d+$/) });
    expect(await nodeFs.version(path.join(dir, "missing"))).toBeNull();
    expect(await nodeFs.version(dir)).toBeNull();
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755);
      const script = `import(${JSON.stringify(builtModule("platform/fs.js"))}).then((m) => m.nodeFs.version(${JSON.stringify(file)})).then(() => console.log("read"), (e) => console.log(e.code, e.constructor.name))`;
      expect(nodeAsNobody(script)).toBe("EACCES FileSystemError");
    } else {
      chmodSync(file, 0o000);
      await expect(nodeFs.version(file)).rejects.toMatchObject({ code: "EACCES" });
    }
  });
});
