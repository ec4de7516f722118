import { describe, expect, it } from "vitest";
import { removeSections, upsertSections } from "../../src/config/ini.js";

// The "credentials" section kind of the surgical editor: `[name]`, never `[profile name]`.

const cred = (name: string) => ({ kind: "credentials" as const, name });

describe("credentials sections in the surgical editor", () => {
  it("writes [name] and finds it again by its bracketed text", () => {
    const once = upsertSections("", [{ ref: cred("111111111111_ReadOnly"), values: [["aws_access_key_id", "A"]] }]);
    expect(once).toBe("[111111111111_ReadOnly]\naws_access_key_id = A\n");
    const twice = upsertSections(once, [{ ref: cred("111111111111_ReadOnly"), values: [["aws_access_key_id", "B"]] }]);
    expect(twice).toBe("[111111111111_ReadOnly]\naws_access_key_id = B\n");
  });

  it("[default] is the credentials default; a [profile default] beside it is another section, left alone", () => {
    const text = "[profile default]\nx = 1\n[default]\naws_access_key_id = OLD\n";
    expect(upsertSections(text, [{ ref: cred("default"), values: [["aws_access_key_id", "NEW"]] }])).toBe(
      "[profile default]\nx = 1\n[default]\naws_access_key_id = NEW\n",
    );
    expect(removeSections(text, [cred("default")])).toBe("[profile default]\nx = 1\n");
  });

  it("a name that is a prefixed section elsewhere is not confused with it", () => {
    const text = "[profile dev]\nregion = eu-west-1\n";
    expect(upsertSections(text, [{ ref: cred("dev"), values: [["aws_access_key_id", "A"]] }])).toBe(`${text}[dev]\naws_access_key_id = A\n`);
    expect(removeSections(text, [cred("dev")])).toBe(text);
  });

  it("refuses names other readers would split or misread", () => {
    for (const name of ["two words", "a'b", "a#b", "a]b", ""]) {
      expect(() => upsertSections("", [{ ref: cred(name), values: [["k", "v"]] }]), name).toThrow(TypeError);
    }
  });
});
