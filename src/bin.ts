/** The process entry: wire the real dependencies, run, set the exit code. Nothing else. */
import * as nodeModule from "node:module";
import { VERSION } from "./version.js";

// Node 22.1+ keeps the compiled bundle on disk between runs (in its own cache under the temporary
// directory; NODE_DISABLE_COMPILE_CACHE turns it off): credential_process and Tab completion start
// sso-setup hundreds of times a day. Node 20 has no such cache and skips this.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : undefined;

/**
 * `--version` and `--help` are answered before the command tree is loaded: they are what shell
 * start-up scripts and people run most, and loading commander and every command would triple the
 * cost of a bare node start. The help text is generated from the real program at build time
 * (scripts/generate-root-help.mjs); without it, the normal path answers.
 */
async function answeredEarly(): Promise<boolean> {
  if (only === "--version" || only === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return true;
  }
  if (only === "--help" || only === "-h") {
    try {
      const { ROOT_HELP } = (await import(new URL("./root-help.js", import.meta.url).href)) as { ROOT_HELP: string };
      process.stdout.write(ROOT_HELP);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

// The SDK's Node-version notice is for us, the maintainers, not for the person at the terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

if (await answeredEarly()) {
  process.exitCode = 0;
} else {
  await run();
}

async function run(): Promise<void> {
  const [{ createRealDeps }, { CancelledError }, { main }] = await Promise.all([
    import("./deps.js"),
    import("./errors.js"),
    import("./main.js"),
  ]);
  // Ctrl-C outside a prompt (a prompt handles its own) cancels the running flow; nothing
  // half-written. The listener must stay registered: libraries that use signal-exit (inquirer,
  // proper-lockfile) re-raise SIGINT and kill the process when they see no other listener left. A
  // second Ctrl-C while the first is still unwinding means "stop now".
  const controller = new AbortController();
  process.on("SIGINT", () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new CancelledError());
  });
  // A file size limit (`ulimit -f`) otherwise kills the process mid-write; with a listener the write
  // fails with EFBIG instead, which is reported in one line with the temp file removed.
  process.on("SIGXFSZ", () => undefined);
  process.exitCode = await main(argv, createRealDeps(process, controller.signal));
}
