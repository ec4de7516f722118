/**
 * Runs the built CLI with a module-resolve hook that records every module it loads, so a test can
 * check what a command does not load (the AWS SDK, the prompt library, other commands' modules).
 * `loaded` holds absolute source paths (…/src/…, …/node_modules/…) and node: built-ins.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
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
    writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
    const result = await runCli(args, { env: { ...env, NODE_OPTIONS: `--import ${path.join(dir, "register.mjs")}` } });
    // The CLI runs from bundles: each loaded chunk stands for the sources in it.
    return { ...result, loaded: modulesInChunks(readFileSync(trace, "utf8").split("\n").filter(Boolean)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
