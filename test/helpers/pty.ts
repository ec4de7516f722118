/**
 * Runs the built CLI inside a real pseudo-terminal (node-pty), so the interactive prompts see a TTY on
 * stdin, stdout and stderr exactly as they would for a person at a terminal. Output is accumulated;
 * `waitFor` matches against it with ANSI escape sequences removed.
 */
import * as pty from "node-pty";
import { CLI, ROOT } from "./cli.js";

export const KEYS = {
  up: "\x1b[A",
  down: "\x1b[B",
  enter: "\r",
  backspace: "\x7f",
  ctrlC: "\x03",
} as const;

// CSI (ESC [ … final byte), OSC (ESC ] … BEL/ST), and the two-byte ESC sequences (e.g. ESC 7, ESC =).
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_0-9=>]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

export interface PtyExit {
  code: number;
  signal: number | undefined;
}

export interface PtyCli {
  /** Everything written to the terminal so far, raw. */
  readonly raw: string;
  /** Everything written so far, without ANSI escape sequences. */
  text(): string;
  /** Output received since the last call to `mark()`, without ANSI escapes. */
  sinceMark(): string;
  /** Remembers the current end of the output; later `waitFor(…, { sinceMark: true })` only looks past it. */
  mark(): void;
  /**
   * Resolves with the (ANSI-free) output once it contains the text or matches the regex; rejects with
   * the tail of the screen after `timeoutMs`, or when the process exits first.
   */
  waitFor(pattern: string | RegExp, options?: { timeoutMs?: number; sinceMark?: boolean }): Promise<string>;
  write(keys: string): void;
  readonly exit: Promise<PtyExit>;
  /** The exit, or a rejection with the screen tail if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<PtyExit>;
  kill(): void;
}

export function spawnCliPty(args: string[], env: Record<string, string>, options: { cols?: number; rows?: number } = {}): PtyCli {
  const child = pty.spawn(process.execPath, [CLI, ...args], {
    name: "xterm-256color",
    cols: options.cols ?? 120,
    rows: options.rows ?? 40,
    cwd: ROOT,
    env: { ...env, TERM: "xterm-256color" },
  });
  let raw = "";
  let markAt = 0;
  let exited: PtyExit | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  child.onData((data) => {
    raw += data;
    notify();
  });
  const exit = new Promise<PtyExit>((resolve) => {
    child.onExit(({ exitCode, signal }) => {
      exited = { code: exitCode, signal };
      resolve(exited);
      notify();
    });
  });

  const tail = () => {
    const lines = stripAnsi(raw).replace(/\r/g, "").split("\n");
    return lines.slice(-25).join("\n");
  };

  const api: PtyCli = {
    get raw() {
      return raw;
    },
    text: () => stripAnsi(raw),
    sinceMark: () => stripAnsi(raw.slice(markAt)),
    mark() {
      markAt = raw.length;
    },
    waitFor(pattern, { timeoutMs = 10_000, sinceMark = false } = {}) {
      const from = sinceMark ? markAt : 0;
      const matches = () => {
        const screen = stripAnsi(raw.slice(from));
        return typeof pattern === "string" ? screen.includes(pattern) : pattern.test(screen);
      };
      return new Promise<string>((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(stripAnsi(raw.slice(from)));
        };
        const check = () => {
          if (matches()) finish();
          else if (exited) {
            finish(new Error(`The CLI exited (code ${exited.code}) before showing ${String(pattern)}. Screen tail:\n${tail()}`));
          }
        };
        const timer = setTimeout(
          () => finish(new Error(`Timed out after ${timeoutMs} ms waiting for ${String(pattern)}. Screen tail:\n${tail()}`)),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
    write(keys) {
      child.write(keys);
    },
    exit,
    waitForExit(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for the CLI to exit. Screen tail:\n${tail()}`)),
          timeoutMs,
        );
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
    kill() {
      if (!exited) child.kill();
    },
  };
  return api;
}
