/**
 * The dependencies that reach no further than this machine's files, clock and processes: all a warm
 * run of a hot path needs (fast-path.ts wires these, with a never-aborted signal and hand-overs for the
 * rest), and the base of every real Deps (deps.ts).
 */
import * as os from "node:os";
import * as path from "node:path";
import { ConfigSummaryCache, summaryCacheDir } from "./config/config-summary.js";
import { resolveAwsPaths } from "./config/paths.js";
import { createForegroundRunner, type ForegroundRunner, type InterruptOwnership } from "./platform/child.js";
import { systemClock, type Clock } from "./platform/clock.js";
import { nodeFs, type Fs } from "./platform/fs.js";
import { withFsHook, withPermissionWarnings, type FsChange } from "./platform/fs-hooks.js";
import type { CommandScope } from "./sso/network.js";
import { createDebugLog, debugFromEnv, type DebugLog } from "./ui/debug.js";
import type { IOStreams } from "./ui/io.js";

export interface LocalDeps {
  io: IOStreams;
  clock: Clock;
  fs: Fs;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Runs exec's command in the foreground. */
  children: ForegroundRunner;
  /** `--debug`: switched on by cli.ts once the command line is parsed (or from the start by SSO_SETUP_DEBUG). */
  debug: DebugLog;
  /** The running command's --profile and --config-file, recorded by cli.ts before its action (for ca_bundle). */
  scope: CommandScope;
  /** Every file written or removed so far, so that a cancellation can say truthfully what it kept. */
  changes?: readonly FsChange[];
  /**
   * The config's names and sign-ins, kept between runs for the whole-file readers (completion,
   * status). It writes its own cache, even on the fast path: that changes nothing a person sees.
   */
  configSummaries: ConfigSummaryCache;
}

/**
 * `io` is the process's streams (platform/stdio.ts), or the fast path's held version of them; `files`
 * is nodeFs, or for the fast path the same files read on the main thread.
 */
export function createLocalDeps(proc: NodeJS.Process, io: IOStreams, interrupts: InterruptOwnership, files: Fs = nodeFs): LocalDeps {
  const env = { ...proc.env };
  // The SDKs read HOME first too, so a HOME override moves our caches exactly where theirs go.
  const homedir = env.HOME || env.USERPROFILE || os.homedir();
  const debug = createDebugLog(io.err, debugFromEnv(env));
  const scope: CommandScope = {};
  const awsDir = path.join(homedir, ".aws");
  const changes: FsChange[] = [];
  const hooked = withFsHook(files, {
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
  return {
    io,
    clock: systemClock,
    fs,
    env,
    homedir,
    children: createForegroundRunner(proc, interrupts, files.readText),
    debug,
    scope,
    changes,
    configSummaries: new ConfigSummaryCache(fs, systemClock, summaryCacheDir(env, homedir), debug, proc.getuid?.()),
  };
}
