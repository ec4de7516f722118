/**
 * The AWS config file as sso-setup sees it: read with the same rules as botocore and the JS SDK,
 * and changed only through declarative section edits that are applied surgically and atomically.
 */
import * as path from "node:path";
import { ConfigError, FileSystemError, FlowError } from "../errors.js";
import type { Clock } from "../platform/clock.js";
import { NotUtf8Error, type Fs } from "../platform/fs.js";
import { acquireLock, type FileLocker } from "../platform/lock.js";
import {
  ConfigSyntaxError,
  ConfigValueError,
  parseConfig,
  parseConfigDocument,
  quoted,
  removeSections,
  upsertSection,
  type ConfigDocument,
  type SectionRef,
} from "./ini.js";
import { jsSdkSection, parseIniLikeJsSdk } from "./js-sdk-reading.js";

export type { SectionRef } from "./ini.js";

/** A new config file gets 0600, like the AWS CLI's: it can hold endpoints and account ids. */
const NEW_CONFIG_MODE = 0o600;
const NEW_CONFIG_DIR_MODE = 0o700;

export interface SectionEdit {
  ref: SectionRef;
  values: ReadonlyArray<readonly [string, string | null]>;
}

export class AwsConfig {
  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly document: ConfigDocument,
  ) {}

  static async load(fs: Fs, file: string): Promise<AwsConfig> {
    return AwsConfig.fromText(file, await readConfigText(fs, file));
  }

  static fromText(file: string, text: string): AwsConfig {
    return new AwsConfig(file, text, parseOrThrow(text, file, parseConfigDocument));
  }

  /** The text with these sections upserted, from the scan this config was parsed with. */
  withSections(edits: readonly SectionEdit[]): string {
    return this.document.upsertSections(edits);
  }

  profile(name: string): Readonly<Record<string, string>> | undefined {
    return this.document.profile(name);
  }

  ssoSession(name: string): Readonly<Record<string, string>> | undefined {
    return this.document.ssoSession(name);
  }

  /** Every profile with its values: one pass, where profileNames() and profile() would look each one up. */
  profileEntries(): IterableIterator<[string, Readonly<Record<string, string>>]> {
    return this.document.profileEntries();
  }

  profileNames(): string[] {
    return this.document.profileNames();
  }

  ssoSessionNames(): string[] {
    return this.document.ssoSessionNames();
  }

  /**
   * A `[services NAME]` section's values (a service's settings are one nested value each). Such
   * sections are rare and not on any hot path: finding one reads the whole file once more.
   */
  services(name: string): Readonly<Record<string, string>> | undefined {
    return this.document.parsed.sections.findLast((s) => s.kind === "services" && s.name === name)?.values;
  }

  /** `[DEFAULT]`'s settings, which botocore (not the JS SDK) gives every profile that lacks the key. */
  defaults(): Readonly<Record<string, string>> {
    return this.document.defaults;
  }
}

export async function readConfigText(fs: Fs, file: string): Promise<string> {
  try {
    return (await fs.readText(file, { strictUtf8: true })) ?? "";
  } catch (error) {
    if (error instanceof NotUtf8Error) {
      throw new ConfigError(
        `Unable to parse config file ${file}, line ${error.line}: ${error.reason}; the AWS CLI cannot read this file either (it reads it as UTF-8). Fix that line by hand; sso-setup never rewrites a file it cannot parse.`,
        { cause: error },
      );
    }
    // The Fs port reads only regular files up to MAX_READ_BYTES: a FIFO or a device never hangs us.
    const reason = error instanceof FileSystemError ? error.reason : ((error as NodeJS.ErrnoException).code ?? "error");
    throw new ConfigError(
      `Unable to read the config file ${file}: ${reason}. Check that it is a readable file, or point --config-file / AWS_CONFIG_FILE at another one.`,
      { cause: error },
    );
  }
}

export function parseOrThrow<T>(text: string, file: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) {
      throw new ConfigError(
        `Unable to parse config file ${file}, line ${error.line}: ${error.reason}. Fix that line by hand; sso-setup never rewrites a file it cannot parse.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** What changing the config file needs: the file, and a cross-process lock to change it under. */
export interface ConfigWriteDeps {
  fs: Fs;
  locker: FileLocker;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

/**
 * Applies the edits to the file as it is on disk now (not as it was when the command started), so a
 * change another tool made in the meantime is kept. The result is written in one atomic rename.
 */
export async function applyConfigEdits(
  deps: ConfigWriteDeps,
  file: string,
  edits: readonly SectionEdit[],
): Promise<{ warnings: string[] }> {
  const { result } = await lockedRewrite(deps, file, (before) => {
    parseOrThrow(before, file, parseConfig);
    let after = before;
    for (const edit of edits) after = writable(file, () => upsertSection(after, edit.ref, edit.values));
    return { after, result: readerDifferences(after, edits.map((e) => e.ref)) };
  });
  return { warnings: result };
}

/**
 * A value the editor cannot write safely (from a service answer or the file itself), or an edit
 * that would leave a file the AWS CLI cannot read, is a 253, never a crash.
 */
function writable<T>(file: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof ConfigValueError || error instanceof ConfigSyntaxError) {
      throw new ConfigError(`Cannot write to the config file ${file}: ${error.message}. Nothing was written.`, { cause: error });
    }
    throw error;
  }
}

const MAX_DIFFERENCES = 4;
const MAX_WARNINGS = 5;

/**
 * Where the JS SDK would read a section we wrote differently from botocore, which sso-setup follows:
 * a line it does not split the same way, a `Key:` spelling, a value with ` #`, a spelling of the
 * section it does not recognise. One warning per section, for stderr.
 */
export function readerDifferences(text: string, refs: readonly SectionRef[]): string[] {
  if (refs.length === 0) return [];
  let js: ReturnType<typeof parseIniLikeJsSdk>;
  try {
    js = parseIniLikeJsSdk(text);
  } catch (error) {
    return [`Warning: the AWS SDK for JavaScript cannot read this config file at all (${(error as Error).message}); the AWS CLI can.`];
  }
  const parsed = parseConfig(text);
  const warnings: string[] = [];
  for (const ref of refs) {
    // The credentials file's sections are compared by their own readers, not as config profiles.
    const kind = ref.kind;
    if (kind === "credentials") continue;
    const botocore = (kind === "profile" ? parsed.profiles : parsed.ssoSessions).get(ref.name)?.values;
    if (!botocore) continue;
    const sdk = jsSdkSection(js, { kind, name: ref.name }) ?? {};
    const differences: string[] = [];
    for (const [key, value] of Object.entries(botocore)) {
      // configparser's raw value of a nested block, and an empty value, are no setting to the SDK.
      if (value === "" || value.startsWith("\n") || sdk[key] === value) continue;
      differences.push(`${key}: the AWS CLI reads ${quoted(value)}, the JS SDK ${sdk[key] === undefined ? "nothing" : quoted(sdk[key])}`);
    }
    for (const [key, value] of Object.entries(sdk)) {
      if (!(key in botocore)) differences.push(`${quoted(key)}: the JS SDK reads ${quoted(value)}, the AWS CLI nothing`);
    }
    if (differences.length === 0) continue;
    const more = differences.length > MAX_DIFFERENCES ? `; and ${differences.length - MAX_DIFFERENCES} more` : "";
    const name = ref.kind === "profile" ? `profile ${ref.name}` : `sso-session ${ref.name}`;
    warnings.push(
      `Warning: the AWS SDKs for JavaScript read ${name} differently from the AWS CLI (${differences.slice(0, MAX_DIFFERENCES).join("; ")}${more}). ` +
        `sso-setup follows the AWS CLI; edit those lines by hand (one "key = value" per line, lowercase keys, no " #" in values) if the SDKs must agree.`,
    );
  }
  // populate writes thousands of profiles: a file every reader splits differently (lone CRs) would
  // otherwise print a warning per profile.
  if (warnings.length > MAX_WARNINGS) {
    return [...warnings.slice(0, MAX_WARNINGS - 1), `Warning: the same holds for ${warnings.length - MAX_WARNINGS + 1} more of the sections written.`];
  }
  return warnings;
}

/** How often a read-modify-write starts over when it finds it may have raced another writer. */
const REWRITE_ATTEMPTS = 3;

/**
 * Read, change and write the file holding its lock, so that concurrent sso-setup processes each
 * add their change to the others' instead of overwriting them. The lock is named after the file's
 * real path, so two names for one file (a symlink, a relative AWS_CONFIG_FILE) share it; it is a
 * `<real file>.lock` directory next to the file, which the AWS CLI never reads. Just before writing,
 * the lock must still be ours and the file still what was read: otherwise (a process that stalled
 * past the lock's stale time, a tool that writes without the lock) the change is made again on the
 * newer text.
 */
export async function lockedRewrite<T>(
  deps: ConfigWriteDeps,
  file: string,
  // `after` may come in pieces, written one after another: a big file is then never joined.
  change: (before: string) => { after: string | readonly string[]; result: T },
  // The credentials file is rewritten under the same rules; only its name and read errors differ.
  kind: { label: string; read: (fs: Fs, file: string) => Promise<string>; forceMode?: boolean } = { label: "config file", read: readConfigText },
): Promise<{ result: T; written: boolean }> {
  // The lock directory is made next to the file, so the directory must exist first.
  await deps.fs.mkdirp(path.dirname(file), NEW_CONFIG_DIR_MODE);
  const lockPath = await deps.fs.realpath(file);
  for (let attempt = 1; ; attempt++) {
    const lock = await acquireLock(lockPath, `the ${kind.label} ${file}`, deps);
    try {
      const before = await kind.read(deps.fs, file);
      const { after, result } = change(before);
      if (after === before) return { result, written: false };
      if (!lock.lost && (await kind.read(deps.fs, file)) === before) {
        await deps.fs.writeFileAtomic(file, after, { mode: NEW_CONFIG_MODE, forceMode: kind.forceMode ?? false });
        return { result, written: true };
      }
    } finally {
      await lock.release();
    }
    if (attempt === REWRITE_ATTEMPTS) {
      throw new FlowError(`The ${kind.label} ${file} kept changing while sso-setup was changing it; nothing was written. Try again.`);
    }
  }
}

export interface ConfigChanges {
  upserts: readonly SectionEdit[];
  removals: readonly SectionRef[];
}

/**
 * Bulk changes in one scan and one atomic write, under the rules of applyConfigEdits. `decide` is
 * given the file as it is right before the write, so a change made by hand while a long listing ran
 * is seen by the decision (a profile created meanwhile is not overwritten) and kept. Returns what
 * `decide` returned, and whether the file changed.
 */
export async function updateConfigFile<T extends ConfigChanges>(
  deps: ConfigWriteDeps,
  file: string,
  decide: (config: AwsConfig) => T,
): Promise<{ changes: T; written: boolean; warnings: string[] }> {
  const { result, written } = await lockedRewrite(deps, file, (before) => {
    const config = AwsConfig.fromText(file, before);
    const changes = decide(config);
    // One scan for both the decision and the edits: a file of thousands of profiles is large to scan.
    const upserted = writable(file, () => config.withSections(changes.upserts));
    const after = changes.removals.length > 0 ? removeSections(upserted, changes.removals) : upserted;
    return { after, result: { changes, warnings: readerDifferences(after, changes.upserts.map((e) => e.ref)) } };
  });
  return { changes: result.changes, written, warnings: result.warnings };
}
