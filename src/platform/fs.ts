/**
 * The filesystem port: the only module that touches node:fs. Every write that a user or another tool
 * may read concurrently goes through `writeFileAtomic`, so readers see the old bytes or the new ones,
 * never a truncated file (the AWS CLI truncates in place, which is how half-written caches happen).
 */
import { promises as fsp } from "node:fs";
import * as path from "node:path";

export interface FileStat {
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface Fs {
  /** The file's text, or `null` when it does not exist. Other errors (EACCES, EISDIR) propagate. */
  readText(file: string): Promise<string | null>;
  /**
   * Temp file in the same directory, fsync, rename over the target. Follows a symlinked target to its
   * real path, keeps an existing file's mode (unless `forceMode`), and creates a new one with `mode`.
   */
  writeFileAtomic(file: string, data: string, options: { mode: number; forceMode?: boolean }): Promise<void>;
  /** `mkdir -p`; directories it creates get `mode`, existing ones are left alone. */
  mkdirp(dir: string, mode: number): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  stat(file: string): Promise<FileStat | null>;
  /** Removes a file; a missing one is not an error. Returns whether something was removed. */
  remove(file: string): Promise<boolean>;
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as NodeJS.ErrnoException).code === code;
}

export const nodeFs: Fs = {
  async readText(file) {
    try {
      return await fsp.readFile(file, "utf8");
    } catch (error) {
      if (isErrno(error, "ENOENT")) return null;
      throw error;
    }
  },

  async writeFileAtomic(file, data, { mode, forceMode = false }) {
    // write-file-atomic copies mode and owner from an existing target unless told a mode.
    const existing = forceMode ? null : await nodeFs.stat(file);
    // Loaded on first write: commands that only read (and --help) start faster without it.
    const { default: writeFileAtomicLib } = await import("write-file-atomic");
    await writeFileAtomicLib(file, data, existing ? {} : { mode });
  },

  async mkdirp(dir, mode) {
    // mkdir's recursive mode applies `mode` to every directory it creates, which is what we want for
    // ~/.aws/sso/cache (0700) without changing the mode of a ~/.aws that already exists.
    await fsp.mkdir(path.resolve(dir), { recursive: true, mode });
  },

  async readdir(dir) {
    try {
      return await fsp.readdir(dir);
    } catch (error) {
      if (isErrno(error, "ENOENT")) return [];
      throw error;
    }
  },

  async stat(file) {
    try {
      const stats = await fsp.stat(file);
      return { mode: stats.mode & 0o7777, isFile: stats.isFile(), isDirectory: stats.isDirectory() };
    } catch (error) {
      if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return null;
      throw error;
    }
  },

  async remove(file) {
    try {
      await fsp.unlink(file);
      return true;
    } catch (error) {
      if (isErrno(error, "ENOENT")) return false;
      throw error;
    }
  },
};
