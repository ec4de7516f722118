/** The process entry: wire the real dependencies, run, set the exit code. Nothing else. */
import { createRealDeps } from "./deps.js";
import { CancelledError } from "./errors.js";
import { main } from "./main.js";

// The SDK's Node-version notice is for us, the maintainers, not for the person at the terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Ctrl-C outside a prompt (a prompt handles its own) cancels the running flow; nothing half-written.
const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new CancelledError()));

process.exitCode = await main(process.argv.slice(2), createRealDeps(process, controller.signal));
