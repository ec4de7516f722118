/**
 * At most one sign-in (or refresh) per session across processes: whoever gets the session's lock
 * does the work, everyone else waits and takes the token it wrote. Without this, a burst of
 * credential_process calls with an expired token opens one browser tab per call (granted#430,
 * aws-sso-cli#110), and concurrent refreshes with a rotating refresh token invalidate each other.
 */
import type { Clock } from "../platform/clock.js";
import type { FileLocker } from "../platform/lock.js";

/** How often a waiting process looks at the lock and the cache again. */
export const LOCK_POLL_MS = 200;

export interface SingleFlightDeps {
  locker: FileLocker;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

export interface SingleFlight<T> {
  /** The file the lock is named after (the session's token cache file). */
  file: string;
  /**
   * Looked at while waiting: a value means another process already produced what we need, so this
   * one returns it without ever taking the lock.
   */
  ready: () => Promise<T | undefined>;
  /** Runs holding the lock. `waited` tells whether another process held it first. */
  run: (waited: boolean) => Promise<T>;
  /** Called once, when this process first finds the lock taken. */
  onWait?: (() => void) | undefined;
}

export async function singleFlight<T>(flight: SingleFlight<T>, deps: SingleFlightDeps): Promise<T> {
  let waited = false;
  for (;;) {
    const lock = await deps.locker.tryLock(flight.file);
    if (lock) {
      // `lock.lost` is not checked: a lock taken over while this process was stalled costs at worst one
      // extra sign-in (what happens without a lock at all), and each token file is written whole.
      try {
        return await flight.run(waited);
      } finally {
        await lock.release();
      }
    }
    if (!waited) {
      waited = true;
      flight.onWait?.();
    }
    const value = await flight.ready();
    if (value !== undefined) return value;
    // No deadline of our own: the holder's flow has one (10 minutes), and a holder that dies leaves a
    // lock that goes stale within seconds. Ctrl-C ends the wait through the signal.
    await deps.clock.sleep(LOCK_POLL_MS, deps.signal);
  }
}
