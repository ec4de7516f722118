/**
 * Our model of the JS SDK's config reading (used only to warn) against the SDK's own loader, over the
 * fuzzer's nasty configs and the cases the warnings are about.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadSharedConfigFiles } from "@smithy/core/config";
import { afterAll, describe, expect, it } from "vitest";
import { nastyConfig } from "../../bench/config-fuzz.js";
import { jsSdkSection, parseIniLikeJsSdk } from "../../src/config/js-sdk-reading.js";

const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-js-sdk-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sdkReading(text: string, index: number): Promise<Record<string, Record<string, string>>> {
  const file = path.join(dir, `config-${index}`);
  writeFileSync(file, text);
  const { configFile } = await loadSharedConfigFiles({ configFilepath: file, filepath: path.join(dir, "none"), ignoreCache: true });
  return configFile as Record<string, Record<string, string>>;
}

/** getConfigData over our parse: what the SDK's loader returns. */
function ourReading(text: string): Record<string, Record<string, string>> {
  let sections: ReturnType<typeof parseIniLikeJsSdk>;
  try {
    sections = parseIniLikeJsSdk(text);
  } catch {
    return {};
  }
  const out: Record<string, Record<string, string>> = {};
  for (const key of sections.keys()) {
    const dot = key.indexOf(".");
    const prefix = key.slice(0, dot);
    if (key === "default" || prefix === "profile") {
      const name = key === "default" ? "default" : key.slice(dot + 1);
      out[name] = jsSdkSection(sections, { kind: "profile", name })!;
    } else if (prefix === "sso-session" || prefix === "services") {
      out[key] = sections.get(key)!;
    }
  }
  return out;
}

describe("the JS SDK's reading of the config file", () => {
  it.each([
    ["region = us-west-2 # oregon", "[profile dev]\nregion = us-west-2 # oregon\n"],
    ["Region: us-west-2", "[profile dev]\nRegion: us-west-2\n"],
    ["[default] and [profile default]", "[profile default]\noutput = json\n[default]\noutput = text\nregion = x\n"],
    ["two spellings", "[profile dev]\nregion = a\n[profile  dev]\nregion = b\n[profile 'dev']\noutput = json\n"],
    ["lone CR", "[profile dev]\rregion = a\r[profile x]\nregion = b\n"],
    ["an indented header", "[profile dev]\nregion = a\n  [profile x]\noutput = json\n"],
    ["a nested block", "[profile dev]\ns3 =\n  addressing_style = path\nregion = a\n"],
    ["text after ]", "[profile dev] # note\nregion = a\n[profile x]y\nregion = b\n"],
  ])("matches the SDK's loader: %s", async (_, text) => {
    expect(ourReading(text)).toEqual(await sdkReading(text, 0));
  });

  it("matches the SDK's loader over 400 generated nasty configs", async () => {
    for (let i = 0; i < 400; i++) {
      const text = nastyConfig(4242 + i).toString("utf8");
      expect({ i, reading: ourReading(text) }).toEqual({ i, reading: await sdkReading(text, i) });
    }
  });
});
