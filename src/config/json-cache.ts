/**
 * A directory of JSON files shared with the AWS CLI (`~/.aws/sso/cache`, `~/.aws/cli/cache`).
 * Files are written atomically with mode 0600 in a 0700 directory; unreadable or non-JSON files are
 * treated as absent, as botocore does, so a corrupt cache never blocks a login. Symlinks are never
 * followed here (unlike the config file): one planted in a cache directory is read as absent and
 * replaced on the next write, so a token never lands in the file it points at.
 */
import * as path from "node:path";
import type { Fs } from "../platform/fs.js";
import { pythonJsonDumps } from "../sso/token.js";

export const CACHE_DIR_MODE = 0o700;
export const CACHE_FILE_MODE = 0o600;

export class JsonFileCache {
  constructor(
    private readonly fs: Fs,
    readonly dir: string,
  ) {}

  fileFor(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  async read(key: string): Promise<Record<string, unknown> | null> {
    let text: string | null;
    try {
      text = await this.fs.readText(this.fileFor(key), { noFollow: true });
    } catch {
      return null;
    }
    if (text === null) return null;
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  /** Creates the directory (0700) if it is missing; lock files are made next to the cache files. */
  async ensureDir(): Promise<void> {
    await this.fs.mkdirp(this.dir, CACHE_DIR_MODE);
  }

  /** Written in botocore's compact `json.dumps` style, so the file is indistinguishable from the CLI's. */
  async write(key: string, value: Record<string, unknown>): Promise<string> {
    await this.ensureDir();
    const file = this.fileFor(key);
    await this.fs.writeFileAtomic(file, pythonJsonDumps(value), { mode: CACHE_FILE_MODE, forceMode: true, noFollow: true });
    return file;
  }

  async remove(key: string): Promise<boolean> {
    return this.fs.remove(this.fileFor(key));
  }
}
