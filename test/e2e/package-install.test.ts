/**
 * The package as users get it: `npm pack` on a fresh clone (no dist/) builds through `prepack`, the
 * tarball installs into a prefix of its own (dependencies from the npm cache or registry), and the
 * installed `sso-setup` and `npx` from the tarball work. An installation without its build says so
 * and exits 1.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { ISSUES_URL, VERSION } from "../../src/version.js";
import { CONFIGURE_DEV, makeSandbox, ROOT, runCli, type Sandbox } from "../helpers/cli.js";

const run = promisify(execFile);
const SOURCES = ["bin", "src", "scripts", "emulator", "bench", "tsconfig.json", "package.json", "package-lock.json", "README.md", "LICENSE"];
// npm itself needs the real HOME (its cache and settings); sso-setup runs in a sandbox.
const npmEnv = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

let work: string;
let tarball: string;
let packedFiles: string[];
let installed: string;
let packageDir: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "sso-setup-pack-"));
  // A fresh clone: the sources without dist/; node_modules linked rather than installed again.
  const clone = path.join(work, "clone");
  mkdirSync(clone);
  for (const entry of SOURCES) cpSync(path.join(ROOT, entry), path.join(clone, entry), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");

  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: clone, env: npmEnv, maxBuffer: 1 << 24 });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, info!.filename);
  packedFiles = info!.files.map((f) => f.path);

  const prefix = path.join(work, "prefix");
  await run("npm", ["install", "--global", "--prefix", prefix, "--prefer-offline", tarball], { cwd: work, env: npmEnv, maxBuffer: 1 << 24 });
  installed = path.join(prefix, "bin", "sso-setup");
  packageDir = path.join(prefix, "lib", "node_modules", "sso-setup");
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("the packed package", () => {
  it("is built by prepack: the tarball holds dist/ and the generated help, not the tests", () => {
    expect(packedFiles).toEqual(expect.arrayContaining(["bin/sso-setup.cjs", "dist/cli/bin.cjs", "dist/cli/fast.cjs", "dist/cli/program.js", "dist/cli/root-help.cjs", "README.md", "LICENSE"]));
    expect(packedFiles.filter((f) => !/^(bin|dist\/cli)\/|^(README\.md|LICENSE|package\.json)$/.test(f))).toEqual([]);
  });

  it("names its repository, homepage and where bugs are reported, and the unexpected-error message says the same", () => {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.repository).toEqual({ type: "git", url: "git+https://github.com/sso-setup/sso-setup.git" });
    expect(manifest.homepage).toBe("https://github.com/sso-setup/sso-setup#readme");
    expect(manifest.bugs).toEqual({ url: ISSUES_URL });
    expect(manifest.version).toBe(VERSION);
    expect(readFileSync(path.join(packageDir, "bin", "sso-setup.cjs"), "utf8")).toContain(ISSUES_URL);
    const bundle = readdirSync(path.join(packageDir, "dist", "cli")).filter((f) => /\.c?js$/.test(f)).map((f) => readFileSync(path.join(packageDir, "dist", "cli", f), "utf8"));
    expect(bundle.join("\n")).toContain(ISSUES_URL);
    expect(bundle.join("\n")).toContain("please report it at");
  });
});

describe("the installed sso-setup", () => {
  let emu: Emulator;
  let box: Sandbox;
  beforeAll(async () => {
    emu = await startEmulator();
    box = makeSandbox(emu.url);
  });
  afterAll(async () => {
    box.cleanup();
    await emu.close();
  });

  it("answers --version and --help", async () => {
    const version = await runCli(["--version"], { env: box.env(), bin: installed, cwd: work });
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    const help = await runCli(["--help"], { env: box.env(), bin: installed, cwd: work });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sso-setup \[options\] \[command\]/);
    expect(help.stdout).toContain("export-credentials");
  });

  it("configures a profile against the emulator and exports its credentials", async () => {
    const configure = await runCli(CONFIGURE_DEV, { env: box.env(), bin: installed, cwd: work });
    expect(configure.code, configure.stderr).toBe(0);
    expect(box.readConfig()).toContain("[profile dev]\nsso_session = corp\n");
    const exported = await runCli(["export-credentials", "--profile", "dev", "--format", "env"], { env: box.env(), bin: installed, cwd: work });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^export AWS_ACCESS_KEY_ID=ASIA/m);
  });

  it("runs through npx from the tarball", async () => {
    const { stdout } = await run("npx", ["--yes", "--package", tarball, "--", "sso-setup", "--version"], { cwd: work, env: npmEnv });
    expect(stdout).toBe(`${VERSION}\n`);
  }, 120_000);

  it("exits 1 saying the installation is incomplete when only the fast path's bundle is missing", async () => {
    rmSync(path.join(packageDir, "dist", "cli", "fast.cjs"));
    const result = await runCli(["export-credentials", "--profile", "dev"], { env: box.env(), bin: installed, cwd: work });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    // Node 20 loads it through the code cache (the full path), Node 22+ through require() (as written).
    expect(result.stderr).toMatch(
      /^sso-setup: error: this installation is incomplete \(Cannot find module '(\S*\/dist\/cli\/|\.\/)fast\.cjs'\)\. In a clone, run `npm run build`; otherwise reinstall sso-setup\.\n$/,
    );
  });

  it("exits 1 with a clear message, not a stack trace, when its build is missing", async () => {
    rmSync(path.join(packageDir, "dist"), { recursive: true });
    expect(existsSync(path.join(packageDir, "dist"))).toBe(false);
    const result = await runCli(["--version"], { env: box.env(), bin: installed, cwd: work });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `sso-setup: error: this installation is incomplete: ${path.join(packageDir, "dist", "cli", "bin.cjs")} is missing. ` +
        "In a clone, run `npm run build`; otherwise reinstall sso-setup.\n",
    );
  });
});
