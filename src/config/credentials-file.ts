/**
 * The shared credentials file (~/.aws/credentials) as sso-setup edits it: only sections that carry
 * our ownership key are ever rewritten or removed, through the config file's surgical editor, under
 * the same lock and atomic write. Everything else in the file stays byte for byte.
 *
 * Its syntax differs from the config file's in one way that matters here: a section is `[name]`
 * (`[default]` included), never `[profile name]` (daily-use.md §3.1).
 */
import * as path from "node:path";
import type { Credentials } from "../credentials/formatters.js";
import { ConfigError, FileSystemError } from "../errors.js";
import type { Fs } from "../platform/fs.js";
import { formatTimestamp } from "../sso/token.js";
import { lockedRewrite, type ConfigWriteDeps } from "./aws-config.js";
import { ConfigSyntaxError, parseConfig, removeSections, upsertSections, type SectionRef, type SectionUpdate } from "./ini.js";

/** The config profile a section was written from; its presence is what makes the section ours. */
export const OWNER_KEY = "sso_setup_source_profile";
/** The de-facto expiry key that prompts and scripts read (saml2aws, starship); no SDK reads it. */
export const EXPIRES_KEY = "x_security_token_expires";

export interface CredentialsSection {
  name: string;
  values: Readonly<Record<string, string>>;
  /** The config profile it was written from, when sso-setup wrote it. */
  owner: string | undefined;
  /** Epoch ms from EXPIRES_KEY; NaN when absent or unreadable. */
  expires: number;
}

export function credentialsFilePath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const configured = env.AWS_SHARED_CREDENTIALS_FILE?.trim();
  if (!configured) return path.join(homedir, ".aws", "credentials");
  if (configured === "~") return homedir;
  return path.resolve(configured.startsWith("~/") ? path.join(homedir, configured.slice(2)) : configured);
}

async function readCredentialsText(fs: Fs, file: string): Promise<string> {
  try {
    return (await fs.readText(file)) ?? "";
  } catch (error) {
    const reason = error instanceof FileSystemError ? error.reason : ((error as NodeJS.ErrnoException).code ?? "error");
    throw new ConfigError(
      `Unable to read the credentials file ${file}: ${reason}. Check that it is a readable file, or point AWS_SHARED_CREDENTIALS_FILE at another one.`,
      { cause: error },
    );
  }
}

/** The sections by name, as botocore names them: the bracketed text. */
export function parseCredentialsFile(text: string, file: string): Map<string, CredentialsSection> {
  let parsed;
  try {
    parsed = parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) {
      throw new ConfigError(
        `Unable to parse the credentials file ${file}, line ${error.line}: ${error.reason}. Fix that line by hand; sso-setup never rewrites a file it cannot parse.`,
        { cause: error },
      );
    }
    throw error;
  }
  const sections = new Map<string, CredentialsSection>();
  for (const section of parsed.sections) {
    // `[profile x]` in this file is a section literally named "profile x", which sso-setup never writes.
    const bareDefault = section.kind === "profile" && section.name === "default" && /^\s*\[default\]/.test(section.header);
    if (section.kind !== "other" && !bareDefault) continue;
    const name = bareDefault ? "default" : section.name;
    const expiresText = section.values[EXPIRES_KEY];
    sections.set(name, {
      name,
      values: section.values,
      owner: section.values[OWNER_KEY] || undefined,
      expires: expiresText ? Date.parse(expiresText) : Number.NaN,
    });
  }
  return sections;
}

export async function loadCredentialsFile(fs: Fs, file: string): Promise<Map<string, CredentialsSection>> {
  return parseCredentialsFile(await readCredentialsText(fs, file), file);
}

export interface SectionWrite {
  name: string;
  sourceProfile: string;
  credentials: Credentials;
}

function sectionUpdate(write: SectionWrite): SectionUpdate {
  const { credentials } = write;
  return {
    ref: { kind: "credentials", name: write.name },
    values: [
      ["aws_access_key_id", credentials.accessKeyId],
      ["aws_secret_access_key", credentials.secretAccessKey],
      ["aws_session_token", credentials.sessionToken ?? null],
      // botocore reads aws_security_token before aws_session_token: a stale one would win.
      ["aws_security_token", null],
      [EXPIRES_KEY, credentials.expiration === undefined ? null : formatTimestamp(credentials.expiration)],
      [OWNER_KEY, write.sourceProfile],
    ],
  };
}

export interface CredentialsChanges<T> {
  writes: readonly SectionWrite[];
  removals: readonly string[];
  result: T;
}

/**
 * One locked read-modify-write of the credentials file. `decide` sees the sections as they are right
 * before the write, so ownership is checked against what is on disk, not against an earlier read.
 */
export async function updateCredentialsFile<T>(
  deps: ConfigWriteDeps,
  file: string,
  decide: (sections: Map<string, CredentialsSection>) => CredentialsChanges<T>,
): Promise<{ result: T; written: boolean }> {
  return lockedRewrite(
    deps,
    file,
    (before) => {
      const changes = decide(parseCredentialsFile(before, file));
      const refs: SectionRef[] = changes.removals.map((name) => ({ kind: "credentials", name }));
      const upserted = changes.writes.length > 0 ? upsertSections(before, changes.writes.map(sectionUpdate)) : before;
      return { after: refs.length > 0 ? removeSections(upserted, refs) : upserted, result: changes.result };
    },
    // 0600 even for a file that was readable by others: it now holds live secrets (the AWS CLI only warns).
    { label: "credentials file", read: readCredentialsText, forceMode: true },
  );
}

/**
 * Removes the sections sso-setup wrote from the profiles `wasWrittenFrom` accepts; returns their
 * names. Sections without our key are never touched. The file is not locked when nothing matches.
 */
export async function removeOwnedSections(deps: ConfigWriteDeps, file: string, wasWrittenFrom: (profile: string) => boolean): Promise<string[]> {
  const pick = (sections: Map<string, CredentialsSection>) =>
    [...sections.values()].filter((s) => s.owner !== undefined && wasWrittenFrom(s.owner)).map((s) => s.name);
  if (pick(await loadCredentialsFile(deps.fs, file)).length === 0) return [];
  const { result } = await updateCredentialsFile(deps, file, (sections) => {
    const names = pick(sections);
    return { writes: [], removals: names, result: names };
  });
  return result;
}
