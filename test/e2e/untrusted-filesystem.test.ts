/**
 * The built CLI against a filesystem and a clock it cannot trust (issue 12 §6, §7): locks from the
 * future and stale lock directories with leftovers, odd umasks, symlinks planted in the caches,
 * directories others may write, dangling and read-only config files, filesystem errors (EACCES,
 * EISDIR, ENOTDIR, EROFS, ENOSPC, EFBIG), FIFOs and devices where files belong, and oversized configs.
 *
 * EROFS and ENOSPC come from the real kernel: the CLI runs in a private mount namespace
 * (`unshare -Urm`, a user namespace, so no root is needed where they are enabled) with a read-only
 * bind mount or a small tmpfs over ~/.aws. Where user namespaces are not available those two print
 * that they did not run; EFBIG (a real write failing mid-file, through `ulimit -f`) runs everywhere.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { tokenCacheKey } from "../../src/sso/token.js";
import { DEV_CONFIG, fileMode, makeSandbox, runCli, START_URL, type CliResult, type Sandbox } from "../helpers/cli.js";

let emu: Emulator;
let box: Sandbox;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  box = makeSandbox(emu.url);
});

afterEach(() => {
  box.cleanup();
});

const awsDir = () => path.join(box.home, ".aws");
const tokenFile = () => path.join(box.ssoCacheDir, `${tokenCacheKey({ sessionName: "corp", startUrl: START_URL })}.json`);
const SSO_SESSION = ["configure", "sso-session", "--non-interactive", "--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1"];

function writeConfig(text: string): void {
  mkdirSync(awsDir(), { recursive: true, mode: 0o700 });
  writeFileSync(box.configFile, text, { mode: 0o600 });
}

/** The CLI run by `sh -c`, after `setup` (a umask, a ulimit, a mount), inside `command` if given. */
function runCliAfter(setup: string, args: string[], options: { env?: Record<string, string>; command?: string[] } = {}): Promise<CliResult> {
  return runCli(args, { env: options.env ?? box.env(), via: [...(options.command ?? []), "sh", "-c", `${setup}\nexec "$@"`, "sh"] });
}

/** One line, naming the file, no stack trace and no "this is a bug". */
function expectOneLineError(r: CliResult, file: string, reason: RegExp): void {
  const message = r.stderr.trim();
  expect(message.split("\n"), r.stderr).toHaveLength(1);
  expect(message).toContain(file);
  expect(message).toMatch(reason);
  expect(message).not.toMatch(/unexpected error|This is a bug|\n\s+at /);
}

/** Our temp files and lock directories, which no failure may leave behind. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".tmp") || name.endsWith(".lock"));
}

const userNamespaces = spawnSync("unshare", ["-Urm", "true"]).status === 0;
/** Runs `body` where user namespaces exist; says so visibly where they do not. */
async function withNamespaces(what: string, body: () => Promise<void>): Promise<void> {
  if (!userNamespaces) {
    console.warn(`NOT RUN: ${what} needs \`unshare -Urm\` (user namespaces), which this machine does not allow.`);
    return;
  }
  await body();
}

describe("locks and clocks (§6)", () => {
  it("a session lock touched in the future (clock stepped back) does not block export-credentials or login", async () => {
    writeConfig(DEV_CONFIG);
    const lockDir = `${tokenFile()}.lock`;
    mkdirSync(path.join(lockDir, "left-behind"), { recursive: true });
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(lockDir, future, future);

    const started = Date.now();
    const r = await runCli(["export-credentials", "--profile", "dev"], { env: box.env(), timeoutMs: 15_000 });
    // Before: waited forever (killed by the timeout). Now: the lock is stale, and the answer is the real one.
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(253);
    expect(r.stderr).toMatch(/sso-setup login/);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(existsSync(lockDir)).toBe(false);

    mkdirSync(path.join(lockDir, "left-behind"), { recursive: true });
    utimesSync(lockDir, future, future);
    const login = await runCli(["login", "--sso-session", "corp"], { env: box.env(), timeoutMs: 15_000 });
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(readFileSync(tokenFile(), "utf8"))).toHaveProperty("accessToken");
    expect(existsSync(lockDir)).toBe(false);
  });

  it("a stale config lock directory with leftovers inside is cleaned up, not ENOTEMPTY", async () => {
    writeConfig("[default]\nregion = eu-west-1\n");
    const lockDir = `${box.configFile}.lock`;
    mkdirSync(path.join(lockDir, "sub"), { recursive: true });
    writeFileSync(path.join(lockDir, "stray"), "left by something");
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockDir, old, old);

    const r = await runCli(SSO_SESSION, { env: box.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(box.readConfig()).toContain("[sso-session corp]");
    expect(leftovers(awsDir())).toEqual([]);
  });

  it("lock directories are 0700, cache files 0600 and new directories 0700 under umask 000 and 0277", async () => {
    // Slow calls keep the session's lock held long enough to look at it.
    const slow = await startEmulator();
    slow.fail({ operation: "*", mode: "delay", delayMs: 150, count: 1_000 });
    writeConfig(DEV_CONFIG);
    const lockDir = `${tokenFile()}.lock`;
    const lockModes = new Set<number>();
    const watch = setInterval(() => {
      try {
        lockModes.add(statSync(lockDir).mode & 0o777);
      } catch {
        // not held right now
      }
    }, 5);
    const login = await runCliAfter("umask 000", ["login", "--sso-session", "corp"], { env: box.env({ AWS_ENDPOINT_URL_SSO_OIDC: slow.url, AWS_ENDPOINT_URL_SSO: slow.url }) }).finally(() => {
      clearInterval(watch);
      return slow.close();
    });
    expect(login.code, login.stderr).toBe(0);
    expect([...lockModes]).toEqual([0o700]);
    for (const dir of [path.join(awsDir(), "sso"), box.ssoCacheDir]) expect(fileMode(dir)).toBe(0o700);
    expect(fileMode(tokenFile())).toBe(0o600);

    // umask 0277 would give directories we could not even write into.
    const fresh = makeSandbox(emu.url);
    try {
      const r = await runCliAfter("umask 0277", SSO_SESSION, { env: fresh.env() });
      expect(r.code, r.stderr).toBe(0);
      expect(fileMode(path.join(fresh.home, ".aws"))).toBe(0o700);
      expect(fileMode(fresh.configFile)).toBe(0o600);
    } finally {
      fresh.cleanup();
    }
  });
});

describe("the filesystem (§7)", () => {
  it("never writes a token through a symlink planted in ~/.aws/sso/cache, and never reads one through it", async () => {
    writeConfig(DEV_CONFIG);
    mkdirSync(box.ssoCacheDir, { recursive: true, mode: 0o700 });
    const victim = path.join(box.dir, "victim");
    // A fresh-looking token of someone else's: read through the link, it would be used.
    const planted = JSON.stringify({ startUrl: START_URL, region: "us-east-1", accessToken: "planted", expiresAt: "2099-01-01T00:00:00Z" });
    writeFileSync(victim, planted);
    symlinkSync(victim, tokenFile());

    const status = await runCli(["export-credentials", "--profile", "dev"], { env: box.env() });
    expect(status.code, status.stderr).toBe(253);

    const login = await runCli(["login", "--sso-session", "corp"], { env: box.env() });
    expect(login.code, login.stderr).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe(planted);
    expect(lstatSync(tokenFile()).isFile()).toBe(true);
    expect(fileMode(tokenFile())).toBe(0o600);
    expect(JSON.parse(readFileSync(tokenFile(), "utf8")).accessToken).not.toBe("planted");
  });

  it("never writes credentials through a symlink planted in ~/.aws/cli/cache", async () => {
    writeConfig(DEV_CONFIG);
    expect((await runCli(["login", "--sso-session", "corp"], { env: box.env() })).code).toBe(0);
    expect((await runCli(["export-credentials", "--profile", "dev"], { env: box.env() })).code).toBe(0);
    const cliCache = path.join(awsDir(), "cli", "cache");
    const [entry] = readdirSync(cliCache);
    const cached = path.join(cliCache, entry!);
    const victim = path.join(box.dir, "victim");
    writeFileSync(victim, "not yours");
    rmSync(cached);
    symlinkSync(victim, cached);

    const r = await runCli(["export-credentials", "--profile", "dev"], { env: box.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("not yours");
    expect(lstatSync(cached).isFile()).toBe(true);
    expect(fileMode(cached)).toBe(0o600);
    expect(fileMode(path.join(awsDir(), "cli"))).toBe(0o700);
  });

  it("warns once for each of ~/.aws, a cache directory and the config that group or others may write", async () => {
    writeConfig(DEV_CONFIG);
    mkdirSync(box.ssoCacheDir, { recursive: true });
    chmodSync(awsDir(), 0o777);
    chmodSync(path.join(awsDir(), "sso"), 0o700);
    chmodSync(box.ssoCacheDir, 0o775);
    chmodSync(box.configFile, 0o666);
    const r = await runCli(["login", "--sso-session", "corp"], { env: box.env() });
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split("\n").filter((line) => line.startsWith("sso-setup: warning:"));
    expect(warnings).toHaveLength(3);
    for (const [file, who] of [
      [box.configFile, "group and others (mode 0666)"],
      [awsDir(), "group and others (mode 0777)"],
      [box.ssoCacheDir, "its group (mode 0775)"],
    ] as const) {
      expect(warnings.filter((w) => w.includes(`warning: ${file} can be written by ${who}`))).toHaveLength(1);
    }
    expect(r.stderr).toContain(`chmod go-w '${awsDir()}'`);

    // Private again: not a word.
    for (const dir of [awsDir(), box.ssoCacheDir]) chmodSync(dir, 0o700);
    chmodSync(box.configFile, 0o600);
    const quiet = await runCli(["login", "--sso-session", "corp"], { env: box.env() });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain("warning:");
  });

  it("writes through a dangling config symlink to its target, keeping the link", async () => {
    const dotfiles = path.join(box.home, "dotfiles");
    mkdirSync(dotfiles, { recursive: true });
    mkdirSync(awsDir(), { mode: 0o700 });
    symlinkSync("../dotfiles/aws-config", box.configFile);
    const r = await runCli(SSO_SESSION, { env: box.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(box.configFile).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dotfiles, "aws-config"), "utf8")).toContain("[sso-session corp]");
    expect(fileMode(path.join(dotfiles, "aws-config"))).toBe(0o600);
    expect(leftovers(awsDir())).toEqual([]);
  });

  it("refuses to change a read-only (0444) config with 253, as the AWS CLI does", async () => {
    writeConfig("[default]\nregion = eu-west-1\n");
    chmodSync(box.configFile, 0o444);
    const r = await runCli(SSO_SESSION, { env: box.env() });
    expect(r.code).toBe(253);
    expectOneLineError(r, box.configFile, /read-only \(mode 0444\)/);
    expect(box.readConfig()).toBe("[default]\nregion = eu-west-1\n");
    expect(fileMode(box.configFile)).toBe(0o444);
    expect(leftovers(awsDir())).toEqual([]);
  });

  it("reports EISDIR and ENOTDIR in one line with the path, exit 253", async () => {
    mkdirSync(box.configFile, { recursive: true });
    const status = await runCli(["status"], { env: box.env() });
    expect(status.code).toBe(253);
    expectOneLineError(status, box.configFile, /it is a directory/);

    const underFile = path.join(box.dir, "plain-file", "config");
    writeFileSync(path.join(box.dir, "plain-file"), "");
    const configure = await runCli(SSO_SESSION, { env: box.env({ AWS_CONFIG_FILE: underFile }) });
    expect(configure.code).toBe(253);
    expectOneLineError(configure, underFile, /not a directory \(ENOTDIR\)/);

    // A file where the token cache directory belongs.
    const cfg = path.join(box.dir, "cfg");
    writeFileSync(cfg, DEV_CONFIG);
    rmSync(box.configFile, { recursive: true });
    mkdirSync(path.join(awsDir(), "sso"), { recursive: true });
    writeFileSync(box.ssoCacheDir, "");
    const login = await runCli(["login", "--sso-session", "corp"], { env: box.env({ AWS_CONFIG_FILE: cfg }) });
    expect(login.code).toBe(253);
    expectOneLineError(login, box.ssoCacheDir, /Cannot create the directory .*: a file is in the way \(EEXIST\)/);
  });

  it("reports EACCES in one line with the path, exit 253, and writes nothing", async () => {
    writeConfig("[default]\nregion = eu-west-1\n");
    // Root may write anything: run as nobody, in directories nobody may only read.
    const asRoot = process.getuid?.() === 0;
    for (const dir of [box.dir, box.home]) chmodSync(dir, 0o755);
    chmodSync(awsDir(), 0o555);
    chmodSync(box.configFile, 0o644);
    const r = await runCliAfter("", SSO_SESSION, asRoot ? { command: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] } : {});
    chmodSync(awsDir(), 0o700);
    expect(r.code, r.stderr).toBe(253);
    expectOneLineError(r, box.configFile, /permission denied \(EACCES\)/);
    expect(box.readConfig()).toBe("[default]\nregion = eu-west-1\n");
    expect(leftovers(awsDir())).toEqual([]);
  });

  it("reports a read-only file system (EROFS) in one line, exit 253", async () => {
    await withNamespaces("the EROFS test", async () => {
      writeConfig("[default]\nregion = eu-west-1\n");
      const r = await runCliAfter(`mount --bind "$HOME/.aws" "$HOME/.aws" && mount -o remount,bind,ro "$HOME/.aws" || exit 99`, SSO_SESSION, {
        command: ["unshare", "-Urm"],
      });
      expect(r.code, r.stderr).toBe(253);
      expectOneLineError(r, box.configFile, /read-only \(EROFS\)/);
      expect(box.readConfig()).toBe("[default]\nregion = eu-west-1\n");
    });
  });

  it("reports a full disk (ENOSPC) mid-write in one line, exit 255, and leaves the config whole", async () => {
    await withNamespaces("the ENOSPC test", async () => {
      // A config too big for what is left of a 64 kB tmpfs once the filler takes its share.
      const config = `[default]\nregion = eu-west-1\n${"# padding padding padding padding padding padding\n".repeat(500)}`;
      const setup = [
        `mount -t tmpfs -o size=64k,mode=0700 tmpfs "$HOME/.aws" || exit 99`,
        `printf '%s' "$CONFIG_TEXT" > "$HOME/.aws/config"`,
        `head -c 16384 /dev/zero > "$HOME/.aws/filler" 2>/dev/null`,
        `"$@"; code=$?`,
        `printf '%s' "$CONFIG_TEXT" | cmp -s "$HOME/.aws/config" - || exit 98`,
        `ls -a "$HOME/.aws" >&2; exit $code`,
      ].join("\n");
      mkdirSync(awsDir(), { recursive: true });
      const r = await runCliAfter(setup, SSO_SESSION, {
        command: ["unshare", "-Urm"],
        env: box.env({ CONFIG_TEXT: config }),
      });
      expect(r.code, r.stderr).toBe(255);
      const [message, listing] = [r.stderr.split("\n")[1] ?? "", r.stderr];
      expect(message).toContain(box.configFile);
      expect(message).toMatch(/no space left on the device \(ENOSPC\)\. Nothing was changed/);
      expect(listing).not.toMatch(/\.tmp|\.lock|unexpected error|\n\s+at /);
    });
  });

  it("reports a write that fails mid-file (EFBIG, the file size limit) in one line, exit 255, nothing half-written", async () => {
    const before = `[default]\nregion = eu-west-1\n${"# a long comment line to grow the file past one block\n".repeat(20)}`;
    writeConfig(before);
    // An ignored SIGXFSZ survives exec: the write then fails with EFBIG instead of killing the process.
    // Without Node's compile cache (22+): a cache entry this run would be the first to write, at exit,
    // gets Node killed by SIGXFSZ all the same, so the outcome would hang on what ran before.
    const r = await runCliAfter("trap '' XFSZ; ulimit -f 1", SSO_SESSION, { env: box.env({ NODE_DISABLE_COMPILE_CACHE: "1" }) });
    expect(r.code, r.stderr).toBe(255);
    expectOneLineError(r, box.configFile, /file size limit \(EFBIG\)\. Nothing was changed/);
    expect(box.readConfig()).toBe(before);
    expect(leftovers(awsDir())).toEqual([]);
  });

  it("reads only regular files: a FIFO or a device as the config never hangs status or completion", async () => {
    mkdirSync(awsDir(), { recursive: true });
    const fifo = spawnSync("mkfifo", [box.configFile]);
    expect(fifo.status).toBe(0);
    const status = await runCli(["status"], { env: box.env(), timeoutMs: 10_000 });
    expect(status.signal).toBeNull();
    expect(status.code).toBe(253);
    expectOneLineError(status, box.configFile, /it is a FIFO \(named pipe\), not a regular file/);
    const completion = await runCli(["completion", "--list", "profiles"], { env: box.env(), timeoutMs: 10_000 });
    expect(completion.signal).toBeNull();
    expect(completion).toMatchObject({ code: 0, stdout: "" });

    const device = await runCli(["status"], { env: box.env({ AWS_CONFIG_FILE: "/dev/zero" }), timeoutMs: 10_000 });
    expect(device.code).toBe(253);
    expectOneLineError(device, "/dev/zero", /character device/);

    // A FIFO in the token cache is no token: the answer is "sign in", not a hang.
    writeFileSync(box.configFile.replace(/config$/, "cfg"), DEV_CONFIG);
    mkdirSync(box.ssoCacheDir, { recursive: true });
    expect(spawnSync("mkfifo", [tokenFile()]).status).toBe(0);
    const exported = await runCli(["export-credentials", "--profile", "dev"], {
      env: box.env({ AWS_CONFIG_FILE: box.configFile.replace(/config$/, "cfg") }),
      timeoutMs: 10_000,
    });
    expect(exported.signal).toBeNull();
    expect(exported.code, exported.stderr).toBe(253);
  });

  it("refuses a config over 16 MB quickly, with a message that says so", async () => {
    mkdirSync(awsDir(), { recursive: true });
    const line = "# this is not really a config file, it is a very large file of comment lines\n";
    writeFileSync(box.configFile, `[default]\nregion = eu-west-1\n${line.repeat(Math.ceil((17 * 1024 * 1024) / line.length))}`);
    const started = Date.now();
    const r = await runCli(["status"], { env: box.env(), timeoutMs: 15_000 });
    expect(r.code).toBe(253);
    expectOneLineError(r, box.configFile, /larger than 16 MB \(17 MB\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const completion = await runCli(["completion", "--list", "profiles"], { env: box.env() });
    expect(completion).toMatchObject({ code: 0, stdout: "" });
  });
});
