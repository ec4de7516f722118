/**
 * The process's streams, seen through what commands need: `out` carries results only (so
 * `$(sso-setup …)` captures data), `err` carries the conversation: notices, URLs, codes, warnings.
 */
export interface TextOutput {
  write(text: string): void;
}

export interface IOStreams {
  out: TextOutput;
  err: TextOutput;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** Prompts need a person: a terminal on both ends, and no `--non-interactive`. */
export function canPrompt(io: IOStreams, nonInteractive: boolean): boolean {
  return !nonInteractive && io.stdinIsTTY && io.stdoutIsTTY;
}

/** Bold only where a terminal will render it; log files and CI output stay plain. */
export function bold(io: IOStreams, text: string): string {
  return io.stderrIsTTY ? `\u001b[1m${text}\u001b[0m` : text;
}
