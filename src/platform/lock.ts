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
 *
 * The clock is not trusted further than that. A lock touched "in the future" (the clock was stepped
 * back, a VM snapshot restored) would look fresh for as long as the clock is behind, so a lock more
 * than STALE_MS ahead of now counts as stale too: no live holder can be that far ahead, since it
 * touches its lock with the same clock every second. A stale directory is removed with whatever is
 * inside it, and lock directories are 0700 whatever the umask. Waits count the time they slept, not
 * the clock's reading, so no clock step makes them longer.
 */
import { fileSystemError, FlowError } from "../errors.js";
import type { Clock } from "./clock.js";
import { lockDirectoryFs } from "./fs.js";

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
const LOCK_DIR_MODE = 0o700;

/**
 * proper-lockfile's filesystem calls, with one change to taking a lock: a lock directory that is there
 * but touched more than STALE_MS in the future is removed first (proper-lockfile would wait for the
 * clock to catch up with it).
 */
function lockFs(now: () => number) {
  const base = lockDirectoryFs(LOCK_DIR_MODE);
  return {
    ...base,
    mkdir(dir: string, callback: (error: NodeJS.ErrnoException | null) => void) {
      base.mkdir(dir, (error) => {
        if (error?.code !== "EEXIST") return callback(error);
        base.stat(dir, (statError, stats) => {
          if (statError || !stats || stats.mtimeMs <= now() + STALE_MS) return callback(error);
          base.rmdir(dir, () => base.mkdir(dir, callback));
        });
      });
    },
  };
}

const lockFsForSystemClock = lockFs(() => Date.now());

export const nodeFileLocker: FileLocker = {
  async tryLock(file) {
    const { default: lockfile } = await import("proper-lockfile");
    let lost = false;
    try {
      const release = await lockfile.lock(file, {
        // Callers pass the path to lock by: the real path of the config file (so two names for one file
        // share a lock); the token file's path as it is, since it may not exist yet.
        realpath: false,
        // proper-lockfile judges staleness with Date.now(), so the future check does too.
        fs: lockFsForSystemClock,
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
      throw fileSystemError(error, "lock", `${file}.lock`);
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

export function lockTimeoutError(file: string, what: string, timeoutMs: number): LockTimeoutError {
  const wait = timeoutMs >= 120_000 ? `${Math.round(timeoutMs / 60_000)} minutes` : `${Math.round(timeoutMs / 1000)} seconds`;
  return new LockTimeoutError(
    `Another sso-setup process has held the lock on ${what} (${file}.lock) for ${wait} and is still running. ` +
      "Wait for it to finish, or end it, and try again. (A lock left by a process that died is taken over by itself within seconds.)",
  );
}

/**
 * Waits for the lock, polling with a short jittered backoff (mkdir locks have no queue, and
 * processes started together would otherwise retry in step), for at most `timeoutMs` of sleeping.
 * `what` names the file for the error message.
 */
export async function acquireLock(
  file: string,
  what: string,
  deps: LockWaitDeps,
  timeoutMs: number = LOCK_WAIT_MS,
): Promise<Lock> {
  let slept = 0;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const lock = await deps.locker.tryLock(file);
    if (lock) return lock;
    if (slept >= timeoutMs) throw lockTimeoutError(file, what, timeoutMs);
    const pause = delay * (0.5 + Math.random());
    await deps.clock.sleep(pause, deps.signal);
    slept += pause;
  }
}
