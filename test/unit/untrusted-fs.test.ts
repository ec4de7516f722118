/**
 * What the lock and the filesystem port do when the clock or the filesystem is not what they expect
 * (issue 12 §6, §7), on a real filesystem with the real locker. The end-to-end proofs, with the built
 * CLI, are in test/e2e/untrusted-filesystem.test.ts; these pin the pieces and the deadlines that are
 * too long to wait for there.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExitCode, exitCodeFor, FileSystemError } from "../../src/errors.js";
import { nodeFs, nodeFsReadingOnMainThread, type Fs } from "../../src/platform/fs.js";
import { withPermissionWarnings } from "../../src/platform/fs-hooks.js";
import { acquireLock, LockTimeoutError, nodeFileLocker, STALE_MS, type FileLocker } from "../../src/platform/lock.js";
import { SINGLE_FLIGHT_WAIT_MS, singleFlight } from "../../src/sso/single-flight.js";
import { builtModule, nodeAsNobody } from "../helpers/as-nobody.js";
import { FakeClock } from "../helpers/fake-clock.js";

let dir: string;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), "untrusted-fs-")));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const inFuture = (ms: number) => new Date(Date.now() + ms);
const mode = (file: string) => statSync(file).mode & 0o777;
/** A locker whose lock is always held by someone else. */
const alwaysHeld: FileLocker = { tryLock: async () => null };

/** A clock that jumps back an hour at every reading, as a clock being stepped back would look. */
class SteppingBackClock extends FakeClock {
  override now(): number {
    this.advance(-3_600_000);
    return super.now();
  }
}

describe("locks and clocks", () => {
  it("takes over a lock touched in the future, and removes what was left inside it", async () => {
    const file = path.join(dir, "token.json");
    mkdirSync(`${file}.lock/leftover`, { recursive: true });
    writeFileSync(`${file}.lock/leftover/file`, "x");
    utimesSync(`${file}.lock`, inFuture(3_600_000), inFuture(3_600_000));
    const lock = await nodeFileLocker.tryLock(file);
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it("still respects a lock touched a little ahead, as a live holder's first touch is", async () => {
    const file = path.join(dir, "token.json");
    mkdirSync(`${file}.lock`);
    utimesSync(`${file}.lock`, inFuture(STALE_MS - 2_000), inFuture(STALE_MS - 2_000));
    expect(await nodeFileLocker.tryLock(file)).toBeNull();
  });

  it("takes over a stale lock directory that is not empty (no ENOTEMPTY)", async () => {
    const file = path.join(dir, "config");
    mkdirSync(`${file}.lock/sub`, { recursive: true });
    writeFileSync(`${file}.lock/stray`, "x");
    const old = new Date(Date.now() - STALE_MS - 5_000);
    utimesSync(`${file}.lock`, old, old);
    const lock = await nodeFileLocker.tryLock(file);
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it("makes lock directories 0700 whatever the umask", async () => {
    const file = path.join(dir, "config");
    const previous = process.umask(0);
    try {
      const lock = await nodeFileLocker.tryLock(file);
      expect(mode(`${file}.lock`)).toBe(0o700);
      await lock!.release();
      process.umask(0o277);
      const again = await nodeFileLocker.tryLock(file);
      expect(mode(`${file}.lock`)).toBe(0o700);
      await again!.release();
    } finally {
      process.umask(previous);
    }
  });

  it("gives up waiting for a sign-in lock after its deadline, however the clock moves", async () => {
    const clock = new SteppingBackClock();
    const flight = singleFlight({ file: path.join(dir, "t.json"), ready: async () => undefined, run: async () => "ran" }, { locker: alwaysHeld, clock });
    const error = await flight.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain("11 minutes");
    expect(exitCodeFor(error)).toBe(ExitCode.other);
    const slept = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeGreaterThanOrEqual(SINGLE_FLIGHT_WAIT_MS);
    expect(slept).toBeLessThan(SINGLE_FLIGHT_WAIT_MS + 1_000);
  });

  it("gives up waiting for the config lock after its deadline, however the clock moves", async () => {
    const clock = new SteppingBackClock();
    const error = await acquireLock(path.join(dir, "config"), "the config file", { locker: alwaysHeld, clock }, 30_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    const slept = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeGreaterThanOrEqual(30_000);
    expect(slept).toBeLessThan(31_000);
  });
});

describe("the filesystem port", () => {
  it("replaces a symlink when told not to follow, leaving its target alone", async () => {
    const victim = path.join(dir, "victim");
    writeFileSync(victim, "mine");
    const cacheFile = path.join(dir, "cache.json");
    symlinkSync(victim, cacheFile);
    expect(await nodeFs.readText(cacheFile, { noFollow: true }).catch((e: unknown) => e)).toBeInstanceOf(FileSystemError);
    await nodeFs.writeFileAtomic(cacheFile, "{}", { mode: 0o600, forceMode: true, noFollow: true });
    expect(readFileSync(victim, "utf8")).toBe("mine");
    expect(lstatSync(cacheFile).isFile()).toBe(true);
    expect(mode(cacheFile)).toBe(0o600);
  });

  it("writes through a dangling symlink to the file it names", async () => {
    const target = path.join(dir, "dotfiles", "aws-config");
    mkdirSync(path.dirname(target));
    const link = path.join(dir, "config");
    symlinkSync(path.relative(dir, target), link);
    await nodeFs.writeFileAtomic(link, "[default]\n", { mode: 0o600 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("[default]\n");
    expect(await nodeFs.realpath(link)).toBe(target);
  });

  it("reports a symlink loop as a filesystem error, not a crash", async () => {
    const link = path.join(dir, "config");
    symlinkSync(link, link);
    const error = await nodeFs.writeFileAtomic(link, "x", { mode: 0o600 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as Error).message).toContain("ELOOP");
  });

  it("refuses a file past the size limit, including one that grows while it is read", async () => {
    const file = path.join(dir, "big");
    writeFileSync(file, "x".repeat(2048));
    const error = await nodeFs.readText(file, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect(exitCodeFor(error)).toBe(ExitCode.configuration);
    // /proc files say size 0 and still have content: the limit holds while reading, too.
    expect(await nodeFs.readText("/proc/self/status", { maxBytes: 1 << 20 })).toContain("Name:");
  });

  it("creates missing directories with exactly the mode asked for, whatever the umask", async () => {
    const previous = process.umask(0o277);
    try {
      await nodeFs.mkdirp(path.join(dir, "a", "b", "c"), 0o700);
    } finally {
      process.umask(previous);
    }
    for (const sub of ["a", "a/b", "a/b/c"]) expect(mode(path.join(dir, sub))).toBe(0o700);
  });

  it("warns once per path about group- or world-writable files and directories it relies on", async () => {
    const home = path.join(dir, "home");
    const awsDir = path.join(home, ".aws");
    mkdirSync(path.join(awsDir, "sso", "cache"), { recursive: true, mode: 0o700 });
    chmodSync(awsDir, 0o777);
    chmodSync(path.join(awsDir, "sso"), 0o700);
    chmodSync(path.join(awsDir, "sso", "cache"), 0o770);
    writeFileSync(path.join(awsDir, "config"), "");
    chmodSync(path.join(awsDir, "config"), 0o646);
    chmodSync(home, 0o777);
    const warnings: string[] = [];
    const fs = withPermissionWarnings(nodeFs, { home, watched: (f) => f.startsWith(awsDir), warn: (t) => warnings.push(t) });
    await fs.readText(path.join(awsDir, "config"));
    await fs.readText(path.join(awsDir, "sso", "cache", "a.json"));
    await fs.readText(path.join(awsDir, "sso", "cache", "b.json"));
    await fs.writeFileAtomic(path.join(awsDir, "config"), "", { mode: 0o600 });
    expect(warnings.map((w) => w.split(" can be written")[0])).toEqual([
      `sso-setup: warning: ${path.join(awsDir, "config")}`,
      `sso-setup: warning: ${awsDir}`,
      `sso-setup: warning: ${path.join(awsDir, "sso", "cache")}`,
    ]);
    expect(warnings[0]).toContain("by others (mode 0646)");
    expect(warnings[1]).toContain("by group and others (mode 0777)");
    expect(warnings[2]).toContain("by its group (mode 0770)");
    expect(warnings.join("")).not.toContain(`${home} can`);
  });
});

// The full program reads on libuv's thread pool, the fast path on the main thread: the same answers
// from both, and nothing that can leave the main thread waiting.
describe.each([
  ["on the thread pool", "nodeFs", nodeFs],
  ["on the main thread", "nodeFsReadingOnMainThread", nodeFsReadingOnMainThread],
] as Array<[string, string, Fs]>)("reading %s", (_how, exported, fs) => {
  it("reads a file, and finds nothing where there is nothing", async () => {
    writeFileSync(path.join(dir, "config"), "[default]\nregion = eu-west-1\n");
    expect(await fs.readText(path.join(dir, "config"))).toBe("[default]\nregion = eu-west-1\n");
    expect(await fs.readText(path.join(dir, "missing"))).toBeNull();
    expect(await fs.stat(path.join(dir, "missing"))).toBeNull();
    expect(await fs.version(path.join(dir, "missing"))).toBeNull();
    expect(await fs.readdir(path.join(dir, "missing"))).toEqual([]);
    expect(await fs.stat(path.join(dir, "config"))).toMatchObject({ isFile: true, isDirectory: false, uid: process.getuid?.() });
    const stats = statSync(path.join(dir, "config"), { bigint: true });
    expect((await fs.version(path.join(dir, "config")))?.id).toBe(`${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`);
    expect(await fs.readdir(dir)).toEqual(["config"]);
  });

  it("refuses a FIFO, a device and a directory at once, without waiting for a writer", () => {
    const fifo = path.join(dir, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // In a child with a deadline: on the main thread, a read that waited would stop this test's
    // own thread, and vitest's timeout with it.
    const script = `import(${JSON.stringify(builtModule("platform/fs.js"))}).then(async ({ ${exported}: fs }) => {
      for (const file of ${JSON.stringify([fifo, "/dev/zero", dir])}) await fs.readText(file).then(() => console.log("read"), (e) => console.log(e.constructor.name, e.message));
      console.log("version", await fs.version(${JSON.stringify(fifo)}));
    })`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
    expect(r.signal, "a read waited").toBeNull();
    const lines = r.stdout.trim().split("\n");
    expect(lines, r.stderr).toHaveLength(4);
    for (const [line, kind] of [
      [lines[0], /FIFO/],
      [lines[1], /device/],
      [lines[2], /directory/],
    ] as const) expect(line).toMatch(new RegExp(`^FileSystemError .*${kind.source}`));
    expect(lines[3]).toBe("version null");
  });

  it("never follows a symlink it is told not to, and refuses what is past the size limit", async () => {
    writeFileSync(path.join(dir, "victim"), "mine");
    symlinkSync(path.join(dir, "victim"), path.join(dir, "cache.json"));
    const error = await fs.readText(path.join(dir, "cache.json"), { noFollow: true }).catch((e: unknown) => e);
    expect((error as FileSystemError).code).toBe("ELOOP");
    writeFileSync(path.join(dir, "big"), "x".repeat(2048));
    expect(await fs.readText(path.join(dir, "big"), { maxBytes: 1024 }).catch((e: unknown) => e)).toBeInstanceOf(FileSystemError);
    expect(await fs.readText("/proc/self/status", { maxBytes: 1 << 20 })).toContain("Name:");
  });

  it("resolves a dangling dotfiles link to the file a write would create", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    symlinkSync("dotfiles/aws-config", path.join(dir, "config"));
    expect(await fs.realpath(path.join(dir, "config"))).toBe(path.join(dir, "dotfiles", "aws-config"));
  });

  it("reports a file it may not read as a filesystem error", async () => {
    const file = path.join(dir, "secret");
    writeFileSync(file, "x", { mode: 0o600 });
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o755);
      const script = `import(${JSON.stringify(builtModule("platform/fs.js"))}).then((m) => m.${exported}.readText(${JSON.stringify(file)})).then(() => console.log("read"), (e) => console.log(e.code, e.constructor.name))`;
      expect(nodeAsNobody(script)).toBe("EACCES FileSystemError");
    } else {
      chmodSync(file, 0o000);
      await expect(fs.readText(file)).rejects.toMatchObject({ code: "EACCES" });
      await expect(fs.readText(file)).rejects.toBeInstanceOf(FileSystemError);
    }
  });
});
