/**
 * The filesystem port: the only module that touches node:fs. Every write that a user or another tool
 * may read concurrently goes through `writeFileAtomic`, so readers see the old bytes or the new ones,
 * never a truncated file (the AWS CLI truncates in place, which is how half-written caches happen),
 * and a process killed at any moment leaves the old file or the new one.
 */
import { promises as fsp, type Stats } from "node:fs";
import * as path from "node:path";

/**
 * Our temp files: hidden, named after their target and after us. Nothing that lists a directory
 * takes one for a config or cache file (the AWS CLI and sso-setup read cache files by name or as
 * `*.json`), and the sweep below cannot mistake a person's file for one: write-file-atomic's
 * `<name>.<number>` would match a `config.20240101` backup.
 */
const TEMP_FILE = /^\..+\.sso-setup-\d+-[0-9a-f]{8}\.tmp$/;
/** A write takes milliseconds; a temp file this old was left by a killed process. */
export const STALE_TEMP_MS = 5 * 60_000;

export interface FileStat {
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface Fs {
  /**
   * The file's text, or `null` when it does not exist. Other errors (EACCES, EISDIR) propagate.
   * Bytes that are not UTF-8 become U+FFFD, or with `strictUtf8` throw NotUtf8Error.
   */
  readText(file: string, options?: { strictUtf8?: boolean }): Promise<string | null>;
  /**
   * Temp file in the same directory, fsync, rename over the target. Follows a symlinked target to its
   * real path, keeps an existing file's mode (unless `forceMode`), and creates a new one with `mode`.
   * First removes our temp files in that directory that are older than STALE_TEMP_MS.
   */
  writeFileAtomic(file: string, data: string, options: { mode: number; forceMode?: boolean }): Promise<void>;
  /** `mkdir -p`; directories it creates get `mode`, existing ones are left alone. */
  mkdirp(dir: string, mode: number): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /**
   * The path with every symlink resolved; for a file that does not exist yet, its directory's real
   * path and its name (the name a write creates).
   */
  realpath(file: string): Promise<string>;
  stat(file: string): Promise<FileStat | null>;
  /** Removes a file; a missing one is not an error. Returns whether something was removed. */
  remove(file: string): Promise<boolean>;
}

/** A file that must be UTF-8 is not (what Python's strict decoding, and so botocore, refuses). */
export class NotUtf8Error extends Error {
  constructor(
    readonly file: string,
    /** 1-based, counting LF, CRLF and a lone CR as line ends, as Python does. */
    readonly line: number,
    readonly byte: number,
  ) {
    super(`${file}, line ${line}: byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} is not valid UTF-8`);
    this.name = "NotUtf8Error";
  }

  /** The message without the file and line, for callers that prefix their own location. */
  get reason(): string {
    return `byte 0x${this.byte.toString(16).toUpperCase().padStart(2, "0")} is not valid UTF-8`;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeUtf8Strict(file: string, bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line++;
    }
    throw new NotUtf8Error(file, line, bytes[bad] ?? 0);
  }
}

/** Where strict UTF-8 decoding fails (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const extra = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (extra === 0) return i;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return bytes.length;
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as NodeJS.ErrnoException).code === code;
}

export const nodeFs: Fs = {
  async readText(file, options) {
    try {
      if (options?.strictUtf8) return decodeUtf8Strict(file, await fsp.readFile(file));
      return await fsp.readFile(file, "utf8");
    } catch (error) {
      if (isErrno(error, "ENOENT")) return null;
      throw error;
    }
  },

  async writeFileAtomic(file, data, { mode, forceMode = false }) {
    // The link stays a link (a config file kept in a dotfiles repository): its target is replaced.
    const target = await nodeFs.realpath(file);
    let existing: Stats | null = null;
    try {
      existing = await fsp.stat(target);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
    const fileMode = existing && !forceMode ? existing.mode & 0o7777 : mode;
    await sweepStaleTemps(path.dirname(target));
    const temp = await createTemp(target, fileMode);
    try {
      await temp.handle.writeFile(data, "utf8");
      // Without the fsync, a crash right after the rename can leave an empty file on some filesystems.
      await temp.handle.sync();
      await temp.handle.close();
      // open()'s mode passes through the umask; the file's own mode is meant exactly.
      await fsp.chmod(temp.file, fileMode);
      // Only root can give a file away: `sudo sso-setup` must not leave a person's config owned by root.
      if (existing && process.getuid?.() === 0) await fsp.chown(temp.file, existing.uid, existing.gid);
      await fsp.rename(temp.file, target);
    } catch (error) {
      await temp.handle.close().catch(() => undefined);
      await fsp.unlink(temp.file).catch(() => undefined);
      throw error;
    }
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

  async realpath(file) {
    try {
      return await fsp.realpath(file);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
    try {
      return path.join(await fsp.realpath(path.dirname(file)), path.basename(file));
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
      return path.resolve(file);
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

/** A new temp file next to `target`; `wx` never opens an existing one, whoever left it there. */
async function createTemp(target: string, mode: number): Promise<{ file: string; handle: fsp.FileHandle }> {
  for (let attempt = 1; ; attempt++) {
    const suffix = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, "0");
    const file = path.join(path.dirname(target), `.${path.basename(target)}.sso-setup-${process.pid}-${suffix}.tmp`);
    try {
      return { file, handle: await fsp.open(file, "wx", mode) };
    } catch (error) {
      if (!isErrno(error, "EEXIST") || attempt === 3) throw error;
    }
  }
}

/**
 * Removes temp files that killed processes left in `dir`. Best effort: a sweep that fails (a file
 * another process removed first, a directory we may not list) never fails the write.
 */
async function sweepStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - STALE_TEMP_MS;
  await Promise.all(
    names
      .filter((name) => TEMP_FILE.test(name))
      .map(async (name) => {
        const file = path.join(dir, name);
        const stats = await fsp.lstat(file).catch(() => null);
        if (stats?.isFile() && stats.mtimeMs < cutoff) await fsp.unlink(file).catch(() => undefined);
      }),
  );
}
