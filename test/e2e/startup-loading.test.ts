/** What starting the CLI loads: the fast paths must stay fast as commands are added. */
import { describe, expect, it } from "vitest";
import { makeSandbox } from "../helpers/cli.js";
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
});
