import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readerDifferences } from "../../src/config/aws-config.js";
import { NotUtf8Error, nodeFs } from "../../src/platform/fs.js";

const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-readers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readStrict(bytes: number[] | Buffer): Promise<string | NotUtf8Error> {
  const file = path.join(dir, "config");
  writeFileSync(file, Buffer.from(bytes));
  try {
    return (await nodeFs.readText(file, { strictUtf8: true })) ?? "";
  } catch (error) {
    if (error instanceof NotUtf8Error) return error;
    throw error;
  }
}

describe("strict UTF-8 reading, as Python's decoder (and so botocore) reads the config", () => {
  it.each([
    ["a Latin-1 é", Buffer.from("[p]\n# caf\xe9\n", "latin1"), 2, 0xe9],
    ["an encoded surrogate", Buffer.concat([Buffer.from("[p]\r\n\r\n"), Buffer.from([0xed, 0xa0, 0x80])]), 3, 0xed],
    ["an overlong /", Buffer.concat([Buffer.from("[p]\r# a\r"), Buffer.from([0xc0, 0xaf])]), 3, 0xc0],
    ["a code point past U+10FFFF", Buffer.from([0xf4, 0x90, 0x80, 0x80]), 1, 0xf4],
    ["a truncated sequence at the end", Buffer.concat([Buffer.from("[p]\n"), Buffer.from([0xe2, 0x82])]), 2, 0xe2],
  ])("refuses %s, naming the line (LF, CRLF and a lone CR each end one)", async (_, bytes, line, byte) => {
    const result = await readStrict(bytes);
    expect(result).toBeInstanceOf(NotUtf8Error);
    expect((result as NotUtf8Error).line).toBe(line);
    expect((result as NotUtf8Error).byte).toBe(byte);
    expect((result as NotUtf8Error).reason).toBe(`byte 0x${byte.toString(16).toUpperCase()} is not valid UTF-8`);
  });

  it("reads valid UTF-8 of every length unchanged, a BOM included (the parser refuses that)", async () => {
    const text = "\uFEFF[profile ünï]\nx = €😀\n";
    expect(await readStrict(Buffer.from(text))).toBe(text);
  });
});

describe("readerDifferences: where the JS SDK reads a written section differently from botocore", () => {
  const dev = [{ kind: "profile" as const, name: "dev" }];

  it("says nothing when both read the same", () => {
    expect(readerDifferences("[profile dev]\nregion = us-east-1\ns3 =\n  addressing_style = path\n", dev)).toEqual([]);
  });

  it("names each setting and both readings", () => {
    const [warning] = readerDifferences("[profile dev]\nRegion: us-west-2\noutput = json # mine\n", dev);
    expect(warning).toContain('region: the AWS CLI reads "us-west-2", the JS SDK nothing');
    expect(warning).toContain('output: the AWS CLI reads "json # mine", the JS SDK "json"');
  });

  it("says when the JS SDK cannot read the file at all", () => {
    expect(readerDifferences("[profile dev]\nregion = a\n[__proto__]\n", dev)).toEqual([
      expect.stringContaining("the AWS SDK for JavaScript cannot read this config file at all"),
    ]);
  });

  it("keeps to five lines however many sections differ", () => {
    const refs = Array.from({ length: 50 }, (_, i) => ({ kind: "profile" as const, name: `p${i}` }));
    const text = refs.map((r) => `[profile ${r.name}]\rregion = a\r`).join("");
    const warnings = readerDifferences(text, refs);
    expect(warnings).toHaveLength(5);
    expect(warnings[4]).toBe("Warning: the same holds for 46 more of the sections written.");
  });
});
