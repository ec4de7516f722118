/**
 * The filesystem port: the only module that touches files (platform/stdio.ts writes to the standard
 * streams' descriptors). Every write that a user or another tool
 * may read concurrently goes through `writeFileAtomic`, so readers see the old bytes or the new ones,
 * never a truncated file (the AWS CLI truncates in place, which is how half-written caches happen),
 * and a process killed at any moment leaves the old file or the new one.
 */
import * as fs from "node:fs";
import { constants, promises as fsp, rmSync, type Stats } from "node:fs";
import * as path from "node:path";
import { FileSystemError, fileSystemError } from "../errors.js";

/**
 * What reading needs from node:fs, in one of two ways. Not fs.promises, nor util.promisify: loading
 * them costs a tenth of a bare Node start, and the commands that run most (credential_process, Tab
 * completion) only read. Writing uses fs.promises.
 */
interface Reading {
  open(file: string, flags: number): Promise<number>;
  fstat(fd: number): Promise<Stats>;
  read(fd: number, buffer: Buffer, offset: number): Promise<number>;
  close(fd: number): Promise<void>;
  stat(file: string): Promise<Stats>;
  bigFstat(fd: number): Promise<fs.BigIntStats>;
  readdir(dir: string): Promise<string[]>;
  realpath(file: string): Promise<string>;
  readlink(file: string): Promise<string>;
}

function settled<T>(start: (callback: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** On libuv's thread pool: the event loop (prompts, timers, Ctrl-C, a child's signals) runs meanwhile. */
const threadPoolReading: Reading = {
  open: (file, flags) => settled((done) => fs.open(file, flags, done)),
  fstat: (fd) => settled((done) => fs.fstat(fd, done)),
  read: (fd, buffer, offset) => settled((done) => fs.read(fd, buffer, offset, buffer.length - offset, null, done)),
  close: (fd) => settled((done) => fs.close(fd, (error) => done(error ?? null, undefined))),
  stat: (file) => settled((done) => fs.stat(file, done)),
  bigFstat: (fd) => settled((done) => fs.fstat(fd, { bigint: true }, done)),
  readdir: (dir) => settled((done) => fs.readdir(dir, done)),
  realpath: (file) => settled((done) => fs.realpath(file, done)),
  readlink: (file) => settled((done) => fs.readlink(file, done)),
};

function settledAtOnce<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * On the main thread, for a run with nothing to do meanwhile: the fast path's warm runs read a few
 * small files, one after another. The first read on the thread pool starts its threads (four,
 * unless UV_THREADPOOL_SIZE says otherwise) and the exit stops them: 2-3 ms of a warm
 * export-credentials, more of an exec. Nothing here waits long: a FIFO is opened without waiting
 * for a writer (O_NONBLOCK) and refused before it is read, as is a device.
 */
const mainThreadReading: Reading = {
  open: (file, flags) => settledAtOnce(() => fs.openSync(file, flags)),
  fstat: (fd) => settledAtOnce(() => fs.fstatSync(fd)),
  read: (fd, buffer, offset) => settledAtOnce(() => fs.readSync(fd, buffer, offset, buffer.length - offset, null)),
  close: (fd) => settledAtOnce(() => fs.closeSync(fd)),
  stat: (file) => settledAtOnce(() => fs.statSync(file)),
  bigFstat: (fd) => settledAtOnce(() => fs.fstatSync(fd, { bigint: true })),
  readdir: (dir) => settledAtOnce(() => fs.readdirSync(dir)),
  realpath: (file) => settledAtOnce(() => fs.realpathSync(file)),
  readlink: (file) => settledAtOnce(() => fs.readlinkSync(file)),
};

/**
 * Our temp files: hidden, named after their target and after us. Nothing that lists a directory
 * takes one for a config or cache file (the AWS CLI and sso-setup read cache files by name or as
 * `*.json`), and the sweep below cannot mistake a person's file for one: write-file-atomic's
 * `<name>.<number>` would match a `config.20240101` backup.
 */
const TEMP_FILE = /^\..+\.sso-setup-\d+-[0-9a-f]{8}\.tmp$/;
/** A write takes milliseconds; a temp file this old was left by a killed process. */
export const STALE_TEMP_MS = 5 * 60_000;

/**
 * The most sso-setup reads of any file: an AWS config file is a few kilobytes, and one of thousands of
 * profiles under a megabyte. A bigger file is not a config (a log, a disk image) and would cost seconds
 * and gigabytes to scan.
 */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

export interface ReadOptions {
  /** Refuse bytes that are not UTF-8 (NotUtf8Error) instead of replacing them, as botocore does for the config. */
  strictUtf8?: boolean;
  /** Refuse a file larger than this (default MAX_READ_BYTES). */
  maxBytes?: number;
  /** Refuse a symlink instead of reading its target (the token and credential caches). */
  noFollow?: boolean;
  /**
   * Refuse a file this user does not own, or that group or others may write (a cache only sso-setup
   * reads). Checked on the opened file, so it cannot be swapped in between.
   */
  ownedBy?: number;
}

export interface WriteOptions {
  mode: number;
  forceMode?: boolean;
  /**
   * Replace a symlink at `file` instead of writing through it (the caches: a link planted there must
   * not get a token written into whatever it points at). Without it, the link's target is written.
   */
  noFollow?: boolean;
}

export interface FileStat {
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
  /** The owner's user id (0 on Windows, which has no such owners). */
  uid?: number;
}

/** One version of a file's content, told apart from every other without reading it. */
export interface FileVersion {
  /** Device, inode, size, and modification and change times to the nanosecond: equal ids, equal content. */
  id: string;
  /** The later of the modification and change times, in milliseconds since the epoch. */
  changedAt: number;
}

export interface Fs {
  /**
   * The file's text, or `null` when it does not exist. Only a regular file is read (a FIFO or a device
   * would block or never end); anything else, a file over the size limit, and every other error
   * (EACCES, EISDIR) is a FileSystemError naming the file. Bytes that are not UTF-8 become U+FFFD,
   * or with `strictUtf8` throw NotUtf8Error.
   */
  readText(file: string, options?: ReadOptions): Promise<string | null>;
  /**
   * Temp file in the same directory, fsync, rename over the target. Follows a symlinked target to its
   * real path (unless `noFollow`), keeps an existing file's mode (unless `forceMode`), and creates a
   * new one with `mode`. Refuses an existing file that is read-only (kept-mode writes: the config and
   * credentials files), as the AWS CLI does. First removes our temp files in that directory that are
   * older than STALE_TEMP_MS. Failures are FileSystemErrors; the target is then left as it was.
   * `data` in pieces is written one piece after another: a big text need not be joined first.
   */
  writeFileAtomic(file: string, data: string | readonly string[], options: WriteOptions): Promise<void>;
  /** `mkdir -p`; directories it creates get exactly `mode` (whatever the umask), existing ones are left alone. */
  mkdirp(dir: string, mode: number): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /**
   * The path with every symlink resolved; for a file that does not exist yet, its directory's real
   * path and its name (the name a write creates). A dangling symlink resolves to where it points.
   */
  realpath(file: string): Promise<string>;
  stat(file: string): Promise<FileStat | null>;
  /**
   * The version of a regular file (following symlinks), or null when it is missing or is not a
   * regular file; an error when it cannot be read. The file is opened to ask (a network filesystem
   * checks its cached times with the server at each open). The change time cannot be set by anyone but
   * the kernel (or a network filesystem's server), so no edit keeps the id; see
   * config/config-summary.ts for the one case that needs more care (an edit within the filesystem's
   * timestamp granularity).
   */
  version(file: string): Promise<FileVersion | null>;
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

/** Errors that mean "not there": the file, or a directory on its path, does not exist. */
function isMissing(error: unknown): boolean {
  return isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR");
}

const KIND_NAMES: ReadonlyArray<[(stats: Stats) => boolean, string]> = [
  [(s) => s.isDirectory(), "a directory"],
  [(s) => s.isFIFO(), "a FIFO (named pipe)"],
  [(s) => s.isCharacterDevice(), "a character device"],
  [(s) => s.isBlockDevice(), "a block device"],
  [(s) => s.isSocket(), "a socket"],
];

function notRegularFile(file: string, stats: Stats): FileSystemError {
  const kind = KIND_NAMES.find(([test]) => test(stats))?.[1] ?? "not a regular file";
  return new FileSystemError("read", file, `it is ${kind}, not a regular file`, { code: stats.isDirectory() ? "EISDIR" : "ENOTREG" });
}

function tooLarge(file: string, size: number, maxBytes: number): FileSystemError {
  const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;
  return new FileSystemError(
    "read",
    file,
    `it is larger than ${mb(maxBytes)} (${size > maxBytes ? mb(size) : "it kept growing"}), more than any AWS config or cache file; sso-setup reads files up to ${mb(maxBytes)}`,
    { code: "ETOOLARGE" },
  );
}

async function readRegularFile(reading: Reading, file: string, maxBytes: number, noFollow: boolean, strictUtf8: boolean, ownedBy: number | undefined): Promise<string | null> {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, forever. On a regular file it
  // changes nothing.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = await reading.open(file, flags);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    if (noFollow && isErrno(error, "ELOOP")) {
      throw new FileSystemError("read", file, "it is a symbolic link, and sso-setup never follows one in its caches", { code: "ELOOP", cause: error });
    }
    throw fileSystemError(error, "read", file);
  }
  try {
    const stats = await reading.fstat(fd);
    if (!stats.isFile()) throw notRegularFile(file, stats);
    if (stats.size > maxBytes) throw tooLarge(file, stats.size, maxBytes);
    if (ownedBy !== undefined && (stats.uid !== ownedBy || (stats.mode & 0o022) !== 0)) {
      throw new FileSystemError("read", file, "it belongs to another user or others may write it", { code: "EPERM" });
    }
    // Read to the end rather than `stats.size` bytes (files in /proc say 0), but never past the limit.
    // One buffer with room for a byte more than the file has: a config of thousands of profiles is
    // read without a second buffer or a copy, and the read that finds the end needs no room.
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(stats.size + 1, 64 * 1024), maxBytes + 1));
    let total = 0;
    for (;;) {
      if (total === buffer.length) buffer = Buffer.concat([buffer], Math.min(buffer.length * 2, maxBytes + 1));
      const bytesRead = await reading.read(fd, buffer, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, total, maxBytes);
    }
    const bytes = buffer.subarray(0, total);
    return strictUtf8 ? decodeUtf8Strict(file, bytes) : bytes.toString("utf8");
  } catch (error) {
    if (error instanceof NotUtf8Error) throw error;
    throw fileSystemError(error, "read", file);
  } finally {
    await reading.close(fd).catch(() => undefined);
  }
}

/** An existing file nobody may write: the AWS CLI refuses to change it, and so do we. */
async function isReadOnly(file: string, stats: Stats): Promise<boolean> {
  // Root may write anything, so its access() says yes; the mode says what the owner meant.
  if (process.getuid?.() === 0) return (stats.mode & 0o222) === 0;
  try {
    await fsp.access(file, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

/** This machine's files, read on the thread pool: the full program's. */
export const nodeFs: Fs = createNodeFs(threadPoolReading);
/** This machine's files, read on the main thread: the fast path's (fast-path.ts). Writes are the same. */
export const nodeFsReadingOnMainThread: Fs = createNodeFs(mainThreadReading);

function createNodeFs(reading: Reading): Fs {
  const self: Fs = {
    async readText(file, { maxBytes = MAX_READ_BYTES, noFollow = false, strictUtf8 = false, ownedBy } = {}) {
      return readRegularFile(reading, file, maxBytes, noFollow, strictUtf8, ownedBy);
    },

    async writeFileAtomic(file, data, { mode, forceMode = false, noFollow = false }) {
      // The link stays a link (a config file kept in a dotfiles repository): its target is replaced.
      // A cache file's link is replaced itself: rename() never follows the name it replaces.
      const target = noFollow ? path.join(await self.realpath(path.dirname(file)), path.basename(file)) : await self.realpath(file);
      let existing: Stats | null = null;
      try {
        existing = await (noFollow ? fsp.lstat(target) : fsp.stat(target));
      } catch (error) {
        if (!isErrno(error, "ENOENT")) throw fileSystemError(error, "write", target);
      }
      if (existing && !existing.isFile()) {
        if (!noFollow || existing.isDirectory()) {
          throw new FileSystemError("write", target, existing.isDirectory() ? "it is a directory" : "it is not a regular file", {
            code: existing.isDirectory() ? "EISDIR" : "ENOTREG",
          });
        }
        existing = null; // a symlink or other entry in a cache directory: replaced, its owner and mode not kept
      }
      if (existing && !forceMode && (await isReadOnly(target, existing))) {
        const mode = (existing.mode & 0o777).toString(8).padStart(4, "0");
        throw new FileSystemError("write", target, `it is read-only (mode ${mode}), so sso-setup leaves it alone; make it writable (chmod u+w) to let sso-setup change it`, {
          code: "EACCES",
        });
      }
      const fileMode = existing && !forceMode ? existing.mode & 0o7777 : mode;
      await sweepStaleTemps(path.dirname(target));
      let temp: { file: string; handle: fsp.FileHandle };
      try {
        temp = await createTemp(target, fileMode);
      } catch (error) {
        throw fileSystemError(error, "write", target);
      }
      try {
        if (typeof data === "string") await temp.handle.writeFile(data, "utf8");
        else await writePieces(temp.handle, data);
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
        throw fileSystemError(error, "write", target);
      }
    },

    async mkdirp(dir, mode) {
      // mkdir's recursive mode applies `mode` to every directory it creates (~/.aws/sso/cache 0700)
      // without changing the mode of a ~/.aws that already exists; the chmod makes it exact whatever the
      // umask (a umask of 0277 would otherwise leave directories we cannot write into).
      const target = path.resolve(dir);
      try {
        const first = await fsp.mkdir(target, { recursive: true, mode });
        if (first === undefined) return;
        for (let created = target; ; created = path.dirname(created)) {
          await fsp.chmod(created, mode);
          if (created === first || created === path.dirname(created)) break;
        }
      } catch (error) {
        throw fileSystemError(error, "create the directory", target);
      }
    },

    async readdir(dir) {
      try {
        return await reading.readdir(dir);
      } catch (error) {
        if (isErrno(error, "ENOENT")) return [];
        throw fileSystemError(error, "list", dir);
      }
    },

    async realpath(file) {
      try {
        return await reading.realpath(file);
      } catch (error) {
        if (!isErrno(error, "ENOENT")) throw fileSystemError(error, "resolve", file);
      }
      try {
        return await danglingTarget(reading, path.resolve(file));
      } catch (error) {
        throw fileSystemError(error, "resolve", file);
      }
    },

    async stat(file) {
      try {
        const stats = await reading.stat(file);
        return { mode: stats.mode & 0o7777, isFile: stats.isFile(), isDirectory: stats.isDirectory(), uid: stats.uid };
      } catch (error) {
        if (isMissing(error)) return null;
        throw fileSystemError(error, "read", file);
      }
    },

    async version(file) {
      let fd: number;
      try {
        fd = await reading.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (error) {
        if (isMissing(error)) return null;
        throw fileSystemError(error, "read", file);
      }
      try {
        const stats = await reading.bigFstat(fd);
        if (!stats.isFile()) return null;
        const changed = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
        return { id: `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`, changedAt: Number(changed / 1_000_000n) };
      } catch (error) {
        throw fileSystemError(error, "read", file);
      } finally {
        await reading.close(fd).catch(() => undefined);
      }
    },

    async remove(file) {
      try {
        await fsp.unlink(file);
        return true;
      } catch (error) {
        if (isErrno(error, "ENOENT")) return false;
        throw fileSystemError(error, "remove", file);
      }
    },
  };
  return self;
}

/** The most links followed, as Linux's ELOOP limit. */
const MAX_LINKS = 40;

/**
 * Where a path that does not exist (yet) leads: its directory's real path and its name, and for a
 * dangling symlink (a dotfiles link whose target is not created yet), where the link points. Writing
 * there creates the target and keeps the link, as `open()` through the link does for the AWS CLI.
 */
async function danglingTarget(reading: Reading, file: string): Promise<string> {
  let current = file;
  for (let hops = 0; ; hops++) {
    let dir: string;
    try {
      dir = await reading.realpath(path.dirname(current));
    } catch (error) {
      if (isErrno(error, "ENOENT")) return current;
      throw error;
    }
    current = path.join(dir, path.basename(current));
    let link: string;
    try {
      link = await reading.readlink(current);
    } catch (error) {
      // EINVAL: not a link (or nothing there): this is the name a write creates.
      if (isErrno(error, "EINVAL") || isErrno(error, "ENOENT")) return current;
      throw error;
    }
    if (hops === MAX_LINKS) throw Object.assign(new Error("too many symbolic links"), { code: "ELOOP" });
    current = path.resolve(dir, link);
  }
}

/**
 * What proper-lockfile (lock.ts) calls, in its callback style, for the `<file>.lock` directories:
 * created with exactly `mode` whatever the umask, and removed with whatever a killed or foreign
 * process left inside (a plain rmdir fails with ENOTEMPTY, and the lock would then never be taken).
 */
export function lockDirectoryFs(mode: number) {
  type Callback<T = undefined> = (error: NodeJS.ErrnoException | null, value?: T) => void;
  const settle = <T>(promise: Promise<T>, callback: Callback<T>) =>
    void promise.then(
      (value) => callback(null, value),
      (error: NodeJS.ErrnoException) => callback(error),
    );
  return {
    mkdir(dir: string, callback: Callback) {
      settle(
        fsp.mkdir(dir, { mode }).then(async () => {
          try {
            await fsp.chmod(dir, mode);
          } catch (error) {
            await fsp.rmdir(dir).catch(() => undefined);
            throw error;
          }
          return undefined;
        }),
        callback,
      );
    },
    rmdir(dir: string, callback: Callback) {
      settle(
        fsp.rm(dir, { recursive: true }).then(() => undefined),
        callback,
      );
    },
    rmdirSync(dir: string) {
      rmSync(dir, { recursive: true, force: true });
    },
    stat(file: string, callback: Callback<Stats>) {
      settle(fsp.stat(file), callback);
    },
    utimes(file: string, atime: Date, mtime: Date, callback: Callback) {
      settle(fsp.utimes(file, atime, mtime).then(() => undefined), callback);
    },
    realpath(file: string, callback: Callback<string>) {
      settle(fsp.realpath(file), callback);
    },
  };
}

/**
 * Writes the pieces one after another, each encoded into the same buffer: no encoded copy of the
 * whole text is made, nor one buffer per piece that only a garbage collection would free.
 */
async function writePieces(handle: fsp.FileHandle, pieces: readonly string[]): Promise<void> {
  let buffer = Buffer.allocUnsafe(0);
  for (const piece of pieces) {
    const length = Buffer.byteLength(piece, "utf8");
    if (length > buffer.length) buffer = Buffer.allocUnsafe(Math.max(length, 64 * 1024));
    buffer.write(piece, 0, "utf8");
    for (let at = 0; at < length; ) at += (await handle.write(buffer, at, length - at)).bytesWritten;
  }
}

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
