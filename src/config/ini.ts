// Reader and surgical editor for the shared AWS config file (~/.aws/config).
//
// Two very different parsers read this file: botocore (the AWS CLI) uses Python's configparser
// plus `build_profile_map`, and the JS SDK uses its own line splitter. The reader here follows
// configparser and build_profile_map line for line, because the AWS CLI decides what the file
// means: a file botocore reads is read (and edited) the same way, a file it refuses is refused at
// the line its error names. Where the JS SDK would read a written section differently, the caller
// warns (js-sdk-reading.ts); bench/config-fuzz.ts checks all of it against botocore itself.
//
// The editor changes only the lines it has to. Users hand-edit this file, and peers that rewrite
// it wholesale lose their comments and keys (aws-vault#288, granted#500).

import { jsSdkSectionKey } from "./js-sdk-reading.js";
import { readPlainConfig, type PlainConfig } from "./plain-config.js";
import { isPySpace, leadingSpace, leadingSpaceLength, PY_EXTRA_LINE_BREAKS, pyStrip, trimEndPy } from "./py-text.js";

export type SectionKind = "profile" | "sso-session" | "services" | "other";

/**
 * A profile named `default` is written as `[default]`. A "credentials" section belongs to the shared
 * credentials file, where a section is its name alone: `[name]`, never `[profile name]`.
 */
export interface SectionRef {
  kind: "profile" | "sso-session" | "credentials";
  name: string;
}

export interface ParsedSection {
  kind: SectionKind;
  /** The parsed name; for kind "other", the text between the brackets. */
  name: string;
  /** The header line as written, without its line ending. */
  header: string;
  /** 1-based line number of the header. */
  line: number;
  /**
   * Keys are lowercased, as configparser does. A nested block (`s3 =` followed by indented
   * `k = v` lines) appears twice: `parent` holds configparser's raw value (it starts with "\n"),
   * and each child appears as `parent.child` with the child's case kept, as both SDKs keep it.
   */
  values: Record<string, string>;
}

export interface ParsedConfig {
  /** Every section in file order, including a `[default]`/`[profile default]` that loses. */
  sections: ParsedSection[];
  /** What botocore reads: for `default`, the later of `[default]` and `[profile default]`. */
  profiles: Map<string, ParsedSection>;
  ssoSessions: Map<string, ParsedSection>;
  /**
   * `[DEFAULT]`'s settings (all its parts). botocore gives them to every profile and section that
   * does not set the key itself; they are not copied into `values`.
   */
  defaults: Record<string, string>;
}

export class ConfigSyntaxError extends Error {
  readonly line: number;
  /** The message without the line number, for callers that prefix their own location. */
  readonly reason: string;

  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = "ConfigSyntaxError";
    this.line = line;
    this.reason = message;
  }
}

/**
 * A name, key or value that cannot be written safely (each reader would not read it back as given).
 * Deliberately not a TypeError: callers turn it into a message, never a crash.
 */
export class ConfigValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigValueError";
  }
}

type Eol = "" | "\n" | "\r\n" | "\r";

type LineKind = "blank" | "comment" | "header" | "option" | "continuation" | "invalid";

interface OptionSpan {
  key: string;
  first: number;
  /** Last continuation line, or `first`. Blank and comment lines after it are not part of it. */
  last: number;
  /** The value as written on the key's line. */
  head: string;
  /**
   * configparser's further value pieces, "" for a blank line inside the value; most options have none.
   * Blank lines after the last piece are left out: configparser strips them when it joins the value.
   */
  rest: { text: string; index: number }[] | undefined;
}

interface SectionSpan {
  kind: SectionKind;
  /** The profile/session name, or for kind "other" the whole section name. */
  name: string;
  /** configparser's section name: the header's text between the first `[` and the last `]`. */
  rawName: string;
  /** `[default]` rather than `[profile default]`: botocore lets both exist. */
  bareDefault: boolean;
  headerIndex: number;
  /** Last line that belongs to the section's settings: the last option's last line, or the header. */
  contentEnd: number;
  /** Some option's value goes on past its key's line: only such a value can be a nested block. */
  continued: boolean;
}

interface Scanned {
  lines: Lines;
  kinds: LineKind[];
  /** The line ending for lines we add: CRLF in a CRLF file, else LF (a lone CR splits no line for the JS SDK). */
  eol: "\n" | "\r\n";
  sections: SectionSpan[];
  /** `[DEFAULT]`'s settings, which configparser gives to every section (botocore: every profile). */
  defaults: Record<string, string>;
  /**
   * A nested block in `[DEFAULT]` that botocore cannot read, which it only notices in a section that
   * does not set that key itself: adding such a section, or deleting the key, makes the file unreadable.
   */
  latentError: ConfigSyntaxError | undefined;
}

const BOM = "\uFEFF";

// Python's universal newlines, which configparser reads the file with: LF, CRLF and a lone CR each
// end a line. The JS SDK splits on LF and CRLF only; where that changes what it reads, the writer
// warns (see js-sdk-reading.ts).
//
// A line is an offset into the text, not a record of its own: a file of 15,000 profiles has 100,000
// lines, and an object and a string for each cost more than the text itself and most of a parse.
class Lines {
  /** Where each line starts, then text.length: line i with its ending is text[starts[i], starts[i + 1]). */
  private readonly starts: number[] = [];

  constructor(readonly text: string) {
    // The next "\n" and "\r" are looked up once each and reused until passed, so this stays linear
    // in a file with no "\r" at all.
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    let start = 0;
    while (start < text.length) {
      this.starts.push(start);
      if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
      if (cr !== -1 && (lf === -1 || cr < lf)) start = lf === cr + 1 ? cr + 2 : cr + 1;
      else start = lf === -1 ? text.length : lf + 1;
    }
    this.starts.push(text.length);
  }

  get count(): number {
    return this.starts.length - 1;
  }

  start(i: number): number {
    return this.starts[i] ?? this.text.length;
  }

  /** Where line i's text ends and its line ending (if any) begins; a line's text holds no CR or LF. */
  end(i: number): number {
    const next = this.start(i + 1);
    if (this.text.charCodeAt(next - 1) !== 0x0a) return this.text.charCodeAt(next - 1) === 0x0d ? next - 1 : next;
    return this.text.charCodeAt(next - 2) === 0x0d && next - 2 >= this.start(i) ? next - 2 : next - 1;
  }

  /** Where line i's text starts once stripped as Python's str.strip() strips it. */
  strippedFrom(i: number): number {
    const end = this.end(i);
    let from = this.start(i);
    while (from < end && isPySpace(this.text.charCodeAt(from))) from++;
    return from;
  }

  /** Where line i's text ends once stripped, given its strippedFrom. */
  strippedTo(i: number, from: number): number {
    let to = this.end(i);
    while (to > from && isPySpace(this.text.charCodeAt(to - 1))) to--;
    return to;
  }

  textOf(i: number): string {
    return this.text.slice(this.start(i), this.end(i));
  }

  eolOf(i: number): Eol {
    return this.text.slice(this.end(i), this.start(i + 1)) as Eol;
  }
}

/** POSIX shlex.split as botocore calls it; undefined where Python raises ValueError. */
function shlexSplit(s: string): string[] | undefined {
  // Without quotes or escapes it is a split on whitespace; building tokens a character at a time
  // costs a string per character, which adds up over the headers of a file of thousands of profiles.
  if (!/['"\\]/.test(s)) return s.split(/[ \t\r\n]+/).filter((token) => token !== "");
  const tokens: string[] = [];
  let token = "";
  let inToken = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (inToken) tokens.push(token);
      token = "";
      inToken = false;
      continue;
    }
    inToken = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) return undefined;
      token += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= s.length) return undefined;
        const d = s[j];
        if (d === '"') break;
        if (d === "\\") {
          if (j + 1 >= s.length) return undefined;
          const next = s[j + 1];
          // Inside double quotes shlex only honours escapes of `"` and `\`.
          token += next === '"' || next === "\\" ? next : `\\${next}`;
          j += 2;
        } else {
          token += d;
          j += 1;
        }
      }
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= s.length) return undefined;
      token += s[i + 1];
      i += 1;
    } else {
      token += c;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}

// Mirrors botocore's build_profile_map, including its prefix test: `[profilex y]` is profile `y`.
// Headers it drops (bad quoting, wrong token count) are kept here as "other" so edits leave them be.
const PREFIXED_KINDS = ["profile", "sso-session", "services"] as const;

// `[profile dev]`: a prefix, whitespace, and a name without quotes, escapes or whitespace, which
// shlex splits in two tokens however it is spelt. A regular expression answers for nearly every
// header of a big file without the character-by-character shlex below.
const PLAIN_PREFIXED = /^(profile|sso-session|services)[ \t\r\n]+([^ \t\r\n'"\\]+)[ \t\r\n]*$/;

function classifyHeader(inner: string): { kind: SectionKind; name: string; bareDefault: boolean } {
  const plain = PLAIN_PREFIXED.exec(inner);
  if (plain) return { kind: plain[1] as (typeof PREFIXED_KINDS)[number], name: plain[2]!, bareDefault: false };
  for (const kind of PREFIXED_KINDS) {
    if (!inner.startsWith(kind)) continue;
    const parts = shlexSplit(inner);
    if (parts?.length === 2 && parts[1] !== undefined) {
      return { kind, name: parts[1], bareDefault: false };
    }
    return { kind: "other", name: inner, bareDefault: false };
  }
  if (inner === "default") return { kind: "profile", name: "default", bareDefault: true };
  return { kind: "other", name: inner, bareDefault: false };
}

function describeSection(section: SectionSpan): string {
  return `[${section.rawName}]`;
}

/** A string from the file for a message: JSON-quoted, with every control character escaped. */
export function quoted(text: string): string {
  // JSON escaping shows control characters as \uXXXX; C1 and the Unicode line separators too.
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// The section name configparser takes from a stripped line: from `[` through the LAST `]`, at least
// one character between them, and anything after the `]` ignored (SECTCRE is matched, not fullmatched).
/** configparser's SECTCRE: the text between a line's opening `[` and its last `]`, else undefined. */
export function sectionNameOf(stripped: string): string | undefined {
  if (stripped.charCodeAt(0) !== 0x5b) return undefined;
  const close = stripped.lastIndexOf("]");
  return close >= 2 ? stripped.slice(1, close) : undefined;
}

const DEFAULT_SECTION = "DEFAULT";

/**
 * configparser's RawConfigParser._read (Python 3.8-3.13, strict, no inline comments, blank lines kept
 * in values), line for line: the file is accepted exactly when botocore accepts it, and an error
 * names the line botocore's error names. configparser raises a missing header and duplicates at
 * once, and reports other bad lines only at the end of the file; so does this.
 */
function scan(text: string): Scanned {
  const lines = new Lines(text);
  const reader = new LineReader(lines);
  for (let index = 0; index < lines.count; index++) reader.read(index);
  if (reader.deferred) throw reader.deferred;
  const { kinds, sections } = reader;
  const eol = lines.count > 0 && lines.eolOf(0) === "\r\n" ? "\r\n" : "\n";
  return { lines, kinds, eol, sections, ...afterReading({ lines, kinds }, sections) };
}

// A key in column 0 made of lowercase letters, digits, `_`, `-` and `.`, and the first `=` or `:`
// after it: such a key needs neither stripping nor lowercasing.
const PLAIN_OPTION = /([a-z0-9_.-]+)[ \t]*[=:]/y;

/**
 * The state of configparser's loop, and its body (`read`) for one line at a time. Each line is
 * looked at through offsets into the text, and a string is cut only for a section name and a key:
 * the read of a big file stays fast and leaves little behind (values come later, from valuesOf).
 */
class LineReader {
  readonly kinds: LineKind[] = [];
  readonly sections: SectionSpan[] = [];
  /** The first bad line, which configparser reports only once it has read the whole file. */
  deferred: ConfigSyntaxError | undefined;
  private readonly sectionLines = new Map<string, number>();
  // configparser's elements_added, the options the section has set: key → the line it was last set
  // on, for the whole file, and a line after the section's header is the section's own. No map per
  // section, and it holds as many keys as the file has different ones. The parts of [DEFAULT] are one
  // section to configparser, with a map of their own.
  private readonly fileOptionLines = new Map<string, number>();
  private readonly defaultOptionLines = new Map<string, number>();
  private optionLines = this.fileOptionLines;
  private sectionStart = 0;
  private section: SectionSpan | undefined;
  /** configparser's optname is set: there is an option that later indented lines belong to. */
  private inOption = false;
  private indentLevel = 0;

  constructor(private readonly lines: Lines) {}

  read(index: number): void {
    const { lines, section } = this;
    const start = lines.start(index);
    // Nearly every line of a big file is empty, a comment or a `key = value` in column 0 (which
    // never continues a value): those are told apart without stripping the line first.
    const leading = lines.text.charCodeAt(start);
    if (start === lines.end(index)) {
      this.kinds.push("blank");
      return;
    }
    if (leading === 0x23 || leading === 0x3b) {
      this.kinds.push("comment");
      return;
    }
    if (section && this.plainOption(index, start)) return;
    // The line stripped as Python's str.strip() does: text[from, to).
    const from = lines.strippedFrom(index);
    const to = lines.strippedTo(index, from);
    const first = lines.text.charCodeAt(from);
    if (from === to) {
      // configparser keeps blank lines inside a value (and strips the trailing ones when it joins
      // it): one becomes a piece of the value when a continuation line follows it.
      this.kinds.push("blank");
    } else if (first === 0x23 || first === 0x3b) {
      this.kinds.push("comment");
    } else if (section && this.inOption && from - lines.start(index) > this.indentLevel) {
      // Whatever it looks like (even `[profile x]`), botocore reads it as part of the value.
      section.continued = true;
      section.contentEnd = index;
      this.kinds.push("continuation");
    } else {
      this.indentLevel = from - lines.start(index);
      if (!this.header(index, from, to)) this.option(index, from, to);
    }
  }

  /** A `key = value` line that PLAIN_OPTION reads; the other lines go the long way. */
  private plainOption(index: number, start: number): boolean {
    PLAIN_OPTION.lastIndex = start;
    const key = PLAIN_OPTION.exec(this.lines.text)?.[1];
    if (key === undefined) return false;
    this.indentLevel = 0;
    this.addOption(index, key);
    return true;
  }

  /** configparser's SECTCRE (see sectionNameOf): from `[` through the LAST `]` of the stripped line. */
  private header(index: number, from: number, to: number): boolean {
    const { text } = this.lines;
    if (text.charCodeAt(from) !== 0x5b) return false;
    let close = to - 1;
    while (close > from && text.charCodeAt(close) !== 0x5d) close--;
    if (close - from < 2) return false;
    const rawName = text.slice(from + 1, close);
    const earlier = this.sectionLines.get(rawName);
    if (earlier !== undefined) {
      throw new ConfigSyntaxError(
        `the section [${rawName}] appears a second time (first on line ${earlier + 1}); the AWS CLI refuses a file with a repeated section, so merge the two`,
        index + 1,
      );
    }
    const isDefault = rawName === DEFAULT_SECTION;
    const { kind, name, bareDefault } = isDefault ? { kind: "other" as const, name: rawName, bareDefault: false } : classifyHeader(rawName);
    this.section = { kind, name, rawName, bareDefault, headerIndex: index, contentEnd: index, continued: false };
    this.sections.push(this.section);
    // [DEFAULT] may appear any number of times: configparser merges its parts.
    if (!isDefault) this.sectionLines.set(rawName, index);
    this.optionLines = isDefault ? this.defaultOptionLines : this.fileOptionLines;
    this.sectionStart = isDefault ? -1 : index;
    this.inOption = false;
    this.kinds.push("header");
    return true;
  }

  private option(index: number, from: number, to: number): void {
    const { text } = this.lines;
    const { section } = this;
    if (!section) {
      const stripped = text.slice(from, to);
      const reason =
        index === 0 && stripped.startsWith(BOM)
          ? "the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI cannot read (it sees no [section] header on line 1); save the file as UTF-8 without a BOM"
          : pyStrip(stripped).startsWith("[")
            ? // Mistyped headers ("[x", "[]") read as stray text to configparser; say what they lack.
              `${quoted(stripped)} is not a complete [section] header (a name between "[" and "]"), and no header comes before it; the AWS CLI cannot read a file that does not start with one`
            : `${quoted(stripped)} comes before any [section] header; the AWS CLI cannot read a file that does not start with one`;
      throw new ConfigSyntaxError(reason, index + 1);
    }
    const delimiterAt = delimiterIn(text, from, to);
    if (delimiterAt === to) {
      // optname stays what it was: configparser goes on and fails at the end of the file.
      this.deferred ??= new ConfigSyntaxError(
        `expected a "key = value" setting, a [section] header or a comment, found ${quoted(text.slice(from, to))}`,
        index + 1,
      );
      this.kinds.push("invalid");
      return;
    }
    const key = optionKey(text, from, delimiterAt);
    if (key === "") {
      this.deferred ??= new ConfigSyntaxError(`a setting has no name before "${text[delimiterAt]}"`, index + 1);
    }
    this.addOption(index, key);
  }

  private addOption(index: number, key: string): void {
    const section = this.section!;
    const previous = this.optionLines.get(key);
    if (previous !== undefined && previous > this.sectionStart) {
      throw new ConfigSyntaxError(
        `the setting "${key}" appears a second time in ${describeSection(section)} (first on line ${previous + 1}); the AWS CLI refuses a file with a repeated setting, so keep one`,
        index + 1,
      );
    }
    this.optionLines.set(key, index);
    this.inOption = key !== "";
    this.kinds.push(this.inOption ? "option" : "invalid");
    if (this.inOption) section.contentEnd = index;
  }
}

/** `[DEFAULT]`'s settings, and the nested blocks botocore checks once configparser has read the file. */
function afterReading(read: ScannedLines, sections: readonly SectionSpan[]): Pick<Scanned, "defaults" | "latentError"> {
  const defaults: Record<string, string> = {};
  const defaultOptions: OptionSpan[] = [];
  for (const s of sections) {
    if (s.rawName !== DEFAULT_SECTION) continue;
    Object.assign(defaults, valuesOf(read, s));
    if (s.continued) defaultOptions.push(...optionSpans(read, s).filter((o) => o.rest !== undefined));
  }
  checkNested(read, sections, defaultOptions);
  let latentError: ConfigSyntaxError | undefined;
  try {
    for (const option of defaultOptions) checkNestedOption(() => `[${DEFAULT_SECTION}]`, option);
  } catch (error) {
    latentError = error as ConfigSyntaxError;
  }
  return { defaults, latentError };
}

function joinedValue(option: OptionSpan): string {
  const rest = option.rest;
  return rest === undefined ? option.head : trimEndPy([option.head, ...rest.map((p) => p.text)].join("\n"));
}

/** What the line kinds of a scan tell about a section: enough to find its options again. */
type ScannedLines = Pick<Scanned, "lines" | "kinds">;

/**
 * The section's settings as configparser and botocore read them. Built when asked for and not kept:
 * a command that reads a few profiles of a file of thousands, or only their names, does not pay for
 * the values of all of them, and one that reads them all once leaves them to the young generation.
 */
function valuesOf(scanned: ScannedLines, section: SectionSpan): Record<string, string> {
  const values: Record<string, string> = {};
  for (const option of optionSpans(scanned, section)) {
    const value = joinedValue(option);
    values[option.key] = value;
    if (!value.startsWith("\n")) continue;
    for (const { child, value: childValue } of nestedSettings(option)) {
      if (child !== undefined) values[`${option.key}.${child}`] = childValue;
    }
  }
  return values;
}

/** The section's options, from the lines the scan found to be options and continuations. */
function optionSpans({ lines, kinds }: ScannedLines, section: SectionSpan): OptionSpan[] {
  const { text } = lines;
  const options: OptionSpan[] = [];
  let option: OptionSpan | undefined;
  for (let i = section.headerIndex + 1; i <= section.contentEnd; i++) {
    const kind = kinds[i];
    if (kind !== "option" && kind !== "continuation") continue;
    const from = lines.strippedFrom(i);
    const to = lines.strippedTo(i, from);
    if (kind === "option") {
      const delimiterAt = delimiterIn(text, from, to);
      let valueFrom = delimiterAt + 1;
      while (valueFrom < to && isPySpace(text.charCodeAt(valueFrom))) valueFrom++;
      option = { key: optionKey(text, from, delimiterAt), first: i, last: i, head: text.slice(valueFrom, to), rest: undefined };
      options.push(option);
    } else if (option) {
      // configparser keeps blank lines inside a value, and strips those after it when it joins it.
      const rest = (option.rest ??= []);
      for (let blank = option.last + 1; blank < i; blank++) if (kinds[blank] === "blank") rest.push({ text: "", index: blank });
      rest.push({ text: text.slice(from, to), index: i });
      option.last = i;
    }
  }
  return options;
}

/** configparser's OPTCRE on the stripped line text[from, to): where its first `=` or `:` is, else `to`. */
function delimiterIn(text: string, from: number, to: number): number {
  let at = from;
  while (at < to && text.charCodeAt(at) !== 0x3d && text.charCodeAt(at) !== 0x3a) at++;
  return at;
}

/** The key before the delimiter, as configparser's optionxform gives it: lowercase. */
function optionKey(text: string, from: number, delimiterAt: number): string {
  let end = delimiterAt;
  while (end > from && isPySpace(text.charCodeAt(end - 1))) end--;
  const key = text.slice(from, end);
  // Most keys are lowercase ASCII already, and toLowerCase() is a call into the runtime per key.
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return key.toLowerCase();
  }
  return key;
}

interface NestedLine {
  /** undefined for a line without `=`, which makes botocore refuse the file. */
  child: string | undefined;
  value: string;
  index: number;
  piece: string;
  /** The line was cut by a line break only Python's str.splitlines knows. */
  split: boolean;
}

/** botocore's _parse_nested: one level, `=` only, lines split by str.splitlines. */
function nestedSettings(option: OptionSpan): NestedLine[] {
  const result: NestedLine[] = [];
  for (const part of option.rest ?? []) {
    if (part.text === "") continue;
    const split = PY_EXTRA_LINE_BREAKS.test(part.text);
    const pieces = split ? part.text.split(new RegExp(PY_EXTRA_LINE_BREAKS.source, "g")) : [part.text];
    for (const raw of pieces) {
      const piece = pyStrip(raw);
      if (piece === "") continue;
      const eq = piece.indexOf("=");
      result.push({
        child: eq === -1 ? undefined : pyStrip(piece.slice(0, eq)),
        value: eq === -1 ? "" : pyStrip(piece.slice(eq + 1)),
        index: part.index,
        piece,
        split,
      });
    }
  }
  return result;
}

// botocore parses a nested block (a value that starts on the line after its key) after configparser
// has read the whole file, for each section in turn, and fails on the first line without `=`.
// [DEFAULT]'s settings belong to every section, so they are checked once there is a section.
function checkNestedOption(owner: () => string, option: OptionSpan, value = joinedValue(option)): void {
  if (!value.startsWith("\n")) return;
  for (const nested of nestedSettings(option)) {
    if (nested.child !== undefined) continue;
    const why = nested.split
      ? `; the line holds a character that Python treats as a line break (U+000B, U+000C, U+001C-U+001E, U+0085, U+2028 or U+2029), so the AWS CLI reads ${quoted(nested.piece)} as a line of its own`
      : "";
    throw new ConfigSyntaxError(
      `the nested setting ${quoted(nested.piece)} under "${option.key}" in ${owner()} is not of the form "key = value"${why}; the AWS CLI cannot read this file`,
      nested.index + 1,
    );
  }
}

// Only a value that goes on past its key's line can be a nested block: sections without one are
// passed over, and their values are not built.
function checkNested(scanned: ScannedLines, sections: readonly SectionSpan[], defaultOptions: readonly OptionSpan[]): void {
  for (const section of sections) {
    if (section.rawName === DEFAULT_SECTION) continue;
    if (section.continued) {
      const values = valuesOf(scanned, section);
      for (const option of optionSpans(scanned, section)) {
        if (option.rest !== undefined) checkNestedOption(() => describeSection(section), option, values[option.key]);
      }
    }
    if (defaultOptions.length === 0) continue;
    const own = new Set(optionSpans(scanned, section).map((o) => o.key));
    for (const option of defaultOptions) if (!own.has(option.key)) checkNestedOption(() => `[${DEFAULT_SECTION}]`, option);
  }
}

export function parseConfig(text: string): ParsedConfig {
  return parsedFrom(scan(text));
}

/**
 * A parsed file that can also be edited without scanning it again, for bulk edits of big files.
 * Its readers build a section's values only when asked for them: `completion --list` on a file of
 * 15,000 profiles needs only their names, and `status` only the profiles' values.
 */
export interface ConfigDocument {
  /** Every section with its values, as parseConfig gives them; built on first use. */
  readonly parsed: ParsedConfig;
  /** The names of parsed.profiles, in its order. */
  profileNames(): string[];
  /** parsed.profiles.get(name)?.values */
  profile(name: string): Readonly<Record<string, string>> | undefined;
  /** Each profile's name and values, in the order of profileNames. */
  profileEntries(): IterableIterator<[string, Readonly<Record<string, string>>]>;
  ssoSessionNames(): string[];
  ssoSession(name: string): Readonly<Record<string, string>> | undefined;
  readonly defaults: Readonly<Record<string, string>>;
  /** The same as upsertSections(text, updates) for the text this document was parsed from. */
  upsertSections(updates: ReadonlyArray<SectionUpdate>): string;
}

export function parseConfigDocument(text: string): ConfigDocument {
  const plain = readPlainConfig(text);
  return plain ? plainDocument(text, plain) : scannedDocument(text, scan(text));
}

function scannedDocument(text: string, scanned: Scanned): ConfigDocument {
  const profiles = byName(scanned.sections, "profile");
  const ssoSessions = byName(scanned.sections, "sso-session");
  const valuesIn = (sections: Map<string, SectionSpan>, name: string) => {
    const section = sections.get(name);
    return section === undefined ? undefined : valuesOf(scanned, section);
  };
  let parsed: ParsedConfig | undefined;
  return {
    get parsed() {
      parsed ??= parsedFrom(scanned);
      return parsed;
    },
    profileNames: () => [...profiles.keys()],
    profile: (name) => valuesIn(profiles, name),
    *profileEntries() {
      for (const [name, section] of profiles) yield [name, valuesOf(scanned, section)];
    },
    ssoSessionNames: () => [...ssoSessions.keys()],
    ssoSession: (name) => valuesIn(ssoSessions, name),
    defaults: scanned.defaults,
    upsertSections: (updates) => applyUpserts(text, scanned, prepareUpdates(updates)),
  };
}

/**
 * A plain file's reads come from the fast lane; what needs the lines themselves (the full parse, an
 * edit) scans it then, once. The fast lane read it, so the scan cannot fail.
 */
function plainDocument(text: string, plain: PlainConfig): ConfigDocument {
  let full: ConfigDocument | undefined;
  const scanned = () => (full ??= scannedDocument(text, scan(text)));
  return {
    get parsed() {
      return scanned().parsed;
    },
    profileNames: () => plain.profileNames(),
    profile: (name) => plain.profile(name),
    profileEntries: () => plain.profileEntries(),
    ssoSessionNames: () => plain.ssoSessionNames(),
    ssoSession: (name) => plain.ssoSession(name),
    // A plain file has no [DEFAULT].
    defaults: {},
    upsertSections: (updates) => scanned().upsertSections(updates),
  };
}

/** The sections of one kind by name. Later wins, as in botocore: [default] vs [profile default], and [profile dev] vs [profile 'dev']. */
function byName<T extends { kind: SectionKind; name: string }>(sections: readonly T[], kind: SectionKind): Map<string, T> {
  const named = new Map<string, T>();
  for (const s of sections) if (s.kind === kind) named.set(s.name, s);
  return named;
}

function parsedFrom(scanned: Scanned): ParsedConfig {
  const sections = scanned.sections.map(
    (s): ParsedSection => ({
      kind: s.kind,
      name: s.name,
      header: scanned.lines.textOf(s.headerIndex),
      line: s.headerIndex + 1,
      values: valuesOf(scanned, s),
    }),
  );
  return { sections, profiles: byName(sections, "profile"), ssoSessions: byName(sections, "sso-session"), defaults: scanned.defaults };
}

// shlex.split must give the name back as one token; the AWS CLI quotes only names with spaces
// or tabs, which leaves names with quotes or backslashes unreadable. Quoting matches
// Python's shlex.quote, so names with spaces come out byte-identical to the AWS CLI.
function quoteName(name: string): string {
  if (name !== "" && !/[\s'"\\]/.test(name)) return name;
  return `'${name.replaceAll("'", `'"'"'`)}'`;
}

export function sectionHeader(ref: SectionRef): string {
  if (ref.kind === "credentials") return `[${ref.name}]`;
  if (ref.kind === "profile" && ref.name === "default") return "[default]";
  return `[${ref.kind} ${quoteName(ref.name)}]`;
}

// C0, DEL, C1 and the Unicode line separators: each could split or hide a line in some reader.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const KEY = /^[A-Za-z0-9_-]+$/;

// Unquoted, so that every reader takes the bracketed text as the name: no spaces (which would make
// `[profile x]` a prefixed section), quotes, backslashes or comment characters.
const CREDENTIALS_NAME = /^[^\s[\]'"\\#;]+$/;

function validateRef(ref: SectionRef): void {
  if (ref.kind !== "profile" && ref.kind !== "sso-session" && ref.kind !== "credentials") {
    throw new ConfigValueError(`Invalid section kind: ${JSON.stringify(ref.kind)}`);
  }
  if (ref.kind === "credentials" && (!CREDENTIALS_NAME.test(ref.name) || CONTROL.test(ref.name))) {
    throw new TypeError(
      `Invalid credentials profile name ${JSON.stringify(ref.name)}: use no spaces, quotes, backslashes, "#", ";", "[" or "]"`,
    );
  }
  if (ref.name === "" || CONTROL.test(ref.name) || /[[\]]/.test(ref.name)) {
    throw new ConfigValueError(
      `Invalid ${ref.kind} name ${JSON.stringify(ref.name)}: ` +
        `it must be non-empty and contain no control characters, "[" or "]"`,
    );
  }
}

type Entry = readonly [key: string, value: string | null];

function normaliseValues(values: ReadonlyArray<Entry>): Entry[] {
  const seen = new Set<string>();
  return values.map((entry): Entry => {
    const [rawKey, value] = entry;
    if (!KEY.test(rawKey)) {
      throw new ConfigValueError(`Invalid config key ${JSON.stringify(rawKey)}: use letters, digits, "_" and "-" only`);
    }
    const key = rawKey.toLowerCase();
    if (seen.has(key)) throw new ConfigValueError(`Config key "${key}" is given more than once`);
    seen.add(key);
    // The caller's entry as it is when its key is already lowercase: no copy per key and section.
    return key === rawKey ? entry : [key, value];
  });
}

// Checked where a value is actually written, not for a value equal to the one already there: a
// line the file already has (`region = us-west-2 # oregon`) is kept as it is, never refused.
function checkValue(key: string, value: string): string {
  if (CONTROL.test(value)) {
    throw new ConfigValueError(`Invalid value for key ${key}: control characters and line breaks are not allowed`);
  }
  if (value !== pyStrip(value) || value !== value.trim()) {
    throw new ConfigValueError(`Invalid value for key ${key}: leading or trailing whitespace would be lost on reading`);
  }
  // The JS SDK cuts a line at `#` or `;` that follows whitespace; botocore keeps it.
  if (/(^|\s)[#;]/.test(value)) {
    throw new ConfigValueError(
      `Invalid value for key ${key}: "#" or ";" after a space would be read as a comment by the AWS SDKs`,
    );
  }
  return value;
}

// Per original line: undefined keeps it, null drops it, a string replaces it (line ending
// included). `after` holds whole lines to emit after that original line.
class Edits {
  readonly replace = new Map<number, string | null>();
  readonly after = new Map<number, string[]>();

  drop(from: number, to: number): void {
    for (let i = from; i <= to; i++) this.replace.set(i, null);
  }

  /**
   * The option's own lines, blank ones inside its value included; a comment among its continuation
   * lines is no part of the value (configparser skips it) and stays.
   */
  dropOption(scanned: Scanned, option: { first: number; last: number }, from = option.first): void {
    for (let i = from; i <= option.last; i++) {
      if (scanned.kinds[i] !== "comment") this.replace.set(i, null);
    }
  }

  render(scanned: Scanned): string {
    // Pieces joined once at the end, and the last piece remembered: asking a growing string
    // whether it ends with "\n" would copy it whole on every insertion. Unchanged lines are kept as
    // runs, one slice of the text each, however many lines they hold.
    const { lines } = scanned;
    const pieces: string[] = [];
    let last = "";
    const emit = (piece: string) => {
      if (piece === "") return;
      pieces.push(piece);
      last = piece;
    };
    let kept = 0;
    const keepUntil = (index: number) => {
      emit(lines.text.slice(lines.start(kept), lines.start(index)));
      kept = index;
    };
    for (let index = 0; index < lines.count; index++) {
      const replacement = this.replace.get(index);
      const inserted = this.after.get(index);
      if (replacement === undefined && inserted === undefined) continue;
      if (replacement === undefined) keepUntil(index + 1);
      else {
        keepUntil(index);
        kept = index + 1;
        if (replacement !== null) emit(replacement);
      }
      if (inserted) {
        // Lines inserted after a last line that had no line ending need one in between.
        if (last !== "" && !/[\r\n]$/.test(last)) emit(scanned.eol);
        for (const text of inserted) emit(text);
      }
    }
    keepUntil(lines.count);
    return pieces.join("");
  }
}

function settingLine(indent: string, key: string, value: string, eol: string): string {
  return `${indent}${key} = ${checkValue(key, value)}${eol}`;
}

function nextSignificant(scanned: Scanned, after: number): number | undefined {
  for (let i = after + 1; i < scanned.lines.count; i++) {
    const kind = scanned.kinds[i];
    if (kind !== "blank" && kind !== "comment") return i;
  }
  return undefined;
}

function planUpsert(scanned: Scanned, section: SectionSpan, entries: readonly Entry[], edits: Edits): void {
  const added: string[] = [];
  // Only the next header can follow the section's last setting. If it is indented, new lines at
  // column 0 would make configparser read it as a continuation, so they take its indentation.
  const next = nextSignificant(scanned, section.contentEnd);
  const indent = next === undefined ? "" : leadingSpace(scanned.lines.textOf(next));

  const options = optionSpans(scanned, section);
  const values = valuesOf(scanned, section);
  for (const [key, value] of entries) {
    const option = options.find((o) => o.key === key);
    if (!option) {
      if (value !== null) added.push(settingLine(indent, key, value, scanned.eol));
      continue;
    }
    if (value === null) {
      edits.dropOption(scanned, option);
      continue;
    }
    // A value that does not change keeps its line as written (`Region: us-west-2` included): only
    // the keys being written change. Where the JS SDK reads such a line differently, the caller warns.
    if (values[key] === value) continue;
    edits.dropOption(scanned, option, option.first + 1);
    let keepsLines = false;
    for (let i = option.first + 1; i <= option.last; i++) if (edits.replace.get(i) !== null) keepsLines = true;
    // With nothing kept after it, the last replaced line's ending is kept so a missing final newline stays missing.
    const eol = scanned.lines.eolOf(keepsLines ? option.first : option.last);
    edits.replace.set(option.first, settingLine(leadingSpace(scanned.lines.textOf(option.first)), key, value, eol));
  }
  if (added.length > 0) {
    edits.after.set(section.contentEnd, [...(edits.after.get(section.contentEnd) ?? []), ...added]);
  }
}

/**
 * Sets (or, for null, deletes) each key in the section `ref`, creating the section at the end of
 * the file if needed. Every byte outside the changed lines is kept. Throws ConfigSyntaxError if
 * `text` is malformed (where botocore would refuse it), and ConfigValueError for a name, key or value
 * that cannot be written safely.
 */
export function upsertSection(
  text: string,
  ref: SectionRef,
  values: ReadonlyArray<readonly [key: string, value: string | null]>,
): string {
  return upsertSections(text, [{ ref, values }]);
}

export interface SectionUpdate {
  ref: SectionRef;
  values: ReadonlyArray<readonly [key: string, value: string | null]>;
}

/**
 * The same result as applying upsertSection for each update in turn, from a single scan of the
 * file: writing N profiles one at a time would rescan the whole file N times. Each section may
 * appear only once per call.
 */
export function upsertSections(text: string, updates: ReadonlyArray<SectionUpdate>): string {
  const prepared = prepareUpdates(updates);
  return applyUpserts(text, scan(text), prepared);
}

interface PreparedUpdate {
  ref: SectionRef;
  identity: string;
  entries: Entry[];
}

function prepareUpdates(updates: ReadonlyArray<SectionUpdate>): PreparedUpdate[] {
  const seen = new Set<string>();
  return updates.map(({ ref, values }) => {
    validateRef(ref);
    const identity = refIdentity(ref);
    if (seen.has(identity)) throw new ConfigValueError(`${sectionHeader(ref)} is updated more than once in one call`);
    seen.add(identity);
    return { ref, identity, entries: normaliseValues(values) };
  });
}

/** In a credentials file a section is found by its bracketed text: `[default]`, or an unprefixed name. */
function refIdentity(ref: SectionRef): string {
  if (ref.kind !== "credentials") return `${ref.kind}\u0000${ref.name}`;
  return ref.name === "default" ? "credentials\u0000default" : `other\u0000${ref.name}`;
}

function sectionIdentities(section: SectionSpan): string[] {
  const identity = `${section.kind}\u0000${section.name}`;
  return section.bareDefault ? [identity, "credentials\u0000default"] : [identity];
}

/**
 * The spellings of one section that an edit changes: the one botocore reads (the last: `[default]`
 * vs `[profile default]`, `[profile dev]` vs `[profile 'dev']`), and those the JS SDK reads (it merges
 * every `[profile dev]` it recognises, and prefers `[profile default]` to `[default]`), so that
 * neither reader keeps a stale value for a key being written.
 */
function sectionsReadFor(scanned: Scanned, ref: SectionRef, matches: readonly SectionSpan[]): SectionSpan[] {
  if (matches.length === 1) return [...matches];
  const last = matches[matches.length - 1];
  const keys = matches.map((s) => jsSdkSectionKey(scanned.lines.textOf(s.headerIndex)));
  const prefixed = `${ref.kind}.${ref.name}`;
  const jsKey = ref.kind === "profile" && ref.name === "default" && !keys.includes(prefixed) ? "default" : prefixed;
  return matches.filter((s, i) => s === last || keys[i] === jsKey);
}

function refuseUnreadable(text: string): void {
  try {
    scan(text);
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    throw new ConfigSyntaxError(
      `${error.reason.replace(/; the AWS CLI cannot read this file$/, "")}; the AWS CLI reads it only for a section without its own "${/under "([^"]*)"/.exec(error.reason)?.[1] ?? "key"}", and this change would add one, making the file unreadable to it`,
      error.line,
    );
  }
}

function applyUpserts(text: string, scanned: Scanned, prepared: readonly PreparedUpdate[]): string {
  // Looked up by identity, not by a scan per update: populate updates thousands of sections at once.
  const sectionsByIdentity = new Map<string, SectionSpan[]>();
  for (const section of scanned.sections) {
    for (const identity of sectionIdentities(section)) {
      const list = sectionsByIdentity.get(identity);
      if (list) list.push(section);
      else sectionsByIdentity.set(identity, [section]);
    }
  }
  const edits = new Edits();
  // Joined once: thousands of new sections appended by `+=` would leave a tree of tiny strings
  // several times the size of the text until something flattens it.
  const appended: string[] = [];

  for (const { ref, identity, entries } of prepared) {
    const matches = sectionsByIdentity.get(identity) ?? [];
    if (matches.length === 0) {
      const set = entries.filter((e): e is readonly [string, string] => e[1] !== null);
      // Deleting keys from a section that does not exist is a no-op, not a reason to create it.
      if (set.length === 0) continue;
      // No blank line before the new header: byte-identical to what `aws configure sso` appends.
      appended.push(sectionHeader(ref) + scanned.eol + set.map(([key, value]) => settingLine("", key, value, scanned.eol)).join(""));
      continue;
    }
    for (const section of sectionsReadFor(scanned, ref, matches)) planUpsert(scanned, section, entries, edits);
  }

  if (edits.replace.size === 0 && edits.after.size === 0 && appended.length === 0) return text;
  let out = edits.render(scanned);
  if (appended.length > 0) {
    if (out !== "" && !/[\r\n]$/.test(out)) out += scanned.eol;
    out += appended.join("");
  }
  if (scanned.latentError) refuseUnreadable(out);
  return out;
}

// With a section gone, the header after it may sit right below another section's setting, and
// configparser reads a header indented deeper than that setting as part of its value. A header's
// own indentation never changes its meaning, so removing it is safe.
function keepNextHeaderAHeader(scanned: Scanned, removed: SectionSpan, edits: Edits): void {
  const next = nextSignificant(scanned, removed.contentEnd);
  if (next === undefined) return;
  const nextText = scanned.lines.textOf(next);
  if (leadingSpaceLength(nextText) === 0) return;
  if (edits.replace.has(next)) return;
  let above = removed.headerIndex - 1;
  while (above >= 0) {
    const kind = scanned.kinds[above];
    if (kind !== "blank" && kind !== "comment" && edits.replace.get(above) !== null) break;
    above--;
  }
  const kindAbove = above >= 0 ? scanned.kinds[above] : undefined;
  if (kindAbove === "option" || kindAbove === "continuation") {
    edits.replace.set(next, nextText.slice(leadingSpaceLength(nextText)) + scanned.lines.eolOf(next));
  }
}

/**
 * Deletes the section `ref` (for profile `default`, both `[default]` and `[profile default]`):
 * its header, settings and continuation lines. Comments around it are kept; blank lines are
 * trimmed so that repeated add/remove cycles do not pile them up. Returns `text` unchanged if the
 * section is absent.
 */
export function removeSection(text: string, ref: SectionRef): string {
  return removeSections(text, [ref]);
}

/**
 * removeSection for many sections from a single scan of the file (populate --prune may remove
 * hundreds of profiles from a file of thousands). Sections are handled in file order, so each sees
 * the removals above it as they will be.
 */
export function removeSections(text: string, refs: readonly SectionRef[]): string {
  const scanned = scan(text);
  const wanted = new Set(refs.map(refIdentity));
  const targets = scanned.sections.filter((s) => s.kind !== "services" && sectionIdentities(s).some((identity) => wanted.has(identity)));
  if (targets.length === 0) return text;
  const edits = new Edits();
  const isBlank = (i: number): boolean => scanned.kinds[i] === "blank";
  // Lines an earlier removal dropped are gone as far as later ones are concerned.
  const lineAbove = (i: number): number => {
    let j = i - 1;
    while (j >= 0 && edits.replace.get(j) === null) j--;
    return j;
  };

  for (const section of targets) {
    edits.drop(section.headerIndex, section.contentEnd);
    let blankEnd = section.contentEnd;
    while (blankEnd + 1 < scanned.lines.count && isBlank(blankEnd + 1)) blankEnd++;
    const above = lineAbove(section.headerIndex);

    if (blankEnd === scanned.lines.count - 1) {
      // Last thing in the file: take the blank lines on both sides with it.
      edits.drop(section.contentEnd + 1, blankEnd);
      for (let i = above; i >= 0 && isBlank(i); i = lineAbove(i)) edits.drop(i, i);
    } else if (above < 0 || isBlank(above)) {
      // A blank line already separates what came before; a second would double it.
      edits.drop(section.contentEnd + 1, blankEnd);
    }

    keepNextHeaderAHeader(scanned, section, edits);
  }
  return edits.render(scanned);
}
