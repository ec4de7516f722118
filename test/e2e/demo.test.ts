/**
 * `npm run demo` is the newcomer's first command: it must work end to end. Without a terminal it runs
 * the non-interactive form of the same job; the SDK's own fromIni then proves the written profile.
 * It leaves no folder behind (unless --keep, which says where), and NO_COLOR turns its colour off.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

// The demo's TMPDIR: a folder of this test's own, so that anything the demo leaves behind shows.
let temp: string;
beforeEach(() => {
  temp = mkdtempSync(path.join(tmpdir(), "sso-setup-demo-test-"));
});
afterEach(() => rmSync(temp, { recursive: true, force: true }));

async function demo(args: string[], extra: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", TMPDIR: temp, ...extra };
  const child = spawn(process.execPath, [path.join(ROOT, "dist/emulator/demo.js"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout, stderr };
}

describe("npm run demo", () => {
  it("configures a profile against the built-in emulator, the AWS SDK resolves it, and its folder is removed", async () => {
    const r = await demo([], { NO_COLOR: "1", FORCE_COLOR: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("No terminal: running the non-interactive form");
    expect(r.stdout).toContain("[profile demo]\nsso_session = demo\nsso_account_id = 333333333333\nsso_role_name = PowerUserAccess\n");
    expect(r.stdout).toMatch(/^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_PowerUserAccess_[0-9a-f]+\/developer@example\.com$/m);
    // NO_COLOR wins over FORCE_COLOR: not one escape sequence.
    expect(r.stderr).not.toContain("\x1b[");
    expect(r.stderr).toMatch(/\[demo\] Removed the demo's files \(.*sso-setup-demo-\w+\); run with --keep to look at them afterwards\.\n$/);
    // Node 22+ keeps its compile cache there on purpose (sso-setup switches it on): that one is Node's.
    expect(readdirSync(temp).filter((entry) => entry !== "node-compile-cache")).toEqual([]);
  });

  it("--keep keeps the folder and says where", async () => {
    const r = await demo(["--keep"], { FORCE_COLOR: "1" });
    expect(r.code, r.stderr).toBe(0);
    const kept = /Kept the demo's files \(--keep\): (\S+)\n$/.exec(r.stderr)?.[1];
    expect(kept).toBeDefined();
    expect(path.dirname(kept!)).toBe(temp);
    expect(existsSync(path.join(kept!, ".aws", "config"))).toBe(true);
    expect(r.stderr).toContain("\x1b[36m[demo]\x1b[0m");
  });
});
