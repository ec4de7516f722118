/** What starting the CLI loads: the fast paths must stay fast as commands are added. */
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { startEmulator } from "../../emulator/server.js";
import { DEV_CONFIG, makeSandbox, runCli } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";

const ours = (loaded: string[]) =>
  loaded.filter((url) => url.includes("/dist/src/")).map((url) => url.replace(/^.*\/dist\/src\//, ""));

describe("start-up", () => {
  it("answers --version and --help without loading commander or any command", async () => {
    const box = makeSandbox();
    try {
      for (const flag of ["--version", "--help"]) {
        const r = await runTracingModules([flag], box.env());
        expect(r.code).toBe(0);
        expect(r.loaded.join("\n")).not.toContain("/node_modules/commander/");
        expect(ours(r.loaded).filter((m) => m.startsWith("commands/"))).toEqual([]);
      }
    } finally {
      box.cleanup();
    }
  });

  it("loads only the invoked command's module, and no SDK or prompt library for a local command", async () => {
    const box = makeSandbox();
    try {
      const r = await runTracingModules(["status"], box.env());
      expect(r.code).toBe(0);
      const commands = ours(r.loaded).filter((m) => /^commands\/[^/]+\.js$/.test(m));
      expect(commands).toEqual(["commands/status.js"]);
      expect(r.loaded.join("\n")).not.toMatch(/\/node_modules\/(@aws-sdk|@smithy|@inquirer|open)\//);
    } finally {
      box.cleanup();
    }
  });

  it("exec with cached credentials loads no SDK, no prompt library and no other command", async () => {
    const emu = await startEmulator();
    const box = makeSandbox(emu.url);
    try {
      mkdirSync(path.dirname(box.configFile), { recursive: true });
      writeFileSync(box.configFile, DEV_CONFIG);
      const login = await runCli(["login", "--profile", "dev"], { env: box.env() });
      expect(login.code, login.stderr).toBe(0);
      // The first exec fetches and caches the role credentials; the second is the everyday one.
      expect((await runCli(["exec", "--profile", "dev", "--", "true"], { env: box.env() })).code).toBe(0);
      const r = await runTracingModules(["exec", "--profile", "dev", "--", "true"], box.env());
      expect(r.code, r.stderr).toBe(0);
      expect(ours(r.loaded).filter((m) => /^commands\/[^/]+\.js$/.test(m))).toEqual(["commands/exec.js"]);
      expect(r.loaded.join("\n")).not.toMatch(/\/node_modules\/(@aws-sdk|@smithy|@inquirer|open|commander\/.*\/completion)\//);
      expect(r.loaded.join("\n")).toContain("/node_modules/cross-spawn/");
    } finally {
      await emu.close();
      box.cleanup();
    }
  });
});
