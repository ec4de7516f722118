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
  const hasCr = text.includes("\r");
  // A lone CR ends a line for Python, and for nobody else: the general reader knows what to do.
  if (hasCr && /\r(?!\n)/.test(text)) return undefined;
  const reader = new PlainReader(text, hasCr);
  return reader.read() ? reader : undefined;
}

const HASH = 0x23;
const SEMICOLON = 0x3b;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CR = 0x0d;

/**
 * A key that needs no lowercasing, followed on its line by `=` or `:`: what ini.ts's PLAIN_OPTION
 * reads. The lookahead stays on the line, since neither `[ \t]` nor the delimiters match a line break.
 */
const PLAIN_KEY = /[a-z0-9_.-]+(?=[ \t]*[=:])/y;

/** configparser's `[A-Za-z0-9_.-]` keys that need no lowercasing: the characters ini.ts's PLAIN_OPTION takes. */
function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e;
}

/** A name shlex gives back as it is: no whitespace it splits at, no quote, no backslash. */
function isPlainName(text: string, from: number, to: number): boolean {
  if (from === to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x22 || c === 0x27 || c === 0x5c) return false;
  }
  return true;
}

function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

const PREFIXES = ["profile", "sso-session", "services"] as const;

/**
 * The one pass, and the answers from it. Sections are kept as offsets into the text (where each
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
  // The current section's keys, to refuse a repeated one as configparser does: where each starts and
  // how long it is, and a 32-bit filter that spares most comparisons.
  private keyStarts = new Int32Array(16);
  private keyLengths = new Int32Array(16);
  private keys = 0;
  private keyFilter = 0;

  constructor(
    private readonly text: string,
    private readonly hasCr: boolean,
  ) {}

  read(): boolean {
    const { text } = this;
    let at = 0;
    while (at < text.length) {
      let next = text.indexOf("\n", at);
      if (next === -1) next = text.length;
      const end = this.hasCr && next > at && text.charCodeAt(next - 1) === CR ? next - 1 : next;
      if (!this.line(at, end, next + 1)) return false;
      at = next + 1;
    }
    if (this.sections > 0) this.bodies[2 * this.sections - 1] = text.length;
    return true;
  }

  /** One line, text[start, end) without its line ending; the next line starts at `after`. */
  private line(start: number, end: number, after: number): boolean {
    if (start === end) return true;
    const c = this.text.charCodeAt(start);
    if (c === HASH || c === SEMICOLON) return true;
    if (c === OPEN) return this.header(start, end, after);
    return this.sections > 0 && this.option(start);
  }

  private header(start: number, end: number, after: number): boolean {
    const { text } = this;
    if (end - start < 3 || text.charCodeAt(end - 1) !== CLOSE) return false;
    if (!this.named(start + 1, end - 1)) return false;
    if (this.sections > 0) this.bodies[2 * this.sections - 1] = start;
    if (2 * this.sections + 2 > this.bodies.length) this.bodies = grown(this.bodies);
    this.bodies[2 * this.sections] = Math.min(after, text.length);
    this.sections++;
    this.keys = 0;
    this.keyFilter = 0;
    return true;
  }

  /** Files the section text[from, to) (between the brackets) under its kind and name; false where it is not plain or repeats one. */
  private named(from: number, to: number): boolean {
    const { text } = this;
    const index = this.sections;
    for (const prefix of PREFIXES) {
      if (!text.startsWith(prefix, from)) continue;
      const nameFrom = from + prefix.length + 1;
      if (text.charCodeAt(nameFrom - 1) !== 0x20 || !isPlainName(text, nameFrom, to)) return false;
      if (prefix === "services") return this.otherHeader(text.slice(from, to));
      const name = text.slice(nameFrom, to);
      if (prefix === "sso-session") return added(this.ssoSessions, name, index);
      if (name === "default") {
        if (this.sawProfileDefault) return false;
        this.sawProfileDefault = true;
        this.profiles.set(name, index);
        return true;
      }
      return added(this.profiles, name, index);
    }
    const inner = text.slice(from, to);
    // [DEFAULT] gives its settings to every section: the general reader's job.
    if (inner === "DEFAULT") return false;
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

  /** A `key = value` line whose key is plain and new in its section. */
  private option(start: number): boolean {
    // A sticky regular expression runs as machine code from the first line on, where a loop over the
    // characters would run in the interpreter until V8 has compiled it.
    PLAIN_KEY.lastIndex = start;
    if (!PLAIN_KEY.test(this.text)) return false;
    return this.newKey(start, PLAIN_KEY.lastIndex - start);
  }

  private newKey(start: number, length: number): boolean {
    const { text } = this;
    const bit = 1 << ((length * 7 + text.charCodeAt(start) + text.charCodeAt(start + length - 1)) & 31);
    if (this.keyFilter & bit) {
      for (let k = 0; k < this.keys; k++) {
        if (this.keyLengths[k] === length && sameText(text, this.keyStarts[k]!, start, length)) return false;
      }
    }
    this.keyFilter |= bit;
    if (this.keys === this.keyStarts.length) {
      this.keyStarts = grown(this.keyStarts);
      this.keyLengths = grown(this.keyLengths);
    }
    this.keyStarts[this.keys] = start;
    this.keyLengths[this.keys] = length;
    this.keys++;
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
      const end = this.hasCr && next > at && text.charCodeAt(next - 1) === CR ? next - 1 : next;
      const c = text.charCodeAt(at);
      if (at !== end && c !== HASH && c !== SEMICOLON) setting(text, at, end, values);
      at = next + 1;
    }
    return values;
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

/** The setting on a plain line text[start, end): the key, and the value stripped as Python strips it. */
function setting(text: string, start: number, end: number, values: Values): void {
  let at = start;
  while (isKeyChar(text.charCodeAt(at))) at++;
  const key = text.slice(start, at);
  while (text.charCodeAt(at) !== 0x3d && text.charCodeAt(at) !== 0x3a) at++;
  at++;
  while (at < end && isPySpace(text.charCodeAt(at))) at++;
  let valueEnd = end;
  while (valueEnd > at && isPySpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  values[key] = text.slice(at, valueEnd);
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
