/**
 * The fast path's code cache (src/platform/code-cache.ts): on Node 20 the compiled fast path is kept
 * in a directory of the temporary directory that only the user may write, made once and then read;
 * a damaged file is replaced, a directory others may write is left alone, and
 * NODE_DISABLE_COMPILE_CACHE turns it off. Node 22 and later use Node's own cache instead.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileMode, makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";

const OWN_CACHE = Number(process.versions.node.split(".")[0]) < 22;
const CONFIG = "[profile dev]\nregion = us-east-1\n\n[profile prod]\nregion = eu-west-1\n";

let sb: Sandbox;
let temp: string;
let cacheDir: string;

beforeEach(() => {
  sb = makeSandbox();
  mkdirSync(path.dirname(sb.configFile), { recursive: true });
  writeFileSync(sb.configFile, CONFIG);
  temp = mkdtempSync(path.join(tmpdir(), "sso-setup-code-cache-"));
  cacheDir = path.join(temp, `sso-setup-compile-cache-${process.getuid?.() ?? "user"}`);
});

afterEach(() => {
  sb.cleanup();
  rmSync(temp, { recursive: true, force: true });
});

/** A hot command line (completion --list answers from the fast path), with TMPDIR of its own. */
async function complete(extra: Record<string, string | undefined> = {}): Promise<void> {
  const result = await runCli(["completion", "--list", "profiles"], { env: sb.env({ TMPDIR: temp, ...extra }) });
  expect(result.stderr).toBe("");
  expect(result.stdout).toBe("dev\nprod\n");
  expect(result.code).toBe(0);
}

function cacheFiles(): string[] {
  return existsSync(cacheDir) ? readdirSync(cacheDir) : [];
}

/**
 * On Node 22 and later, Node's own cache serves (bin.ts turns it on) and sso-setup makes none: each
 * test checks that much there, and its Node 20 behaviour here.
 */
async function nodeHasItsOwn(): Promise<boolean> {
  if (OWN_CACHE) return false;
  await complete();
  await complete();
  expect(existsSync(cacheDir)).toBe(false);
  return true;
}

describe("the fast path's code cache", () => {
  it("is made once, for this bundle, Node version and architecture, only for the user, and read after that", async () => {
    if (await nodeHasItsOwn()) return;
    await complete();
    const files = cacheFiles();
    expect(files).toEqual([expect.stringMatching(new RegExp(`^fast-[0-9a-f]{16}-${process.version}-${process.arch}\\.v8cache$`))]);
    expect(fileMode(cacheDir)).toBe(0o700);
    const file = path.join(cacheDir, files[0]!);
    expect(fileMode(file)).toBe(0o600);
    const made = statSync(file);
    expect(made.size).toBeGreaterThan(10_000);
    await complete();
    await complete();
    // V8 took it: nothing was written again.
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
    expect(cacheFiles()).toEqual(files);
  });

  it("replaces a damaged cache file, and answers the same", async () => {
    if (await nodeHasItsOwn()) return;
    await complete();
    const file = path.join(cacheDir, cacheFiles()[0]!);
    const garbage = Buffer.alloc(statSync(file).size, 0x41);
    writeFileSync(file, garbage);
    await complete();
    expect(readFileSync(file).equals(garbage)).toBe(false);
    const replaced = statSync(file);
    await complete();
    expect(statSync(file).mtimeMs).toBe(replaced.mtimeMs);
  });

  it("leaves a directory that others may write alone, and a file others may write unread", async () => {
    if (await nodeHasItsOwn()) return;
    mkdirSync(cacheDir, { mode: 0o700 });
    chmodSync(cacheDir, 0o777);
    await complete();
    expect(cacheFiles()).toEqual([]);

    chmodSync(cacheDir, 0o700);
    await complete();
    const file = path.join(cacheDir, cacheFiles()[0]!);
    chmodSync(file, 0o666);
    const before = statSync(file);
    await complete();
    // Not read, so made again: a fresh file of the user's own in its place.
    const after = statSync(file);
    expect(after.ino).not.toBe(before.ino);
    expect(fileMode(file)).toBe(0o600);
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE", async () => {
    if (await nodeHasItsOwn()) return;
    await complete({ NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(existsSync(cacheDir)).toBe(false);
  });
});
