/**
 * What `completion --list` (every Tab) and `status` (shell prompts) need from the whole config file,
 * kept between runs. On a file of 15,000 profiles after `populate`, reading and checking it costs
 * twice a bare Node start however the reader is written (most of it is decoding the text and
 * allocating its values); the summary is a fraction of the file and answers both commands.
 *
 * A summary is used only for the very file version it was made from (fs.ts's FileVersion: device,
 * inode, size, and modification and change times to the nanosecond, read from the opened file). The
 * change time is set by the kernel alone (or a network filesystem's server), so every edit gives a
 * new version, with one exception: an edit within the same tick of a coarse clock (a filesystem that
 * keeps seconds) and of the same size. So a summary is written only for a file that has not changed
 * for STABLE_MS: any later edit is then a tick later. Whatever
 * goes wrong with the cache (no home, a full disk, a damaged file) leaves the run as it would be
 * without one. The cache holds profile and sso-session names and start URLs, as the config does, in a
 * 0700 directory of the user's cache directory (XDG_CACHE_HOME, else ~/.cache), mode 0600.
 */
import * as path from "node:path";
import type { Clock } from "../platform/clock.js";
import type { Fs } from "../platform/fs.js";
import { sha1Hex } from "../sso/token.js";
import type { DebugLog } from "../ui/debug.js";
import { VERSION } from "../version.js";
import { AwsConfig } from "./aws-config.js";
import { signInGroups, type SignInGroup } from "./sso-profiles.js";

export interface ConfigSummary {
  profileNames: string[];
  ssoSessionNames: string[];
  signIns: SignInGroup[];
}

/** The sign-ins are found on first use: `completion --list` needs only the names, unless the summary is kept. */
export function summarize(config: AwsConfig): ConfigSummary {
  let signIns: SignInGroup[] | undefined;
  return {
    profileNames: config.profileNames(),
    ssoSessionNames: config.ssoSessionNames(),
    get signIns() {
      return (signIns ??= signInGroups(config));
    },
  };
}

/** A file changed more recently than this may still change within its timestamps' granularity (FAT keeps 2 s). */
export const STABLE_MS = 5_000;
/** Bumped whenever what a summary holds, or how it is derived, changes. */
const FORMAT = 1;

interface CacheFile extends ConfigSummary {
  format: number;
  /** The sso-setup that wrote it: a new release may read the config differently. */
  writer: string;
  file: string;
  version: string;
}

export class ConfigSummaryCache {
  constructor(
    private readonly fs: Fs,
    private readonly clock: Clock,
    /** Undefined: no cache (no usable cache directory). */
    readonly dir: string | undefined,
    private readonly debug?: Pick<DebugLog, "log">,
    /** This process's user (undefined on Windows): a summary owned by anyone else is not believed. */
    private readonly uid?: number,
  ) {}

  /**
   * The file's summary, and the parsed config when it had to be read (a first run, or an edit since).
   * The config's own errors are thrown as AwsConfig.load throws them.
   */
  async load(file: string): Promise<{ summary: ConfigSummary; config?: AwsConfig }> {
    const cacheFile = this.dir === undefined ? undefined : path.join(this.dir, `config-${sha1Hex(file)}.json`);
    const before = cacheFile === undefined ? null : await this.fs.version(file).catch(() => null);
    if (before && cacheFile) {
      const cached = await this.read(cacheFile);
      if (cached && cached.file === file && cached.version === before.id) {
        this.debug?.log("file", `read the summary of ${file} from ${cacheFile} (the file is unchanged since)`);
        const { profileNames, ssoSessionNames, signIns } = cached;
        return { summary: { profileNames, ssoSessionNames, signIns } };
      }
    }
    const config = await AwsConfig.load(this.fs, file);
    const summary = summarize(config);
    if (before && cacheFile && before.changedAt <= this.clock.now() - STABLE_MS) {
      const after = await this.fs.version(file).catch(() => null);
      if (after?.id === before.id) await this.write(cacheFile, { format: FORMAT, writer: VERSION, file, version: before.id, ...summary }).catch(() => undefined);
    }
    return { summary, config };
  }

  private async read(cacheFile: string): Promise<CacheFile | undefined> {
    try {
      // A summary someone else wrote, or could have written, is not ours to believe: the directory
      // and the file (checked as opened, never through a symlink) must be this user's and nobody
      // else's to write. Windows has no such modes (every file is reported writable by all).
      if (this.uid !== undefined) {
        const dir = await this.fs.stat(path.dirname(cacheFile));
        if (!dir?.isDirectory || dir.uid !== this.uid || (dir.mode & 0o022) !== 0) return undefined;
      }
      const text = await this.fs.readText(cacheFile, { noFollow: true, ownedBy: this.uid });
      return text === null ? undefined : parseCacheFile(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  private async write(cacheFile: string, content: CacheFile): Promise<void> {
    const dir = path.dirname(cacheFile);
    await this.fs.mkdirp(dir, 0o700);
    await this.fs.writeFileAtomic(cacheFile, JSON.stringify(content), { mode: 0o600, forceMode: true, noFollow: true });
    await this.prune(dir);
  }

  /**
   * One summary per config file, and a config is summarised only once it has settled, so throwaway
   * configs rarely leave one; still, only the most recently written KEPT_SUMMARIES stay.
   */
  private async prune(dir: string): Promise<void> {
    const names = (await this.fs.readdir(dir)).filter((name) => SUMMARY_FILE.test(name));
    if (names.length <= KEPT_SUMMARIES) return;
    const written = await Promise.all(names.map(async (name) => ({ name, at: (await this.fs.version(path.join(dir, name)).catch(() => null))?.changedAt ?? 0 })));
    written.sort((a, b) => b.at - a.at);
    for (const { name } of written.slice(KEPT_SUMMARIES)) await this.fs.remove(path.join(dir, name)).catch(() => false);
  }
}

const SUMMARY_FILE = /^config-[0-9a-f]{40}\.json$/;
const KEPT_SUMMARIES = 32;

/** The cache directory: XDG_CACHE_HOME's (when absolute, as the XDG spec asks), else ~/.cache's. */
export function summaryCacheDir(env: Readonly<Record<string, string | undefined>>, homedir: string): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : homedir ? path.join(homedir, ".cache") : undefined;
  return base === undefined ? undefined : path.join(base, "sso-setup", "config-summaries");
}

const isString = (value: unknown): value is string => typeof value === "string";
const optionalString = (value: unknown) => value === undefined || isString(value);

/** The cache file's content when it has exactly the shape written, else undefined. */
export function parseCacheFile(value: unknown): CacheFile | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.format !== FORMAT || v.writer !== VERSION || !isString(v.file) || !isString(v.version)) return undefined;
  const { profileNames, ssoSessionNames, signIns } = v;
  if (!Array.isArray(profileNames) || !profileNames.every(isString)) return undefined;
  if (!Array.isArray(ssoSessionNames) || !ssoSessionNames.every(isString)) return undefined;
  if (!Array.isArray(signIns)) return undefined;
  const count = profileNames.length;
  for (const s of signIns as unknown[]) {
    if (typeof s !== "object" || s === null) return undefined;
    const { sessionName, startUrl, region, scopes, profiles } = s as Record<string, unknown>;
    if (!optionalString(sessionName) || !optionalString(startUrl) || !optionalString(region)) return undefined;
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every(isString))) return undefined;
    if (!Array.isArray(profiles) || !profiles.every((i) => Number.isInteger(i) && i >= 0 && i < count)) return undefined;
  }
  return value as CacheFile;
}
