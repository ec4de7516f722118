import { describe, expect, it } from "vitest";
import { wrapProse } from "../../src/ui/help-text.js";

describe("wrapProse", () => {
  it("reflows prose to the width at word boundaries and keeps indented lines and blank lines as written", () => {
    const text = "\nOne two three four five\nsix seven.\n\nExamples:\n  a very long example line that is longer than the width\n";
    expect(wrapProse(text, 12)).toBe("\nOne two\nthree four\nfive six\nseven.\n\nExamples:\n  a very long example line that is longer than the width\n");
  });

  it("puts a word longer than the width on a line of its own rather than cutting it", () => {
    expect(wrapProse("see https://example.com/a/very/long/path now", 10)).toBe("see\nhttps://example.com/a/very/long/path\nnow");
  });
});
