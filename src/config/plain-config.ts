/**
 * A fast lane for reading the config files nearly everyone has: every line in column 0, and every
 * line a blank, a comment, a plain `[profile name]`-style header or a lowercase `key = value`.
 *
 * In such a file configparser's rules come down to a few (no continuation lines, no [DEFAULT], no
 * shlex quoting, no case folding), and the file can be read in one pass that cuts a string only for
 * a section's name. `completion --list` and `status` run in shell prompts and at every Tab, on files
 * of up to tens of thousands of profiles after `populate`; the general reader (ini.ts) costs several
 * times a bare Node start on such a file, mostly in the JIT warm-up of its per-line work.
 *
 * Anything else gives undefined, and the caller reads the file with ini.ts, which owns every error
 * message: a file this lane reads is a file ini.ts reads the same way (a test compares the two over
 * generated files, and the botocore fuzz reads through both).
 */
import { isPySpace } from "./py-text.js";

type Values = Record<string, string>;

/** The read-only part of ini.ts's ConfigDocument that a plain file can answer. */
export interface PlainConfig {
  profileNames(): string[];
  profile(name: string): Values | undefined;
  profileEntries(): IterableIterator<[string, Values]>;
  ssoSessionNames(): string[];
  ssoSession(name: string): Values | undefined;
}

export function readPlainConfig(text: string): PlainConfig | undefined {
  // A lone CR ends a line for Python, and for nobody else: the general reader knows what to do.
  if (text.includes("\r") && LONE_CR.test(text)) return undefined;
  // Whole-file regular expressions run as machine code from the first line on, where a loop over
  // the lines would run in V8's interpreter until it has been compiled: on a file of 100,000 lines
  // that is most of the time. What is left for a loop is the headers.
  if (NOT_PLAIN.test(text) || DECLINED_HEADER.test(text) || REPEATED_KEY.test(text)) return undefined;
  const reader = new PlainReader(text);
  return reader.read() ? reader : undefined;
}

const LONE_CR = /\r(?!\n)/;

/**
 * The start of a line that is not plain: neither blank, a comment, a header (`[` in column 0 through a
 * `]` that ends the line) nor a setting whose key needs no lowercasing (ini.ts's PLAIN_OPTION).
 * Lines end at LF (or the end of the text), never at `$`: in a JavaScript regular expression that
 * also matches before U+2028 and U+2029, which Python's lines hold as text. (`^` also matches after
 * them: a line start too many only declines more.)
 */
const NOT_PLAIN = /^(?![#;]|\r?(?:\n|(?![^]))|\[[^\n]*\]\r?(?:\n|(?![^]))|[a-z0-9_.-]+[ \t]*[=:])/m;

/**
 * A header that is not plain: [DEFAULT] (its settings go to every section), or a prefix that shlex
 * would not split into the prefix and one name as it is written (one space, no quotes, no
 * backslash, no whitespace; ini.ts's PLAIN_PREFIXED) or that is not followed by a space at all.
 */
const DECLINED_HEADER = /^\[(?:DEFAULT\]|(?:profile|sso-session|services)(?! [^ \t'"\\\r\n]+\]\r?(?:\n|(?![^]))))/m;

/**
 * A key set twice in one section, which configparser refuses: a key line, then lines that are not
 * headers, then a line with the same key. Plain keys are lowercase already, as configparser compares them.
 */
const REPEATED_KEY = /^([a-z0-9_.-]+)[ \t]*[=:][^\n]*\n(?:[^[\n][^\n]*\n|\n)*?\1[ \t]*[=:]/m;

/** A setting's line; in a plain file, before the first header it is one outside any section. */
const SETTING_LINE = /^[a-z0-9_.-]/m;

const HASH = 0x23;
const SEMICOLON = 0x3b;
const CLOSE = 0x5d;
const CR = 0x0d;

/** configparser's `[A-Za-z0-9_.-]` keys that need no lowercasing: the characters ini.ts's PLAIN_OPTION takes. */
function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e;
}

/**
 * The headers, and the answers from them. Sections are kept as offsets into the text (where each
 * one's settings start and end); values are built when asked for, as ini.ts does.
 */
class PlainReader implements PlainConfig {
  private readonly profiles = new Map<string, number>();
  private readonly ssoSessions = new Map<string, number>();
  /** Headers of other sections ([services x], [plugins], ...): configparser refuses a repeated one. */
  private readonly otherHeaders = new Set<string>();
  private sawBareDefault = false;
  private sawProfileDefault = false;
  /** Section i's settings are text[bodies[2i], bodies[2i + 1]). */
  private bodies = new Int32Array(256);
  private sections = 0;
  private readonly keys: string[] = [];

  constructor(private readonly text: string) {}

  /** Every line is plain (the caller checked): each header, from the first one on. */
  read(): boolean {
    const { text } = this;
    let at = text.startsWith("[") ? 0 : text.indexOf("\n[") + 1;
    const hasHeader = at > 0 || text.startsWith("[");
    // configparser refuses a setting before the first header.
    const firstSetting = SETTING_LINE.exec(text)?.index;
    if (firstSetting !== undefined && (!hasHeader || firstSetting < at)) return false;
    if (!hasHeader) return true;
    for (;;) {
      let next = text.indexOf("\n", at);
      if (next === -1) next = text.length;
      const end = next > at && text.charCodeAt(next - 1) === CR ? next - 1 : next;
      if (!this.header(at, end, next + 1)) return false;
      const following = text.indexOf("\n[", next);
      if (following === -1) break;
      at = following + 1;
    }
    this.bodies[2 * this.sections - 1] = text.length;
    return true;
  }

  /** The header on text[start, end) (`[` to `]`), whose section's settings start at `after`. */
  private header(start: number, end: number, after: number): boolean {
    const { text } = this;
    if (end - start < 3 || text.charCodeAt(end - 1) !== CLOSE) return false;
    if (!this.named(start + 1, end - 1)) return false;
    if (this.sections > 0) this.bodies[2 * this.sections - 1] = start;
    if (2 * this.sections + 2 > this.bodies.length) this.bodies = grown(this.bodies);
    this.bodies[2 * this.sections] = Math.min(after, text.length);
    this.sections++;
    return true;
  }

  /**
   * Files the section text[from, to) (between the brackets) under its kind and name; false where it
   * repeats one. DECLINED_HEADER has passed it: a prefix is followed by one space and a plain name.
   */
  private named(from: number, to: number): boolean {
    const { text } = this;
    const index = this.sections;
    if (text.startsWith("profile ", from)) {
      const name = text.slice(from + 8, to);
      if (name !== "default") return added(this.profiles, name, index);
      if (this.sawProfileDefault) return false;
      this.sawProfileDefault = true;
      this.profiles.set(name, index);
      return true;
    }
    if (text.startsWith("sso-session ", from)) return added(this.ssoSessions, text.slice(from + 12, to), index);
    const inner = text.slice(from, to);
    if (inner === "default") {
      if (this.sawBareDefault) return false;
      this.sawBareDefault = true;
      // botocore: the later of [default] and [profile default] wins, in the place of the first.
      this.profiles.set(inner, index);
      return true;
    }
    return this.otherHeader(inner);
  }

  private otherHeader(inner: string): boolean {
    if (this.otherHeaders.has(inner)) return false;
    this.otherHeaders.add(inner);
    return true;
  }

  /** Section i's settings as ini.ts's valuesOf gives them (for a plain file: one line each). */
  private values(index: number): Values {
    const { text } = this;
    const values: Values = {};
    const to = this.bodies[2 * index + 1]!;
    let at = this.bodies[2 * index]!;
    while (at < to) {
      let next = text.indexOf("\n", at);
      if (next === -1 || next > to) next = to;
      const end = next > at && text.charCodeAt(next - 1) === CR ? next - 1 : next;
      const c = text.charCodeAt(at);
      if (at !== end && c !== HASH && c !== SEMICOLON) this.setting(at, end, values);
      at = next + 1;
    }
    return values;
  }

  /** The setting on a plain line text[start, end): the key, and the value stripped as Python strips it. */
  private setting(start: number, end: number, values: Values): void {
    const { text } = this;
    let at = start;
    while (isKeyChar(text.charCodeAt(at))) at++;
    const key = this.keyAt(start, at);
    while (text.charCodeAt(at) !== 0x3d && text.charCodeAt(at) !== 0x3a) at++;
    at++;
    while (at < end && isPySpace(text.charCodeAt(at))) at++;
    let valueEnd = end;
    while (valueEnd > at && isPySpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
    values[key] = text.slice(at, valueEnd);
  }

  /**
   * The key text[start, end) as a string seen before where there is one: a file of thousands of
   * profiles repeats a handful of keys, and `status` reads them all.
   */
  private keyAt(start: number, end: number): string {
    const length = end - start;
    for (const key of this.keys) if (key.length === length && this.text.startsWith(key, start)) return key;
    const key = this.text.slice(start, end);
    if (this.keys.length < 64) this.keys.push(key);
    return key;
  }

  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  profile(name: string): Values | undefined {
    const index = this.profiles.get(name);
    return index === undefined ? undefined : this.values(index);
  }

  *profileEntries(): IterableIterator<[string, Values]> {
    for (const [name, index] of this.profiles) yield [name, this.values(index)];
  }

  ssoSessionNames(): string[] {
    return [...this.ssoSessions.keys()];
  }

  ssoSession(name: string): Values | undefined {
    const index = this.ssoSessions.get(name);
    return index === undefined ? undefined : this.values(index);
  }
}

/** Adds a name not seen before; false for a repeat, which configparser refuses. */
function added(names: Map<string, number>, name: string, index: number): boolean {
  const size = names.size;
  names.set(name, index);
  return names.size !== size;
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
