/** What starting the CLI loads: the fast paths must stay fast as commands are added. */
import { describe, expect, it } from "vitest";
import { modulesInChunks } from "../helpers/bundle-meta.js";
import { makeSandbox } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";

const commandModules = (modules: string[]) => modules.filter((m) => /^src\/commands\/[^/]+\.ts$/.test(m));

describe("start-up", () => {
  it("answers --version and --help without loading commander or any command", async () => {
    const box = makeSandbox();
    try {
      for (const flag of ["--version", "--help"]) {
        const r = await runTracingModules([flag], box.env());
        expect(r.code).toBe(0);
        const modules = modulesInChunks(r.loaded);
        expect(modules).toContain("src/bin.ts");
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
      const r = await runTracingModules(["status"], box.env());
      expect(r.code).toBe(0);
      const modules = modulesInChunks(r.loaded);
      expect(commandModules(modules)).toEqual(["src/commands/status.ts"]);
      expect(modules.join("\n")).not.toMatch(/node_modules\/(@aws-sdk|@smithy|@inquirer|open)\//);
    } finally {
      box.cleanup();
    }
  });
});
