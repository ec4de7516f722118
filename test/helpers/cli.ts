/**
 * Runs the built CLI as a child process in a sandbox: a fresh HOME and config file, a scrubbed
 * environment, and the endpoint overrides that point the real SDK clients at the emulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CLI = path.join(ROOT, "bin/sso-setup.cjs");
export const PERSON = path.join(ROOT, "dist/emulator/person.js");

/** The keys of a token cache file, in the order botocore writes them. */
export const TOKEN_FILE_KEYS = [
  "startUrl",
  "region",
  "accessToken",
  "expiresAt",
  "clientId",
  "clientSecret",
  "registrationExpiresAt",
  "refreshToken",
];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  dir: string;
  home: string;
  configFile: string;
  ssoCacheDir: string;
  /** The environment a user of sso-setup would have, pointing at the emulator. */
  env(extra?: Record<string, string | undefined>): Record<string, string>;
  readConfig(): string | null;
  cacheFiles(): Record<string, Record<string, unknown>>;
  cleanup(): void;
}

export function makeSandbox(emulatorUrl?: string): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-test-"));
  const home = path.join(dir, "home");
  const configFile = path.join(home, ".aws", "config");
  const ssoCacheDir = path.join(home, ".aws", "sso", "cache");
  return {
    dir,
    home,
    configFile,
    ssoCacheDir,
    env(extra = {}) {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        AWS_CONFIG_FILE: configFile,
        BROWSER: PERSON,
        PERSON_DELAY_MS: "50",
      };
      if (emulatorUrl) {
        env.AWS_ENDPOINT_URL_SSO_OIDC = emulatorUrl;
        env.AWS_ENDPOINT_URL_SSO = emulatorUrl;
        // The portal page (its declared region) is the emulator's too, never the real host.
        env.SSO_SETUP_WEB_ENDPOINT_URL = emulatorUrl;
      }
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      return env;
    },
    readConfig() {
      return existsSync(configFile) ? readFileSync(configFile, "utf8") : null;
    },
    cacheFiles() {
      const out: Record<string, Record<string, unknown>> = {};
      if (!existsSync(ssoCacheDir)) return out;
      for (const name of readdirSync(ssoCacheDir)) {
        out[name] = JSON.parse(readFileSync(path.join(ssoCacheDir, name), "utf8")) as Record<string, unknown>;
      }
      return out;
    },
    cleanup() {
      // The stand-in browser (BROWSER) is a detached process that may still write its log into the
      // sandbox just after the CLI under test exited, and rmSync fails with ENOTEMPTY when an entry
      // appears while it works (seen under Node 24 after pkce-login's denial). Its maxRetries did not
      // cure that under Node 20 in a trial, so remove everything again, after a pause, instead.
      for (let attempt = 1; ; attempt++) {
        try {
          rmSync(dir, { recursive: true, force: true });
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOTEMPTY" || attempt === 20) throw error;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
      }
    },
  };
}

/** A BROWSER command that only records that it was called (and fails), so a sign-in that must not happen shows. */
export function recordingBrowser(sb: Sandbox): { command: string; marker: string } {
  const marker = path.join(sb.dir, "browser-was-opened");
  const command = path.join(sb.dir, "record-browser.sh");
  writeFileSync(command, `#!/bin/sh\necho "$@" >> '${marker}'\necho "unexpected browser launch: $*" >&2\nexit 1\n`);
  chmodSync(command, 0o755);
  return { command, marker };
}

export function fileMode(file: string): number {
  return statSync(file).mode & 0o777;
}

export function runCli(
  args: string[],
  options: {
    env: Record<string, string>;
    input?: string;
    timeoutMs?: number;
    cwd?: string;
    /** An installed `sso-setup` to run instead of this checkout's bin/sso-setup.cjs. */
    bin?: string;
    /** Gets the child as soon as it runs, to send it a signal mid-run. */
    onSpawn?: (child: ChildProcess) => void;
    /** A command that runs node in turn (`sh -c '…; exec "$@"' sh`, `unshare -Urm`, `setpriv …`). */
    via?: string[];
    /**
     * In a session of its own, without a controlling terminal: a signal sent to it then cannot have
     * come from a terminal too, even when the tests run in one.
     */
    detached?: boolean;
  },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = options.bin ? [options.bin] : [...(options.via ?? []), process.execPath, CLI];
    const child = spawn(command!, [...prefix, ...args], {
      env: options.env,
      cwd: options.cwd ?? ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      detached: options.detached ?? false,
    });
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      // A detached run leads a process group of its own: end all of it, or a command that outlived
      // sso-setup keeps the pipes open, "close" never comes, and the test hangs instead of failing.
      if (options.detached && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group is gone already: its "close" is on its way.
        }
      } else {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** The start URL the emulator's fixtures use. */
export const START_URL = "https://d-1234567890.awsapps.com/start";

/** `configure` with every answer given: profile dev, sso-session corp, account 111111111111, ReadOnlyAccess. */
export const CONFIGURE_DEV = [
  "configure",
  "--profile",
  "dev",
  "--sso-session",
  "corp",
  "--start-url",
  START_URL,
  "--sso-region",
  "us-east-1",
  "--account-id",
  "111111111111",
  "--role-name",
  "ReadOnlyAccess",
  "--non-interactive",
];

/** A config with profile dev on sso-session corp, as CONFIGURE_DEV would leave it. */
export const DEV_CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;
