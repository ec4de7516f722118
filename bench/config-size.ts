/**
 * Config size benchmark (run with `npm run bench:config-size`): how `sso-setup status` and
 * `completion --list profiles` scale with the size of the config file. Each file is realistic: SSO
 * profiles on one sso-session, with comments.
 *
 * By size (the default): per size, up to the 16 MB sso-setup reads (issue 12 §7: a 100 MB config
 * once took 38 s and 2.4 GB), the wall time and the peak memory (max RSS) of one run of each, and the
 * time per MB: roughly constant per MB means the read and the parse stay linear. One file over the
 * limit must be refused at once.
 *
 * By profile count (`--profiles N`, issue 11: 15,000 profiles at most 2× a bare `node -e 0`, and
 * status at most 100 MB): each command on a config with only the sso-session and on one with N profiles too, against
 * `node -e 0`, as medians of interleaved runs (bench/interleaved.ts, as bench:startup times its commands), and the median
 * of their peak RSS. `status` finds a valid cached token for the session, as in a shell prompt.
 * Each command also runs on a copy of the big file that counts as just edited, which it must read
 * whole (the first run after each edit); the others find the file settled and answer from the config
 * summary cache. `--baseline` adds the same rows for another build (e.g. another checkout's bin/sso-setup.cjs), so
 * that before and after are measured in the same run.
 *
 *   npm run bench:config-size
 *   npm run bench:config-size -- --sizes 1,4,15
 *   npm run bench:config-size -- --profiles 15000
 *   npm run bench:config-size -- --profiles 15000 --runs 40 --baseline ../main/bin/sso-setup.cjs   # another checkout, built
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { neverSettled, settle } from "./config-summaries.js";
import { findHyperfine, measureWithHyperfine, measureWithLoop, median, type Timed } from "./interleaved.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = process.env.SSO_SETUP_BENCH_CLI ?? path.join(ROOT, "bin/sso-setup.cjs");
const MB = 1024 * 1024;
const START_URL = "https://d-1234567890.awsapps.com/start";
/** Issue 11's budgets for a config of 15,000 profiles. */
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 100;

const HEAD = `# generated for bench/config-size\n[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`;

function profileSection(i: number): string {
  const account = String(100000000000 + i).padStart(12, "0");
  return `\n# account ${i}\n[profile role${i}-${account}]\nsso_session = corp\nsso_account_id = ${account}\nsso_role_name = ReadOnlyAccess\nregion = us-east-1\n`;
}

function configOfSize(bytes: number): string {
  const parts = [HEAD];
  for (let i = 0, size = HEAD.length; size < bytes; i++) {
    parts.push(profileSection(i));
    size += parts[parts.length - 1]!.length;
  }
  return parts.join("");
}

function configOfProfiles(count: number): string {
  return HEAD + Array.from({ length: count }, (_, i) => profileSection(i)).join("");
}

const hasGnuTime = spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;

/** One run: wall time, and GNU time's %M (max RSS in kB) when it is there. */
function runOnce(argv: string[], env: Record<string, string>): { ms: number; maxRssMb: number; code: number | null } {
  const started = process.hrtime.bigint();
  const result = hasGnuTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", ...argv], { env, encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(argv[0]!, argv.slice(1), { env, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssKb = hasGnuTime ? Number(result.stderr.trim().split("\n").at(-1)) : Number.NaN;
  return { ms, maxRssMb: rssKb / 1024, code: result.status };
}

function bySize(sizes: number[], dir: string, env: Record<string, string>): void {
  console.log("command      size     exit  wall ms   ms/MB   max RSS MB");
  for (const size of [...sizes, 17]) {
    const file = path.join(dir, `config-${size}`);
    writeFileSync(file, configOfSize(size * MB));
    for (const [name, args] of [
      ["completion", ["completion", "--list", "profiles"]],
      ["status", ["status"]],
    ] as const) {
      const { ms, maxRssMb, code } = runOnce([process.execPath, CLI, ...args, "--config-file", file], env);
      const note = size > 16 ? "  (over the limit: refused)" : "";
      const cells = [name.padEnd(12), `${size} MB`.padEnd(8), String(code).padEnd(5), ms.toFixed(0).padStart(7), (ms / size).toFixed(0).padStart(7)];
      console.log(`${cells.join(" ")} ${maxRssMb.toFixed(0).padStart(12)}${note}`);
    }
  }
}

interface Row extends Timed {
  /** Held to the budgets: the runs on the big config. */
  target: boolean;
}

function byProfiles(count: number, opts: { runs: number; warmup: number; rounds: number; rssRuns: number; baseline: string | undefined }, dir: string, env: Record<string, string>): void {
  const empty = path.join(dir, "config-empty");
  const big = path.join(dir, `config-${count}`);
  writeFileSync(empty, HEAD);
  const text = configOfProfiles(count);
  writeFileSync(big, text);
  // A valid token for the session, so that status reads it as it would in a shell prompt.
  const cache = path.join(env.HOME!, ".aws", "sso", "cache");
  mkdirSync(cache, { recursive: true });
  const token = { startUrl: START_URL, region: "us-east-1", accessToken: "bench", expiresAt: new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z") };
  writeFileSync(path.join(cache, `${createHash("sha1").update("corp").digest("hex")}.json`), JSON.stringify(token));
  const edited = path.join(dir, `config-${count}-edited`);
  writeFileSync(edited, text);
  neverSettled(edited);

  const rows: Row[] = [{ name: "node -e 0", argv: [process.execPath, "-e", "0"], target: false }];
  for (const [label, cli] of [["", CLI], ["before: ", opts.baseline]] as const) {
    if (cli === undefined) continue;
    for (const [name, args] of [
      ["completion --list profiles", ["completion", "--list", "profiles"]],
      ["status", ["status"]],
    ] as const) {
      rows.push({ name: `${label}${name} (no profiles)`, argv: [process.execPath, cli, ...args, "--config-file", empty], target: false });
      rows.push({ name: `${label}${name} (${count})`, argv: [process.execPath, cli, ...args, "--config-file", big], target: true });
      rows.push({ name: `${label}${name} (${count}, just edited)`, argv: [process.execPath, cli, ...args, "--config-file", edited], target: false });
    }
  }
  // Settled files are answered from their summaries, as at every Tab and prompt but the first after an edit.
  settle(big, () => {
    for (const row of rows) if (row.target || row.name.includes("no profiles")) runOnce(row.argv, env);
  });

  const hyperfine = findHyperfine();
  const rounds = { runs: opts.runs, warmup: opts.warmup, rounds: Math.min(opts.rounds, Math.floor(opts.runs / 2)) };
  const times = hyperfine ? measureWithHyperfine(hyperfine, rows, rounds, env, dir) : measureWithLoop(rows, rounds, env);
  // Peak RSS, interleaved too; the median of a few runs, as a run's peak depends on when GC ran.
  const rss = new Map<string, number[]>(rows.map((r) => [r.name, []]));
  for (let i = 0; i < opts.rssRuns; i++) {
    for (const row of rows) {
      const { maxRssMb, code } = runOnce(row.argv, env);
      if (code !== 0) throw new Error(`${row.name} exited with ${code}`);
      rss.get(row.name)!.push(maxRssMb);
    }
  }

  const method = hyperfine ? `hyperfine -N, ${rounds.rounds} rounds, order rotated` : "spawnSync + process.hrtime, every run interleaved";
  console.log(
    `config of ${count} profiles (${(text.length / MB).toFixed(1)} MB); Node ${process.version}; ${opts.runs} runs of each after ${opts.warmup} warmups (${method}); peak RSS: median of ${opts.rssRuns}`,
  );
  const base = median(times.get(rows[0]!.name)!);
  const width = Math.max(...rows.map((r) => r.name.length));
  const head = `${"command".padEnd(width)}  ${"median".padStart(9)}  ${"× node -e 0".padStart(11)}  ${"peak RSS".padStart(9)}`;
  console.log(`${head}\n${"-".repeat(head.length)}`);
  for (const row of rows) {
    const ratio = median(times.get(row.name)!) / base;
    const peak = median(rss.get(row.name)!);
    const verdict = row.target
      ? `  ${ratio <= TARGET_RATIO ? "within" : "over"} ${TARGET_RATIO}×${row.name.includes("status") ? `, ${peak <= TARGET_RSS_MB ? "within" : "over"} ${TARGET_RSS_MB} MB` : ""}`
      : "";
    const cells = [row.name.padEnd(width), `${median(times.get(row.name)!).toFixed(1)} ms`.padStart(9), `${ratio.toFixed(2)}×`.padStart(11), `${peak.toFixed(0)} MB`.padStart(9)];
    console.log(`${cells.join("  ")}${verdict}`);
  }
}

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1,2,4,8,15" },
    profiles: { type: "string" },
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    rounds: { type: "string", default: "5" },
    "rss-runs": { type: "string", default: "5" },
    baseline: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "Usage: npm run bench:config-size -- [--sizes MB,MB,... (1,2,4,8,15)]\n" +
      "       npm run bench:config-size -- --profiles N [--runs N (20)] [--warmup N (3)] [--rounds N (5)] [--rss-runs N (5)] [--baseline PATH/bin/sso-setup.cjs]\n",
  );
  process.exit(0);
}
const int = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
};

const dir = mkdtempSync(path.join(tmpdir(), "bench-config-size-"));
try {
  const home = path.join(dir, "home");
  mkdirSync(home);
  // Built from nothing, so the developer's AWS_* settings, NODE_OPTIONS or a CA bundle change nothing.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
  if (values.profiles === undefined) bySize(values.sizes.split(",").map(Number), dir, env);
  else {
    const opts = {
      runs: int("runs", values.runs, 2),
      warmup: int("warmup", values.warmup, 0),
      rounds: int("rounds", values.rounds, 1),
      rssRuns: int("rss-runs", values["rss-runs"], 1),
      baseline: values.baseline,
    };
    byProfiles(int("profiles", values.profiles, 1), opts, dir, env);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
