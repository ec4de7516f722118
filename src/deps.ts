/**
 * The injection root: every side effect a command can have arrives through `Deps`, and
 * `createRealDeps` is the one place that wires the real ones. Tests build their own.
 */
import * as path from "node:path";
import type { SigninApi } from "./console/federation.js";
import { createLocalDeps, type LocalDeps } from "./local-deps.js";
import type { InterruptOwnership } from "./platform/child.js";
import { describeEnvironment, readHostFacts } from "./platform/environment.js";
import { nodeFs } from "./platform/fs.js";
import { nodeFileLocker, type FileLocker } from "./platform/lock.js";
import { nodeJsonEndpoint, nodeLoopback, type JsonEndpoint, type Loopback } from "./platform/loopback.js";
import {
  createSdkApiFactory,
  createStsApiFactory,
  httpTimeoutsFromEnv,
  type SsoApiFactory,
  type StsApiFactory,
} from "./sso/clients.js";
import type { NetworkSettings } from "./sso/network.js";
import type { WebClient } from "./sso/web.js";
import { createSystemBrowser, type Browser } from "./ui/browser.js";
import type { IOStreams } from "./ui/io.js";
import { createInquirerPrompter, type Prompter } from "./ui/prompter.js";

/** The local dependencies (local-deps.ts), and the ones that reach people, browsers and services. */
export interface Deps extends LocalDeps {
  /** Aborted on Ctrl-C while no prompt owns the terminal (for example while polling for a token). */
  signal: AbortSignal;
  prompter: Prompter;
  browser: Browser;
  ssoApis: SsoApiFactory;
  /** STS, for the AssumeRole calls of role-chained profiles. */
  stsApis: StsApiFactory;
  /** Plain HTTP requests to an access portal's web address (vanity start URLs, the portal page's region). */
  web: WebClient;
  /** The listener that receives the browser's redirect in the authorization-code flow. */
  loopback: Loopback;
  /** The container credential endpoint of `exec --server`. */
  jsonEndpoint: JsonEndpoint;
  /** Cross-process locks: one sign-in or refresh per session at a time. */
  locker: FileLocker;
  /** The AWS sign-in service's federation endpoint (console sign-in); not an SDK client. */
  signin: SigninApi;
}

/** Everything real; `io` is the process's streams (platform/stdio.ts). */
export function createRealDeps(proc: NodeJS.Process, io: IOStreams, signal: AbortSignal, interrupts: InterruptOwnership): Deps {
  const local = createLocalDeps(proc, io, interrupts);
  const { env, homedir, fs, debug, scope } = local;
  // Loaded with the SDK, when a command first needs the network: it reads the config for ca_bundle.
  let network: Promise<NetworkSettings> | undefined;
  const clientOptions = {
    timeouts: httpTimeoutsFromEnv(env),
    network: () => (network ??= import("./sso/network.js").then((m) => m.resolveNetworkSettings({ env, homedir, fs }, scope))),
    debug,
  };
  let web: Promise<WebClient> | undefined;
  return {
    ...local,
    signal,
    prompter: createInquirerPrompter({ input: () => proc.stdin, output: () => proc.stderr, signal }),
    browser: createSystemBrowser({
      browserEnv: env.BROWSER,
      delimiter: path.delimiter,
      isWsl: async () => describeEnvironment(env, await readHostFacts(nodeFs)).wsl,
    }),
    // Endpoints come with the network settings: the environment's and the config file's.
    ssoApis: createSdkApiFactory({}, clientOptions),
    stsApis: createStsApiFactory({}, clientOptions),
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
    locker: nodeFileLocker,
  };
}
