/**
 * The full program: every command line, with commander and the whole command tree loaded as each
 * command needs it. bin.ts runs it for everything its fast path does not answer (dist/cli/program.js,
 * an ES module bundle split into lazily loaded chunks).
 */
import { createRealDeps } from "./deps.js";
import { processIo } from "./platform/stdio.js";
import { main } from "./main.js";
import { listenForInterrupts } from "./platform/interrupts.js";

export async function runProgram(argv: readonly string[]): Promise<number> {
  const { signal, interrupts } = listenForInterrupts(process);
  const deps = createRealDeps(process, processIo(process), signal, interrupts);
  // The SDK's Node-version notice is for us, the maintainers, not for the person at the terminal.
  // Set after deps copied the environment: exec's child gets the user's environment, not ours.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return main(argv, deps);
}
