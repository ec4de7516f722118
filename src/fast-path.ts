/**
 * The fast path (bundled into dist/cli/fast.cjs, which bin.ts loads): a hot command line is first
 * tried with only what a warm run needs: the config, the cached credentials, the child process.
 * When the run needs more (a sign-in, a refresh, a service call, a file to write), it hands over
 * (hand-over.ts) and the full program answers instead, as if the attempt had never been made: the
 * attempt's output is held back until it has its answer, and it changes no file of the user's (it
 * may keep a summary of the config, config/config-summary.ts: a cache, replaced atomically).
 */
import type { Deps } from "./deps.js";
import { commit, handOver, handOverRequested } from "./hand-over.js";
import { createLocalDeps, type LocalDeps } from "./local-deps.js";
import { main } from "./main.js";
import { nodeFsReadingOnMainThread } from "./platform/fs.js";
import { processIo } from "./platform/stdio.js";
import type { IOStreams, TextOutput } from "./ui/io.js";

/** The command line's exit code, or undefined when the full program must answer it. */
export async function runFast(argv: readonly string[]): Promise<number | undefined> {
  const output = new HeldOutput(processIo(process));
  // No Ctrl-C handling of its own (listening costs a twentieth of a start): an attempt only reads, so
  // stopping it anywhere loses nothing, and exec's child gets the signals forwarded by child.ts.
  const interrupts = { handToChild: () => undefined, takeBack: () => undefined };
  // Read on the main thread: an attempt reads a few small files and has nothing to do meanwhile.
  const deps = attemptDeps(createLocalDeps(process, output.io, interrupts, nodeFsReadingOnMainThread), output);
  let code: number | undefined;
  try {
    code = await main(argv, deps);
  } catch (error) {
    // main() reports every error of a command; what escapes it is a hand-over on its way out (a
    // command line that is not a hot path after all), or a bug.
    if (!handOverRequested()) throw error;
  }
  if (handOverRequested() || code === undefined) return undefined;
  output.show();
  return code;
}

/**
 * This machine's files (read only), clock and processes; whatever reaches further (a person, a
 * browser, a service) or changes anything hands over. The child commits the attempt. The config
 * summaries (local-deps.ts) keep their writes: a cache of what the config says, replaced atomically.
 */
function attemptDeps(local: LocalDeps, output: HeldOutput): Deps {
  let signal: AbortSignal | undefined;
  return {
    ...local,
    // Never aborted (nothing cancels an attempt), and made only if asked for: a warm run never asks,
    // and AbortController's first use loads Node's module for it, a hundredth of a start.
    get signal() {
      return (signal ??= new AbortController().signal);
    },
    fs: {
      ...local.fs,
      writeFileAtomic: () => handOver("a file write"),
      mkdirp: () => handOver("a new directory"),
      remove: () => handOver("a file removal"),
    },
    children: {
      run: (command, args, env) => {
        commit();
        // The child writes straight to the terminal: what we said must come first.
        output.show();
        return local.children.run(command, args, env);
      },
    },
    prompter: { text: () => handOver("a prompt"), pick: () => handOver("a prompt") },
    browser: { open: () => handOver("the browser") },
    ssoApis: () => handOver("IAM Identity Center"),
    stsApis: () => handOver("STS"),
    web: { request: () => handOver("the access portal") },
    signin: { getSigninToken: () => handOver("the sign-in service") },
    loopback: { listen: () => handOver("the sign-in listener") },
    jsonEndpoint: { listen: () => handOver("the credential endpoint") },
    locker: { tryLock: () => handOver("a lock") },
  };
}

/** Output held back until the attempt is known to answer; then written in order, and later writes go straight through. */
class HeldOutput {
  readonly io: IOStreams;
  private readonly held: Array<{ to: TextOutput; text: string }> = [];
  private shown = false;

  constructor(real: IOStreams) {
    const hold = (to: TextOutput): TextOutput => ({ write: (text) => (this.shown ? to.write(text) : void this.held.push({ to, text })) });
    // Getters, not copies: whether a stream is a terminal is asked only when a command needs to know.
    this.io = {
      out: hold(real.out),
      err: hold(real.err),
      get stdinIsTTY() {
        return real.stdinIsTTY;
      },
      get stdoutIsTTY() {
        return real.stdoutIsTTY;
      },
      get stderrIsTTY() {
        return real.stderrIsTTY;
      },
    };
  }

  show(): void {
    this.shown = true;
    for (const { to, text } of this.held.splice(0)) to.write(text);
  }
}
