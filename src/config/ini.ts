// Reader and surgical editor for the shared AWS config file (~/.aws/config).
//
// Two very different parsers read this file: botocore (the AWS CLI) uses Python's configparser
// plus `build_profile_map`, and the JS SDK uses its own line splitter. The reader here follows
// configparser's algorithm, because it is the stricter of the two and decides what the AWS CLI
// accepts. Where the two parsers would read the same bytes differently in a way that matters,
// we reject the file instead of guessing which reading the user meant.
//
// The editor changes only the lines it has to. Users hand-edit this file, and peers that rewrite
// it wholesale lose their comments and keys (aws-vault#288, granted#500).

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

type Eol = "" | "\n" | "\r\n";

interface Line {
  text: string;
  eol: Eol;
}

type LineKind = "blank" | "comment" | "header" | "option" | "continuation";

interface OptionSpan {
  key: string;
  rawKey: string;
  delimiter: "=" | ":";
  first: number;
  /** Last continuation line, or `first`. Blank and comment lines after it are not part of it. */
  last: number;
  /** The value as written on the key's line. */
  head: string;
  /** configparser's further value pieces, "" for a blank line inside the value; most options have none. */
  rest: { text: string; index: number }[] | undefined;
}

interface SectionSpan {
  kind: SectionKind;
  name: string;
  /** `[default]` rather than `[profile default]`: botocore lets both exist. */
  bareDefault: boolean;
  headerIndex: number;
  /** Last line that belongs to the section's settings: the last option's last line, or the header. */
  contentEnd: number;
  options: OptionSpan[];
  values: Record<string, string>;
}

interface Scanned {
  bom: string;
  lines: Line[];
  kinds: LineKind[];
  eol: "\n" | "\r\n";
  sections: SectionSpan[];
}

const BOM = "\uFEFF";

// Python's str.strip() and the `\s` in configparser's regexes use str.isspace(), which differs
// from JavaScript's trim() in a few code points (\x1c-\x1f, \x85, \uFEFF). Char-code tests
// rather than regexes: this runs on every line, and populate rescans files of thousands of lines.
function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

function leadingSpaceLength(s: string): number {
  let i = 0;
  while (i < s.length && isPySpace(s.charCodeAt(i))) i++;
  return i;
}

function trimEndPy(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

function pyStrip(s: string): string {
  return trimEndPy(s.slice(leadingSpaceLength(s)));
}

function leadingSpace(s: string): string {
  return s.slice(0, leadingSpaceLength(s));
}

// configparser takes `[` through the LAST `]`, while the JS SDK requires the stripped line to end
// in `]` after cutting at a whitespace-preceded `#`/`;`. Only headers both read alike are allowed:
// no `]` inside the name, and nothing but a comment after it.
const HEADER = /^\[([^\]]+)\](?:\s+[#;][^\]]*)?$/;

function splitLines(body: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < body.length) {
    const nl = body.indexOf("\n", start);
    if (nl === -1) {
      lines.push({ text: body.slice(start), eol: "" });
      break;
    }
    if (nl > start && body[nl - 1] === "\r") {
      lines.push({ text: body.slice(start, nl - 1), eol: "\r\n" });
    } else {
      lines.push({ text: body.slice(start, nl), eol: "\n" });
    }
    start = nl + 1;
  }
  lines.forEach((line, index) => {
    // Python's universal newlines would start a new line here; the JS SDK would not.
    if (line.text.includes("\r")) {
      throw new ConfigSyntaxError(
        "a carriage return (\\r) that is not part of a CRLF line ending; save the file with LF or CRLF line endings",
        index + 1,
      );
    }
  });
  return lines;
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
function classifyHeader(inner: string): { kind: SectionKind; name: string; bareDefault: boolean } {
  for (const kind of ["profile", "sso-session", "services"] as const) {
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
  if (section.bareDefault) return "[default]";
  return section.kind === "other" ? `[${section.name}]` : `[${section.kind} ${section.name}]`;
}

function scan(text: string): Scanned {
  const bom = text.startsWith(BOM) ? BOM : "";
  const body = text.slice(bom.length);
  const lines = splitLines(body);
  const firstNl = body.indexOf("\n");
  const eol = firstNl > 0 && body[firstNl - 1] === "\r" ? "\r\n" : "\n";

  const kinds: LineKind[] = [];
  const sections: SectionSpan[] = [];
  const identities = new Map<string, SectionSpan>();
  let section: SectionSpan | undefined;
  let option: OptionSpan | undefined;
  // configparser's indent_level: a line indented deeper than the last option line continues it.
  let indentLevel = 0;

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const stripped = pyStrip(line.text);
    if (stripped.startsWith("#") || stripped.startsWith(";")) {
      kinds.push("comment");
      return;
    }
    if (stripped === "") {
      // configparser keeps blank lines inside a value (empty_lines_in_values) and strips the
      // trailing ones when it joins the value.
      if (option) (option.rest ??= []).push({ text: "", index });
      kinds.push("blank");
      return;
    }
    const indent = leadingSpaceLength(line.text);
    if (section && option && indent > indentLevel) {
      if (HEADER.test(stripped)) {
        throw new ConfigSyntaxError(
          `the indented section header ${stripped} is read by the AWS CLI as part of the value of ` +
            `"${option.rawKey}" but by the AWS SDKs as a new section; remove the indentation`,
          lineNo,
        );
      }
      (option.rest ??= []).push({ text: stripped, index });
      option.last = index;
      section.contentEnd = index;
      kinds.push("continuation");
      return;
    }
    indentLevel = indent;

    if (stripped.startsWith("[")) {
      const match = HEADER.exec(stripped);
      if (!match?.[1]) {
        throw new ConfigSyntaxError(
          `malformed section header ${JSON.stringify(stripped)}; expected [name] with nothing after it but a comment`,
          lineNo,
        );
      }
      if (section) finishSection(section);
      const { kind, name, bareDefault } = classifyHeader(match[1]);
      section = { kind, name, bareDefault, headerIndex: index, contentEnd: index, options: [], values: {} };
      const identity = `${kind}\u0000${name}\u0000${bareDefault}`;
      const earlier = identities.get(identity);
      if (earlier) {
        throw new ConfigSyntaxError(
          `duplicate section ${describeSection(section)} (first defined on line ${earlier.headerIndex + 1})`,
          lineNo,
        );
      }
      identities.set(identity, section);
      sections.push(section);
      option = undefined;
      kinds.push("header");
      return;
    }

    const delimiterAt = stripped.search(/[=:]/);
    if (!section) {
      throw new ConfigSyntaxError(
        delimiterAt > 0
          ? "a setting appears before any [section] header"
          : `unexpected text ${JSON.stringify(stripped)} before any [section] header`,
        lineNo,
      );
    }
    if (delimiterAt === -1) {
      throw new ConfigSyntaxError(
        `expected a "key = value" setting, a [section] header or a comment, found ${JSON.stringify(stripped)}`,
        lineNo,
      );
    }
    const rawKey = trimEndPy(stripped.slice(0, delimiterAt));
    if (rawKey === "") {
      throw new ConfigSyntaxError(`a setting has no name before "${stripped[delimiterAt]}"`, lineNo);
    }
    const key = rawKey.toLowerCase();
    const previous = section.options.find((o) => o.key === key);
    if (previous) {
      throw new ConfigSyntaxError(
        `duplicate setting "${key}" in ${describeSection(section)} (first set on line ${previous.first + 1})`,
        lineNo,
      );
    }
    option = {
      key,
      rawKey,
      delimiter: stripped[delimiterAt] === ":" ? ":" : "=",
      first: index,
      last: index,
      head: pyStrip(stripped.slice(delimiterAt + 1)),
      rest: undefined,
    };
    section.options.push(option);
    section.contentEnd = index;
    kinds.push("option");
  });
  if (section) finishSection(section);
  return { bom, lines, kinds, eol, sections };
}

function finishSection(section: SectionSpan): void {
  for (const option of section.options) {
    const rest = option.rest ?? [];
    const value = rest.length === 0 ? option.head : trimEndPy([option.head, ...rest.map((p) => p.text)].join("\n"));
    section.values[option.key] = value;
    if (!value.startsWith("\n")) continue;
    // botocore's _parse_nested: one level, `=` only, and any other line fails the whole file.
    for (const part of rest) {
      if (part.text === "") continue;
      const eq = part.text.indexOf("=");
      if (eq === -1) {
        throw new ConfigSyntaxError(
          `the nested setting ${JSON.stringify(part.text)} under "${option.key}" must have the form "key = value"`,
          part.index + 1,
        );
      }
      const child = pyStrip(part.text.slice(0, eq));
      section.values[`${option.key}.${child}`] = pyStrip(part.text.slice(eq + 1));
    }
  }
}

export function parseConfig(text: string): ParsedConfig {
  return parsedFrom(scan(text));
}

/** A parsed file that can also be edited without scanning it again, for bulk edits of big files. */
export interface ConfigDocument {
  readonly parsed: ParsedConfig;
  /** The same as upsertSections(text, updates) for the text this document was parsed from. */
  upsertSections(updates: ReadonlyArray<SectionUpdate>): string;
}

export function parseConfigDocument(text: string): ConfigDocument {
  const scanned = scan(text);
  return {
    parsed: parsedFrom(scanned),
    upsertSections: (updates) => applyUpserts(text, scanned, prepareUpdates(updates)),
  };
}

function parsedFrom(scanned: Scanned): ParsedConfig {
  const sections = scanned.sections.map(
    (s): ParsedSection => ({
      kind: s.kind,
      name: s.name,
      header: scanned.lines[s.headerIndex]?.text ?? "",
      line: s.headerIndex + 1,
      values: s.values,
    }),
  );
  const profiles = new Map<string, ParsedSection>();
  const ssoSessions = new Map<string, ParsedSection>();
  for (const s of sections) {
    // Later wins, as in botocore, which only matters for [default] vs [profile default].
    if (s.kind === "profile") profiles.set(s.name, s);
    if (s.kind === "sso-session") ssoSessions.set(s.name, s);
  }
  return { sections, profiles, ssoSessions };
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
    throw new TypeError(`Invalid section kind: ${JSON.stringify(ref.kind)}`);
  }
  if (ref.kind === "credentials" && (!CREDENTIALS_NAME.test(ref.name) || CONTROL.test(ref.name))) {
    throw new TypeError(
      `Invalid credentials profile name ${JSON.stringify(ref.name)}: use no spaces, quotes, backslashes, "#", ";", "[" or "]"`,
    );
  }
  if (ref.name === "" || CONTROL.test(ref.name) || /[[\]]/.test(ref.name)) {
    throw new TypeError(
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
      throw new TypeError(`Invalid config key ${JSON.stringify(rawKey)}: use letters, digits, "_" and "-" only`);
    }
    const key = rawKey.toLowerCase();
    if (seen.has(key)) throw new TypeError(`Config key "${key}" is given more than once`);
    seen.add(key);
    if (value !== null) {
      if (CONTROL.test(value)) {
        throw new TypeError(`Invalid value for key ${key}: control characters and line breaks are not allowed`);
      }
      if (value !== pyStrip(value) || value !== value.trim()) {
        throw new TypeError(`Invalid value for key ${key}: leading or trailing whitespace would be lost on reading`);
      }
      // The JS SDK cuts a line at `#` or `;` that follows whitespace; botocore keeps it.
      if (/(^|\s)[#;]/.test(value)) {
        throw new TypeError(
          `Invalid value for key ${key}: "#" or ";" after a space would be read as a comment by the AWS SDKs`,
        );
      }
    }
    // The caller's entry as it is when its key is already lowercase: no copy per key and section.
    return key === rawKey ? entry : [key, value];
  });
}

// Per original line: undefined keeps it, null drops it, a string replaces it (line ending
// included). `after` holds whole lines to emit after that original line.
class Edits {
  readonly replace = new Map<number, string | null>();
  readonly after = new Map<number, string[]>();

  drop(from: number, to: number): void {
    for (let i = from; i <= to; i++) this.replace.set(i, null);
  }

  render(scanned: Scanned): string {
    // Pieces joined once at the end, and the last piece remembered: asking a growing string
    // whether it ends with "\n" would copy it whole on every insertion.
    const pieces: string[] = [];
    let last = "";
    const emit = (piece: string) => {
      if (piece === "") return;
      pieces.push(piece);
      last = piece;
    };
    scanned.lines.forEach((line, index) => {
      const replacement = this.replace.get(index);
      if (replacement === undefined) emit(line.text + line.eol);
      else if (replacement !== null) emit(replacement);
      const inserted = this.after.get(index);
      if (inserted) {
        // Lines inserted after a last line that had no line ending need one in between.
        if (last !== "" && !last.endsWith("\n")) emit(scanned.eol);
        for (const text of inserted) emit(text);
      }
    });
    return scanned.bom + pieces.join("");
  }
}

function settingLine(indent: string, key: string, value: string, eol: string): string {
  return `${indent}${key} = ${value}${eol}`;
}

function nextSignificant(scanned: Scanned, after: number): number | undefined {
  for (let i = after + 1; i < scanned.lines.length; i++) {
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
  const indent = next === undefined ? "" : leadingSpace(scanned.lines[next]?.text ?? "");

  for (const [key, value] of entries) {
    const option = section.options.find((o) => o.key === key);
    if (!option) {
      if (value !== null) added.push(settingLine(indent, key, value, scanned.eol));
      continue;
    }
    if (value === null) {
      edits.drop(option.first, option.last);
      continue;
    }
    // An equal value stays byte for byte only if the JS SDK reads it too: it neither lowercases
    // keys nor accepts `:` as a delimiter.
    const portable = option.rawKey === key && option.delimiter === "=" && option.first === option.last;
    if (portable && section.values[key] === value) continue;
    const firstLine = scanned.lines[option.first];
    const lastLine = scanned.lines[option.last];
    if (!firstLine || !lastLine) continue;
    edits.drop(option.first + 1, option.last);
    // The last replaced line's ending is kept so a missing final newline stays missing.
    edits.replace.set(option.first, settingLine(leadingSpace(firstLine.text), key, value, lastLine.eol));
  }
  if (added.length > 0) {
    edits.after.set(section.contentEnd, [...(edits.after.get(section.contentEnd) ?? []), ...added]);
  }
}

/**
 * Sets (or, for null, deletes) each key in the section `ref`, creating the section at the end of
 * the file if needed. Every byte outside the changed lines is kept. Throws ConfigSyntaxError if
 * `text` is malformed, and TypeError for a name, key or value that cannot be written safely.
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
    if (seen.has(identity)) throw new TypeError(`${sectionHeader(ref)} is updated more than once in one call`);
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
    // botocore reads the later of [default] and [profile default]; the JS SDK always reads
    // [profile default]. Edit each section some reader uses, so neither keeps stale values.
    const last = matches[matches.length - 1];
    for (const section of matches) {
      if (section === last || !section.bareDefault) planUpsert(scanned, section, entries, edits);
    }
  }

  if (edits.replace.size === 0 && edits.after.size === 0 && appended.length === 0) return text;
  let out = edits.render(scanned);
  if (appended.length > 0) {
    const body = out.slice(scanned.bom.length);
    if (body !== "" && !body.endsWith("\n")) out += scanned.eol;
    out += appended.join("");
  }
  return out;
}

// With a section gone, the header after it may sit right below another section's setting, and
// configparser reads a header indented deeper than that setting as part of its value. A header's
// own indentation never changes its meaning, so removing it is safe.
function keepNextHeaderAHeader(scanned: Scanned, removed: SectionSpan, edits: Edits): void {
  const next = nextSignificant(scanned, removed.contentEnd);
  const nextLine = next === undefined ? undefined : scanned.lines[next];
  if (next === undefined || !nextLine || leadingSpaceLength(nextLine.text) === 0) return;
  if (edits.replace.has(next)) return;
  let above = removed.headerIndex - 1;
  while (above >= 0) {
    const kind = scanned.kinds[above];
    if (kind !== "blank" && kind !== "comment" && edits.replace.get(above) !== null) break;
    above--;
  }
  const kindAbove = above >= 0 ? scanned.kinds[above] : undefined;
  if (kindAbove === "option" || kindAbove === "continuation") {
    edits.replace.set(next, nextLine.text.slice(leadingSpaceLength(nextLine.text)) + nextLine.eol);
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
    while (blankEnd + 1 < scanned.lines.length && isBlank(blankEnd + 1)) blankEnd++;
    const above = lineAbove(section.headerIndex);

    if (blankEnd === scanned.lines.length - 1) {
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
