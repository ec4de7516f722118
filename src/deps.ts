/**
 * The injection root: every side effect a command can have arrives through `Deps`, and
 * `createRealDeps` is the one place that wires the real ones. Tests build their own.
 */
import * as os from "node:os";
import * as path from "node:path";
import { createForegroundRunner, type ForegroundRunner, type InterruptOwnership } from "./platform/child.js";
import type { SigninApi } from "./console/federation.js";
import { systemClock, type Clock } from "./platform/clock.js";
import { describeEnvironment, readHostFacts } from "./platform/environment.js";
import { nodeFs, type Fs } from "./platform/fs.js";
import { resolveAwsPaths } from "./config/paths.js";
import { withFsHook, withPermissionWarnings, type FsChange } from "./platform/fs-hooks.js";
import { nodeFileLocker, type FileLocker } from "./platform/lock.js";
import { nodeJsonEndpoint, nodeLoopback, type JsonEndpoint, type Loopback } from "./platform/loopback.js";
import {
  createSdkApiFactory,
  createStsApiFactory,
  endpointOverridesFromEnv,
  httpTimeoutsFromEnv,
  type SsoApiFactory,
  type StsApiFactory,
} from "./sso/clients.js";
import type { NetworkSettings } from "./sso/network.js";
import type { CommandScope } from "./sso/network.js";
import type { WebClient } from "./sso/web.js";
import { createSystemBrowser, type Browser } from "./ui/browser.js";
import { createDebugLog, debugFromEnv, type DebugLog } from "./ui/debug.js";
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
  /** STS, for the AssumeRole calls of role-chained profiles. */
  stsApis: StsApiFactory;
  /** Plain HTTP requests to an access portal's web address (vanity start URLs, the portal page's region). */
  web: WebClient;
  /** The listener that receives the browser's redirect in the authorization-code flow. */
  loopback: Loopback;
  /** The container credential endpoint of `exec --server`. */
  jsonEndpoint: JsonEndpoint;
  /** Runs exec's command in the foreground. */
  children: ForegroundRunner;
  /** Cross-process locks: one sign-in or refresh per session at a time. */
  locker: FileLocker;
  /** Aborted on Ctrl-C while no prompt owns the terminal (for example while polling for a token). */
  signal: AbortSignal;
  /** `--debug`: switched on by cli.ts once the command line is parsed (or from the start by SSO_SETUP_DEBUG). */
  debug: DebugLog;
  /** The running command's --profile and --config-file, recorded by cli.ts before its action (for ca_bundle). */
  scope: CommandScope;
  /** The AWS sign-in service's federation endpoint (console sign-in); not an SDK client. */
  signin: SigninApi;
  /** Every file written or removed so far, so that a cancellation can say truthfully what it kept. */
  changes?: readonly FsChange[];
}

export function createRealDeps(proc: NodeJS.Process, signal: AbortSignal, interrupts: InterruptOwnership): Deps {
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
  // The SDKs read HOME first too, so a HOME override moves our caches exactly where theirs go.
  const homedir = env.HOME || env.USERPROFILE || os.homedir();
  const debug = createDebugLog(io.err, debugFromEnv(env));
  const scope: CommandScope = {};
  const awsDir = path.join(homedir, ".aws");
  const changes: FsChange[] = [];
  const hooked = withFsHook(nodeFs, {
    active: true,
    changed: (change) => {
      changes.push(change);
      debug.log(
        "file",
        change.kind === "wrote"
          ? `wrote ${change.file} (${change.bytes} bytes, mode ${change.mode === undefined ? "?" : change.mode.toString(8).padStart(4, "0")})`
          : `removed ${change.file}`,
      );
    },
  });
  const fs = withPermissionWarnings(hooked, {
    home: homedir,
    watched: (file) =>
      file.startsWith(`${awsDir}${path.sep}`) ||
      file === awsDir ||
      file === resolveAwsPaths({ env, homedir, configFileFlag: scope.configFile }).configFile,
    warn: (text) => io.err.write(text),
  });
  // Loaded with the SDK, when a command first needs the network: it reads the config for ca_bundle.
  let network: Promise<NetworkSettings> | undefined;
  const clientOptions = {
    timeouts: httpTimeoutsFromEnv(env),
    network: () => (network ??= import("./sso/network.js").then((m) => m.resolveNetworkSettings({ env, homedir, fs }, scope))),
    debug,
  };
  const endpoints = endpointOverridesFromEnv(env);
  let web: Promise<WebClient> | undefined;
  return {
    io,
    prompter: createInquirerPrompter({ input: proc.stdin, output: proc.stderr, signal }),
    browser: createSystemBrowser({
      browserEnv: env.BROWSER,
      delimiter: path.delimiter,
      isWsl: async () => describeEnvironment(env, await readHostFacts(nodeFs)).wsl,
    }),
    clock: systemClock,
    fs,
    env,
    homedir,
    ssoApis: createSdkApiFactory(endpoints, clientOptions),
    stsApis: createStsApiFactory(endpoints, clientOptions),
    web: {
      request: async (url, request) => {
        web ??= import("./sso/web.js").then((m) => m.createWebClient({ env, network: clientOptions.network }));
        return (await web).request(url, request);
      },
    },
    signin: {
      // Loaded by `console` alone; the same network settings as the SDK clients.
      async getSigninToken(endpoint, input) {
        const { createSigninApi } = await import("./console/federation.js");
        return createSigninApi(clientOptions).getSigninToken(endpoint, input);
      },
    },
    loopback: nodeLoopback,
    jsonEndpoint: nodeJsonEndpoint,
    children: createForegroundRunner(proc, interrupts, nodeFs.readText),
    locker: nodeFileLocker,
    signal,
    debug,
    scope,
    changes,
  };
}
