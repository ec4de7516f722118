/**
 * A one-line progress bar on stderr for long listings: redrawn in place, at most ten times a second,
 * and only on a terminal. Logs and CI output get nothing but the summary the command prints itself.
 */
import type { Clock } from "../platform/clock.js";
import type { IOStreams } from "./io.js";

export interface ListingProgress {
  accountsListed: number;
  listingComplete: boolean;
  accountsToFetch: number;
  accountsFetched: number;
  calls: number;
  throttled: number;
}

export interface ProgressBar {
  /** False where nothing is drawn (stderr is not a terminal): callers need not track progress. */
  readonly visible: boolean;
  update(progress: ListingProgress): void;
  /** Erases the bar, so that what follows starts on a clean line. */
  done(): void;
}

const REDRAW_MS = 100;
const WIDTH = 24;

export function formatProgress(p: ListingProgress): string {
  const total = p.listingComplete ? p.accountsToFetch : Math.max(p.accountsToFetch, 1);
  const share = p.listingComplete && total > 0 ? p.accountsFetched / total : 0;
  const filled = Math.round(share * WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}]`;
  const of = p.listingComplete ? `${p.accountsToFetch}` : `${p.accountsToFetch}+`;
  return `${bar} ${p.accountsFetched}/${of} accounts · ${p.calls} calls · ${p.throttled} throttled`;
}

export function createProgressBar(io: Pick<IOStreams, "err" | "stderrIsTTY">, clock: Clock): ProgressBar {
  if (!io.stderrIsTTY) return { visible: false, update: () => undefined, done: () => undefined };
  let drawnAt = -Infinity;
  let drawn = false;
  return {
    visible: true,
    update(progress) {
      const now = clock.now();
      if (now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      drawn = true;
      // \r and erase-line: the bar replaces itself instead of scrolling.
      io.err.write(`\r\u001b[2K${formatProgress(progress)}`);
    },
    done() {
      if (drawn) io.err.write("\r\u001b[2K");
      drawn = false;
    },
  };
}
