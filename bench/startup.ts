/**
 * Startup benchmark (run with `npm run bench:startup`): how much a run of sso-setup costs compared
 * with a bare `node -e 0` on the same machine (issue 5 §4: `--help` and `--version` at most 1.5×).
 *
 * Commands, all with the same Node binary and the same sandbox environment:
 *   node -e 0
 *   sso-setup --help
 *   sso-setup --version
 *   sso-setup export-credentials --profile bench --format process   (warm: cached token and role credentials)
 *   sso-setup exec --profile bench -- true                           (warm, the same cache; `true` found on PATH)
 *
 * The sandbox HOME is made real, not faked: the emulator runs, `configure --non-interactive` signs in
 * with the stand-in person as the browser, and one `export-credentials` caches the role credentials
 * in ~/.aws/cli/cache. The timed `export-credentials` and `exec` runs must then make no call at all;
 * the script checks the emulator saw no further GetRoleCredentials. exec's cost is what it adds to the
 * command it runs: its median minus `node -e 0`'s is sso-setup's start plus one spawn of `true`.
 *
 * The commands get a scrubbed environment (PATH, HOME, the sandbox's AWS settings), like a test's:
 * NODE_OPTIONS or NODE_EXTRA_CA_CERTS in the caller's environment would add the same cost to every
 * command (a CA bundle costs about 30 ms per start here) and hide the ratio that matters.
 *
 * Each command gets the same number of timed runs after the same warmups, interleaved so a drift
 * of the machine (another process, a CPU frequency change) hits all of them alike. With hyperfine
 * (found on PATH or at /usr/bin/hyperfine) the runs are made in rounds of hyperfine, the command
 * order rotated each round, from its raw per-run times; without it, by a loop of spawnSync timed
 * with process.hrtime, interleaving every single run.
 *
 *   npm run bench:startup                        # 30 runs of each after 5 warmups
 *   npm run bench:startup -- --runs 50 --warmup 10
 *   npm run bench:startup -- --no-hyperfine      # force the spawnSync loop
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { emulatorCounts, startEmulatorProcess } from "./emulator-process.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = process.env.SSO_SETUP_BENCH_CLI ?? path.join(ROOT, "bin/sso-setup.cjs");
const PERSON = path.join(ROOT, "dist/emulator/person.js");
const START_URL = "https://d-1234567890.awsapps.com/start";
const PROFILE = "bench";
/** Issue 5 §4's budget for --help and --version, as a multiple of `node -e 0`. */
const TARGET_RATIO = 1.5;

interface Bench {
  name: string;
  argv: string[];
  /** Compared with TARGET_RATIO in the table. */
  target?: boolean;
}

interface Options {
  runs: number;
  warmup: number;
  rounds: number;
  hyperfine: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: "string", default: "30" },
      warmup: { type: "string", default: "5" },
      rounds: { type: "string", default: "5" },
      "no-hyperfine": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("Usage: npm run bench:startup -- [--runs N (30)] [--warmup N (5)] [--rounds N (5, hyperfine only)] [--no-hyperfine]\n");
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    return n;
  };
  const runs = int("runs", values.runs, 2);
  return {
    runs,
    warmup: int("warmup", values.warmup, 0),
    // hyperfine wants at least 2 runs per command per invocation.
    rounds: Math.min(int("rounds", values.rounds, 1), Math.floor(runs / 2)),
    hyperfine: values["no-hyperfine"] ? undefined : findHyperfine(),
  };
}

function findHyperfine(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin"]) {
    const candidate = path.join(dir, "hyperfine");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function roleCredentialCalls(url: string): Promise<number> {
  return (await emulatorCounts(url)).GetRoleCredentials?.calls ?? 0;
}

function mustRun(argv: string[], env: Record<string, string>, what: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
}

/** Sandbox HOME with a config, a cached SSO token and cached role credentials for PROFILE. */
function prepareHome(home: string, emulatorUrl: string): Record<string, string> {
  const configFile = path.join(home, ".aws", "config");
  mkdirSync(path.dirname(configFile), { recursive: true });
  // Built from nothing, so the developer's AWS_* settings, CI and SSH_* cannot change what is measured.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    AWS_CONFIG_FILE: configFile,
    AWS_ENDPOINT_URL_SSO: emulatorUrl,
    AWS_ENDPOINT_URL_SSO_OIDC: emulatorUrl,
    BROWSER: PERSON,
  };
  mustRun(
    [
      process.execPath,
      CLI,
      "configure",
      "--non-interactive",
      "--profile",
      PROFILE,
      "--sso-session",
      "corp",
      "--start-url",
      START_URL,
      "--sso-region",
      "us-east-1",
      "--account-id",
      "111111111111",
      "--role-name",
      "ReadOnlyAccess",
      "--region",
      "us-east-1",
    ],
    env,
    "configure",
  );
  mustRun([process.execPath, CLI, "export-credentials", "--profile", PROFILE, "--format", "process"], env, "the warming export-credentials");
  const roleCache = path.join(home, ".aws", "cli", "cache");
  if (!existsSync(roleCache) || readdirSync(roleCache).length === 0) throw new Error(`no role credentials were cached in ${roleCache}`);
  return env;
}

/** Rotates `list` left by `by`: round r starts with a different command. */
function rotated<T>(list: T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Raw wall times in ms per bench name, from rounds of hyperfine (no shell: -N). */
function measureWithHyperfine(hyperfine: string, benches: Bench[], opts: Options, env: Record<string, string>, dir: string): Map<string, number[]> {
  const times = new Map<string, number[]>(benches.map((b) => [b.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    // Spread the runs over the rounds; every command gets the same number in each.
    const runs = Math.floor(opts.runs / opts.rounds) + (round < opts.runs % opts.rounds ? 1 : 0);
    const order = rotated(benches, round);
    const json = path.join(dir, `hyperfine-${round}.json`);
    const args = ["-N", "--style", "none", "--runs", String(runs), "--warmup", String(round === 0 ? opts.warmup : 0), "--export-json", json];
    for (const b of order) args.push("--command-name", b.name, b.argv.map(shellQuote).join(" "));
    const r = spawnSync(hyperfine, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`hyperfine failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
    const { results } = JSON.parse(readFileSync(json, "utf8")) as { results: Array<{ command: string; times: number[] }> };
    for (const result of results) times.get(result.command)!.push(...result.times.map((s) => s * 1000));
  }
  return times;
}

/** Raw wall times in ms per bench name, from spawnSync timed with process.hrtime; every run interleaved. */
function measureWithLoop(benches: Bench[], opts: Options, env: Record<string, string>): Map<string, number[]> {
  const times = new Map<string, number[]>(benches.map((b) => [b.name, []]));
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    for (const b of rotated(benches, i)) {
      const started = process.hrtime.bigint();
      const r = spawnSync(b.argv[0]!, b.argv.slice(1), { env, stdio: "ignore" });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (r.status !== 0) throw new Error(`${b.name} exited with ${r.status ?? r.signal}`);
      if (i >= opts.warmup) times.get(b.name)!.push(ms);
    }
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function table(benches: Bench[], times: Map<string, number[]>): string {
  const base = median(times.get(benches[0]!.name)!);
  const width = Math.max(...benches.map((b) => b.name.length));
  const head = `${"command".padEnd(width)}  ${"runs".padStart(4)}  ${"median".padStart(9)}  ${"min".padStart(9)}  ${"max".padStart(9)}  ${"× node -e 0".padStart(11)}`;
  const rows = benches.map((b) => {
    const t = times.get(b.name)!;
    const ratio = median(t) / base;
    const verdict = b.target ? (ratio <= TARGET_RATIO ? `  within the ${TARGET_RATIO}× target` : `  over the ${TARGET_RATIO}× target`) : "";
    const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
    return `${b.name.padEnd(width)}  ${String(t.length).padStart(4)}  ${ms(median(t))}  ${ms(Math.min(...t))}  ${ms(Math.max(...t))}  ${`${ratio.toFixed(2)}×`.padStart(11)}${verdict}`;
  });
  return [head, "-".repeat(head.length), ...rows].join("\n");
}

const opts = options();
const benches: Bench[] = [
  { name: "node -e 0", argv: [process.execPath, "-e", "0"] },
  { name: "sso-setup --help", argv: [process.execPath, CLI, "--help"], target: true },
  { name: "sso-setup --version", argv: [process.execPath, CLI, "--version"], target: true },
  {
    name: "sso-setup export-credentials (warm)",
    argv: [process.execPath, CLI, "export-credentials", "--profile", PROFILE, "--format", "process"],
  },
  {
    name: "sso-setup exec -- true (warm)",
    argv: [process.execPath, CLI, "exec", "--profile", PROFILE, "--", "true"],
  },
];

const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-bench-startup-"));
const emulator = await startEmulatorProcess();
try {
  const env = prepareHome(path.join(dir, "home"), emulator.url);
  const warmCalls = await roleCredentialCalls(emulator.url);
  const method = opts.hyperfine
    ? `hyperfine -N (${spawnSync(opts.hyperfine, ["--version"], { encoding: "utf8" }).stdout.trim()}), ${opts.rounds} rounds, order rotated`
    : "spawnSync + process.hrtime, every run interleaved";
  process.stdout.write(
    `sso-setup startup benchmark: Node ${process.version}, ${cpus().length} CPUs, ${opts.runs} runs of each after ${opts.warmup} warmups; ${method}\n`,
  );
  const ignored = ["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"].filter((name) => process.env[name]);
  if (ignored.length > 0) process.stdout.write(`(${ignored.join(" and ")} set here but not passed to the commands: it would add the same start-up cost to each)\n`);
  const times = opts.hyperfine ? measureWithHyperfine(opts.hyperfine, benches, opts, env, dir) : measureWithLoop(benches, opts, env);
  const extra = (await roleCredentialCalls(emulator.url)) - warmCalls;
  if (extra !== 0) throw new Error(`export-credentials and exec were not warm: they called GetRoleCredentials ${extra} more times while timed`);
  process.stdout.write(`${table(benches, times)}\n`);
} finally {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
