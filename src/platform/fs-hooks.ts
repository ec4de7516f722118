/**
 * Sees every change an Fs makes, for `--debug`. A wrapper rather than a logger inside fs.ts: the
 * filesystem port stays free of presentation, and the hook is wired once, in deps.ts.
 */
import * as path from "node:path";
import type { Fs } from "./fs.js";

export interface FsChange {
  kind: "wrote" | "removed";
  file: string;
  /** For "wrote": the bytes written and the file's mode afterwards (kept from an existing file, or new). */
  bytes?: number;
  mode?: number | undefined;
}

export interface FsHook {
  /** Read at each change: the hook is switched on after the command line is parsed. */
  readonly active: boolean;
  changed(change: FsChange): void;
}

export function withFsHook(fs: Fs, hook: FsHook): Fs {
  return {
    ...fs,
    async writeFileAtomic(file, data, options) {
      await fs.writeFileAtomic(file, data, options);
      if (!hook.active) return;
      // The mode actually on disk: an existing file keeps its own unless forceMode, so `options.mode` may not be it.
      const stat = await fs.stat(file).catch(() => null);
      const bytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.reduce((n, piece) => n + Buffer.byteLength(piece, "utf8"), 0);
      hook.changed({ kind: "wrote", file, bytes, mode: stat?.mode });
    },
    async remove(file) {
      const removed = await fs.remove(file);
      if (removed && hook.active) hook.changed({ kind: "removed", file });
      return removed;
    },
  };
}

export interface PermissionWatch {
  /** Directories are checked from a file up to, not including, this one. */
  home: string;
  /** Whether sso-setup relies on this file: the config file, or anything under ~/.aws. */
  watched(file: string): boolean;
  warn(text: string): void;
}

/** `'…'` for sh, so the advice can be pasted whatever the path holds. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/**
 * Warns, once per path and run, when a file sso-setup relies on, or a directory above it inside the
 * home directory, may be written by group or others: whoever can write there can plant a token or a
 * profile (a credential_process) that we would use. A warning, not a refusal: the AWS CLI and the
 * SDKs use such files without a word, and a shared machine's policy may be deliberate.
 */
export function withPermissionWarnings(fs: Fs, watch: PermissionWatch): Fs {
  const checked = new Set<string>();
  const check = async (file: string): Promise<void> => {
    const target = path.resolve(file);
    if (!watch.watched(target)) return;
    const candidates = [target];
    for (let dir = path.dirname(target); isInside(dir, watch.home); dir = path.dirname(dir)) candidates.push(dir);
    for (const candidate of candidates) {
      if (checked.has(candidate)) continue;
      checked.add(candidate);
      const stat = await fs.stat(candidate).catch(() => null);
      // Devices (/dev/null as a config) are everybody's by design; only files and directories count.
      if (!stat || !(stat.isFile || stat.isDirectory) || (stat.mode & 0o022) === 0) continue;
      const who = (stat.mode & 0o022) === 0o022 ? "group and others" : stat.mode & 0o020 ? "its group" : "others";
      watch.warn(
        `sso-setup: warning: ${candidate} can be written by ${who} (mode ${stat.mode.toString(8).padStart(4, "0")}); ` +
          `whoever can write there can change the profiles and tokens sso-setup uses. To fix: chmod go-w ${shellQuote(candidate)}\n`,
      );
    }
  };
  return {
    ...fs,
    async readText(file, options) {
      await check(file);
      return fs.readText(file, options);
    },
    async writeFileAtomic(file, data, options) {
      await check(file);
      return fs.writeFileAtomic(file, data, options);
    },
    async mkdirp(dir, mode) {
      await check(dir);
      return fs.mkdirp(dir, mode);
    },
    async readdir(dir) {
      await check(dir);
      return fs.readdir(dir);
    },
    // A config file known from its version alone is relied on all the same.
    async version(file) {
      await check(file);
      return fs.version(file);
    },
  };
}
