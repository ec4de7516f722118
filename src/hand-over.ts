/**
 * The fast path's way out. dist/cli/bin.cjs holds only what the hot paths need when everything is
 * cached; every module they would load lazily (the AWS SDK, the lock library, the prompts, commander)
 * is replaced there, at build time, by a call to `handOver()` (scripts/bundle.mjs). So is every
 * change a fast attempt would make (a file write, a server). The attempt then ends unseen and the full
 * program answers the same command line from the start.
 */

let requested = false;
let committed = false;

/** Thrown where the fast bundle lacks what the command needs; the attempt's outcome is ignored. */
export class HandOver extends Error {
  constructor(what: string) {
    super(`The fast path hands "${what}" over to the full program.`);
    this.name = "HandOver";
  }
}

export function handOver(what: string): never {
  // After the command's child started, starting again would run it twice.
  if (committed) throw new Error(`Bug: the fast path needed ${what} after it had committed to its answer.`);
  requested = true;
  throw new HandOver(what);
}

/** Whether the attempt asked for the full program at any point (the error itself may have been caught and rewrapped). */
export function handOverRequested(): boolean {
  return requested;
}

/** From here on the attempt's effects are visible (exec's child runs): it can no longer be redone. */
export function commit(): void {
  committed = true;
}
