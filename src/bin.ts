/** The process entry: wire the real dependencies, run, set the exit code. Nothing else. */
import { createRealDeps } from "./deps.js";
import { CancelledError } from "./errors.js";
import { main } from "./main.js";

// The SDK's Node-version notice is for us, the maintainers, not for the person at the terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Ctrl-C outside a prompt (a prompt handles its own) cancels the running flow; nothing half-written.
// The listener must stay registered: libraries that use signal-exit (inquirer, proper-lockfile)
// re-raise SIGINT and kill the process when they see no other listener left. A second Ctrl-C while
// the first is still unwinding means "stop now".
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new CancelledError());
});

process.exitCode = await main(process.argv.slice(2), createRealDeps(process, controller.signal));
