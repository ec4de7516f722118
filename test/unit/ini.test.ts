import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nastyConfig } from "../../bench/config-fuzz.js";
import {
  ConfigSyntaxError,
  ConfigValueError,
  parseConfig,
  parseConfigDocument,
  removeSection,
  removeSections,
  sectionHeader,
  upsertSection,
  upsertSections,
  type ParsedSection,
  type SectionRef,
  type SectionUpdate,
} from "../../src/config/ini.js";
import { mulberry32 } from "../helpers/random.js";

const FIXTURES = new URL("../fixtures/configs/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

// CRLF, BOM and missing-final-newline variants are derived here rather than stored, because git
// and editors tend to "fix" exactly those bytes in checked-in files.
const crlf = (s: string): string => s.replace(/\n/g, "\r\n");
const withBom = (s: string): string => `\uFEFF${s}`;
const loneCr = (s: string): string => s.replace(/\n/g, "\r");
const noFinalNewline = (s: string): string => s.replace(/(\r?\n)+$/, "");

type Values = ReadonlyArray<readonly [string, string | null]>;

const profile = (name: string): SectionRef => ({ kind: "profile", name });
const session = (name: string): SectionRef => ({ kind: "sso-session", name });

function lineCount(s: string): number {
  return s === "" ? 0 : s.split("\n").length - (s.endsWith("\n") ? 1 : 0);
}

function splitKeepingEol(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function isBareDefault(section: ParsedSection): boolean {
  return /^\s*\[default\]/.test(section.header);
}

// The sections upsert must change: botocore's reading (the later one) plus [profile default],
// which the JS SDK reads whatever the order.
function editedSections(sections: ParsedSection[], ref: SectionRef): ParsedSection[] {
  const matches = sections.filter((s) => s.kind === ref.kind && s.name === ref.name);
  const last = matches[matches.length - 1];
  return matches.filter((s) => s === last || !isBareDefault(s));
}

function applyValues(values: Record<string, string>, edits: Values): Record<string, string> {
  const result = { ...values };
  for (const [rawKey, value] of edits) {
    const key = rawKey.toLowerCase();
    for (const k of Object.keys(result)) {
      if (k === key || k.startsWith(`${key}.`)) delete result[k];
    }
    if (value !== null) result[key] = value;
  }
  return result;
}

const view = (s: ParsedSection): { kind: string; name: string; header: string; values: Record<string, string> } => ({
  kind: s.kind,
  name: s.name,
  header: s.header,
  values: s.values,
});

/** parse(upsert(x)) has the new values, and every other section reads exactly as before. */
function expectParseAgrees(before: string, after: string, ref: SectionRef, edits: Values): void {
  const old = parseConfig(before).sections;
  const edited = editedSections(old, ref);
  const now = parseConfig(after).sections;
  if (edited.length === 0) {
    const set = edits.filter(([, v]) => v !== null);
    if (set.length === 0) {
      expect(now.map(view)).toEqual(old.map(view));
      return;
    }
    expect(now.slice(0, -1).map(view)).toEqual(old.map(view));
    const added = now[now.length - 1];
    expect(added && view(added)).toEqual({
      kind: ref.kind,
      name: ref.name,
      header: sectionHeader(ref),
      values: applyValues({}, set),
    });
    return;
  }
  const expected = old.map((s) => (edited.includes(s) ? { ...view(s), values: applyValues(s.values, edits) } : view(s)));
  expect(now.map(view)).toEqual(expected);
}

/** Every line outside the edited sections' extent (header up to the next header) is unchanged. */
function expectOutsideUnchanged(before: string, after: string, ref: SectionRef): void {
  const sections = parseConfig(before).sections;
  const edited = editedSections(sections, ref);
  const bomLength = before.startsWith("\uFEFF") ? 1 : 0;
  expect(after.startsWith("\uFEFF")).toBe(bomLength === 1);
  const lines = splitKeepingEol(before.slice(bomLength));
  const afterLines = splitKeepingEol(after.slice(bomLength));
  const first = edited[0];
  const last = edited[edited.length - 1];
  if (!first || !last) {
    if (after === before) return;
    // Appended: the old text is a prefix, give or take the line ending it lacked.
    const body = before.slice(bomLength);
    const prefix = body === "" || body.endsWith("\n") ? body : body + (before.includes("\r\n") ? "\r\n" : "\n");
    expect(after.slice(bomLength).startsWith(prefix)).toBe(true);
    return;
  }
  const start = first.line - 1;
  const next = sections[sections.indexOf(last) + 1];
  const end = next ? next.line - 1 : lines.length;
  const head = lines.slice(0, start);
  const tail = lines.slice(end);
  expect(afterLines.slice(0, head.length)).toEqual(head);
  expect(afterLines.slice(afterLines.length - tail.length)).toEqual(tail);
  if (edited.length === 2) {
    // Whatever sits between [profile default] and [default] is left alone too.
    const middleEnd = (sections[sections.indexOf(first) + 1]?.line ?? 0) - 1;
    const middleStartAfter = afterLines.findIndex((l) => l === lines[last.line - 1]);
    const middle = lines.slice(middleEnd, last.line - 1);
    expect(afterLines.slice(middleStartAfter - middle.length, middleStartAfter)).toEqual(middle);
  }
}

function upsertChecked(before: string, ref: SectionRef, edits: Values): string {
  const after = upsertSection(before, ref, edits);
  expectParseAgrees(before, after, ref, edits);
  expectOutsideUnchanged(before, after, ref);
  expect(upsertSection(after, ref, edits)).toBe(after);
  return after;
}

describe("parseConfig", () => {
  it("reads a hand-edited file the way botocore does", () => {
    const config = parseConfig(fixture("hand-edited.ini"));
    expect(config.sections.map((s) => [s.kind, s.name, s.line])).toEqual([
      ["profile", "default", 4],
      ["profile", "dev", 9],
      ["profile", "prod", 21],
      ["profile", "legacy-tool", 28],
      ["sso-session", "corp", 32],
      ["services", "local-sso", 37],
      ["other", "plugins", 43],
    ]);
    expect(config.profiles.get("default")?.values).toEqual({ region: "eu-west-1", output: "json" });
    expect(config.profiles.get("dev")?.values).toEqual({
      sso_session: "corp",
      sso_account_id: "111111111111",
      sso_role_name: "Developer",
      region: "eu-west-1",
      regions: "eu-west-1,eu-central-1",
      s3: "\nmax_concurrent_requests = 20\naddressing_style = path",
      "s3.max_concurrent_requests": "20",
      "s3.addressing_style": "path",
      cli_pager: "",
    });
    expect(config.profiles.get("prod")?.values).toEqual({
      sso_session: "corp",
      sso_account_id: "222222222222",
      sso_role_name: "ReadOnly",
      region: "eu-west-1",
    });
    expect(config.profiles.get("legacy-tool")?.values.credential_process).toBe(
      "/usr/local/bin/aws-vault export --format=json legacy",
    );
    expect(config.ssoSessions.get("corp")).toEqual({
      kind: "sso-session",
      name: "corp",
      header: "[sso-session corp]",
      line: 32,
      values: {
        sso_start_url: "https://d-1234567890.awsapps.com/start",
        sso_region: "eu-west-1",
        sso_registration_scopes: "sso:account:access",
      },
    });
    expect(config.sections[5]?.values).toEqual({
      sso_oidc: "\nendpoint_url = http://127.0.0.1:4566",
      "sso_oidc.endpoint_url": "http://127.0.0.1:4566",
      sso: "\nendpoint_url = http://127.0.0.1:4566",
      "sso.endpoint_url": "http://127.0.0.1:4566",
    });
    expect(config.sections[6]?.values).toEqual({ cli_legacy_plugin_path: "/opt/aws/plugins" });
  });

  it("splits profile names like shlex, keeps dots, and files unreadable headers as other", () => {
    const config = parseConfig(fixture("names.ini"));
    expect(config.sections.map((s) => [s.kind, s.name, s.header])).toEqual([
      ["profile", "spaced", "[profile  spaced]"],
      ["profile", "double", '[profile "double"]'],
      ["profile", "single", "[profile 'single']"],
      ["profile", "team.dev", "[profile team.dev]"],
      ["profile", "my profile", "[profile 'my profile']"],
      ["sso-session", "corp.main", '[sso-session "corp.main"]'],
      ["other", "profile one two", "[profile one two]"],
    ]);
    expect(config.profiles.get("team.dev")?.values).toEqual({ region: "eu-west-2" });
    expect(config.profiles.has("team")).toBe(false);
  });

  it("follows botocore's prefix test for profile headers", () => {
    expect(parseConfig("[profilex y]\nregion = a\n").profiles.get("y")?.values).toEqual({ region: "a" });
    expect(parseConfig("[profile]\n[profile 'unclosed]\n").sections.map((s) => s.kind)).toEqual(["other", "other"]);
  });

  it("accepts colon delimiters and lowercases keys", () => {
    const config = parseConfig(fixture("key-styles.ini"));
    expect(config.profiles.get("colons")?.values).toEqual({ region: "us-east-1", output: "json", sso_session: "corp" });
    expect(config.profiles.get("shouty")?.values).toEqual({
      sso_region: "us-east-1",
      sso_start_url: "https://shout.awsapps.com/start",
      region: "eu-west-1",
    });
    expect(config.profiles.get("tight")?.values).toEqual({ region: "us-east-1", output: "text" });
  });

  it("splits on the first delimiter and keeps inline comments as botocore does", () => {
    const values = parseConfig("[p]\nurl = http://h:1/x=y\na:b = c\nregion = us-east-1 # keep\n").sections[0]?.values;
    expect(values).toEqual({ url: "http://h:1/x=y", a: "b = c", region: "us-east-1 # keep" });
  });

  it("lets the later of [default] and [profile default] win", () => {
    const config = parseConfig(fixture("default-both.ini"));
    expect(config.sections.map((s) => s.header)).toEqual(["[profile default]", "[default]"]);
    expect(config.profiles.get("default")?.values).toEqual({ region: "eu-west-1" });
    const reversed = parseConfig("[default]\nregion = a\n[profile default]\nregion = b\n");
    expect(reversed.profiles.get("default")?.values).toEqual({ region: "b" });
  });

  it("reads indented headers and indented settings that are not continuations", () => {
    const config = parseConfig(fixture("indented.ini"));
    expect(config.sections.map((s) => [s.name, s.line, s.values])).toEqual([
      ["indented-header", 1, { region: "us-east-1" }],
      ["indented-keys", 4, { region: "us-west-2", output: "json" }],
      ["tab-indented", 7, { sso_session: "corp" }],
    ]);
  });

  it("joins continuation lines and nests indented key = value blocks", () => {
    const values = parseConfig(fixture("continuation.ini")).profiles.get("multi")?.values;
    expect(values).toEqual({
      description: "first line\nsecond line\n\nthird line after a blank",
      region: "us-east-1",
      s3: "\nmax_concurrent_requests = 10\n\nmax_queue_size = 1000",
      "s3.max_concurrent_requests": "10",
      "s3.max_queue_size": "1000",
      output: "json",
    });
  });

  it("never counts comment lines as settings, even with = or :", () => {
    const config = parseConfig(fixture("comments-with-equals.ini"));
    expect(config.profiles.get("p")?.values).toEqual({ foo: "bar" });
    expect(config.profiles.get("q")?.values).toEqual({});
  });

  it("reads CRLF, lone-CR and missing-final-newline variants exactly like the original, as Python's universal newlines do", () => {
    for (const name of readdirSync(FIXTURES)) {
      const text = fixture(name);
      const plain = parseConfig(text).sections;
      for (const variant of [crlf(text), loneCr(text), noFinalNewline(text), noFinalNewline(crlf(text))]) {
        expect(parseConfig(variant).sections).toEqual(plain);
      }
    }
  });

  it("refuses a file with a byte-order mark, as botocore does (no section header on line 1), saying why", () => {
    for (const name of readdirSync(FIXTURES)) {
      expect(() => parseConfig(withBom(fixture(name)))).toThrow(/line 1: the file starts with a UTF-8 byte order mark \(BOM\), which the AWS CLI cannot read/);
    }
    expect(() => parseConfig("\uFEFF")).toThrow(/byte order mark/);
  });

  it("reads empty and comment-only files as having no sections", () => {
    for (const text of ["", "\n\n", "# just a comment\n; another\n", "  \t\n", "\r\r"]) {
      const config = parseConfig(text);
      expect(config.sections).toEqual([]);
      expect(config.profiles.size).toBe(0);
    }
  });

  // Each is a file botocore refuses, with the line its error names (configparser raises a missing
  // header and duplicates at once, and other bad lines only at the end of the file).
  it.each([
    ["region = us-east-1\n[default]\n", 1, "comes before any [section] header"],
    ["# ok\n\nwhat is this\n[default]\n", 3, "before any [section] header"],
    ["[default]\nregion = a\njust some words\n", 3, 'expected a "key = value" setting'],
    ["[default]\nregion = a\n[profile x\n", 3, 'expected a "key = value" setting, a [section] header or a comment, found "[profile x"'],
    ["[]\n", 1, '"[]" is not a complete [section] header (a name between "[" and "]"), and no header comes before it'],
    ["[profile dev\nregion = a\n", 1, '"[profile dev" is not a complete [section] header'],
    ["[profile dev]\na = 1\n\n[profile dev]\n", 4, "the section [profile dev] appears a second time (first on line 1)"],
    ["[sso-session s]\n[sso-session s]\n", 2, "the section [sso-session s] appears a second time"],
    ["[plugins]\n[plugins]\n", 2, "the section [plugins] appears a second time"],
    ["[default]\n[default] # again\n", 2, "the section [default] appears a second time"],
    ["[p]\nRegion = a\n# x\nregion = b\n", 4, 'the setting "region" appears a second time in [p] (first on line 2)'],
    ["[DEFAULT]\nregion = a\n[p]\n[DEFAULT]\nregion = b\n", 5, 'the setting "region" appears a second time in [DEFAULT] (first on line 2)'],
    ["[p]\n= x\n", 2, 'a setting has no name before "="'],
    // The first bad line is reported at the end of the file, unless a duplicate is raised first.
    ["[p]\nnonsense\n[q]\n:x\n", 2, 'found "nonsense"'],
    ["[p]\nnonsense\n[p]\n", 3, "appears a second time"],
    ["[p]\ns3 =\n  max_concurrent_requests: 10\n", 3, 'nested setting "max_concurrent_requests: 10" under "s3"'],
    ["[p]\ns3 =\n  a = 1\u2028b\n", 3, "Python treats as a line break"],
    ["[DEFAULT]\ns3 =\n  junk\n[p]\n", 3, 'nested setting "junk" under "s3" in [DEFAULT]'],
  ])("rejects %j at line %i", (text, line, reason) => {
    let caught: unknown;
    try {
      parseConfig(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigSyntaxError);
    const error = caught as ConfigSyntaxError;
    expect(error.line).toBe(line);
    expect(error.message).toContain(reason);
    expect(error.message.startsWith(`line ${line}: `)).toBe(true);
    expect(error.reason).toContain(reason);
  });

  it("counts lines the same way in CRLF files", () => {
    let line: number | undefined;
    try {
      parseConfig(crlf("[a]\nx = 1\n\nnonsense\n"));
    } catch (error) {
      if (error instanceof ConfigSyntaxError) line = error.line;
    }
    expect(line).toBe(4);
  });
});

describe("parseConfigDocument", () => {
  // Its readers build a profile's values only when asked for them; they must be what parseConfig reads.
  it("reads names, values and defaults as parseConfig does, over fixtures and 2,000 generated nasty configs", () => {
    const texts = [
      ...readdirSync(FIXTURES).flatMap((name) => [fixture(name), crlf(fixture(name)), loneCr(fixture(name))]),
      ...Array.from({ length: 2000 }, (_, i) => nastyConfig(9000 + i).toString("utf8")),
    ];
    let read = 0;
    for (const text of texts) {
      let parsed: ReturnType<typeof parseConfig>;
      try {
        parsed = parseConfig(text);
      } catch (error) {
        expect(() => parseConfigDocument(text), text).toThrow((error as Error).message);
        continue;
      }
      read++;
      const doc = parseConfigDocument(text);
      expect(doc.profileNames(), text).toEqual([...parsed.profiles.keys()]);
      expect(doc.ssoSessionNames(), text).toEqual([...parsed.ssoSessions.keys()]);
      expect([...doc.profileEntries()], text).toEqual([...parsed.profiles].map(([name, s]) => [name, s.values]));
      for (const name of [...parsed.profiles.keys(), "missing"]) expect(doc.profile(name), text).toEqual(parsed.profiles.get(name)?.values);
      for (const name of [...parsed.ssoSessions.keys(), "missing"]) expect(doc.ssoSession(name), text).toEqual(parsed.ssoSessions.get(name)?.values);
      expect(doc.defaults, text).toEqual(parsed.defaults);
      expect(doc.parsed, text).toEqual(parsed);
    }
    expect(read).toBeGreaterThan(1000);
  });
});

describe("sectionHeader", () => {
  it("writes the headers the AWS CLI writes", () => {
    expect(sectionHeader(profile("default"))).toBe("[default]");
    expect(sectionHeader(profile("dev"))).toBe("[profile dev]");
    expect(sectionHeader(profile("team.dev"))).toBe("[profile team.dev]");
    expect(sectionHeader(session("default"))).toBe("[sso-session default]");
    expect(sectionHeader(session("corp"))).toBe("[sso-session corp]");
    expect(sectionHeader(profile("my profile"))).toBe("[profile 'my profile']");
  });

  it("quotes names that shlex would otherwise split or unquote", () => {
    for (const name of ["it's", 'say "hi"', "back\\slash", "tab\tname", "a ;b", "x#y"]) {
      const text = `${sectionHeader(profile(name))}\nregion = a\n`;
      expect(parseConfig(text).profiles.get(name)?.values).toEqual({ region: "a" });
    }
  });
});

const FRESH_FILE = `[profile my-dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-west-2
output = json
[sso-session my-sso]
sso_start_url = https://d-1234.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

const MY_DEV: Values = [
  ["sso_session", "my-sso"],
  ["sso_account_id", "111122223333"],
  ["sso_role_name", "ReadOnly"],
  ["region", "us-west-2"],
  ["output", "json"],
];
const MY_SSO: Values = [
  ["sso_start_url", "https://d-1234.awsapps.com/start"],
  ["sso_region", "us-east-1"],
  ["sso_registration_scopes", "sso:account:access"],
];

describe("upsertSection", () => {
  it("writes a fresh file byte-identical to `aws configure sso`", () => {
    const withProfile = upsertChecked("", profile("my-dev"), MY_DEV);
    expect(upsertChecked(withProfile, session("my-sso"), MY_SSO)).toBe(FRESH_FILE);
  });

  it("appends a missing section with no blank line, after adding a missing final newline", () => {
    expect(upsertChecked("[default]\nregion = us-east-1", profile("p"), [["sso_session", "s"]])).toBe(
      "[default]\nregion = us-east-1\n[profile p]\nsso_session = s\n",
    );
    expect(upsertChecked("[default]\nregion = us-east-1\n\n", profile("p"), [["sso_session", "s"]])).toBe(
      "[default]\nregion = us-east-1\n\n[profile p]\nsso_session = s\n",
    );
    expect(upsertChecked("", profile("default"), [["region", "us-east-1"]])).toBe("[default]\nregion = us-east-1\n");
  });

  it("skips null values when appending, and creates nothing when every value is null", () => {
    expect(upsertChecked("", session("s"), [["sso_region", "us-east-1"], ["sso_start_url", null]])).toBe(
      "[sso-session s]\nsso_region = us-east-1\n",
    );
    const text = fixture("aws-cli-written.ini");
    expect(upsertSection(text, profile("absent"), [["region", null]])).toBe(text);
    expect(upsertSection(text, profile("absent"), [])).toBe(text);
  });

  it("edits a hand-edited profile in place and leaves everything else alone", () => {
    const before = fixture("hand-edited.ini");
    const after = upsertChecked(before, profile("dev"), [
      ["sso_session", "corp"],
      ["sso_account_id", "333333333333"],
      ["region", "us-east-1"],
      ["s3", null],
      ["output", "json"],
    ]);
    expect(after).toBe(
      before.replace(
        `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1
# region = us-east-1   (old region, kept for reference)
regions = eu-west-1,eu-central-1
s3 =
  max_concurrent_requests = 20
  addressing_style = path
cli_pager =
`,
        `[profile dev]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Developer
region = us-east-1
# region = us-east-1   (old region, kept for reference)
regions = eu-west-1,eu-central-1
cli_pager =
output = json
`,
      ),
    );
  });

  it("inserts new keys after the last setting, not after comments that contain = or :", () => {
    const before = fixture("hand-edited.ini");
    const after = upsertChecked(before, profile("prod"), [["output", "json"], ["sso_role_name", "Admin"]]);
    expect(after).toBe(
      before.replace(
        "sso_role_name = ReadOnly\nregion = eu-west-1\n; never change",
        "sso_role_name = Admin\nregion = eu-west-1\noutput = json\n; never change",
      ),
    );

    const comments = fixture("comments-with-equals.ini");
    expect(upsertChecked(comments, profile("p"), [["region", "x"], ["sso_session", "s"]])).toBe(
      `[profile p]
# region = us-east-1
foo = bar
region = x
sso_session = s
; note: hi

[profile q]
# sso_session = old
    ; indented comment = still a comment
`,
    );
    expect(upsertChecked(comments, profile("q"), [["sso_session", "new"]])).toBe(
      `[profile p]
# region = us-east-1
foo = bar
; note: hi

[profile q]
sso_session = new
# sso_session = old
    ; indented comment = still a comment
`,
    );
  });

  it("edits [sso-session] and leaves [services] blocks byte for byte", () => {
    const before = fixture("hand-edited.ini");
    const after = upsertChecked(before, session("corp"), [["sso_region", "us-east-1"]]);
    expect(after).toBe(before.replace("sso_region = eu-west-1\n", "sso_region = us-east-1\n"));
  });

  it("returns the input unchanged when every value is already there", () => {
    const before = fixture("aws-cli-written.ini");
    expect(upsertSection(before, profile("my-dev"), MY_DEV)).toBe(before);
    expect(upsertSection(before, session("my-sso"), MY_SSO)).toBe(before);
    expect(upsertSection(before, profile("my-dev"), [["nonexistent", null]])).toBe(before);
    const tight = fixture("key-styles.ini");
    expect(upsertSection(tight, profile("tight"), [["region", "us-east-1"], ["output", "text"]])).toBe(tight);
  });

  it("replaces keys written in another case or with a colon instead of adding duplicates", () => {
    const before = fixture("key-styles.ini");
    const shouty = upsertChecked(before, profile("shouty"), [
      ["sso_region", "us-west-2"],
      ["SSO_START_URL", "https://shout.awsapps.com/start"],
      ["region", "eu-west-1"],
    ]);
    // A value that does not change keeps its line as written; a changed one is written the portable way.
    expect(shouty).toBe(before.replace("SSO_Region = us-east-1\n", "sso_region = us-west-2\n"));
    const colons = upsertChecked(before, profile("colons"), [["region", "us-east-1"], ["output", "yaml"]]);
    expect(colons).toBe(before.replace("region: us-east-1\noutput:json\n", "region: us-east-1\noutput = yaml\n"));
  });

  it("finds sections by parsed name, whatever the header's spacing or quoting", () => {
    const before = fixture("names.ini");
    for (const [name, header] of [
      ["spaced", "[profile  spaced]"],
      ["double", '[profile "double"]'],
      ["single", "[profile 'single']"],
      ["my profile", "[profile 'my profile']"],
      ["team.dev", "[profile team.dev]"],
    ] as const) {
      const after = upsertChecked(before, profile(name), [["output", "json"]]);
      expect(after).toContain(`${header}\nregion = `);
      expect(after.split(`${header}\n`)[1]?.split("\n").slice(0, 2)[1]).toBe("output = json");
      expect(lineCount(after)).toBe(lineCount(before) + 1);
    }
    const dotted = upsertChecked(before, session("corp.main"), [["sso_region", "eu-west-1"]]);
    expect(dotted).toBe(before.replace("sso_region = us-east-1\n", "sso_region = eu-west-1\n"));
    const team = upsertChecked(before, session("team.dev"), [["sso_region", "eu-west-1"]]);
    expect(team.endsWith("[profile one two]\nregion = ignored-by-botocore\n[sso-session team.dev]\nsso_region = eu-west-1\n")).toBe(
      true,
    );
  });

  it("never treats an unreadable header as the profile it resembles", () => {
    const before = fixture("names.ini");
    const after = upsertChecked(before, profile("one two"), [["region", "x"]]);
    expect(after).toBe(`${before}[profile 'one two']\nregion = x\n`);
  });

  it("edits both [profile default] and a later [default], since the JS SDK and botocore each read one", () => {
    const before = fixture("default-both.ini");
    expect(upsertChecked(before, profile("default"), [["region", "ap-south-1"], ["sso_session", "s"]])).toBe(
      `[profile default]
region = ap-south-1
output = text
sso_session = s

[default]
region = ap-south-1
sso_session = s
`,
    );
  });

  it("edits only a later [profile default], which both readers agree on", () => {
    const before = "[default]\nregion = a\n\n[profile default]\nregion = b\n";
    expect(upsertChecked(before, profile("default"), [["region", "c"]])).toBe(
      "[default]\nregion = a\n\n[profile default]\nregion = c\n",
    );
    expect(upsertChecked("[profile default]\nregion = b\n", profile("default"), [["output", "json"]])).toBe(
      "[profile default]\nregion = b\noutput = json\n",
    );
  });

  it("keeps indentation, and indents new keys so an indented next header stays a header", () => {
    const before = fixture("indented.ini");
    expect(upsertChecked(before, profile("indented-keys"), [["region", "eu-west-1"], ["sso_session", "corp"]])).toBe(
      `  [profile indented-header]
region = us-east-1

[profile indented-keys]
  region = eu-west-1
  output = json
\tsso_session = corp
\t[profile tab-indented]
sso_session = corp
`,
    );
    expect(upsertChecked(before, profile("indented-header"), [["output", "json"]])).toBe(
      before.replace("region = us-east-1\n", "region = us-east-1\noutput = json\n"),
    );
    expect(upsertChecked("[a]\n  [b]\nx = 1\n", profile("default"), [["region", "r"]])).toBe(
      "[a]\n  [b]\nx = 1\n[default]\nregion = r\n",
    );
    expect(upsertChecked("[default]\n  [b]\nx = 1\n", profile("default"), [["region", "r"]])).toBe(
      "[default]\n  region = r\n  [b]\nx = 1\n",
    );
  });

  it("puts new keys before the blank lines that end the file", () => {
    const before = fixture("trailing-blank.ini");
    expect(upsertChecked(before, profile("last"), [["region", "eu-west-1"], ["sso_session", "s"]])).toBe(
      "[profile first]\nregion = us-east-1\n\n[profile last]\nregion = eu-west-1\nsso_session = s\n\n\n\n",
    );
    expect(upsertChecked(before, profile("first"), [["output", "json"]])).toBe(
      "[profile first]\nregion = us-east-1\noutput = json\n\n[profile last]\nregion = us-east-1\n\n\n\n",
    );
  });

  it("replaces or deletes a multi-line value together with its continuation lines, keeping the comment lines among them", () => {
    const before = fixture("continuation.ini");
    expect(
      upsertChecked(before, profile("multi"), [
        ["description", "one line"],
        ["s3", null],
        ["region", "us-east-1"],
      ]),
    ).toBe("[profile multi]\ndescription = one line\nregion = us-east-1\n  # tuning, see ticket OPS-12\noutput = json\n");
    expect(upsertChecked(before, profile("multi"), [["s3", "flat"], ["output", null]])).toBe(
      `[profile multi]
description = first line
  second line

  third line after a blank
region = us-east-1
s3 = flat
  # tuning, see ticket OPS-12
`,
    );
  });

  it("writes CRLF line endings into a CRLF file", () => {
    const before = crlf(fixture("trailing-blank.ini"));
    expect(upsertChecked(before, profile("last"), [["region", "x"], ["output", "json"]])).toBe(
      crlf("[profile first]\nregion = us-east-1\n\n[profile last]\nregion = x\noutput = json\n\n\n\n"),
    );
    const appended = upsertChecked(crlf(fixture("aws-cli-written.ini")), profile("new"), [["region", "x"]]);
    expect(appended).toBe(crlf(`${fixture("aws-cli-written.ini")}[profile new]\nregion = x\n`));
    expect(upsertChecked(noFinalNewline(crlf("[a]\nx = 1\n")), profile("b"), [["y", "2"]])).toBe(
      crlf("[a]\nx = 1\n[profile b]\ny = 2\n"),
    );
  });

  it("keeps a missing final newline when only the last line changes, and adds one when lines follow", () => {
    const before = "[default]\nregion = a\n[profile p]\nregion = a";
    expect(upsertChecked(before, profile("p"), [["region", "b"]])).toBe("[default]\nregion = a\n[profile p]\nregion = b");
    expect(upsertChecked(before, profile("p"), [["output", "json"]])).toBe(
      "[default]\nregion = a\n[profile p]\nregion = a\noutput = json\n",
    );
    expect(upsertChecked(before, profile("default"), [["output", "json"]])).toBe(
      "[default]\nregion = a\noutput = json\n[profile p]\nregion = a",
    );
    expect(upsertChecked("[profile p]", profile("p"), [["region", "a"]])).toBe("[profile p]\nregion = a\n");
  });

  it("refuses to edit a file with a byte-order mark, which the AWS CLI cannot read", () => {
    expect(() => upsertSection(withBom("[default]\nregion = a\n"), profile("default"), [["region", "b"]])).toThrow(ConfigSyntaxError);
    expect(() => upsertSection(withBom(""), profile("p"), [["region", "b"]])).toThrow(/byte order mark/);
  });

  it("lowercases keys it writes", () => {
    expect(upsertChecked("", profile("p"), [["SSO_Region", "x"]])).toBe("[profile p]\nsso_region = x\n");
  });

  it.each([
    [profile("a\nb"), [["region", "x"]]],
    [profile("a\rb"), [["region", "x"]]],
    [profile("a\u0000b"), [["region", "x"]]],
    [profile("a]b"), [["region", "x"]]],
    [profile("[a"), [["region", "x"]]],
    [profile(""), [["region", "x"]]],
    [session("s\u2028"), [["region", "x"]]],
    [profile("p"), [["bad key", "x"]]],
    [profile("p"), [["key=x", "x"]]],
    [profile("p"), [["s3.max", "x"]]],
    [profile("p"), [["", "x"]]],
    [profile("p"), [["region", "x\ny"]]],
    [profile("p"), [["region", "x\ry"]]],
    [profile("p"), [["region", "a\tb"]]],
    [profile("p"), [["region", " x"]]],
    [profile("p"), [["region", "x "]]],
    [profile("p"), [["region", "x # comment"]]],
    [profile("p"), [["region", ";x"]]],
    [profile("p"), [["region", "a"], ["REGION", "b"]]],
  ] as [SectionRef, Values][])("rejects unsafe input %j %j with a ConfigValueError, never a TypeError", (ref, values) => {
    expect(() => upsertSection("", ref, values)).toThrow(ConfigValueError);
    expect(() => upsertSection("", ref, values)).not.toThrow(TypeError);
  });

  it("refuses to edit a file it cannot parse", () => {
    expect(() => upsertSection("[default]\nnonsense\n", profile("p"), [["region", "x"]])).toThrow(ConfigSyntaxError);
  });
});

describe("upsertSections", () => {
  it("writes several sections in one pass, with the same bytes as one call per section", () => {
    expect(
      upsertSections("", [
        { ref: profile("my-dev"), values: MY_DEV },
        { ref: session("my-sso"), values: MY_SSO },
      ]),
    ).toBe(FRESH_FILE);
    const before = fixture("hand-edited.ini");
    const updates: SectionUpdate[] = [
      { ref: profile("new"), values: [["region", "x"]] },
      { ref: profile("prod"), values: [["output", "json"]] },
      { ref: session("corp"), values: [["sso_region", null]] },
    ];
    const sequential = updates.reduce((text, u) => upsertSection(text, u.ref, u.values), before);
    expect(upsertSections(before, updates)).toBe(sequential);
  });

  it("returns the very same string when nothing changes", () => {
    const text = fixture("aws-cli-written.ini");
    expect(upsertSections(text, [])).toBe(text);
    expect(upsertSections(text, [{ ref: profile("my-dev"), values: MY_DEV }])).toBe(text);
  });

  it("rejects the same section twice in one call", () => {
    expect(() =>
      upsertSections("", [
        { ref: profile("a"), values: [["region", "x"]] },
        { ref: profile("a"), values: [["output", "json"]] },
      ]),
    ).toThrow(ConfigValueError);
  });
});

describe("removeSection", () => {
  it("removes a middle section without doubling the blank line around it", () => {
    const before = fixture("hand-edited.ini");
    const after = removeSection(before, profile("legacy-tool"));
    expect(after).toBe(
      before.replace(
        "[profile legacy-tool]\ncredential_process = /usr/local/bin/aws-vault export --format=json legacy\nregion = us-east-1\n\n",
        "",
      ),
    );
  });

  it("keeps comments that follow a section's last setting", () => {
    const before = fixture("hand-edited.ini");
    expect(removeSection(before, profile("prod"))).toBe(
      before.replace(
        "[profile prod]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\nregion = eu-west-1\n",
        "",
      ),
    );
  });

  it("removes the first section and the blank lines that followed it", () => {
    expect(removeSection("[profile a]\nx = 1\n\n[profile b]\ny = 2\n", profile("a"))).toBe("[profile b]\ny = 2\n");
  });

  it("trims blank lines on both sides when the section was the last thing in the file", () => {
    expect(removeSection(fixture("trailing-blank.ini"), profile("last"))).toBe("[profile first]\nregion = us-east-1\n");
    expect(removeSection("[a]\nx = 1\n\n[profile b]\ny = 2", profile("b"))).toBe("[a]\nx = 1\n");
    expect(removeSection(crlf("[a]\nx = 1\n\n[profile b]\ny = 2\n\n"), profile("b"))).toBe(crlf("[a]\nx = 1\n"));
    expect(removeSection("[profile only]\nx = 1\n", profile("only"))).toBe("");
  });

  it("keeps a trailing comment after the last section", () => {
    expect(removeSection("[a]\nx = 1\n\n[profile b]\ny = 2\n\n# end\n", profile("b"))).toBe("[a]\nx = 1\n\n# end\n");
  });

  it("removes both [default] and [profile default]", () => {
    expect(removeSection(`# top\n${fixture("default-both.ini")}`, profile("default"))).toBe("# top\n");
    expect(removeSection("[default]\na = 1\n\n[x]\n\n[profile default]\nb = 2\n", profile("default"))).toBe("[x]\n");
  });

  it("matches by parsed name and removes nested blocks with the section", () => {
    const names = fixture("names.ini");
    const after = removeSection(names, profile("my profile"));
    expect(after).not.toContain("my profile");
    expect(parseConfig(after).sections.map((s) => s.name)).toEqual([
      "spaced",
      "double",
      "single",
      "team.dev",
      "corp.main",
      "profile one two",
    ]);
    const hand = fixture("hand-edited.ini");
    expect(removeSection(hand, session("corp"))).not.toContain("[sso-session corp]");
    expect(removeSection(hand, profile("dev"))).not.toContain("max_concurrent_requests");
  });

  it("returns the text unchanged when the section is absent", () => {
    const text = fixture("hand-edited.ini");
    expect(removeSection(text, profile("nope"))).toBe(text);
    expect(removeSection(text, session("dev"))).toBe(text);
    expect(removeSection("", profile("default"))).toBe("");
  });

  it("un-indents a following header that would otherwise become a continuation", () => {
    expect(removeSection("[a]\nx = 1\n[profile b]\n  [c]\ny = 2\n", profile("b"))).toBe("[a]\nx = 1\n[c]\ny = 2\n");
    expect(removeSection("[a]\n[profile b]\n  [c]\ny = 2\n", profile("b"))).toBe("[a]\n  [c]\ny = 2\n");
  });

  it("undoes an append exactly", () => {
    for (const name of readdirSync(FIXTURES)) {
      const text = fixture(name).replace(/\n+$/, "\n");
      const added = upsertSection(text, profile("brand-new"), MY_DEV);
      expect(removeSection(added, profile("brand-new"))).toBe(text);
    }
  });
});

interface Fragment {
  identity: string;
  text: string;
}

// Each fixture section, from its header up to the next header, becomes a reusable fragment.
function fragments(): Fragment[] {
  const out: Fragment[] = [];
  for (const name of readdirSync(FIXTURES)) {
    const text = fixture(name);
    const lines = splitKeepingEol(text);
    const sections = parseConfig(text).sections;
    sections.forEach((section, i) => {
      const end = (sections[i + 1]?.line ?? lines.length + 1) - 1;
      const chunk = lines.slice(section.line - 1, end).join("");
      const identity = /^\s*\[default\]/.test(section.header) ? "bare-default" : `${section.kind}:${section.name}`;
      out.push({ identity, text: chunk.endsWith("\n") ? chunk : `${chunk}\n` });
    });
  }
  return out;
}

describe("randomized edits over fixture fragments", () => {
  const pool = fragments();
  const separators = ["", "", "\n", "\n\n", "# a comment = with equals\n", "; note: x\n\n"];
  const newNames = ["default", "fresh", "team.dev", "my profile", "corp", "it's", "dev"];
  const keys = [
    "region",
    "output",
    "sso_session",
    "sso_account_id",
    "SSO_Region",
    "s3",
    "credential_process",
    "description",
  ];
  const values = ["us-east-1", "eu-west-1", "json", "111122223333", "https://x.awsapps.com/start", "", "a=b:c"];

  function pick<T>(rand: () => number, items: readonly T[]): T {
    const item = items[Math.floor(rand() * items.length)];
    if (item === undefined) throw new Error("empty pool");
    return item;
  }

  function generate(rand: () => number): string {
    for (;;) {
      const used = new Set<string>();
      let text = rand() < 0.3 ? pick(rand, ["# header comment\n", "\n", "; x = y\n\n"]) : "";
      const count = Math.floor(rand() * 6);
      for (let i = 0; i < count; i++) {
        const fragment = pick(rand, pool);
        if (used.has(fragment.identity)) continue;
        used.add(fragment.identity);
        text += fragment.text + pick(rand, separators);
      }
      if (rand() < 0.25) text = crlf(text);
      if (rand() < 0.2) text = noFinalNewline(text);
      if (rand() < 0.1) text = withBom(text);
      try {
        // Some fragment orders are ambiguous (an indented header after a setting); draw again.
        parseConfig(text);
        return text;
      } catch (error) {
        if (!(error instanceof ConfigSyntaxError)) throw error;
      }
    }
  }

  function randomRef(rand: () => number, text: string): SectionRef {
    const existing = parseConfig(text).sections.filter(
      (s): s is ParsedSection & { kind: "profile" | "sso-session" } => s.kind === "profile" || s.kind === "sso-session",
    );
    if (existing.length > 0 && rand() < 0.7) {
      const s = pick(rand, existing);
      return { kind: s.kind, name: s.name };
    }
    return { kind: rand() < 0.7 ? "profile" : "sso-session", name: pick(rand, newNames) };
  }

  function randomValues(rand: () => number, text: string, ref: SectionRef): [string, string | null][] {
    const current = editedSections(parseConfig(text).sections, ref)[0]?.values ?? {};
    const candidates = [...new Set([...keys, ...Object.keys(current).filter((k) => !k.includes("."))])];
    // Keyed by lowercase so each key is set once; the entry keeps the case it was drawn in.
    const chosen = new Map<string, [string, string | null]>();
    const count = Math.floor(rand() * 5);
    for (let i = 0; i < count; i++) {
      const key = pick(rand, candidates);
      if (chosen.has(key.toLowerCase())) continue;
      const roll = rand();
      const existing = current[key.toLowerCase()];
      // Re-setting the current value exercises the "unchanged" path; multi-line values can't be written.
      const reusable = existing !== undefined && !/\n|^\s|\s$|(^|\s)[#;]/.test(existing);
      const value = roll < 0.2 ? null : roll < 0.4 && reusable ? existing : pick(rand, values);
      chosen.set(key.toLowerCase(), [key, value]);
    }
    return [...chosen.values()];
  }

  it("keeps every upsert invariant over 400 generated configs", () => {
    const rand = mulberry32(20240611);
    for (let i = 0; i < 400; i++) {
      const before = generate(rand);
      const ref = randomRef(rand, before);
      const edits = randomValues(rand, before, ref);
      const context = `case ${i}: ${JSON.stringify({ before, ref, edits })}`;
      try {
        const after = upsertChecked(before, ref, edits);
        if (before.includes("\r\n")) expect(after.replace(/\r\n/g, "")).not.toContain("\n");
        else expect(after).not.toContain("\r");
      } catch (error) {
        throw new Error(`${context}\n${String(error)}`);
      }
    }
  });

  it("gives the same result in one batch as in sequential calls over 200 generated configs", () => {
    const rand = mulberry32(424242);
    for (let i = 0; i < 200; i++) {
      const before = generate(rand);
      const updates: SectionUpdate[] = [];
      const refs = new Set<string>();
      const count = 1 + Math.floor(rand() * 5);
      for (let j = 0; j < count; j++) {
        const ref = randomRef(rand, before);
        if (refs.has(`${ref.kind} ${ref.name}`)) continue;
        refs.add(`${ref.kind} ${ref.name}`);
        updates.push({ ref, values: randomValues(rand, before, ref) });
      }
      const sequential = updates.reduce((text, u) => upsertSection(text, u.ref, u.values), before);
      expect(upsertSections(before, updates), `case ${i}: ${JSON.stringify({ before, updates })}`).toBe(sequential);
    }
  });

  it("removes many sections in one batch exactly as one at a time, over 200 generated configs", () => {
    const rand = mulberry32(99);
    for (let i = 0; i < 200; i++) {
      const before = generate(rand);
      const refs = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomRef(rand, before));
      // The batch works in file order, so that is the order to compare with.
      const position = (ref: SectionRef) => {
        const at = parseConfig(before).sections.findIndex((s) => s.kind === ref.kind && s.name === ref.name);
        return at < 0 ? Infinity : at;
      };
      const inFileOrder = [...refs].sort((a, b) => position(a) - position(b));
      const sequential = inFileOrder.reduce((text, ref) => removeSection(text, ref), before);
      expect(removeSections(before, refs), `case ${i}: ${JSON.stringify({ before, refs })}`).toBe(sequential);
    }
  });

  it("keeps every removal invariant over 300 generated configs", () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 300; i++) {
      const before = generate(rand);
      const ref = randomRef(rand, before);
      const context = `case ${i}: ${JSON.stringify({ before, ref })}`;
      try {
        const after = removeSection(before, ref);
        const expected = parseConfig(before)
          .sections.filter((s) => !(s.kind === ref.kind && s.name === ref.name))
          .map(view);
        expect(parseConfig(after).sections.map(view)).toEqual(expected);
        // Only lines of the removed sections, and blank lines, may disappear; nothing is added
        // except an un-indented header.
        const kept = splitKeepingEol(after).map((l) => l.trim()).filter((l) => l !== "");
        const original = splitKeepingEol(before).map((l) => l.trim()).filter((l) => l !== "");
        let j = 0;
        for (const line of kept) {
          while (j < original.length && original[j] !== line) j++;
          expect(j).toBeLessThan(original.length);
          j++;
        }
        expect(removeSection(after, ref)).toBe(after);
      } catch (error) {
        throw new Error(`${context}\n${String(error)}`);
      }
    }
  });
});
