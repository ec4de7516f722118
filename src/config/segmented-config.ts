/**
 * A big config file read and edited a few hundred sections at a time, for populate: a file of
 * 30,000 profiles parsed whole keeps ~57 MB of line and option records alive at once, which alone
 * pushes a run past 150 MB. Each segment is parsed and edited by ini.ts exactly as the whole file
 * would be, and only what populate reads from a profile is kept across segments.
 *
 * A segment starts at a `[` in column 0: such a line is a section header for every reader
 * (configparser never continues a value with an unindented line), so no setting spans two segments.
 * What spans them is checked here: a section defined twice, and error line numbers.
 */
import { parseOrThrow, type AwsConfig, type ConfigChanges, type ConfigWriteDeps, lockedRewrite, type SectionEdit } from "./aws-config.js";
import { ConfigSyntaxError, parseConfigDocument, removeSections, sectionNameOf, upsertSections, type ConfigDocument, type SectionRef } from "./ini.js";

/** Sections per segment: large enough that headers are few, small enough that a segment's scan is. */
const SEGMENT_SECTIONS = 256;
/** New sections are rendered in batches, so their entries and lines are never all alive at once. */
const APPEND_BATCH = 512;

/** What populate and sessionTarget read of a config file. */
export type ConfigView = Pick<AwsConfig, "file" | "profile" | "profileNames" | "ssoSession">;

/** Segment boundaries: the offsets where segments start, each (but the first) at a column-0 `[`. */
function segmentStarts(text: string): number[] {
  const starts = [0];
  // configparser splits lines at a lone "\r" too, which ini.ts rejects; with both "\n" and "\r\n" line
  // endings a segment could guess the file's line ending differently, so such a file is one segment.
  const crlf = text.includes("\r\n");
  if (crlf && /(^|[^\r])\n/.test(text)) return starts;
  let headers = 0;
  for (let at = text.indexOf("\n["); at !== -1; at = text.indexOf("\n[", at + 1)) {
    // Only at a real header: a key line may start with "[" too (botocore reads `[x = 1` as a setting).
    const end = text.indexOf("\n", at + 1);
    if (sectionNameOf(text.slice(at + 1, end === -1 ? text.length : end).trim()) === undefined) continue;
    if (++headers % SEGMENT_SECTIONS === 0) starts.push(at + 1);
  }
  return starts;
}

/** Parses every segment in turn (throwing as parsing the whole file would), handing each to `visit`. */
function forEachSegment(text: string, visit: (doc: ConfigDocument, segment: string) => void): void {
  const starts = segmentStarts(text);
  const firstLines = new Map<string, number>();
  let lineOffset = 0;
  starts.forEach((start, index) => {
    const segment = text.slice(start, starts[index + 1] ?? text.length);
    let doc: ConfigDocument;
    try {
      doc = parseConfigDocument(segment);
    } catch (error) {
      if (error instanceof ConfigSyntaxError) {
        // A reason may name an earlier line of the segment too ("first set on line 3").
        const reason = error.reason.replace(/(on line )(\d+)\)/, (_m, on: string, n: string) => `${on}${Number(n) + lineOffset})`);
        throw new ConfigSyntaxError(reason, error.line + lineOffset);
      }
      throw error;
    }
    // configparser refuses a section whose bracketed text repeats (another spelling of the same
    // profile is another section to it); [DEFAULT] may come in any number of parts.
    for (const section of doc.parsed.sections) {
      const rawName = sectionNameOf(section.header.trim());
      if (rawName === undefined || rawName === "DEFAULT") continue;
      const line = section.line + lineOffset;
      const earlier = firstLines.get(rawName);
      if (earlier !== undefined) {
        throw new ConfigSyntaxError(
          `the section [${rawName}] appears a second time (first on line ${earlier}); the AWS CLI refuses a file with a repeated section, so merge the two`,
          line,
        );
      }
      firstLines.set(rawName, line);
    }
    visit(doc, segment);
    for (let at = segment.indexOf("\n"); at !== -1; at = segment.indexOf("\n", at + 1)) lineOffset++;
  });
}

/**
 * The file read segment by segment: sso-sessions whole, profiles with only `profileKeys` (a profile
 * that has none of them still exists, with no values). Throws ConfigError as AwsConfig.load does.
 */
export function readConfigView(file: string, text: string, profileKeys: readonly string[]): ConfigView & { has(ref: SectionRef): boolean } {
  // One string per profile (its kept values joined), not an object of strings: a third of the memory.
  const profiles = new Map<string, string | Record<string, string>>();
  const ssoSessions = new Map<string, Record<string, string>>();
  parseOrThrow(text, file, () =>
    forEachSegment(text, (doc) => {
      doc.parsed.profiles.forEach((section, name) => profiles.set(name, packed(profileKeys, section.values)));
      // Copied: a value cut from the text keeps the whole text alive (V8 keeps a slice as a view of
      // it), and the session's start URL and scopes live as long as the run.
      for (const [name, section] of doc.parsed.ssoSessions) ssoSessions.set(detached(name), detachedValues(section.values));
    }),
  );
  return {
    file,
    profile(name) {
      const kept = profiles.get(name);
      return typeof kept === "string" ? unpacked(profileKeys, kept.split(SEPARATOR)) : kept;
    },
    profileNames: () => [...profiles.keys()],
    ssoSession: (name) => ssoSessions.get(name),
    has: (ref) => (ref.kind === "profile" ? profiles : ref.kind === "sso-session" ? ssoSessions : undefined)?.has(ref.name) ?? false,
  };
}

/** A copy of the string that shares no memory with the text it was cut from. */
const detached = (value: string): string => JSON.parse(JSON.stringify(value)) as string;

function detachedValues(values: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) copy[key] = detached(value);
  return copy;
}

const SEPARATOR = "\u0000";
const ABSENT = "\u0001";

/** The values of `keys` joined in one string when no value holds a separator (nearly always), else as they are. */
function packed(keys: readonly string[], values: Readonly<Record<string, string>>): string | Record<string, string> {
  const kept = keys.map((key) => values[key]);
  for (let i = 0; i < kept.length; i++) {
    const value = kept[i];
    if (value === undefined) kept[i] = ABSENT;
    else if (value.includes(SEPARATOR) || value.includes(ABSENT)) return unpacked(keys, keys.map((key) => values[key]));
  }
  return kept.join(SEPARATOR);
}

function unpacked(keys: readonly string[], values: ReadonlyArray<string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  keys.forEach((key, i) => {
    const value = values[i];
    if (value !== undefined && value !== ABSENT) kept[key] = value;
  });
  return kept;
}

const identityOf = (ref: SectionRef) => `${ref.kind}\u0000${ref.name}`;

/**
 * updateConfigFile for populate's bulk changes, with the file held in segments. Sections that exist
 * are edited in their segment; new ones are appended, rendered a batch at a time. Upserts of the
 * default profile are not supported (its two spellings may sit in different segments).
 *
 * The new text is never put together: its pieces (the segments, edited or as they were, and the
 * batches of new sections) are written to the file one after another. A file of 30,000 profiles is
 * 5 MB, and joining it, then encoding it for the write, would hold two more copies of it at once.
 */
export async function updateConfigInSegments<T extends ConfigChanges>(
  deps: ConfigWriteDeps,
  file: string,
  profileKeys: readonly string[],
  decide: (config: ConfigView) => T,
): Promise<{ changes: T; written: boolean }> {
  const { result, written } = await lockedRewrite(deps, file, (before) => {
    const view = readConfigView(file, before, profileKeys);
    const changes = decide(view);
    if (changes.upserts.some((edit) => edit.ref.kind === "profile" && edit.ref.name === "default")) {
      throw new TypeError("updateConfigInSegments cannot upsert the default profile");
    }
    // A later edit of a section replaces an earlier one.
    const upserts = new Map<string, SectionEdit>();
    for (const edit of changes.upserts) upserts.set(identityOf(edit.ref), edit);
    const pending = new Map<string, SectionEdit>();
    upserts.forEach((edit, identity) => {
      if (view.has(edit.ref)) pending.set(identity, edit);
    });
    // Only when a section that exists changes are the segments parsed again; each one that holds such
    // a section is edited. What no segment held (none: the view was read from them) is appended.
    const { pieces, changed } = pending.size > 0 ? editedSegments(before, pending) : { pieces: [before], changed: false };
    const added: SectionEdit[] = [];
    upserts.forEach((edit, identity) => {
      if (!view.has(edit.ref) || pending.has(identity)) added.push(edit);
    });
    upserts.clear();
    pending.clear();
    if (added.length > 0) {
      const eol = /^[^\n]*\r\n/.test(before) ? "\r\n" : "\n";
      const last = pieces[pieces.length - 1] ?? "";
      if (last.replace(/^\uFEFF/, "") !== "" && !last.endsWith("\n")) pieces.push(eol);
      for (let i = 0; i < added.length; i += APPEND_BATCH) {
        // Rendered by ini.ts into an empty file, which validates names, keys and values as for any edit.
        const batch = upsertSections("", added.slice(i, i + APPEND_BATCH));
        pieces.push(eol === "\n" ? batch : batch.replaceAll("\n", eol));
      }
    }
    // A re-run that finds every profile as it would write it changes nothing: the file is then not
    // put together, nor written.
    const unchanged = !changed && added.length === 0;
    if (changes.removals.length === 0) return { after: unchanged ? before : pieces, result: changes };
    // Pruning is rare and takes few sections: it reads the file whole, as updateConfigFile does.
    return { after: removeSections(unchanged ? before : pieces.join(""), changes.removals), result: changes };
  });
  return { changes: result, written };
}

/**
 * The text in segments, each one that holds a section of `pending` edited; an edit is applied once,
 * in the first segment with its section, and taken out of `pending`. The text is known to parse: the
 * view was read from it.
 */
function editedSegments(text: string, pending: Map<string, SectionEdit>): { pieces: string[]; changed: boolean } {
  const pieces: string[] = [];
  let changed = false;
  const starts = segmentStarts(text);
  starts.forEach((start, index) => {
    const segment = text.slice(start, starts[index + 1] ?? text.length);
    if (pending.size === 0) {
      pieces.push(segment);
      return;
    }
    const doc = parseConfigDocument(segment);
    const here: SectionEdit[] = [];
    const take = (identity: string) => {
      const edit = pending.get(identity);
      if (edit === undefined) return;
      here.push(edit);
      pending.delete(identity);
    };
    // By name, not through doc.parsed: that would build every section's values only to look them up.
    for (const name of doc.profileNames()) take(`profile\u0000${name}`);
    for (const name of doc.ssoSessionNames()) take(`sso-session\u0000${name}`);
    const edited = here.length > 0 ? doc.upsertSections(here) : segment;
    if (edited !== segment) changed = true;
    pieces.push(edited);
  });
  return { pieces, changed };
}
