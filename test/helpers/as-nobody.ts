/**
 * Root reads any file, so a test of a file sso-setup may not read, run as root (as CI and these
 * machines do), asks as nobody instead: a `node -e` script run through setpriv, which loads the built
 * modules (dist/src) as the CLI would.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

/** The built module for a source file: `builtModule("platform/fs.js")`. */
export const builtModule = (file: string) => path.join(import.meta.dirname, "../../dist/src", file);

/** The script's trimmed stdout, run as nobody (uid and gid 65534, no groups). */
export function nodeAsNobody(script: string): string {
  const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node as nobody failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout.trim();
}
