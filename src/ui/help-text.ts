/**
 * Help epilogues, wrapped to the width the help is shown at (the terminal's, else 80 columns) like
 * the rest of commander's help, rather than broken mid-word by an 80-column terminal. Prose lines are
 * reflowed; indented lines (examples, command lines) are kept as written.
 */
import type { AddHelpTextContext } from "commander";

export function wrapProse(text: string, width: number): string {
  const out: string[] = [];
  let words: string[] = [];
  const flush = () => {
    let line = "";
    for (const word of words) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    if (line) out.push(line);
    words = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "" || /^\s/.test(line)) {
      flush();
      out.push(line);
    } else {
      words.push(...line.split(/\s+/).filter(Boolean));
    }
  }
  flush();
  return out.join("\n");
}

/** An `addHelpText("after", …)` text that wraps to the help's width when shown. */
export function epilogue(text: string): (context: AddHelpTextContext) => string {
  return (context) => {
    const output = context.command.configureOutput();
    const columns = (context.error ? output.getErrHelpWidth : output.getOutHelpWidth)?.();
    return wrapProse(text, columns ?? 80);
  };
}
