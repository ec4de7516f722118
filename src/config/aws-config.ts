/**
 * The AWS config file as sso-setup sees it: read with the same rules as botocore and the JS SDK,
 * and changed only through declarative section edits that are applied surgically and atomically.
 */
import * as path from "node:path";
import { ConfigError } from "../errors.js";
import type { Fs } from "../platform/fs.js";
import {
  ConfigSyntaxError,
  parseConfig,
  parseConfigDocument,
  removeSections,
  upsertSection,
  type ConfigDocument,
  type SectionRef,
} from "./ini.js";

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

  private get parsed() {
    return this.document.parsed;
  }

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
    return this.parsed.profiles.get(name)?.values;
  }

  ssoSession(name: string): Readonly<Record<string, string>> | undefined {
    return this.parsed.ssoSessions.get(name)?.values;
  }

  profileNames(): string[] {
    return [...this.parsed.profiles.keys()];
  }

  ssoSessionNames(): string[] {
    return [...this.parsed.ssoSessions.keys()];
  }
}

async function readConfigText(fs: Fs, file: string): Promise<string> {
  try {
    return (await fs.readText(file)) ?? "";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `Unable to read the config file ${file} (${code}). Check that it is a readable file, or point --config-file / AWS_CONFIG_FILE at another one.`,
      { cause: error },
    );
  }
}

function parseOrThrow<T>(text: string, file: string, parse: (text: string) => T): T {
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

/**
 * Applies the edits to the file as it is on disk now (not as it was when the command started), so a
 * change another tool made in the meantime is kept. The result is written in one atomic rename.
 */
export async function applyConfigEdits(fs: Fs, file: string, edits: readonly SectionEdit[]): Promise<void> {
  const before = await readConfigText(fs, file);
  parseOrThrow(before, file, parseConfig);
  let after = before;
  for (const edit of edits) after = upsertSection(after, edit.ref, edit.values);
  if (after === before) return;
  await writeConfigText(fs, file, after);
}

async function writeConfigText(fs: Fs, file: string, text: string): Promise<void> {
  await fs.mkdirp(path.dirname(file), NEW_CONFIG_DIR_MODE);
  await fs.writeFileAtomic(file, text, { mode: NEW_CONFIG_MODE });
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
  fs: Fs,
  file: string,
  decide: (config: AwsConfig) => T,
): Promise<{ changes: T; written: boolean }> {
  const before = await readConfigText(fs, file);
  const config = AwsConfig.fromText(file, before);
  const changes = decide(config);
  // One scan for both the decision and the edits: a file of thousands of profiles is large to scan.
  const upserted = config.withSections(changes.upserts);
  const after = changes.removals.length > 0 ? removeSections(upserted, changes.removals) : upserted;
  if (after === before) return { changes, written: false };
  await writeConfigText(fs, file, after);
  return { changes, written: true };
}
