/**
 * Runs the built CLI with a module-resolve hook that records every module it loads, so a test can
 * check what a command does not load (the AWS SDK, the prompt library, other commands' modules).
 * `loaded` holds absolute source paths (…/src/…, …/node_modules/…) and node: built-ins.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { modulesInChunks } from "./bundle-meta.js";
import { runCli, type CliResult } from "./cli.js";

export async function runTracingModules(
  args: string[],
  env: Record<string, string>,
): Promise<CliResult & { loaded: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "sso-setup-trace-"));
  try {
    const trace = path.join(dir, "loaded.txt");
    writeFileSync(trace, "");
    writeFileSync(
      path.join(dir, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, result.url + "\\n");
  return result;
}\n`,
    );
    // The entry and the fast path are CommonJS (require.cache lists what they loaded); the full
    // program is ES modules (the resolve hook sees each one).
    writeFileSync(
      path.join(dir, "register.cjs"),
      `const { appendFileSync } = require("node:fs");
const { pathToFileURL } = require("node:url");
require("node:module").register(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});
process.on("exit", () => appendFileSync(${JSON.stringify(trace)}, Object.keys(require.cache).map((file) => pathToFileURL(file).href + "\\n").join("")));
`,
    );
    const result = await runCli(args, { env: { ...env, NODE_OPTIONS: `--require ${path.join(dir, "register.cjs")}` } });
    // The CLI runs from bundles: each loaded chunk stands for the sources in it.
    return { ...result, loaded: modulesInChunks(readFileSync(trace, "utf8").split("\n").filter(Boolean)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
