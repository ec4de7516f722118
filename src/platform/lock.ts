/**
 * Cross-process locks on a file, so that concurrent sso-setup processes (a burst of
 * credential_process calls, two terminals) run one sign-in or refresh per session instead of one
 * each. The only module that imports proper-lockfile, loaded on first use: the fast path of
 * export-credentials never takes a lock.
 *
 * The lock is a `<file>.lock` directory (mkdir is atomic on every filesystem, NFS included). Its
 * holder touches it every few seconds; a lock left behind by a killed process goes stale after
 * STALE_MS and is taken over.
 */

export type Release = () => Promise<void>;

export interface FileLocker {
  /** One attempt: resolves a release function, or null while another live process holds the lock. */
  tryLock(file: string): Promise<Release | null>;
}

const STALE_MS = 10_000;

export const nodeFileLocker: FileLocker = {
  async tryLock(file) {
    const { default: lockfile } = await import("proper-lockfile");
    try {
      const release = await lockfile.lock(file, {
        // The token file may not exist yet (a first sign-in); lock its path as it is.
        realpath: false,
        stale: STALE_MS,
        retries: 0,
        // A lock taken over while this process was suspended is not worth crashing for: the worst
        // outcome is one extra sign-in, which is what happens without a lock at all.
        onCompromised: () => undefined,
      });
      return async () => {
        await release().catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOCKED") return null;
      throw error;
    }
  },
};
