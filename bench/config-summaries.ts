/**
 * Big configs in the benchmarks, as a shell prompt or a Tab meets them: settled (unchanged for a
 * while, so `status` and `completion --list` answer from the config summary cache,
 * config/config-summary.ts), and just edited (every run reads the whole file).
 */
import { statSync, utimesSync } from "node:fs";
import { STABLE_MS } from "../src/config/config-summary.js";

/** Waits until the file counts as settled, then runs `prime` (one run of each command, which keeps the summaries). */
export function settle(file: string, prime: () => void): void {
  const wait = statSync(file).ctimeMs + STABLE_MS + 100 - Date.now();
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  prime();
}

/** A modification time a day ahead: the file never counts as settled, so no run keeps or uses a summary of it. */
export function neverSettled(file: string): void {
  const ahead = new Date(Date.now() + 86_400_000);
  utimesSync(file, ahead, ahead);
}
