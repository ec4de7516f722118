/**
 * `npm run demo` is the newcomer's first command: it must work end to end. Without a terminal it runs
 * the non-interactive form of the same job; the SDK's own fromIni then proves the written profile.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

describe("npm run demo", () => {
  it("configures a profile against the built-in emulator and the AWS SDK resolves it", async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
    const child = spawn(process.execPath, [path.join(ROOT, "dist/emulator/demo.js")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));

    expect(code, stderr).toBe(0);
    expect(stderr).toContain("No terminal: running the non-interactive form");
    expect(stdout).toContain("[profile demo]\nsso_session = demo\nsso_account_id = 333333333333\nsso_role_name = PowerUserAccess\n");
    expect(stdout).toMatch(/^arn:aws:sts::333333333333:assumed-role\/AWSReservedSSO_PowerUserAccess_[0-9a-f]+\/developer@example\.com$/m);
  });
});
