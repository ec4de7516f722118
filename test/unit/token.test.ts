import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../helpers/random.js";
import {
  formatTimestamp,
  isFresh,
  parseScopes,
  parseTimestamp,
  pythonJsonDumps,
  registrationCacheKey,
  sha1Hex,
  tokenCacheKey,
  utcDateTime,
} from "../../src/sso/token.js";

// Vectors from ../shared/reference (aws-cli-sso-behavior.md §3 and wire-and-sdk.md §6.5), computed by
// the AWS CLI and botocore themselves.
describe("cache keys shared with the AWS CLI", () => {
  it("names token files after sha1 of the session name", () => {
    expect(tokenCacheKey({ sessionName: "my-sso", startUrl: "https://ignored" })).toBe("0ad374308c5a4e22f723adf10145eafad7c4031c");
    expect(tokenCacheKey({ sessionName: "corp", startUrl: "x" })).toBe("ee0bfd2552fbd840c02cc48b6e823320543c450f");
  });

  it("names legacy token files after sha1 of the start URL exactly as written", () => {
    expect(tokenCacheKey({ startUrl: "https://d-1234.awsapps.com/start" })).toBe("4c73126ffe99e8f14e2b25775d5fad6231197402");
    expect(tokenCacheKey({ startUrl: "https://d-1234567890.awsapps.com/start" })).toBe("7487b5b67d5fa1132cf33fa93ae51ef38cc37752");
    expect(tokenCacheKey({ startUrl: "https://d-1234567890.awsapps.com/start/" })).not.toBe("7487b5b67d5fa1132cf33fa93ae51ef38cc37752");
  });

  it("derives the client-registration key like botocore", () => {
    const base = { startUrl: "https://d-1234.awsapps.com/start", region: "us-east-1" };
    expect(registrationCacheKey({ ...base, scopes: ["sso:account:access"], sessionName: "my-sso" })).toBe(
      "c0c841f99ce51bf4f2fdbf295d0264c1efa3e74a",
    );
    expect(registrationCacheKey({ ...base, scopes: undefined, sessionName: "my-sso" })).toBe("1cdd4fbfd3e0d48dabc5c0c605c56184bcae46d6");
    expect(registrationCacheKey({ ...base, scopes: undefined, sessionName: undefined })).toBe("d74d66a0e8fad52f66c5247036c22ae67c2c1f31");
  });

  it("hashes like node:crypto's sha1, which the AWS CLI's keys were checked against, at every length and in every plane", () => {
    const random = mulberry32(11);
    // Lengths around SHA-1's 64-byte blocks and its 55/56-byte padding edge; ASCII, accents, CJK,
    // astral characters and a lone surrogate (both encode it as U+FFFD).
    const alphabet = ["a", "Z", "0", "/", "é", "✓", "語", "😀", "\ud800", "\n"];
    for (let n = 0; n < 300; n++) {
      const length = n < 140 ? n : Math.floor(random() * 5000);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      expect(sha1Hex(text), JSON.stringify(text.slice(0, 40))).toBe(createHash("sha1").update(text, "utf8").digest("hex"));
    }
  });

  it("serialises like Python's json.dumps, including \\u escapes", () => {
    expect(pythonJsonDumps({ b: [1, "x"], a: null }, { sortKeys: true })).toBe('{"a": null, "b": [1, "x"]}');
    expect(pythonJsonDumps({ name: "café ✓" })).toBe('{"name": "caf\\u00e9 \\u2713"}');
    expect(sha1Hex(pythonJsonDumps({ sessionName: "né" }))).toBe(sha1Hex('{"sessionName": "n\\u00e9"}'));
  });
});

describe("timestamps", () => {
  it("writes the CLI's format without fractions", () => {
    expect(formatTimestamp(Date.parse("2025-01-01T08:00:00.999Z"))).toBe("2025-01-01T08:00:00Z");
  });

  it("formats as toISOString() does, to the second, across the range of Date", () => {
    const asIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "");
    const random = mulberry32(11);
    const MAX = 8.64e15;
    const samples = [0, -1, 999, -999, 1000, Date.parse("2026-12-31T23:59:59.999Z"), Date.parse("2028-02-29T12:00:00Z"), Date.parse("0000-01-01T00:00:00Z"), Date.parse("9999-12-31T23:59:59.999Z"), Date.parse("9999-12-31T23:59:59.999Z") + 1, Date.parse("0000-01-01T00:00:00Z") - 1, MAX, -MAX];
    for (let i = 0; i < 5000; i++) samples.push(Math.floor((random() * 2 - 1) * (i % 2 ? 4.1e12 : MAX)));
    for (const ms of samples) expect(utcDateTime(ms), String(ms)).toBe(asIso(ms));
    expect(utcDateTime(Date.parse("0999-03-04T05:06:07Z"))).toBe("0999-03-04T05:06:07");
    expect(utcDateTime(-1)).toBe("1969-12-31T23:59:59");
    expect(utcDateTime(MAX)).toBe("+275760-09-13T00:00:00");
    // As toISOString(): an invalid time is an error, never "NaN-NaN-…" in a cache file.
    expect(() => utcDateTime(Number.NaN)).toThrow(RangeError);
    expect(() => utcDateTime(MAX + 1)).toThrow(RangeError);
  });

  it("reads every form other writers use", () => {
    const t = Date.parse("2026-11-26T12:33:41Z");
    for (const text of [
      "2026-11-26T12:33:41Z",
      "2026-11-26T12:33:41UTC",
      "2026-11-26T12:33:41+00:00",
      "2026-11-26T12:33:41+0000",
      "2026-11-26T14:33:41+02:00",
      "2026-11-26T12:33:41.000Z",
      "2026-11-26 12:33:41Z",
      "2026-11-26T12:33:41",
    ]) {
      expect(parseTimestamp(text), text).toBe(t);
    }
    expect(parseTimestamp("2026-11-26T12:33:41.558Z")).toBe(t + 558);
    expect(parseTimestamp("tomorrow")).toBeNaN();
    expect(parseTimestamp(42)).toBeNaN();
  });

  it("treats a token as fresh only with at least 15 minutes left", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(isFresh("2026-01-01T00:15:00Z", now)).toBe(true);
    expect(isFresh("2026-01-01T00:14:59Z", now)).toBe(false);
    expect(isFresh(undefined, now)).toBe(false);
  });

  it("parses scopes like the CLI", () => {
    expect(parseScopes("a, b,,c ")).toEqual(["a", "b", "c"]);
    expect(parseScopes(undefined)).toBeUndefined();
  });
});
