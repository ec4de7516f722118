/**
 * Runs a command in the foreground for `exec`: the only module that starts processes. On Windows it
 * goes through cross-spawn, because Node's spawn without a shell finds neither `terraform.exe`
 * through PATHEXT nor `.cmd`/`.bat` shims (npm's, kubectl plugins') there, and a shell would re-parse
 * the arguments. Elsewhere cross-spawn is Node's spawn, so Node's is called directly: exec wraps
 * every command a person runs with credentials, and loading cross-spawn would add to each.
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

/** What became of the command: its exit code (128 + the signal's number when a signal killed it), or why it never ran. */
export type ChildOutcome =
  | { started: true; exitCode: number }
  | { started: false; reason: "not-found" | "not-executable"; /** The errno code (EACCES, ENOENT…). */ detail: string };

export interface ForegroundRunner {
  /**
   * Runs `command` with the terminal (stdio inherited) and exactly `env`, forwarding SIGINT,
   * SIGTERM, SIGHUP and SIGQUIT to it, and resolves when it exits. sso-setup itself is not
   * interrupted while it runs: the child decides what a signal means, and its exit code is ours.
   */
  run(command: string, args: readonly string[], env: Record<string, string>): Promise<ChildOutcome>;
}

/**
 * Who answers Ctrl-C. Outside exec, sso-setup does (it cancels the flow, see bin.ts); while a child
 * has the terminal, the child does.
 */
export interface InterruptOwnership {
  handToChild(): void;
  takeBack(): void;
}

export const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

/** Ctrl-C and Ctrl-\: the terminal sends them to the whole foreground process group. */
const KEYBOARD_SIGNALS = new Set<NodeJS.Signals>(["SIGINT", "SIGQUIT"]);

export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Did the terminal deliver this keyboard signal to our process group (the child included)? Then
 * forwarding it would deliver it twice, and a second Ctrl-C means "force quit, skip the cleanup"
 * to terraform and many others. On Linux the answer is exact: our group is the terminal's
 * foreground group (/proc/self/stat: pgrp = tpgid). Elsewhere, a terminal on stdin stands in.
 */
async function deliveredByTerminal(readText: (file: string) => Promise<string | null>, stdinIsTTY: boolean): Promise<boolean> {
  try {
    const stat = await readText("/proc/self/stat");
    if (stat) {
      // After "pid (comm) ": state ppid pgrp session tty_nr tpgid …; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return fields[2] !== undefined && fields[2] === fields[5];
    }
  } catch {
    // Not Linux, or /proc is not mounted: fall back below.
  }
  return stdinIsTTY;
}

export function createForegroundRunner(
  proc: NodeJS.Process,
  interrupts: InterruptOwnership,
  readText: (file: string) => Promise<string | null>,
): ForegroundRunner {
  return {
    async run(command, args, env) {
      const spawn = proc.platform === "win32" ? (await import("cross-spawn")).default : (await import("node:child_process")).spawn;
      return new Promise<ChildOutcome>((resolve) => {
        // Windows has no signals to forward: Ctrl-C reaches every process on the console, and kill()
        // there would end the child without its cleanup. Ctrl-C is only listened for, so that it does
        // not end sso-setup and the child's exit code is still ours.
        const windows = proc.platform === "win32";
        const listened: readonly NodeJS.Signals[] = windows ? ["SIGINT"] : FORWARDED_SIGNALS;
        // Assigned below in this same synchronous turn, and listeners run only from the event loop:
        // the first to run finds the child (or, when spawn threw, none runs at all).
        let child!: ChildProcess;
        const forward = (signal: NodeJS.Signals) => {
          if (windows || child.exitCode !== null || child.signalCode !== null) return;
          if (!KEYBOARD_SIGNALS.has(signal)) {
            child.kill(signal);
            return;
          }
          void deliveredByTerminal(readText, Boolean(proc.stdin.isTTY)).then((delivered) => {
            if (!delivered && child.exitCode === null && child.signalCode === null) child.kill(signal);
          });
        };
        let settled = false;
        const settle = (outcome: ChildOutcome) => {
          if (settled) return;
          settled = true;
          for (const signal of listened) proc.off(signal, forward);
          interrupts.takeBack();
          resolve(outcome);
        };
        // Listening before the child exists, not after: spawn() returns once the command has started,
        // and by then it may have run far enough to be signalled through us (a supervisor that waits for
        // its "ready"). With no listener yet, SIGTERM, SIGHUP and SIGQUIT would kill sso-setup by their
        // default action and leave the child running, orphaned, holding the terminal or the pipes.
        for (const signal of listened) proc.on(signal, forward);
        interrupts.handToChild();
        try {
          child = spawn(command, [...args], { env, stdio: "inherit" });
        } catch (error) {
          settle(notRunnable(error));
          return;
        }
        child.once("error", (error) => {
          // Once the child runs, an error is only a failed kill(): its exit still comes.
          if (child.pid === undefined) settle(notRunnable(error));
        });
        child.once("exit", (code, signal) => {
          settle({ started: true, exitCode: code ?? (signal ? exitCodeOfSignal(signal) : 1) });
        });
      });
    },
  };
}

function notRunnable(error: unknown): ChildOutcome {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
  // As a shell: 127 when nothing by that name can be found, 126 when it exists but cannot be run.
  return { started: false, reason: code === "ENOENT" ? "not-found" : "not-executable", detail: code };
}
