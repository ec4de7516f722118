/**
 * How the process answers Ctrl-C. Outside a prompt (a prompt handles its own) it cancels the running
 * flow, leaving nothing half-written; a second Ctrl-C while the first is still unwinding means "stop
 * now". While exec's child has the terminal, Ctrl-C is the child's to answer: its exit code becomes
 * ours.
 */
import { CancelledError } from "../errors.js";
import type { InterruptOwnership } from "./child.js";

export interface ProcessInterrupts {
  /** Aborted by the first Ctrl-C (Deps.signal). */
  signal: AbortSignal;
  interrupts: InterruptOwnership;
}

export function listenForInterrupts(proc: NodeJS.Process): ProcessInterrupts {
  const controller = new AbortController();
  let childOwnsInterrupts = false;
  // The listener must stay registered while a command runs: libraries that use signal-exit (inquirer,
  // proper-lockfile) re-raise SIGINT and kill the process when they see no other listener left.
  const onInterrupt = () => {
    if (childOwnsInterrupts) return;
    if (controller.signal.aborted) proc.exit(130);
    controller.abort(new CancelledError());
  };
  proc.on("SIGINT", onInterrupt);
  // A file size limit (`ulimit -f`) otherwise kills the process mid-write; with a listener the write
  // fails with EFBIG instead, which is reported in one line with the temp file removed.
  proc.on("SIGXFSZ", () => undefined);
  return {
    signal: controller.signal,
    interrupts: { handToChild: () => void (childOwnsInterrupts = true), takeBack: () => void (childOwnsInterrupts = false) },
  };
}
