/**
 * The config reader and editor against botocore as the oracle, over generated nasty configs
 * (bench/config-fuzz.ts; more cases: `npm run bench:fuzz-config -- --cases 20000 --seed N`).
 */
import { describe, expect, it } from "vitest";
import { nastyConfig, runConfigFuzz } from "../../bench/config-fuzz.js";
import { findBotocorePython } from "../helpers/botocore.js";

const CASES = 600;
const SEED = 20261202;

function botocorePython(): string | undefined {
  try {
    return findBotocorePython().executable;
  } catch (error) {
    console.warn(`SKIPPED: the config fuzzer needs python3 with botocore as its oracle: ${(error as Error).message}`);
    return undefined;
  }
}

const python = botocorePython();

describe("the generator", () => {
  it("gives the same file for the same seed, and files of every kind it is meant to produce", () => {
    expect(nastyConfig(7)).toEqual(nastyConfig(7));
    const files = Array.from({ length: 2000 }, (_, i) => nastyConfig(SEED + i).toString("latin1"));
    const share = (test: (f: string) => boolean) => files.filter(test).length;
    expect(share((f) => f === "")).toBeGreaterThan(0);
    expect(share((f) => f.startsWith("\u00ef\u00bb\u00bf"))).toBeGreaterThan(0);
    expect(share((f) => /\r(?!\n)/.test(f))).toBeGreaterThan(0);
    expect(share((f) => f.includes("\r\n"))).toBeGreaterThan(0);
    expect(share((f) => /\n[ \t]+\[profile/.test(f))).toBeGreaterThan(0);
    expect(share((f) => /\[DEFAULT\]/.test(f))).toBeGreaterThan(0);
    expect(share((f) => !/[\r\n]$/.test(f) && f !== "")).toBeGreaterThan(0);
  });
});

describe.skipIf(python === undefined)("reading and editing agree with botocore", () => {
  it(`over ${CASES} generated configs (seed ${SEED}), in both directions`, async () => {
    const summary = await runConfigFuzz(python!, { cases: CASES, seed: SEED });
    expect(summary.failures.slice(0, 3)).toEqual([]);
    expect(summary.cases).toBe(CASES);
    // Both directions are exercised in earnest.
    expect(summary.accepted).toBeGreaterThan(CASES / 3);
    expect(summary.refused).toBeGreaterThan(CASES / 10);
    expect(summary.edited).toBeGreaterThan(CASES / 3);
  }, 300_000);
});
