/** What starting the CLI loads: the fast paths must stay fast as commands are added. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { roleCredentialsCacheKey } from "../../src/credentials/role-cache.js";
import { DEV_CONFIG, makeSandbox, ROOT, runCli, type Sandbox } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";

/** Our own sources among the loaded modules, relative to the repository (`src/commands/status.ts`). */
const ours = (loaded: string[]) => loaded.filter((m) => m.startsWith(`${ROOT}/src/`)).map((m) => m.slice(ROOT.length + 1));
const commandModules = (loaded: string[]) => ours(loaded).filter((m) => /^src\/commands\/[^/]+\.ts$/.test(m));

/** A sandbox with the dev profile signed in against a fresh emulator, cleaned up after `body`. */
async function withSignedInDev(body: (emu: Emulator, box: Sandbox) => Promise<void>): Promise<void> {
  const emu = await startEmulator();
  const box = makeSandbox(emu.url);
  try {
    mkdirSync(path.dirname(box.configFile), { recursive: true });
    writeFileSync(box.configFile, DEV_CONFIG);
    const login = await runCli(["login", "--profile", "dev"], { env: box.env() });
    expect(login.code, login.stderr).toBe(0);
    await body(emu, box);
  } finally {
    await emu.close();
    box.cleanup();
  }
}

describe("start-up", () => {
  it("answers --version and --help without loading commander or any command", async () => {
    const box = makeSandbox();
    try {
      for (const flag of ["--version", "--help"]) {
        const r = await runTracingModules([flag], box.env());
        expect(r.code).toBe(0);
        const modules = r.loaded;
        expect(ours(modules)).toContain("src/bin.ts");
        expect(modules.join("\n")).not.toContain("node_modules/commander/");
        expect(commandModules(modules)).toEqual([]);
      }
    } finally {
      box.cleanup();
    }
  });

  it("loads only the invoked command's module, and no SDK or prompt library for a local command", async () => {
    const box = makeSandbox();
    try {
      // The root's --config-file makes this status line one for commander, not the hot path.
      const r = await runTracingModules(["--config-file", box.configFile, "status"], box.env());
      expect(r.code).toBe(0);
      const modules = r.loaded;
      expect(commandModules(modules)).toEqual(["src/commands/status.ts"]);
      expect(modules.join("\n")).not.toMatch(/node_modules\/(@aws-sdk|@smithy|@inquirer|open)\//);
    } finally {
      box.cleanup();
    }
  });
});

describe("hot paths", () => {
  it("export-credentials with cached credentials and completion --list load neither commander, any command, nor the SDK", async () => {
    const box = makeSandbox();
    try {
      mkdirSync(path.dirname(box.configFile), { recursive: true });
      writeFileSync(
        box.configFile,
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n",
      );
      const cacheDir = path.join(box.home, ".aws", "cli", "cache");
      mkdirSync(cacheDir, { recursive: true });
      const key = roleCredentialsCacheKey({ accountId: "111111111111", roleName: "ReadOnly", sessionName: "corp", startUrl: "" });
      const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
      writeFileSync(
        path.join(cacheDir, `${key}.json`),
        JSON.stringify({ ProviderType: "sso", Credentials: { AccessKeyId: "ASIAEXAMPLEEXAMPLE", SecretAccessKey: "c2VjcmV0", SessionToken: "dG9rZW4=", Expiration: expiration } }),
      );
      for (const args of [["export-credentials", "--profile", "dev"], ["completion", "--list", "profiles"]]) {
        const r = await runTracingModules(args, box.env());
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(args[0] === "completion" ? /^dev\n$/ : /"AccessKeyId": "ASIAEXAMPLEEXAMPLE"/);
        const modules = r.loaded;
        expect(ours(modules)).toContain("src/hot-paths.ts");
        expect(commandModules(modules)).toEqual([]);
        expect(modules.join("\n")).not.toMatch(/node_modules\/(commander|@aws-sdk|@smithy|@inquirer|open|proper-lockfile)\//);
      }
    } finally {
      box.cleanup();
    }
  });

  it("leaves help, unknown flags and refused values to the full program", async () => {
    const box = makeSandbox();
    try {
      for (const args of [
        ["export-credentials", "--help"],
        ["export-credentials", "--format", "yaml"],
        ["export-credentials", "--nope"],
        ["completion", "bash", "--list", "profiles"],
        ["status", "--profile", "dev", "--sso-session", "corp"],
        ["status", "--json", "--wide"],
      ]) {
        const r = await runTracingModules(args, box.env());
        expect(r.loaded.join("\n"), args.join(" ")).toContain("/node_modules/commander/");
        expect(r.code, args.join(" ")).toBe(args[1] === "--help" ? 0 : 252);
      }
      // The commander action says which flags conflict, once.
      const both = await runTracingModules(["status", "--json", "--wide"], box.env());
      expect(both.stderr.match(/sso-setup: error: Use either --json or --wide, not both\./g)).toHaveLength(1);
    } finally {
      box.cleanup();
    }
  });

  it("exec with cached credentials loads no commander, SDK, prompt library or command module", () =>
    withSignedInDev(async (_emu, box) => {
      // The first exec fetches and caches the role credentials; the second is the everyday one.
      expect((await runCli(["exec", "--profile", "dev", "--", "true"], { env: box.env() })).code).toBe(0);
      const r = await runTracingModules(["exec", "--profile", "dev", "--", "true"], box.env());
      expect(r.code, r.stderr).toBe(0);
      expect(commandModules(r.loaded)).toEqual([]);
      expect(ours(r.loaded)).toContain("src/exec/run.ts");
      expect(r.loaded.join("\n")).not.toMatch(/\/node_modules\/(@aws-sdk|@smithy|@inquirer|open|commander)\//);
    }));
});

describe("the fast path (dist/cli/fast.cjs)", () => {
  // Output is written to the descriptors directly (platform/stdio.ts); where that meets a full
  // non-blocking pipe (EAGAIN), it goes on through the stream, which must drain before the exit.
  it("lets every line through a full non-blocking pipe before it exits", () => {
    const box = makeSandbox();
    try {
      mkdirSync(path.dirname(box.configFile), { recursive: true });
      const names = Array.from({ length: 15_000 }, (_, i) => `profile-number-${i}`);
      writeFileSync(box.configFile, names.map((n) => `[profile ${n}]\nregion = us-east-1\n`).join(""));
      const reader = `
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
time.sleep(1)  # the pipe fills, and sso-setup's next write meets EAGAIN
data = b""
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
print(child.wait(), len(data.splitlines()), data.splitlines()[-1].decode())
`;
      const r = spawnSync("python3", ["-c", reader, process.execPath, path.join(ROOT, "bin/sso-setup.cjs"), "completion", "--list", "profiles"], {
        env: box.env(),
        encoding: "utf8",
      });
      expect(r.stdout.trim(), r.stderr).toBe("0 15000 profile-number-14999");
    } finally {
      box.cleanup();
    }
  });

  it("is a CommonJS module, and as a script its own module function, with Node's built-ins required as they are", () => {
    const file = path.join(ROOT, "dist/cli/fast.cjs");
    const source = readFileSync(file, "utf8");
    // Node 20's code cache compiles the file as it is (platform/code-cache.ts): its value is the function.
    const moduleFunction = new Script(source, { filename: file }).runInThisContext() as (...args: unknown[]) => void;
    expect(moduleFunction).toBeTypeOf("function");
    const module = { exports: {} as Record<string, unknown> };
    moduleFunction.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
    expect(module.exports.runFast).toBeTypeOf("function");
    // Node 22+ and Windows require() it.
    expect((createRequire(import.meta.url)(file) as Record<string, unknown>).runFast).toBeTypeOf("function");
    // Where a global `module` exists too (node -e, the REPL), the script's value is still the function.
    const underEval = spawnSync(process.execPath, ["-e", `console.log(typeof new (require("node:vm").Script)(require("node:fs").readFileSync(${JSON.stringify(file)}, "utf8")).runInThisContext())`], {
      encoding: "utf8",
    });
    expect(underEval.stdout.trim(), underEval.stderr).toBe("function");
    // A namespace import's getter copy of node:fs, node:path… at every start (scripts/bundle.mjs).
    for (const bundle of [source, readFileSync(path.join(ROOT, "dist/cli/bin.cjs"), "utf8")]) expect(bundle).not.toMatch(/__toESM\(require\("node:/);
  });

  it("runs a warm exec without starting libuv's thread pool: the files are read on the main thread", () =>
    withSignedInDev(async (_emu, box) => {
      expect((await runCli(["exec", "--profile", "dev", "--", "true"], { env: box.env() })).code).toBe(0);
      // The command counts the threads of its parent, sso-setup, while it runs; the same for a bare
      // node that spawns it. The thread pool would add its four.
      const countParentThreads = ["sh", "-c", "ls /proc/$PPID/task | wc -l"];
      const exec = await runCli(["exec", "--profile", "dev", "--", ...countParentThreads], { env: box.env() });
      expect(exec.code, exec.stderr).toBe(0);
      const bare = spawnSync(process.execPath, ["-e", `require("node:child_process").spawn(${JSON.stringify(countParentThreads[0])}, ${JSON.stringify(countParentThreads.slice(1))}, { stdio: "inherit" })`], {
        env: box.env(),
        encoding: "utf8",
      });
      expect(Number(exec.stdout.trim())).toBe(Number(bare.stdout.trim()));
      // The full program reads on the pool: the same count there would mean the test sees nothing.
      const full = await runCli(["exec", "--profile", "dev", "--server", "--", ...countParentThreads], { env: box.env() });
      expect(full.code, full.stderr).toBe(0);
      expect(Number(full.stdout.trim())).toBeGreaterThan(Number(bare.stdout.trim()));
    }));

  it("answers warm hot command lines alone: the full program is never loaded", () =>
    withSignedInDev(async (_emu, box) => {
      expect((await runCli(["export-credentials", "--profile", "dev"], { env: box.env() })).code).toBe(0);
      for (const args of [["export-credentials", "--profile", "dev"], ["exec", "--profile", "dev", "--", "true"], ["completion", "--list", "profiles"], ["status"], ["status", "--json"], ["status", "--profile", "dev"]]) {
        const r = await runTracingModules(args, box.env());
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe("");
        expect(ours(r.loaded), args.join(" ")).toContain("src/fast-path.ts");
        expect(ours(r.loaded), args.join(" ")).not.toContain("src/program.ts");
      }
    }));

  // Sixteen traced runs, half of them of the full program: more than the default time on a busy machine.
  it("answers a warm status alone, as the full program's commander command does", { timeout: 90_000 }, () =>
    withSignedInDev(async (_emu, box) => {
      // A legacy sign-in that nobody signed in to, and a profile that is no SSO profile, beside dev.
      writeFileSync(
        box.configFile,
        `${DEV_CONFIG}[profile old]\nsso_start_url = https://d-2222222222.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 222222222222\nsso_role_name = Admin\n[profile keys]\nregion = us-east-1\n`,
      );
      // Its warning is held with the rest of the attempt's output, and said once.
      chmodSync(box.configFile, 0o664);
      // Relative expiry times (and so the columns' widths) move on between the two runs.
      const untimed = (text: string) =>
        text
          .replace(/"expiresInSeconds": -?\d+/g, '"expiresInSeconds": N')
          .replace(/\b(in )?(\d+h )?\d+[ms]( ago)?\b/g, "T")
          .replace(/ +/g, " ");
      for (const args of [[], ["--json"], ["--wide"], ["--profile", "dev"], ["--profile", "old"], ["--profile", "keys"], ["--profile", "nope"], ["--sso-session", "corp"]]) {
        const line = ["status", ...args].join(" ");
        const fast = await runTracingModules(["status", ...args], box.env());
        expect(ours(fast.loaded), line).toContain("src/fast-path.ts");
        expect(ours(fast.loaded), line).not.toContain("src/program.ts");
        expect(commandModules(fast.loaded), line).toEqual([]);
        expect(fast.loaded.join("\n"), line).not.toMatch(/\/node_modules\/(commander|@aws-sdk|@smithy|@inquirer|open|proper-lockfile)\//);
        // The root's --config-file is commander's to read: the same command line, by the full program.
        const full = await runTracingModules(["--config-file", box.configFile, "status", ...args], box.env());
        expect(ours(full.loaded), line).toEqual(expect.arrayContaining(["src/program.ts", "src/commands/status.ts"]));
        expect({ code: fast.code, stdout: untimed(fast.stdout), stderr: fast.stderr }, line).toEqual({ code: full.code, stdout: untimed(full.stdout), stderr: full.stderr });
        expect(fast.code, line).toBe(/old|keys|nope/.test(line) ? 253 : 0);
        expect(fast.stderr.match(/warning: .* can be written by its group/g), line).toHaveLength(1);
        expect(fast.code === 0 ? fast.stdout : fast.stderr, line).toMatch(fast.code === 0 ? /corp/ : /sso-setup: error: /);
      }
    }));

  it("hands a run that needs the service over to the full program, which answers as if alone", () =>
    withSignedInDev(async (emu, box) => {
      // A config its group may write draws a warning; the attempt reads it before it hands over, and
      // the warning must still be said once.
      chmodSync(box.configFile, 0o664);
      const cache = path.join(box.home, ".aws", "cli", "cache");
      rmSync(cache, { recursive: true, force: true });
      const before = emu.requests.length;
      const r = await runTracingModules(["export-credentials", "--profile", "dev", "--format", "env"], box.env());
      expect(r.code, r.stderr).toBe(0);
      expect(ours(r.loaded)).toEqual(expect.arrayContaining(["src/fast-path.ts", "src/program.ts"]));
      expect(r.stdout.match(/^export AWS_ACCESS_KEY_ID=ASIA/gm)).toHaveLength(1);
      expect(r.stderr.match(/warning: .* can be written by its group/g)).toHaveLength(1);
      expect(emu.requests.slice(before).map((entry) => entry.operation)).toEqual(["GetRoleCredentials"]);
      expect(readdirSync(cache)).toHaveLength(1);
    }));

  it("hands over a hot command's failure as well, which the full program reports once", async () => {
    const box = makeSandbox();
    try {
      mkdirSync(path.dirname(box.configFile), { recursive: true });
      writeFileSync(box.configFile, DEV_CONFIG);
      // No token: without a terminal the answer is 253 and the login command, said once.
      const r = await runCli(["export-credentials", "--profile", "dev"], { env: box.env() });
      expect(r.code).toBe(253);
      expect(r.stdout).toBe("");
      expect(r.stderr.match(/sso-setup: error:/g)).toHaveLength(1);
      expect(r.stderr).toContain("sso-setup login --profile dev");
    } finally {
      box.cleanup();
    }
  });
});
