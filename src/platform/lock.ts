/**
 * Cross-process locks on a file: one sign-in or refresh per session across concurrent sso-setup
 * processes (a burst of credential_process calls, two terminals), and one read-modify-write of the
 * config file at a time. The only module that imports proper-lockfile, loaded on first use: the fast
 * path of export-credentials never takes a lock.
 *
 * The lock is a `<file>.lock` directory (mkdir is atomic on every filesystem, NFS included). Its
 * holder touches it every UPDATE_MS for as long as it holds it, however long that is; a directory
 * nobody has touched for STALE_MS belongs to a process that died (SIGKILL, power loss) and is taken
 * over. A holder that could not touch it in time (a stalled or suspended process) learns it lost the
 * lock through `lost`, and must then not write what the lock guarded.
 */
import { FlowError } from "../errors.js";
import type { Clock } from "./clock.js";

export interface Lock {
  /** Removes the lock directory; never fails (a lock already taken over is simply not ours any more). */
  release(): Promise<void>;
  /** True once another process may have taken the lock over. */
  readonly lost: boolean;
}

export interface FileLocker {
  /** One attempt: the lock, or null while another live process holds it. */
  tryLock(file: string): Promise<Lock | null>;
}

/**
 * A live holder refreshes its lock every second, so only a process that has not run for five seconds
 * loses it, and a killed one delays the next run by at most about six (proper-lockfile sets the first
 * mtime up to a second ahead).
 */
export const STALE_MS = 5_000;
const UPDATE_MS = 1_000;

export const nodeFileLocker: FileLocker = {
  async tryLock(file) {
    const { default: lockfile } = await import("proper-lockfile");
    let lost = false;
    try {
      const release = await lockfile.lock(file, {
        // Callers pass the path to lock by: the real path of the config file (so two names for one file
        // share a lock); the token file's path as it is, since it may not exist yet.
        realpath: false,
        stale: STALE_MS,
        update: UPDATE_MS,
        retries: 0,
        // proper-lockfile's default throws from a timer, which would crash the process; the holder
        // checks `lost` before it writes instead.
        onCompromised: () => {
          lost = true;
        },
      });
      return {
        get lost() {
          return lost;
        },
        async release() {
          await release().catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOCKED") return null;
      throw error;
    }
  },
};

/** A lock another process kept holding (and refreshing) for the whole wait. Exit status 255. */
export class LockTimeoutError extends FlowError {}

/** Long enough for a dead holder's lock to go stale (STALE_MS) and for a queue of live writers. */
export const LOCK_WAIT_MS = 30_000;

export interface LockWaitDeps {
  locker: FileLocker;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

/**
 * Waits for the lock, polling with a short jittered backoff (mkdir locks have no queue, and
 * processes started together would otherwise retry in step), for at most `timeoutMs`.
 * `what` names the file for the error message.
 */
export async function acquireLock(
  file: string,
  what: string,
  deps: LockWaitDeps,
  timeoutMs: number = LOCK_WAIT_MS,
): Promise<Lock> {
  const deadline = deps.clock.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const lock = await deps.locker.tryLock(file);
    if (lock) return lock;
    if (deps.clock.now() >= deadline) {
      throw new LockTimeoutError(
        `Another sso-setup process has held the lock on ${what} (${file}.lock) for ${Math.round(timeoutMs / 1000)} seconds and is still running. ` +
          "Wait for it to finish, or end it, and try again. (A lock left by a process that died is taken over by itself within seconds.)",
      );
    }
    await deps.clock.sleep(delay * (0.5 + Math.random()), deps.signal);
  }
}
