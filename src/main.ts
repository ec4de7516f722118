/** Runs one command line and returns its exit code. Nothing below this calls process.exit. */
import * as path from "node:path";
import type { Deps } from "./deps.js";
import { CancelledError, ExitCode, exitCodeFor, ExitWith, fileSystemError, SsoSetupError } from "./errors.js";
import { hotPath } from "./hot-paths.js";
import { checkSettings } from "./settings-check.js";
import { sanitizeMessage } from "./ui/sanitize.js";
import { ISSUES_URL } from "./version.js";

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const hot = hotPath(argv);
  if (hot) {
    try {
      checkSettings(deps.env);
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
    checkSettings(deps.env);
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
  const file = (thrown as NodeJS.ErrnoException | undefined)?.path;
  const error = typeof file === "string" ? fileSystemError(thrown, "use", file) : thrown;
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
    deps.io.err.write(`\n${cancelled(deps).replace(/^Cancelled\./, said)}\n`);
    return ExitCode.cancelled;
  }
  if (error instanceof SsoSetupError) {
    // Messages quote the service's words (error descriptions, names): never a control character raw.
    deps.io.err.write(`\nsso-setup: error: ${sanitizeMessage(error.message)}\n`);
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  deps.io.err.write(
    `\nsso-setup: unexpected error: ${message}\nThis is a bug in sso-setup; please report it at ${ISSUES_URL} with the command you ran.\n`,
  );
  return ExitCode.other;
}

/**
 * What a cancellation leaves behind. Usually nothing; but a sign-in cancelled at a later prompt has
 * already cached its token (and a client registration), which stay, so the message names them.
 */
function cancelled(deps: Deps): string {
  const changes = deps.changes ?? [];
  if (changes.length === 0) return "Cancelled. Nothing was written.";
  const home = deps.homedir.endsWith(path.sep) ? deps.homedir : `${deps.homedir}${path.sep}`;
  const shown = (file: string) => (file.startsWith(home) ? `~${path.sep}${file.slice(home.length)}` : file);
  const wrote = [...new Set(changes.filter((c) => c.kind === "wrote").map((c) => shown(c.file)))];
  const removed = [...new Set(changes.filter((c) => c.kind === "removed").map((c) => shown(c.file)))];
  const done = [wrote.length > 0 ? `wrote ${list(wrote)}` : "", removed.length > 0 ? `removed ${list(removed)}` : ""].filter(Boolean);
  return `Cancelled. Before that, sso-setup ${done.join(" and ")}; nothing else was changed.`;
}

function list(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
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
