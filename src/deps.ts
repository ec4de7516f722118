/**
 * The injection root: every side effect a command can have arrives through `Deps`, and
 * `createRealDeps` is the one place that wires the real ones. Tests build their own.
 */
import * as os from "node:os";
import * as path from "node:path";
import { systemClock, type Clock } from "./platform/clock.js";
import { describeEnvironment, readHostFacts } from "./platform/environment.js";
import { nodeFs, type Fs } from "./platform/fs.js";
import { nodeFileLocker, type FileLocker } from "./platform/lock.js";
import { nodeLoopback, type Loopback } from "./platform/loopback.js";
import { createSdkApiFactory, endpointOverridesFromEnv, type SsoApiFactory } from "./sso/clients.js";
import { createSystemBrowser, type Browser } from "./ui/browser.js";
import type { IOStreams } from "./ui/io.js";
import { createInquirerPrompter, type Prompter } from "./ui/prompter.js";

export interface Deps {
  io: IOStreams;
  prompter: Prompter;
  browser: Browser;
  clock: Clock;
  fs: Fs;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  ssoApis: SsoApiFactory;
  /** The listener that receives the browser's redirect in the authorization-code flow. */
  loopback: Loopback;
  /** Cross-process locks: one sign-in or refresh per session at a time. */
  locker: FileLocker;
  /** Aborted on Ctrl-C while no prompt owns the terminal (for example while polling for a token). */
  signal: AbortSignal;
}

export function createRealDeps(proc: NodeJS.Process, signal: AbortSignal): Deps {
  const env = { ...proc.env };
  // `sso-setup … | head` closes the pipe early; that is the reader's choice, not a crash.
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  const io: IOStreams = {
    out: { write: (text) => void proc.stdout.write(text) },
    err: { write: (text) => void proc.stderr.write(text) },
    stdinIsTTY: Boolean(proc.stdin.isTTY),
    stdoutIsTTY: Boolean(proc.stdout.isTTY),
    stderrIsTTY: Boolean(proc.stderr.isTTY),
  };
  return {
    io,
    prompter: createInquirerPrompter({ input: proc.stdin, output: proc.stderr, signal }),
    browser: createSystemBrowser({
      browserEnv: env.BROWSER,
      delimiter: path.delimiter,
      isWsl: async () => describeEnvironment(env, await readHostFacts(nodeFs)).wsl,
    }),
    clock: systemClock,
    fs: nodeFs,
    env,
    // The SDKs read HOME first too, so a HOME override moves our caches exactly where theirs go.
    homedir: env.HOME || env.USERPROFILE || os.homedir(),
    ssoApis: createSdkApiFactory(endpointOverridesFromEnv(env)),
    loopback: nodeLoopback,
    locker: nodeFileLocker,
    signal,
  };
}
