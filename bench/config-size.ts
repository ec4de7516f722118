/**
 * Config size benchmark (run with `npm run bench:config-size`): how `sso-setup status` scales with
 * the size of the config file, up to the 16 MB sso-setup reads (issue 12 §7: a 100 MB config once
 * took 38 s and 2.4 GB). Each size is a realistic file: SSO profiles on one sso-session, with
 * comments, plus one file over the limit, which must be refused at once.
 *
 * Prints, per size, the wall time and the peak memory (max RSS) of one `completion --list profiles`
 * run (read and parse, what every Tab costs) and one `status` run (which also looks at every profile),
 * and the time per MB: roughly constant per MB means the read and the parse stay linear.
 *
 *   npm run bench:config-size
 *   npm run bench:config-size -- --sizes 1,4,15
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "bin/sso-setup.cjs");
const MB = 1024 * 1024;

function configOf(bytes: number): string {
  const parts = ["# generated for bench/config-size\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"];
  let size = parts[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const account = String(100000000000 + i).padStart(12, "0");
    const section = `\n# account ${i}\n[profile role${i}-${account}]\nsso_session = corp\nsso_account_id = ${account}\nsso_role_name = ReadOnlyAccess\nregion = us-east-1\n`;
    parts.push(section);
    size += section.length;
  }
  return parts.join("");
}

function run(args: string[], configFile: string, home: string): { ms: number; maxRssMb: number; code: number | null } {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, AWS_CONFIG_FILE: configFile };
  // GNU time's %M (max RSS in kB) when it is there; otherwise the time alone.
  const withTime = spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;
  const started = process.hrtime.bigint();
  const result = withTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, CLI, ...args], { env, encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, [CLI, ...args], { env, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssKb = withTime ? Number(result.stderr.trim().split("\n").at(-1)) : Number.NaN;
  return { ms, maxRssMb: rssKb / 1024, code: result.status };
}

const { values } = parseArgs({ options: { sizes: { type: "string", default: "1,2,4,8,15" } } });
const sizes = values.sizes.split(",").map(Number);
const dir = mkdtempSync(path.join(tmpdir(), "bench-config-size-"));
try {
  const home = path.join(dir, "home");
  mkdirSync(home);
  console.log("command      size     exit  wall ms   ms/MB   max RSS MB");
  for (const size of [...sizes, 17]) {
    const file = path.join(dir, `config-${size}`);
    writeFileSync(file, configOf(size * MB));
    for (const [name, args] of [
      ["completion", ["completion", "--list", "profiles"]],
      ["status", ["status"]],
    ] as const) {
      const { ms, maxRssMb, code } = run([...args], file, home);
      const note = size > 16 ? "  (over the limit: refused)" : "";
      const cells = [name.padEnd(12), `${size} MB`.padEnd(8), String(code).padEnd(5), ms.toFixed(0).padStart(7), (ms / size).toFixed(0).padStart(7)];
      console.log(`${cells.join(" ")} ${maxRssMb.toFixed(0).padStart(12)}${note}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
