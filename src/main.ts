/** Runs one command line and returns its exit code. Nothing below this calls process.exit. */
import type { Deps } from "./deps.js";
import { CancelledError, ExitCode, exitCodeFor, ExitWith, fileSystemError, SsoSetupError } from "./errors.js";
import { hotPath } from "./hot-paths.js";

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const hot = hotPath(argv);
  if (hot) {
    try {
      await hot(deps);
      return ExitCode.ok;
    } catch (error) {
      return report(error, deps);
    }
  }
  // Commander and the command tree load only for command lines that are not hot paths.
  const { buildProgram } = await import("./cli.js");
  const program = await buildProgram(deps, argv);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    return report(error, deps);
  }
}

/** Commander's own errors (help shown, an unknown option), recognised without loading commander. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("commander.");
}

function report(thrown: unknown, deps: Deps): number {
  if (thrown instanceof ExitWith) return thrown.code;
  debugCauses(thrown, deps);
  // A filesystem refusal the Fs port did not name (a library's own file access) is still no bug.
  const path = (thrown as NodeJS.ErrnoException | undefined)?.path;
  const error = typeof path === "string" ? fileSystemError(thrown, "use", path) : thrown;
  if (isCommanderError(error)) {
    // Help and --version are successes; everything else commander rejects is a usage error, and
    // commander has already printed its message.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
    // `sso-setup help` asked for help (exit code 0); a bare `sso-setup` got help because it was wrong.
    if (error.code === "commander.help") return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return ExitCode.usage;
  }
  if (deps.signal.aborted || error instanceof CancelledError) {
    // A cancelled listing says how far it got ("Cancelled with the roles of 40 of 60 accounts listed.").
    const said = error instanceof CancelledError && error.message !== "Cancelled." ? error.message : "Cancelled.";
    deps.io.err.write(`\n${said} Nothing was written.\n`);
    return ExitCode.cancelled;
  }
  if (error instanceof SsoSetupError) {
    deps.io.err.write(`\nsso-setup: error: ${error.message}\n`);
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  deps.io.err.write(
    `\nsso-setup: unexpected error: ${message}\nThis is a bug in sso-setup; please report it with the command you ran.\n`,
  );
  return ExitCode.other;
}

/** With --debug, what lies under the message: the chain of causes, down to the SDK's or Node's error. */
function debugCauses(error: unknown, deps: Deps): void {
  if (!deps.debug.enabled || isCommanderError(error)) return;
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 6; depth++, current = current.cause) {
    const code = (current as { code?: unknown }).code;
    // First line only: the SDK appends notes for its developers to some messages.
    const line = `${current.name}${typeof code === "string" ? ` [${code}]` : ""}: ${current.message.split("\n")[0]}`;
    deps.debug.log("error", depth === 0 ? line : `caused by ${line}`);
  }
}
