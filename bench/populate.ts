/**
 * Benchmark for `sso-setup populate` at organisation scale (run with `npm run bench:populate`).
 *
 * For each scenario it starts the emulator runner in its own process with N accounts × 3 roles
 * (optionally throttled), signs in with the built CLI, then times one populate of the built CLI and
 * reports: wall time, calls the emulator served, 429s it answered, the CLI's peak memory, and for a
 * throttled run the ratio of wall time to the lower bound (the calls a listing needs ÷ the rate).
 * A scenario ending in "r" then times a second populate on the file the first one wrote: the re-run
 * that reads and checks every profile it wrote before.
 *
 *   npm run bench:populate                      # 100, 1,000, 5,000 unthrottled; 1,000 at 20 req/s
 *   npm run bench:populate -- 5000 1000@20      # chosen scenarios: N or N@RATE
 *   npm run bench:populate -- 10000r            # 10,000 accounts, then the re-run on 30,000 profiles
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { emulatorCounts, startEmulatorProcess, type Counts, type EmulatorProcess } from "./emulator-process.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "bin/sso-setup.cjs");
const PERSON = path.join(ROOT, "dist/emulator/person.js");
const TIME = "/usr/bin/time";
const START_URL = "https://d-1234567890.awsapps.com/start";
const ROLES_PER_ACCOUNT = 3;

interface Scenario {
  accounts: number;
  rate?: number;
  rerun?: boolean;
}

interface Result {
  scenario: string;
  wallSeconds: number;
  calls: number;
  throttled: number;
  peakRssMb: number | null;
  profiles: number;
  lowerBoundSeconds: number | null;
  ratio: number | null;
}

function parseScenarios(args: string[]): Scenario[] {
  if (args.length === 0) return [{ accounts: 100 }, { accounts: 1000 }, { accounts: 5000 }, { accounts: 1000, rate: 20 }];
  return args.map((arg) => {
    const match = /^(\d+)(?:@(\d+(?:\.\d+)?))?(r?)$/.exec(arg);
    if (!match) throw new Error(`Not a scenario: "${arg}" (use N, N@RATE or either with a trailing r, e.g. 5000, 1000@20, 10000r)`);
    return { accounts: Number(match[1]), ...(match[2] && { rate: Number(match[2]) }), ...(match[3] && { rerun: true }) };
  });
}

function startEmulator(s: Scenario): Promise<EmulatorProcess> {
  const args = ["--accounts", String(s.accounts), "--roles-per-account", String(ROLES_PER_ACCOUNT), "--log-limit", "100"];
  if (s.rate) args.push("--throttle", String(s.rate));
  return startEmulatorProcess(args);
}

/** Peak RSS from /proc while the process runs: the fallback where /usr/bin/time is missing (Linux only). */
function sampleHighWaterMark(pid: number | undefined): () => number | null {
  let peakKb: number | null = null;
  const sample = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) peakKb = Math.max(peakKb ?? 0, Number(match[1]));
    } catch {
      // Gone already, or no /proc here.
    }
  };
  const timer = setInterval(sample, 10);
  return () => {
    clearInterval(timer);
    return peakKb;
  };
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; sampledPeakKb: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    const stopSampling = sampleHighWaterMark(child.pid);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr, sampledPeakKb: stopSampling() }));
  });
}

function listingCalls(c: Counts): { calls: number; throttled: number } {
  const ops = ["ListAccounts", "ListAccountRoles"].map((op) => c[op] ?? { calls: 0, throttled: 0, faults: 0 });
  return { calls: ops.reduce((n, o) => n + o.calls, 0), throttled: ops.reduce((n, o) => n + o.throttled, 0) };
}

async function timedPopulate(s: Scenario, name: string, emulator: EmulatorProcess, env: Record<string, string>, configFile: string): Promise<Result> {
  const before = listingCalls(await emulatorCounts(emulator.url));
  const timed = existsSync(TIME);
  const command = timed ? TIME : process.execPath;
  const args = [...(timed ? ["-v", process.execPath] : []), CLI, "populate", "--sso-session", "corp"];
  const started = performance.now();
  const result = await run(command, args, env);
  const wallSeconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`populate failed (${result.code}):\n${result.stderr}`);

  const after = listingCalls(await emulatorCounts(emulator.url));
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  const peakKb = rss ? Number(rss[1]) : result.sampledPeakKb;
  const profiles = (readFileSync(configFile, "utf8").match(/^\[profile /gm) ?? []).length;
  if (profiles !== s.accounts * ROLES_PER_ACCOUNT) throw new Error(`${name}: ${profiles} profiles written, expected ${s.accounts * ROLES_PER_ACCOUNT}`);
  const needed = Math.ceil(s.accounts / 100) + s.accounts;
  const lowerBoundSeconds = s.rate ? needed / s.rate : null;
  return {
    scenario: name,
    wallSeconds,
    calls: after.calls - before.calls,
    throttled: after.throttled - before.throttled,
    peakRssMb: peakKb === null ? null : peakKb / 1024,
    profiles,
    lowerBoundSeconds,
    ratio: lowerBoundSeconds ? wallSeconds / lowerBoundSeconds : null,
  };
}

async function bench(s: Scenario): Promise<Result[]> {
  const name = `${s.accounts} accounts${s.rate ? ` at ${s.rate} req/s` : ", unthrottled"}`;
  const emulator = await startEmulator(s);
  const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-bench-"));
  try {
    const home = path.join(dir, "home");
    const configFile = path.join(home, ".aws", "config");
    mkdirSync(path.dirname(configFile), { recursive: true });
    writeFileSync(configFile, `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n`);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      AWS_CONFIG_FILE: configFile,
      AWS_ENDPOINT_URL_SSO: emulator.url,
      AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
      BROWSER: PERSON,
    };
    const login = await run(process.execPath, [CLI, "login", "--sso-session", "corp"], env);
    if (login.code !== 0) throw new Error(`login failed (${login.code}):\n${login.stderr}`);
    // As after a real sign-in, populate starts with the throttle's bucket full again, not drained by the sign-in.
    if (s.rate) await new Promise((resolve) => setTimeout(resolve, 2000));

    const results = [await timedPopulate(s, name, emulator, env, configFile)];
    if (s.rerun) results.push(await timedPopulate(s, `${name}, re-run`, emulator, env, configFile));
    return results;
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: Result): string {
  const parts = [
    r.scenario.padEnd(40),
    `wall ${r.wallSeconds.toFixed(2)} s`.padEnd(14),
    `calls ${r.calls}`.padEnd(12),
    `429s ${r.throttled}`.padEnd(10),
    `peak RSS ${r.peakRssMb === null ? "n/a" : `${r.peakRssMb.toFixed(0)} MB`}`.padEnd(18),
    `profiles ${r.profiles}`,
  ];
  if (r.ratio !== null && r.lowerBoundSeconds !== null) {
    parts.push(`  lower bound ${r.lowerBoundSeconds.toFixed(1)} s, ratio ${r.ratio.toFixed(3)}`);
  }
  return parts.join("");
}

const scenarios = parseScenarios(process.argv.slice(2));
process.stdout.write(`sso-setup populate benchmark: Node ${process.version}, ${ROLES_PER_ACCOUNT} roles per account\n`);
if (!existsSync(TIME)) process.stdout.write(`(${TIME} not found: peak memory is sampled from /proc every 10 ms)\n`);
for (const scenario of scenarios) for (const result of await bench(scenario)) process.stdout.write(`${report(result)}\n`);
