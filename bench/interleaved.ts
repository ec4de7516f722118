/**
 * Wall times of short commands, interleaved so that a drift of the machine (another process, a CPU
 * frequency change) hits all of them alike; shared by bench/startup.ts and bench/config-size.ts.
 * With hyperfine (found on PATH or at /usr/bin/hyperfine) the runs are made in rounds of hyperfine,
 * the command order rotated each round, from its raw per-run times; without it, by a loop of
 * spawnSync timed with process.hrtime, interleaving every single run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface Timed {
  name: string;
  argv: string[];
}

export interface Rounds {
  runs: number;
  warmup: number;
  /** hyperfine only: how many invocations the runs are spread over. */
  rounds: number;
}

export function findHyperfine(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin"]) {
    const candidate = path.join(dir, "hyperfine");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Rotates `list` left by `by`: round r starts with a different command. */
function rotated<T>(list: T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Raw wall times in ms per command name, from rounds of hyperfine (no shell: -N). */
export function measureWithHyperfine(hyperfine: string, benches: Timed[], opts: Rounds, env: Record<string, string>, dir: string): Map<string, number[]> {
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

/** Raw wall times in ms per command name, from spawnSync timed with process.hrtime; every run interleaved. */
export function measureWithLoop(benches: Timed[], opts: Rounds, env: Record<string, string>): Map<string, number[]> {
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

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
