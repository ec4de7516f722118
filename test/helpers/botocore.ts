/**
 * botocore and the `aws` command (CLI v1) as a second, independent consumer of ~/.aws/config and the
 * SSO token cache. Finds a Python on PATH that can import botocore with configured-endpoint support
 * (botocore ≥ 1.31, needed for AWS_ENDPOINT_URL_*), and runs it with a sandboxed HOME.
 */
import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface BotocorePython {
  /** The real interpreter (sys.executable), not a pyenv shim: shims depend on HOME, which tests replace. */
  executable: string;
  botocoreVersion: string;
  /** argv prefix that runs the `aws` command with this interpreter. */
  aws: string[];
}

export interface ProcResult {
  code: number;
  stdout: string;
  stderr: string;
}

const MIN_BOTOCORE: [number, number] = [1, 31];

function versionAtLeast(version: string, [major, minor]: [number, number]): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  return a > major || (a === major && b >= minor);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let found: BotocorePython | undefined;

export function findBotocorePython(): BotocorePython {
  if (found) return found;
  const tried: string[] = [];
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    for (const name of ["python3", "python"]) {
      const candidate = path.join(dir, name);
      if (!isExecutable(candidate)) continue;
      let out: string;
      try {
        out = execFileSync(candidate, ["-c", "import sys, botocore; print(sys.executable); print(botocore.__version__)"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
          timeout: 15_000,
        });
      } catch {
        tried.push(`${candidate} (no botocore)`);
        continue;
      }
      const [executable = "", version = ""] = out.trim().split("\n");
      if (!versionAtLeast(version, MIN_BOTOCORE)) {
        tried.push(`${candidate} (botocore ${version} < ${MIN_BOTOCORE.join(".")})`);
        continue;
      }
      found = { executable, botocoreVersion: version, aws: awsCommand(executable) };
      return found;
    }
  }
  throw new Error(`No python with botocore ≥ ${MIN_BOTOCORE.join(".")} on PATH; tried: ${tried.join(", ") || "nothing"}`);
}

/** The `aws` script installed next to the interpreter, run by that interpreter; else `python -m awscli`. */
function awsCommand(executable: string): string[] {
  const script = path.join(path.dirname(executable), "aws");
  const shebang = existsSync(script) ? (readFileSync(script, "utf8").split("\n", 1)[0] ?? "") : "";
  return /^#!.*python/.test(shebang) ? [executable, script] : [executable, "-m", "awscli"];
}

/** The environment botocore sees: a sandboxed HOME (set before import) and the emulator endpoints. */
export function botocoreEnv(options: { home: string; configFile: string; emulatorUrl: string }): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.home,
    AWS_CONFIG_FILE: options.configFile,
    AWS_SHARED_CREDENTIALS_FILE: `${options.configFile}.no-credentials`,
    AWS_ENDPOINT_URL_SSO: options.emulatorUrl,
    AWS_ENDPOINT_URL_SSO_OIDC: options.emulatorUrl,
    AWS_ENDPOINT_URL_STS: options.emulatorUrl,
    // Fail fast instead of asking the instance metadata service when the SSO provider does not apply.
    AWS_EC2_METADATA_DISABLED: "true",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
  };
}

export function run(argv: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<ProcResult> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(command!, args, { env, timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(new Error(`${argv.join(" ")} failed to run: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** `Session(profile=...).get_credentials().get_frozen_credentials()`; prints the access key ID. */
export function botocoreAccessKey(profile: string, env: Record<string, string>): Promise<ProcResult> {
  const py = findBotocorePython();
  const code =
    "import sys, botocore.session as s\n" +
    `c = s.Session(profile=sys.argv[1]).get_credentials()\n` +
    "if c is None: sys.exit('botocore found no credentials')\n" +
    "print(c.get_frozen_credentials().access_key)\n";
  return run([py.executable, "-c", code, profile], env);
}

export function awsCli(args: string[], env: Record<string, string>): Promise<ProcResult> {
  return run([...findBotocorePython().aws, ...args], env);
}

/**
 * As `botocoreAccessKey`, with the SSO provider given the AWS CLI v2's role-credential cache
 * (~/.aws/cli/cache), the way awscli/customizations/sso/__init__.py wires it on every session: the
 * AWS CLI v2's own reading and writing of that cache, without needing v2 installed.
 */
export function botocoreAccessKeyWithCliCache(profile: string, env: Record<string, string>): Promise<ProcResult> {
  const py = findBotocorePython();
  const code =
    "import os, sys, botocore.session as s\n" +
    "from botocore.credentials import JSONFileCache\n" +
    "session = s.Session(profile=sys.argv[1])\n" +
    "provider = session.get_component('credential_provider').get_provider('sso')\n" +
    "provider.cache = JSONFileCache(os.path.expanduser(os.path.join('~', '.aws', 'cli', 'cache')))\n" +
    "c = session.get_credentials()\n" +
    "if c is None: sys.exit('botocore found no credentials')\n" +
    "print(c.get_frozen_credentials().access_key)\n";
  return run([py.executable, "-c", code, profile], env);
}
