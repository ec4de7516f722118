/** The hot paths read the same flags as the commands they stand in for, and hand doubtful lines back. */
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli.js";
import type { Deps } from "../../src/deps.js";
import { HOT_COMMAND_NAMES, mightBeHot } from "../../src/hot-command-names.js";
import { HOT_COMMANDS, hotPath, parseFlags } from "../../src/hot-paths.js";
import { mulberry32 } from "../helpers/random.js";

const silent = { write() {} };
const deps = { io: { out: silent, err: silent, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false } } as unknown as Deps;

describe("hot paths", () => {
  it("know exactly the long flags each command defines, with the same kind of value", async () => {
    const program = await buildProgram(deps);
    expect(Object.keys(HOT_COMMANDS)).toEqual([...HOT_COMMAND_NAMES]);
    for (const [name, hot] of Object.entries(HOT_COMMANDS)) {
      const command = program.commands.find((c) => c.name() === name)!;
      const defined = Object.fromEntries(
        command.options
          .filter((o) => o.long !== "--debug" && o.long !== "--help")
          .map((o) => [o.long!.slice(2), o.required || o.optional ? "string" : "boolean"]),
      );
      expect(hot.flags, name).toEqual(defined);
    }
  });

  it("take plain command lines and leave everything else to commander", () => {
    expect(hotPath(["export-credentials"])).toBeTypeOf("function");
    expect(hotPath(["--debug", "export-credentials", "--profile=dev", "--format", "env"])).toBeTypeOf("function");
    expect(hotPath(["completion", "--list", "sso-sessions", "--config-file", "/x"])).toBeTypeOf("function");
    expect(hotPath(["exec", "--profile", "dev", "--", "terraform", "plan", "--help"])).toBeTypeOf("function");
    expect(hotPath(["exec", "--profile=dev", "--server", "kubectl", "get", "pods", "-A"])).toBeTypeOf("function");
    expect(hotPath(["exec"])).toBeTypeOf("function");
    expect(hotPath(["status"])).toBeTypeOf("function");
    // bin.ts loads the fast path for every one of these, and for no completion without --list.
    for (const line of [
      ["export-credentials"],
      ["--debug", "export-credentials", "--profile=dev", "--format", "env"],
      ["completion", "--list", "sso-sessions", "--config-file", "/x"],
      ["completion", "--list=profiles"],
      ["exec", "--profile", "dev", "--", "terraform", "plan", "--help"],
      ["status"],
      ["--debug", "status", "--profile=dev", "--json", "--config-file", "/x"],
      ["status", "--sso-session", "corp", "--wide"],
    ]) {
      expect(hotPath(line), line.join(" ")).toBeTypeOf("function");
      expect(mightBeHot(line), line.join(" ")).toBe(true);
    }
    for (const line of [["completion", "zsh"], ["completion"], ["list"], ["--config-file", "/x", "status"], ["--version"], []]) expect(mightBeHot(line), line.join(" ")).toBe(false);
    for (const line of [
      [],
      ["list"],
      ["--config-file", "/x", "status"],
      ["export-credentials", "--help"],
      ["export-credentials", "-h"],
      ["export-credentials", "--format", "yaml"],
      ["export-credentials", "--profile"],
      ["export-credentials", "--profile", "--format"],
      ["export-credentials", "extra"],
      ["completion"],
      ["completion", "bash"],
      ["completion", "--list", "accounts"],
      ["completion", "bash", "--list", "profiles"],
      ["exec", "--help"],
      ["exec", "--profile"],
      ["exec", "--unknown", "--", "true"],
      ["status", "--help"],
      ["status", "dev"],
      ["status", "--wide=yes"],
      ["status", "--profile"],
    ]) {
      expect(hotPath(line), line.join(" ")).toBeUndefined();
    }
  });

  it("leave status's conflicting flags to commander, whose action says why they conflict", () => {
    for (const line of [
      ["status", "--profile", "dev", "--sso-session", "corp"],
      ["status", "--sso-session=corp", "--profile=dev", "--json"],
      ["status", "--json", "--wide"],
      ["--debug", "status", "--wide", "--profile", "dev", "--json"],
    ]) {
      expect(mightBeHot(line), line.join(" ")).toBe(true);
      expect(hotPath(line), line.join(" ")).toBeUndefined();
    }
    // An empty name conflicts with nothing, for commander as for the hot path.
    expect(hotPath(["status", "--profile=", "--sso-session", "corp"])).toBeTypeOf("function");
  });
});

describe("the hot paths' flag reader", () => {
  it("reads every command line as Node's parseArgs does in strict mode, and refuses where it throws", () => {
    const flags = { profile: "string", format: "string", server: "boolean" } as const;
    const tokens = ["--profile", "--profile=", "--profile=dev", "--format", "env", "--server", "--server=yes", "--debug", "--nope", "-h", "-", "--", "dev", "-x", "--=", "---", "x=y"];
    const random = mulberry32(7);
    for (let n = 0; n < 4000; n++) {
      const args = Array.from({ length: Math.floor(random() * 6) }, () => tokens[Math.floor(random() * tokens.length)]!);
      let expected: { values: Record<string, unknown>; positionals: string[] } | undefined;
      try {
        const options = { profile: { type: "string" }, format: { type: "string" }, server: { type: "boolean" }, debug: { type: "boolean" } } as const;
        const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
        expected = { values: { ...values }, positionals };
      } catch {
        expected = undefined;
      }
      expect(parseFlags(args, flags), JSON.stringify(args)).toEqual(expected);
    }
  });
});
