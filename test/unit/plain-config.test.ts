/**
 * The fast lane (plain-config.ts) against the general reader (ini.ts, itself checked against
 * botocore by config-fuzz.test.ts): over generated files that are mostly plain with one or two
 * flaws of the kinds the fast lane must notice, it either declines a file or reads it exactly as
 * the general reader does, and it never reads a file the general reader refuses.
 */
import { describe, expect, it } from "vitest";
import { mostlyPlainConfig, nastyConfig } from "../../bench/config-fuzz.js";
import { parseConfig, parseConfigDocument, type ParsedConfig } from "../../src/config/ini.js";
import { readPlainConfig } from "../../src/config/plain-config.js";

function fullReading(text: string): ParsedConfig | Error {
  try {
    return parseConfig(text);
  } catch (error) {
    return error as Error;
  }
}

/** Compares the fast lane with the general reader on one file; says whether the fast lane read it. */
function compare(text: string): boolean {
  const plain = readPlainConfig(text);
  const full = fullReading(text);
  if (plain === undefined) return false;
  expect(full, JSON.stringify(text)).not.toBeInstanceOf(Error);
  const parsed = full as ParsedConfig;
  expect(parsed.defaults, JSON.stringify(text)).toEqual({});
  expect(plain.profileNames(), JSON.stringify(text)).toEqual([...parsed.profiles.keys()]);
  expect(plain.ssoSessionNames(), JSON.stringify(text)).toEqual([...parsed.ssoSessions.keys()]);
  expect(Object.fromEntries(plain.profileEntries()), JSON.stringify(text)).toEqual(
    Object.fromEntries([...parsed.profiles].map(([name, section]) => [name, section.values])),
  );
  for (const [name, section] of parsed.profiles) expect(plain.profile(name)).toEqual(section.values);
  for (const [name, section] of parsed.ssoSessions) expect(plain.ssoSession(name)).toEqual(section.values);
  expect(plain.profile("no such profile")).toBeUndefined();
  return true;
}

describe("the plain config fast lane", () => {
  it("reads mostly-plain files exactly as the general reader does, or declines them", () => {
    let read = 0;
    let declinedButValid = 0;
    const cases = 6000;
    for (let seed = 1; seed <= cases; seed++) {
      const text = mostlyPlainConfig(seed);
      if (compare(text)) read++;
      else if (!(fullReading(text) instanceof Error)) declinedButValid++;
    }
    // Both sides in earnest: most files are plain, and some valid ones are left to the general reader.
    expect(read).toBeGreaterThan(cases / 3);
    expect(declinedButValid).toBeGreaterThan(cases / 20);
  });

  it("never reads one of the botocore fuzzer's nasty files differently", () => {
    let read = 0;
    for (let seed = 1; seed <= 1500; seed++) if (compare(nastyConfig(seed).toString("utf8"))) read++;
    expect(read).toBeGreaterThan(0);
  });

  it("declines each flaw the general reader must judge", () => {
    const base = "[profile a]\nregion = x\n";
    for (const flawed of [
      `${base}[profile a]\n`,
      `${base}[default]\n[default]\n`,
      `${base}[profile default]\n[profile default]\n`,
      `${base}region = y\n`,
      "region = x\n[profile a]\n",
      `${base}[DEFAULT]\nregion = y\n`,
      `${base}  continued\n`,
      `${base}Region = y\n`,
      `${base}no delimiter\n`,
      `\uFEFF${base}`,
      base.replace("\n", "\r"),
      `${base}[services s]\n[services s]\n`,
    ]) {
      expect(readPlainConfig(flawed), JSON.stringify(flawed)).toBeUndefined();
    }
    // [default] and [profile default] may both be there: the later one's settings win, in the first one's place.
    const both = readPlainConfig("[default]\nregion = a\n[profile b]\n[profile default]\nregion = c\n")!;
    expect(both.profileNames()).toEqual(["default", "b"]);
    expect(both.profile("default")).toEqual({ region: "c" });
  });

  it("hands edits and the full parse to the general reader", () => {
    const text = "# mine\n[profile a]\nregion = x\n\n[profile b]\nregion = y\n";
    const doc = parseConfigDocument(text);
    expect(doc.profileNames()).toEqual(["a", "b"]);
    expect(doc.parsed.profiles.get("b")?.line).toBe(5);
    expect(doc.upsertSections([{ ref: { kind: "profile", name: "a" }, values: [["output", "json"]] }])).toBe(
      "# mine\n[profile a]\nregion = x\noutput = json\n\n[profile b]\nregion = y\n",
    );
  });
});
