/**
 * The pieces under the concurrency and crash guarantees (issue 5 §1, §2), on a real filesystem:
 * atomic writes and their temp files, real paths, the lock's stale and live behaviour, and the
 * config file's locked read-modify-write when the lock is lost or the file changes underneath it.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyConfigEdits, updateConfigFile } from "../../src/config/aws-config.js";
import { ExitCode, exitCodeFor, FlowError } from "../../src/errors.js";
import { systemClock } from "../../src/platform/clock.js";
import { nodeFs, STALE_TEMP_MS, type Fs } from "../../src/platform/fs.js";
import { acquireLock, LockTimeoutError, nodeFileLocker, STALE_MS, type FileLocker, type Lock } from "../../src/platform/lock.js";

let dir: string;

beforeEach(() => {
  // The real path: macOS and some CI images put the temp dir behind a symlink.
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), "safe-writes-")));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ago = (ms: number) => new Date(Date.now() - ms);
const mode = (file: string) => statSync(file).mode & 0o777;
const PROFILE_EDIT = { ref: { kind: "profile" as const, name: "dev" }, values: [["sso_session", "corp"]] as Array<[string, string]> };

describe("writeFileAtomic", () => {
  it("keeps an existing file's mode, gives a new one the mode asked for, and forces it when told", async () => {
    const file = path.join(dir, "config");
    await nodeFs.writeFileAtomic(file, "a", { mode: 0o600 });
    expect(mode(file)).toBe(0o600);
    chmodSync(file, 0o640);
    await nodeFs.writeFileAtomic(file, "b", { mode: 0o600 });
    expect(mode(file)).toBe(0o640);
    await nodeFs.writeFileAtomic(file, "c", { mode: 0o600, forceMode: true });
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("c");
    expect(readdirSync(dir)).toEqual(["config"]);
  });

  it("writes through a symlink: the link stays, its target gets the bytes", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    const real = path.join(dir, "dotfiles", "config");
    writeFileSync(real, "old");
    const link = path.join(dir, "config");
    symlinkSync(real, link);
    await nodeFs.writeFileAtomic(link, "new", { mode: 0o600 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe("new");
  });

  it("removes the temp files killed writers left once they are older than a write could take, and nothing else", async () => {
    const stale = [".config.sso-setup-4242-0badf00d.tmp", ".0123abcd.json.sso-setup-7-ffffffff.tmp"];
    const fresh = ".config.sso-setup-4343-12345678.tmp";
    // A person's backups and other tools' files, however old and however much they look like temp files.
    const kept = ["config.20240101", "config.1234567890", "config.bak", ".config.swp", "notes.tmp"];
    for (const name of [...stale, fresh, ...kept]) writeFileSync(path.join(dir, name), "x");
    for (const name of [...stale, ...kept]) utimesSync(path.join(dir, name), ago(STALE_TEMP_MS + 60_000), ago(STALE_TEMP_MS + 60_000));

    await nodeFs.writeFileAtomic(path.join(dir, "config"), "text", { mode: 0o600 });
    expect(readdirSync(dir).sort()).toEqual(["config", fresh, ...kept].sort());
  });

  it("writes a text given in pieces as the pieces joined, through a symlink and keeping the mode", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    const real = path.join(dir, "dotfiles", "config");
    writeFileSync(real, "old");
    chmodSync(real, 0o640);
    const link = path.join(dir, "config");
    symlinkSync(real, link);
    // Pieces of every size: empty, multi-byte characters, and one larger than any before it.
    const pieces = ["[profile é]\n", "", "region = eu-west-1\n", `# ${"✓".repeat(50_000)}\n`, "x", "\n", "[sso-session 😀]\n".repeat(20_000)];
    await nodeFs.writeFileAtomic(link, pieces, { mode: 0o600 });
    expect(readFileSync(real, "utf8")).toBe(pieces.join(""));
    expect(mode(real)).toBe(0o640);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["config", "dotfiles"]);
    await nodeFs.writeFileAtomic(link, [], { mode: 0o600 });
    expect(readFileSync(real, "utf8")).toBe("");
  });

  it("leaves neither a temp file nor a changed target when the write fails", async () => {
    const target = path.join(dir, "config");
    mkdirSync(target);
    await expect(nodeFs.writeFileAtomic(target, "text", { mode: 0o600 })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["config"]);
    expect(statSync(target).isDirectory()).toBe(true);
  });
});

describe("realpath", () => {
  it("resolves links, and for a file not created yet, its directory's links", async () => {
    mkdirSync(path.join(dir, "real"));
    writeFileSync(path.join(dir, "real", "config"), "");
    symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
    expect(await nodeFs.realpath(path.join(dir, "link", "config"))).toBe(path.join(dir, "real", "config"));
    expect(await nodeFs.realpath(path.join(dir, "link", "new"))).toBe(path.join(dir, "real", "new"));
    expect(await nodeFs.realpath(path.join(dir, "missing", "config"))).toBe(path.join(dir, "missing", "config"));
  });
});

describe("file locks", () => {
  it("is held by one holder at a time", async () => {
    const file = path.join(dir, "config");
    const first = await nodeFileLocker.tryLock(file);
    expect(first).not.toBeNull();
    expect(await nodeFileLocker.tryLock(file)).toBeNull();
    await first!.release();
    const second = await nodeFileLocker.tryLock(file);
    expect(second).not.toBeNull();
    await second!.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over a lock its holder left when it died", async () => {
    const file = path.join(dir, "config");
    mkdirSync(`${file}.lock`);
    utimesSync(`${file}.lock`, ago(STALE_MS + 1000), ago(STALE_MS + 1000));
    const lock = await nodeFileLocker.tryLock(file);
    expect(lock).not.toBeNull();
    expect(lock!.lost).toBe(false);
    await lock!.release();
  });

  it("never takes a lock from a live holder, however long it holds it", { timeout: 15_000 }, async () => {
    const file = path.join(dir, "config");
    const holder = await nodeFileLocker.tryLock(file);
    await new Promise((resolve) => setTimeout(resolve, STALE_MS + 1500));
    expect(await nodeFileLocker.tryLock(file)).toBeNull();
    expect(holder!.lost).toBe(false);
    await holder!.release();
  });

  it("gives up after the wait with a message naming the lock, and exit status 255", async () => {
    const file = path.join(dir, "config");
    const holder = await nodeFileLocker.tryLock(file);
    const error = await acquireLock(file, `the config file ${file}`, { locker: nodeFileLocker, clock: systemClock }, 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain(`${file}.lock`);
    expect(exitCodeFor(error)).toBe(ExitCode.other);
    await holder!.release();
  });
});

describe("the config file's locked read-modify-write", () => {
  const writeDeps = (overrides: { fs?: Fs; locker?: FileLocker } = {}) => ({
    fs: overrides.fs ?? nodeFs,
    locker: overrides.locker ?? nodeFileLocker,
    clock: systemClock,
  });

  /** A locker whose first `lostTimes` locks report that another process took them over. */
  function losingLocker(lostTimes: number): FileLocker & { taken: number } {
    return {
      taken: 0,
      async tryLock(file) {
        const lock = await nodeFileLocker.tryLock(file);
        if (!lock) return null;
        const lost = ++this.taken <= lostTimes;
        return { release: () => lock.release(), lost } satisfies Lock;
      },
    };
  }

  it("does not write under a lock it lost; it starts over under a new one", async () => {
    const file = path.join(dir, "config");
    writeFileSync(file, "[default]\nregion = eu-west-1\n");
    const locker = losingLocker(1);
    await applyConfigEdits(writeDeps({ locker }), file, [PROFILE_EDIT]);
    expect(locker.taken).toBe(2);
    expect(readFileSync(file, "utf8")).toBe("[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\n");
  });

  it("writes nothing, and says so, when it keeps losing the lock", async () => {
    const file = path.join(dir, "config");
    writeFileSync(file, "[default]\n");
    const error = await applyConfigEdits(writeDeps({ locker: losingLocker(99) }), file, [PROFILE_EDIT]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowError);
    expect((error as Error).message).toContain("nothing was written");
    expect(readFileSync(file, "utf8")).toBe("[default]\n");
  });

  it("keeps a change another tool made while it was deciding, and makes its own on top", async () => {
    const file = path.join(dir, "config");
    writeFileSync(file, "[default]\n");
    let reads = 0;
    // A writer that ignores the lock (an older tool, a text editor) saves between our read and our write.
    const racing: Fs = {
      ...nodeFs,
      async readText(f) {
        if (++reads === 2) writeFileSync(file, "[default]\n# saved in an editor\n");
        return nodeFs.readText(f);
      },
    };
    const { written } = await updateConfigFile(writeDeps({ fs: racing }), file, () => ({ upserts: [PROFILE_EDIT], removals: [] }));
    expect(written).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("[default]\n# saved in an editor\n[profile dev]\nsso_session = corp\n");
  });

  it("locks the file by its real path, next to it, and removes the lock when done", async () => {
    mkdirSync(path.join(dir, "dotfiles"));
    const real = path.join(dir, "dotfiles", "config");
    writeFileSync(real, "");
    symlinkSync(real, path.join(dir, "config"));
    const seen: string[] = [];
    const recording: FileLocker = {
      async tryLock(file) {
        seen.push(file);
        return nodeFileLocker.tryLock(file);
      },
    };
    await applyConfigEdits(writeDeps({ locker: recording }), path.join(dir, "config"), [PROFILE_EDIT]);
    expect(seen).toEqual([real]);
    expect(readdirSync(path.join(dir, "dotfiles"))).toEqual(["config"]);
  });
});
