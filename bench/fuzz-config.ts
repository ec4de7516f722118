/**
 * Differential fuzzing of the config reader and editor against botocore (see bench/config-fuzz.ts).
 *
 *   npm run bench:fuzz-config                            # 20,000 cases from seed 1
 *   npm run bench:fuzz-config -- --cases 100000 --seed 42
 *
 * Prints the figures and the first failures (each with its seed, to replay); exits 1 on a failure.
 */
import { execFileSync } from "node:child_process";
import { runConfigFuzz } from "./config-fuzz.js";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : Number(process.argv[at + 1]);
  if (value !== undefined && !Number.isInteger(value)) throw new Error(`--${name} needs an integer`);
  return value ?? fallback;
}

const cases = flag("cases", 20_000);
const seed = flag("seed", 1);
const python = process.env.PYTHON ?? "python3";
const version = execFileSync(python, ["-c", "import botocore; print(botocore.__version__)"], { encoding: "utf8" }).trim();

const cpu = process.cpuUsage();
const summary = await runConfigFuzz(python, { cases, seed });
const { user, system } = process.cpuUsage(cpu);
console.log(
  `${summary.cases} cases from seed ${seed} against botocore ${version} in ${(summary.ms / 1000).toFixed(1)} s ` +
    `(${((summary.ms * 1000) / summary.cases).toFixed(0)} µs a case): ${summary.accepted} accepted by botocore and edited ` +
    `(${summary.editsRefused} edits refused as botocore could not read the result), ${summary.refused} refused; ` +
    `${summary.failures.length} disagreements. CPU in this process (without python): ${((user + system) / 1e6).toFixed(1)} s`,
);
for (const failure of summary.failures.slice(0, 10)) console.log(`seed ${failure.seed}: ${failure.problem}\n  file: ${failure.file}`);
process.exitCode = summary.failures.length > 0 ? 1 : 0;
