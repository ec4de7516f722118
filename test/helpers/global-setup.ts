import { execFileSync } from "node:child_process";
import * as path from "node:path";

/**
 * End-to-end tests run the built CLI, so build once before any test: a stale dist/ would test yesterday's
 * code.
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.json")], {
    stdio: "inherit",
  });
  execFileSync(process.execPath, [path.join(root, "scripts/bundle.mjs")], { stdio: "inherit" });
}
