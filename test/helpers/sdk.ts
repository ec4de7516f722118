/** The JS SDK as an independent consumer: test/helpers/sdk-resolve.mjs in a fresh Node process. */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "./cli.js";

const SDK_RESOLVE = path.join(ROOT, "test/helpers/sdk-resolve.mjs");

export interface SdkResult {
  ok: boolean;
  credentials?: { accessKeyId: string; expiration?: string; source: Record<string, string> };
  identity?: { Account: string; Arn: string; UserId: string };
  error?: { name: string; message: string };
}

/** Resolves `profile` with fromIni or fromSSO against the sandbox's files and the emulator (the SDK keeps state per process). */
export function sdkResolve(
  sandbox: { configFile: string; home: string },
  emulatorUrl: string,
  profile: string,
  which: "ini" | "sso",
  /** The shared credentials file the SDK reads; by default one that does not exist. */
  credentialsFile?: string,
): Promise<SdkResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SDK_RESOLVE, sandbox.configFile, sandbox.home, emulatorUrl, profile, which, ...(credentialsFile ? [credentialsFile] : [])],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, cwd: ROOT, timeout: 15_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(last) as SdkResult);
        } catch {
          reject(new Error(`sdk-resolve printed no JSON (${error?.message ?? "exit 0"}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
