/**
 * V8's compiled code for the fast path (dist/cli/fast.cjs), kept between runs on Node 20, which has
 * no compile cache of its own (Node 22.1+ has module.enableCompileCache, and bin.ts turns it on).
 * Compiling the fast path's 100 KB and the functions a warm run calls is a sixth of what a warm
 * `export-credentials` costs; with V8's code cache it is read back instead.
 *
 * The cache is a file per bundle build, Node version and architecture, in a directory of the
 * temporary directory that only this user can write (as Node's own cache lives in the temporary
 * directory). V8 takes cached code only when it was made by the same V8 with the same flags for a
 * source of the same length, and rejects a damaged file; a file another user could have written is
 * never read. Whatever goes wrong (no temporary directory, a full disk) leaves the run as it would be
 * without a cache. NODE_DISABLE_COMPILE_CACHE, Node's own switch, turns it off.
 *
 * Boot code, before the dependencies of fast-path.ts exist: it uses node:fs directly.
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, constants } from "node:fs";
import * as path from "node:path";
import { Script } from "node:vm";

/** A cache file bigger than this is not ours: V8's cache for the fast path is about 130 KB. */
const MAX_CACHE_BYTES = 8 * 1024 * 1024;

export interface CodeCacheOptions {
  env: Readonly<Record<string, string | undefined>>;
  tmpdir: string;
  /** Changes with every build of the bundle (scripts/bundle.mjs hashes it). */
  bundleId: string;
  uid: number | undefined;
}

/** The cache file for the bundle, or undefined when there is to be no cache. */
export function codeCacheFile({ env, tmpdir, bundleId, uid }: CodeCacheOptions): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE || !tmpdir || !bundleId) return undefined;
  const dir = path.join(tmpdir, `sso-setup-compile-cache-${uid ?? "user"}`);
  return path.join(dir, `fast-${bundleId}-${process.version}-${process.arch}.v8cache`);
}

/**
 * Runs the CommonJS file as require() runs it (its requires answered by `requireFn`, which must
 * resolve from the same directory), compiled from `cacheFile` when V8 accepts it, and returns its
 * exports. The file must be one whose value as a script is its module function, as fast.cjs
 * is. When there was no usable cache, the compiled code (with every function the run called) is
 * saved as the process exits.
 */
export function requireWithCodeCache<T>(file: string, requireFn: NodeJS.Require, cacheFile: string | undefined, uid: number | undefined): T {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    // As require() reports a missing file, so that bin.ts tells of an incomplete installation.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw Object.assign(new Error(`Cannot find module '${file}'`, { cause: error }), { code: "MODULE_NOT_FOUND" });
  }
  const cachedData = cacheFile === undefined ? undefined : readOwnCache(cacheFile, uid);
  // The file's value as a script is its module function (scripts/bundle.mjs): no wrapper to add,
  // hence no second copy of the source.
  const script = new Script(source, { filename: file, cachedData });
  const moduleFunction: unknown = script.runInThisContext();
  if (typeof moduleFunction !== "function") throw new Error(`${file} is not a module function as a script: rebuild it with scripts/bundle.mjs`);
  const module = { id: file, filename: file, loaded: false, exports: {} as T, children: [], paths: [] };
  // As require() would have it: a second require of the file finds this one, and the start-up test
  // sees it among the loaded modules.
  (requireFn.cache as Record<string, unknown>)[file] = module;
  (moduleFunction as (...args: unknown[]) => void).call(module.exports, module.exports, requireFn, module, file, path.dirname(file));
  module.loaded = true;
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    process.once("exit", () => saveCache(cacheFile, script, uid));
  }
  return module.exports;
}

/** Only this user may write it. (Windows reports every file as writable by all: there is no cache there, and Node 22+ has its own.) */
function isOwn(stats: { mode: number; uid: number }, uid: number | undefined): boolean {
  return (stats.mode & 0o022) === 0 && (uid === undefined || stats.uid === uid);
}

/** The cache file's bytes, if it is a regular file of this user's, in a directory of theirs, that nobody else may write. */
function readOwnCache(cacheFile: string, uid: number | undefined): Buffer | undefined {
  let fd: number | undefined;
  try {
    const dir = lstatSync(path.dirname(cacheFile));
    if (!dir.isDirectory() || !isOwn(dir, uid)) return undefined;
    fd = openSync(cacheFile, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > MAX_CACHE_BYTES || !isOwn(stats, uid)) return undefined;
    const bytes = Buffer.allocUnsafe(stats.size);
    return readSync(fd, bytes, 0, stats.size, 0) === stats.size ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function saveCache(cacheFile: string, script: Script, uid: number | undefined): void {
  const dir = path.dirname(cacheFile);
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { mode: 0o700, recursive: true });
    // A directory someone else made, or one others may write into, is not used.
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || !isOwn(stats, uid)) return;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600, flag: "wx" });
    renameSync(temp, cacheFile);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // It was never made.
    }
  }
}
