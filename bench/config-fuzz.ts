/**
 * Differential fuzzing of the config reader and editor (src/config/ini.ts) against botocore, the AWS
 * CLI's parser, as the oracle. A seeded generator writes nasty configs (odd spacing and case,
 * duplicates, `=`/`:`, continuation lines and nested blocks, tabs, BOM, CRLF/LF/mixed/lone-CR line
 * ends, no final newline, invalid UTF-8, empty files, comments everywhere, values with `=`, `#`, `;`
 * and quotes); each case is checked in both directions:
 *  - botocore refuses the file → we refuse it, naming the line botocore names (nothing is written);
 *  - botocore reads it → we read the same profiles and sso-sessions, and after an edit botocore reads
 *    back exactly the values written and every other profile and session unchanged.
 * botocore runs once per batch of files (one python process), so thousands of cases take seconds.
 * Used by test/unit/config-fuzz.test.ts (500+ cases in `npm test`) and bench/fuzz-config.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ConfigSyntaxError, parseConfig, parseConfigDocument, upsertSections, type ConfigDocument, type ParsedConfig, type SectionRef, type SectionUpdate } from "../src/config/ini.js";
import { NotUtf8Error, nodeFs } from "../src/platform/fs.js";
import { mulberry32 } from "./random.js";

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number): boolean => random() < p;

const NAMES = ["dev", "prod", "default", "my-sso", "a.b", "x y", "Dev", "q'uote", "br]acket", "ünï"];
const KEYS = [
  "region",
  "output",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "sso_registration_scopes",
  "Region",
  "OUTPUT",
  "custom_key",
  "s3",
  "[odd",
  "key with space",
  "a]b",
];
const VALUES = [
  "us-west-2",
  "us-west-2 # oregon",
  "us-east-1 ; note",
  "json",
  "text",
  "a=b=c",
  "x;y#z",
  '"quoted"',
  "'single'",
  "",
  "https://d-1234567890.awsapps.com/start",
  "sso:account:access",
  "\tspaced\t",
  "caf\u00e9",
  "111122223333",
  "val: colon",
];
const COMMENTS = ["# comment", "; comment", "#", "   # indented comment", "\t; tabbed", "# [profile fake]", "# key = value"];
const ODD_BREAKS = ["\u000b", "\u000c", "\u001c", "\u001d", "\u001e", "\u0085", "\u2028", "\u2029"];
const SPACES = ["", " ", "  ", "\t", " \t"];

function header(random: Random): string {
  const name = pick(random, NAMES);
  const inner = pick(random, [
    () => `profile ${name}`,
    () => `profile ${name}`,
    () => `profile  ${name}`,
    () => `profile '${name}'`,
    () => `profile "${name}"`,
    () => `Profile ${name}`,
    () => "default",
    () => "profile default",
    () => `sso-session ${name}`,
    () => `sso-session ${name}`,
    () => "DEFAULT",
    () => `services ${name}`,
    () => name,
    () => `profile ${name} extra`,
    () => "profile",
  ])();
  const after = pick(random, ["", "", "", " # note", " ; note", "x", " ]", "  "]);
  return `${chance(random, 0.08) ? pick(random, [" ", "\t"]) : ""}[${inner}]${after}`;
}

function option(random: Random, lines: string[], used: Set<string>): void {
  let key = pick(random, KEYS);
  // A repeated setting makes botocore refuse the file; a few are enough to test that.
  for (let tries = 0; used.has(key.toLowerCase()) && tries < 5 && !chance(random, 0.03); tries++) key = pick(random, KEYS);
  used.add(key.toLowerCase());
  const delimiter = pick(random, ["=", "=", "=", ":"]);
  const indent = chance(random, 0.1) ? pick(random, SPACES) : "";
  const nested = chance(random, 0.12);
  const value = nested ? "" : pick(random, VALUES.filter((v) => v !== "" || chance(random, 0.3)));
  lines.push(`${indent}${key}${pick(random, SPACES)}${delimiter}${pick(random, SPACES)}${value}`);
  const deeper = `${indent}${pick(random, ["  ", "    ", "\t", " "])}`;
  if (nested) {
    const children = 1 + Math.floor(random() * 3);
    for (let i = 0; i < children; i++) {
      if (chance(random, 0.15)) lines.push(chance(random, 0.5) ? "" : pick(random, COMMENTS));
      const child = pick(random, ["addressing_style", "signature_version", "Max_Attempts", "k"]);
      const odd = chance(random, 0.08) ? pick(random, ODD_BREAKS) : "";
      const tail = odd && chance(random, 0.5) ? `${odd}other = 1` : odd ? `${odd}no-equals` : "";
      lines.push(`${deeper}${child}${pick(random, SPACES)}=${pick(random, SPACES)}${pick(random, VALUES)}${tail}`);
    }
  } else if (chance(random, 0.12)) {
    const more = 1 + Math.floor(random() * 2);
    for (let i = 0; i < more; i++) {
      if (chance(random, 0.2)) lines.push(chance(random, 0.5) ? "" : pick(random, COMMENTS));
      lines.push(`${deeper}${pick(random, ["more", "[profile hidden]", "k = v", "# not a comment?"])}`);
    }
  }
}

/** One generated config, as bytes. The same seed gives the same file. */
export function nastyConfig(seed: number): Buffer {
  const random = mulberry32(seed);
  if (chance(random, 0.02)) return Buffer.alloc(0);
  const lines: string[] = [];
  if (chance(random, 0.25)) lines.push(pick(random, COMMENTS));
  if (chance(random, 0.1)) lines.push("");
  if (chance(random, 0.02)) lines.push(pick(random, ["region = us-east-1", "stray text"]));
  const sections = 1 + Math.floor(random() * 5);
  for (let s = 0; s < sections; s++) {
    lines.push(header(random));
    const options = Math.floor(random() * 5);
    const used = new Set<string>();
    for (let o = 0; o < options; o++) {
      if (chance(random, 0.15)) lines.push(pick(random, COMMENTS));
      if (chance(random, 0.08)) lines.push("");
      option(random, lines, used);
    }
    if (chance(random, 0.04)) lines.push(pick(random, ["not a setting", "  [profile indented]"]));
    if (chance(random, 0.4)) lines.push("");
  }
  const eolStyle = pick(random, ["\n", "\n", "\r\n", "mixed", "cr"] as const);
  let text = "";
  lines.forEach((line, i) => {
    const eol =
      eolStyle === "mixed" ? pick(random, ["\n", "\r\n"]) : eolStyle === "cr" ? (chance(random, 0.3) ? "\r" : "\n") : eolStyle;
    text += line + (i === lines.length - 1 && chance(random, 0.3) ? "" : eol);
  });
  if (chance(random, 0.03)) text = `\uFEFF${text}`;
  const bytes = Buffer.from(text, "utf8");
  if (chance(random, 0.03)) {
    // A Latin-1 é, as an editor in another encoding would save it: not UTF-8.
    const at = bytes.indexOf(0x23); // in a comment if there is one
    const where = at >= 0 ? at + 1 : Math.floor(random() * (bytes.length + 1));
    return Buffer.concat([bytes.subarray(0, where), Buffer.from([0xe9]), bytes.subarray(where)]);
  }
  return bytes;
}

const PLAIN_NAMES = ["dev", "prod", "default", "team1-111122223333", "a.b", "x]y", "é", "dev"];
const PLAIN_HEADERS = (name: string) => [`[profile ${name}]`, `[sso-session ${name}]`, `[services ${name}]`, "[default]", `[other ${name}]`, "[plugins]"];
const FLAWED_HEADERS = (name: string) => [
  "[DEFAULT]",
  `[profile  ${name}]`,
  `[profile\t${name}]`,
  `[profile '${name}']`,
  `[profile "${name} x"]`,
  `[profilex ${name}]`,
  `[profile]`,
  `[ profile ${name}]`,
  `[profile ${name}] `,
  `[profile ${name}]junk`,
  `[profile ${name} ]`,
  "[]",
  `[profile ${name}`,
  `  [profile ${name}]`,
  `[Profile ${name}]`,
  `[sso-session]`,
];
const PLAIN_KEYS = ["region", "output", "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "s3.max", "a-b", "k1"];
const PLAIN_VALUES = ["us-east-1", "", "https://example.awsapps.com/start", "111122223333", "a = b", "x:y", "  spaced  ", "é", "v\u000c", "\u00a0v\u00a0", "#not a comment"];
const FLAWED_LINES = (key: string) => [
  `${key.toUpperCase()} = 1`,
  `${key} value without delimiter`,
  ` ${key} = indented`,
  `\t${key} = tabbed`,
  "   ",
  `= no key`,
  `key with space = 1`,
  `${key}\u00a0= nbsp`,
  `  continued`,
  `${key}$ = 1`,
  "\u000c",
  `\u2028${key} = 1`,
  `\u2029`,
  `${key} = a\u2028[profile b]`,
  `${key} = a\u2028region = c`,
];

/**
 * A config that is plain (every line in column 0, plain headers and lowercase keys) but for a flaw now
 * and then: what the fast lane (src/config/plain-config.ts) reads, and what it must decline.
 */
export function mostlyPlainConfig(seed: number): string {
  const random = mulberry32(seed);
  const lines: string[] = [];
  if (chance(random, 0.15)) lines.push(pick(random, ["# top", "; top", ""]));
  if (chance(random, 0.03)) lines.push("region = before-any-header");
  const sections = Math.floor(random() * 6);
  for (let s = 0; s < sections; s++) {
    const name = pick(random, PLAIN_NAMES);
    lines.push(chance(random, 0.06) ? pick(random, FLAWED_HEADERS(name)) : pick(random, PLAIN_HEADERS(name)));
    const options = Math.floor(random() * 5);
    for (let o = 0; o < options; o++) {
      if (chance(random, 0.1)) lines.push(pick(random, ["# comment", "; comment", "", "#"]));
      const key = pick(random, PLAIN_KEYS);
      if (chance(random, 0.05)) lines.push(pick(random, FLAWED_LINES(key)));
      else lines.push(`${key}${pick(random, [" = ", "=", " =", ": ", "\t=\t", " :"])}${pick(random, PLAIN_VALUES)}`);
    }
  }
  const eol = pick(random, ["\n", "\n", "\n", "\r\n", "mixed", "lone-cr"] as const);
  let text = lines.map((line) => line + (eol === "mixed" ? pick(random, ["\n", "\r\n"]) : eol === "lone-cr" ? pick(random, ["\n", "\n", "\r"]) : eol)).join("");
  if (chance(random, 0.2)) text = text.replace(/\r?\n$/, "");
  if (chance(random, 0.02)) text = `\uFEFF${text}`;
  return text;
}

/** Every fourth case is a mostly plain file, so that botocore judges the fast lane as well. */
function fuzzCase(seed: number): Buffer {
  return seed % 4 === 0 ? Buffer.from(mostlyPlainConfig(seed), "utf8") : nastyConfig(seed);
}

/** What botocore made of one file. Values are flattened as ours are: a nested block `s3` gives `s3` (raw) and `s3.child`. */
export type OracleReading =
  | { ok: true; profiles: Record<string, Record<string, string>>; ssoSessions: Record<string, Record<string, string>> }
  | { ok: false; kind: string; line: number | null; message: string };

const ORACLE = String.raw`
import configparser, json, sys
from botocore import configloader
from botocore.exceptions import ConfigParseError

def flatten(parsed, raw):
    out = {}
    for name, values in parsed.items():
        flat = {}
        for key, value in values.items():
            if isinstance(value, dict):
                flat[key] = raw[name][key]
                for child, child_value in value.items():
                    flat[key + "." + child] = child_value
            else:
                flat[key] = value
        out[name] = flat
    return out

for path in json.load(sys.stdin):
    try:
        loaded = configloader.load_config(path)
    except ConfigParseError as e:
        inner = e.kwargs.get("error")
        line = getattr(inner, "lineno", None)
        if line is None and isinstance(inner, configparser.ParsingError) and inner.errors:
            line = inner.errors[0][0]
        print(json.dumps({"ok": False, "kind": type(inner).__name__, "line": line, "message": str(inner)}))
        continue
    raw = configloader.build_profile_map(configloader.raw_config_parse(path, parse_subsections=False))
    print(json.dumps({
        "ok": True,
        "profiles": flatten(loaded["profiles"], raw["profiles"]),
        "ssoSessions": flatten(loaded.get("sso_sessions", {}), raw.get("sso_sessions", {})),
    }))
`;

/** Runs botocore over many files in one python process. */
export function botocoreReadAll(python: string, files: readonly Buffer[]): Promise<OracleReading[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-fuzz-"));
  const paths = files.map((bytes, i) => {
    const file = path.join(dir, `config-${i}`);
    writeFileSync(file, bytes);
    return file;
  });
  return new Promise<OracleReading[]>((resolve, reject) => {
    const child = execFile(
      python,
      ["-c", ORACLE],
      // UTF-8 mode: botocore decodes with the locale's encoding, which is UTF-8 wherever the AWS CLI is used in practice.
      { env: { PATH: process.env.PATH ?? "", PYTHONUTF8: "1", PYTHONDONTWRITEBYTECODE: "1" }, maxBuffer: 1 << 30, timeout: 600_000 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (error) {
          reject(new Error(`botocore oracle failed: ${error.message}\n${stderr}`));
          return;
        }
        const readings = stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as OracleReading);
        if (readings.length !== files.length) reject(new Error(`botocore oracle answered ${readings.length} of ${files.length} files`));
        else resolve(readings);
      },
    );
    child.stdin?.end(JSON.stringify(paths));
  });
}

type OurReading =
  | { ok: true; parsed: ParsedConfig; text: string; profiles: Record<string, Record<string, string>>; ssoSessions: Record<string, Record<string, string>> }
  | { ok: false; line: number; message: string; utf8: boolean };

/** Our reading of the same bytes, through the same path the CLI reads the file with. */
export async function ourReading(bytes: Buffer, dir: string, index: number): Promise<OurReading> {
  const file = path.join(dir, `ours-${index}`);
  writeFileSync(file, bytes);
  let text: string;
  try {
    text = (await nodeFs.readText(file, { strictUtf8: true })) ?? "";
  } catch (error) {
    if (error instanceof NotUtf8Error) return { ok: false, line: error.line, message: error.message, utf8: true };
    throw error;
  } finally {
    rmSync(file, { force: true });
  }
  let parsed: ParsedConfig;
  let document: ConfigDocument;
  try {
    parsed = parseConfig(text);
    // What the CLI reads with: plain files through the fast lane (plain-config.ts).
    document = parseConfigDocument(text);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return { ok: false, line: error.line, message: error.message, utf8: false };
    throw error;
  }
  const sessions = document.ssoSessionNames().map((name): [string, Readonly<Record<string, string>>] => [name, document.ssoSession(name)!]);
  return { ok: true, parsed, text, profiles: effective(document.profileEntries(), document.defaults), ssoSessions: effective(sessions, document.defaults) };
}

// botocore gives [DEFAULT]'s settings to every section that lacks the key. Generated keys hold no
// ".", so the part before the first "." is the setting a flattened nested key belongs to.
function effective(
  sections: Iterable<[string, Readonly<Record<string, string>>]>,
  defaults: Readonly<Record<string, string>>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, values] of sections) out[name] = withDefaults(values, defaults);
  return out;
}

function withDefaults(own: Readonly<Record<string, string>>, defaults: Readonly<Record<string, string>>): Record<string, string> {
  const ownTop = new Set(Object.keys(own).map((k) => k.split(".")[0]));
  const result = { ...own };
  for (const [key, value] of Object.entries(defaults)) if (!ownTop.has(key.split(".")[0])) result[key] = value;
  return result;
}

export interface PlannedEdit {
  update: SectionUpdate;
  /** botocore's reading of the edited section afterwards. */
  expected: Record<string, string>;
}

const WRITE_KEYS = ["region", "output", "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "custom_key"];
const WRITE_VALUES = ["us-east-1", "eu-central-2", "json", "table", "https://example.awsapps.com/start", "222233334444", "Admin", "a=b"];
const SAFE_NAME = /^[^[\]\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;

/** A seeded edit of one profile or sso-session (existing or new), with what botocore must read afterwards. */
export function planEdit(seed: number, reading: Extract<OurReading, { ok: true }>): PlannedEdit {
  const random = mulberry32(seed ^ 0x5eed);
  const existing: SectionRef[] = [
    ...[...reading.parsed.profiles.keys()].map((name) => ({ kind: "profile" as const, name })),
    ...[...reading.parsed.ssoSessions.keys()].map((name) => ({ kind: "sso-session" as const, name })),
  ].filter((ref) => SAFE_NAME.test(ref.name));
  const ref: SectionRef =
    existing.length > 0 && chance(random, 0.8)
      ? pick(random, existing)
      : { kind: chance(random, 0.7) ? "profile" : "sso-session", name: pick(random, ["dev", "new-one", "default", "x y"]) };
  const table = ref.kind === "profile" ? reading.parsed.profiles : reading.parsed.ssoSessions;
  const own = { ...(table.get(ref.name)?.values ?? {}) };
  const values: [string, string | null][] = [];
  const keys = new Set<string>();
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const key = pick(random, WRITE_KEYS);
    if (keys.has(key)) continue;
    keys.add(key);
    const value = chance(random, 0.2) ? null : pick(random, WRITE_VALUES);
    values.push([key, value]);
    for (const k of Object.keys(own)) if (k === key || k.startsWith(`${key}.`)) delete own[k];
    if (value !== null) own[key] = value;
  }
  const absent = !table.has(ref.name) && values.every(([, v]) => v === null);
  return { update: { ref, values }, expected: absent ? {} : withDefaults(own, reading.parsed.defaults) };
}

export interface FuzzFailure {
  seed: number;
  problem: string;
  file: string;
}

export interface FuzzSummary {
  cases: number;
  accepted: number;
  refused: number;
  edited: number;
  /** Edits refused because botocore could not read their result. */
  editsRefused: number;
  failures: FuzzFailure[];
  ms: number;
}

const show = (bytes: Buffer): string => JSON.stringify(bytes.toString("latin1"));

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

/** Generates `cases` configs from `seed`, seed+1, …, and checks each in both directions. */
export async function runConfigFuzz(python: string, options: { cases: number; seed: number; batch?: number }): Promise<FuzzSummary> {
  const started = performance.now();
  const summary: FuzzSummary = { cases: 0, accepted: 0, refused: 0, edited: 0, editsRefused: 0, failures: [], ms: 0 };
  const batch = options.batch ?? 2000;
  const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-fuzz-ours-"));
  try {
    for (let from = 0; from < options.cases; from += batch) {
      const seeds = Array.from({ length: Math.min(batch, options.cases - from) }, (_, i) => options.seed + from + i);
      await checkBatch(python, seeds, dir, summary);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  summary.ms = performance.now() - started;
  return summary;
}

async function checkBatch(python: string, seeds: number[], dir: string, summary: FuzzSummary): Promise<void> {
  const files = seeds.map(fuzzCase);
  const oracle = await botocoreReadAll(python, files);
  const edits: { seed: number; before: Buffer; after: Buffer; plan: PlannedEdit; others: OracleReading & { ok: true } }[] = [];
  for (let i = 0; i < seeds.length; i++) {
    const seed = seeds[i]!;
    const bytes = files[i]!;
    const theirs = oracle[i]!;
    const ours = await ourReading(bytes, dir, i);
    summary.cases++;
    const fail = (problem: string) => summary.failures.push({ seed, problem, file: show(bytes) });
    if (!theirs.ok) {
      summary.refused++;
      if (ours.ok) {
        fail(`botocore refuses (${theirs.kind} line ${theirs.line}: ${theirs.message}) but we accept`);
        continue;
      }
      if (theirs.kind === "UnicodeDecodeError") {
        if (!ours.utf8) fail(`botocore refuses invalid UTF-8; we refuse for another reason: ${ours.message}`);
      } else if (theirs.line !== null && theirs.line !== ours.line) {
        fail(`botocore objects to line ${theirs.line} (${theirs.kind}: ${theirs.message}); we name line ${ours.line}: ${ours.message}`);
      } else if (theirs.line === null && !/nested setting/.test(ours.message)) {
        fail(`botocore refuses a nested block (${theirs.message}); we refuse with: ${ours.message}`);
      }
      continue;
    }
    summary.accepted++;
    if (!ours.ok) {
      fail(`botocore accepts but we refuse: ${ours.message}`);
      continue;
    }
    if (!same(ours.profiles, theirs.profiles) || !same(ours.ssoSessions, theirs.ssoSessions)) {
      fail(
        `we read it differently: ours ${JSON.stringify(sortKeys({ p: ours.profiles, s: ours.ssoSessions }))} botocore ${JSON.stringify(sortKeys({ p: theirs.profiles, s: theirs.ssoSessions }))}`,
      );
      continue;
    }
    const plan = planEdit(seed, ours);
    let after: string;
    try {
      after = upsertSections(ours.text, [plan.update]);
    } catch (error) {
      // A section that would inherit a nested block of [DEFAULT] that botocore cannot read.
      if (error instanceof ConfigSyntaxError && /making the file unreadable to it/.test(error.message)) {
        summary.editsRefused++;
        continue;
      }
      fail(`the edit ${JSON.stringify(plan.update)} failed: ${(error as Error).message}`);
      continue;
    }
    edits.push({ seed, before: bytes, after: Buffer.from(after, "utf8"), plan, others: theirs });
  }
  if (edits.length === 0) return;
  const reread = await botocoreReadAll(
    python,
    edits.map((e) => e.after),
  );
  edits.forEach((edit, i) => {
    const theirs = reread[i]!;
    const fail = (problem: string) =>
      summary.failures.push({ seed: edit.seed, problem: `${problem} (after ${JSON.stringify(edit.plan.update)}: ${show(edit.after)})`, file: show(edit.before) });
    summary.edited++;
    if (!theirs.ok) {
      fail(`botocore cannot read our edit: ${theirs.kind} line ${theirs.line}: ${theirs.message}`);
      return;
    }
    const { ref } = edit.plan.update;
    const table = ref.kind === "profile" ? "profiles" : "ssoSessions";
    const got = theirs[table][ref.name] ?? {};
    if (!same(got, edit.plan.expected)) {
      fail(`botocore reads ${ref.kind} ${ref.name} as ${JSON.stringify(sortKeys(got))}, expected ${JSON.stringify(sortKeys(edit.plan.expected))}`);
      return;
    }
    for (const which of ["profiles", "ssoSessions"] as const) {
      const before = { ...edit.others[which] };
      const now = { ...theirs[which] };
      if (which === table) {
        delete before[ref.name];
        delete now[ref.name];
      }
      if (!same(before, now)) fail(`another ${which} section changed: ${JSON.stringify(sortKeys(before))} → ${JSON.stringify(sortKeys(now))}`);
    }
  });
}
