/**
 * Sees every change an Fs makes, for `--debug`. A wrapper rather than a logger inside fs.ts: the
 * filesystem port stays free of presentation, and the hook is wired once, in deps.ts.
 */
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
      hook.changed({ kind: "wrote", file, bytes: Buffer.byteLength(data, "utf8"), mode: stat?.mode });
    },
    async remove(file) {
      const removed = await fs.remove(file);
      if (removed && hook.active) hook.changed({ kind: "removed", file });
      return removed;
    },
  };
}
