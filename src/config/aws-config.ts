/**
 * The AWS config file as sso-setup sees it: read with the same rules as botocore and the JS SDK,
 * and changed only through declarative section edits that are applied surgically and atomically.
 */
import * as path from "node:path";
import { ConfigError } from "../errors.js";
import type { Fs } from "../platform/fs.js";
import { ConfigSyntaxError, parseConfig, upsertSection, type ParsedConfig, type SectionRef } from "./ini.js";

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
    private readonly parsed: ParsedConfig,
  ) {}

  static async load(fs: Fs, file: string): Promise<AwsConfig> {
    const text = await readConfigText(fs, file);
    return new AwsConfig(file, text, parseOrThrow(text, file));
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

function parseOrThrow(text: string, file: string): ParsedConfig {
  try {
    return parseConfig(text);
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
  parseOrThrow(before, file);
  let after = before;
  for (const edit of edits) after = upsertSection(after, edit.ref, edit.values);
  if (after === before) return;
  await fs.mkdirp(path.dirname(file), NEW_CONFIG_DIR_MODE);
  await fs.writeFileAtomic(file, after, { mode: NEW_CONFIG_MODE });
}
