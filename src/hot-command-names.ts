/**
 * The commands that have a hot path (hot-paths.ts). bin.ts reads only this list before it decides which
 * bundle to load, so that `--version` and every other command line load none of the hot paths' code.
 */
export const HOT_COMMAND_NAMES = ["export-credentials", "exec", "completion"] as const;
export type HotCommandName = (typeof HOT_COMMAND_NAMES)[number];

/** The command a command line names, after the root flags a hot path accepts. */
export function namedCommand(argv: readonly string[]): string | undefined {
  return argv.find((arg) => arg !== "--debug");
}
