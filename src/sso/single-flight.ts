/**
 * At most one sign-in (or refresh) per session across processes: whoever gets the session's lock
 * does the work, everyone else waits and takes the token it wrote. Without this, a burst of
 * credential_process calls with an expired token opens one browser tab per call (granted#430,
 * aws-sso-cli#110), and concurrent refreshes with a rotating refresh token invalidate each other.
 */
import type { Clock } from "../platform/clock.js";
import { lockTimeoutError, type FileLocker } from "../platform/lock.js";

/** How often a waiting process looks at the lock and the cache again. */
export const LOCK_POLL_MS = 200;
/**
 * The longest a process waits for another one's sign-in: the holder's own flow gives up after 10
 * minutes (auth-code-flow's AUTH_CODE_TIMEOUT_MS, the device code's usual lifetime), so a holder still
 * there a minute later is stuck, not signing in. Not imported from there: this module is on the
 * refresh path, which does not load the sign-in flows.
 */
export const SINGLE_FLIGHT_WAIT_MS = 11 * 60_000;

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
  /** The longest wait for the lock, counted in time slept (default SINGLE_FLIGHT_WAIT_MS). */
  timeoutMs?: number | undefined;
}

export async function singleFlight<T>(flight: SingleFlight<T>, deps: SingleFlightDeps): Promise<T> {
  let waited = false;
  const timeoutMs = flight.timeoutMs ?? SINGLE_FLIGHT_WAIT_MS;
  // Slept time, not the clock: a clock stepped back must not stretch the wait.
  for (let slept = 0; ; slept += LOCK_POLL_MS) {
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
    // A holder that dies leaves a lock that goes stale within seconds; one that lives but never
    // finishes meets this deadline. Ctrl-C ends the wait sooner, through the signal.
    if (slept >= timeoutMs) throw lockTimeoutError(flight.file, "this SSO session's sign-in", timeoutMs);
    await deps.clock.sleep(LOCK_POLL_MS, deps.signal);
  }
}
