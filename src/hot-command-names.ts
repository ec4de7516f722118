/**
 * The commands that have a hot path (hot-paths.ts). bin.ts reads only this before it decides which
 * bundle to load, so that `--version` and every other command line load none of the hot paths' code.
 */
export const HOT_COMMAND_NAMES = ["export-credentials", "exec", "completion", "status"] as const;
export type HotCommandName = (typeof HOT_COMMAND_NAMES)[number];

/**
 * Whether the command line may be a hot path (hotPath() decides). `completion` is one only with
 * --list: `eval "$(sso-setup completion zsh)"` runs at every shell start, and would otherwise load the
 * fast path only to hand over.
 */
export function mightBeHot(argv: readonly string[]): boolean {
  const name = argv.find((arg) => arg !== "--debug");
  if (!(HOT_COMMAND_NAMES as readonly (string | undefined)[]).includes(name)) return false;
  return name !== "completion" || argv.some((arg) => arg === "--list" || arg.startsWith("--list="));
}
