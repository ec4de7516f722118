/**
 * The process entry: answer, set the exit code. Nothing else.
 *
 * Bundled as CommonJS (dist/cli/bin.cjs), like the fast path (dist/cli/fast.cjs): Node starts
 * CommonJS without its ES module loader, and credential_process, exec, Tab completion and shell
 * prompts (status) start sso-setup hundreds of times a day. What their warm runs need is in fast.cjs (fast-path.ts); every
 * other command line, and every hot one that needs more, is answered by the full program
 * (program.ts, an ES module bundle loaded only then). This file only ever runs bundled, so it uses
 * CommonJS's own `require` and `__dirname` for the files next to it: an import() would start the ES
 * module loader that it avoids.
 */
import { mightBeHot } from "./hot-command-names.js";
import { processIo } from "./platform/stdio.js";
import { ISSUES_URL, VERSION } from "./version.js";

// Node 22.1+ keeps the compiled code on disk between runs (in its own cache under the temporary
// directory; NODE_DISABLE_COMPILE_CACHE turns it off). Node 20 has no such cache (the fast path
// brings its own, platform/code-cache.ts), and is spared loading node:module, which costs it 5% of a
// bare start.
const nodeCompileCache = Number(process.versions.node.split(".")[0]) >= 22;
if (nodeCompileCache) {
  (require("node:module") as { enableCompileCache?: () => unknown }).enableCompileCache?.();
}

/** Set by scripts/bundle.mjs: a hash of dist/cli/fast.cjs, which names the fast path's code cache. */
declare const __FAST_BUNDLE_ID__: string;

const argv = process.argv.slice(2);
void answer(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a broken installation gets here (the full program could not be loaded): every error of a
    // command is reported, with its exit code, by main.ts.
    const code = (error as { code?: unknown } | undefined)?.code;
    const missing = code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND";
    const message = error instanceof Error ? error.message : String(error);
    processIo(process).err.write(
      missing
        ? // The first line: Node 22+ appends the require stack.
          `sso-setup: error: this installation is incomplete (${message.split("\n")[0]}). In a clone, run \`npm run build\`; otherwise reinstall sso-setup.\n`
        : `sso-setup: error: sso-setup could not start: ${message}\nThis is a bug in sso-setup; please report it at ${ISSUES_URL} with the command you ran.\n`,
    );
    process.exitCode = 1;
  },
);

async function answer(argv: readonly string[]): Promise<number> {
  const only = argv.length === 1 ? argv[0] : undefined;
  // What shell start-up scripts and people run most, answered before anything else is loaded.
  if (only === "--version" || only === "-v") {
    processIo(process).out.write(`${VERSION}\n`);
    return 0;
  }
  const help = only === "--help" || only === "-h" ? rootHelp() : undefined;
  if (help !== undefined) {
    processIo(process).out.write(help);
    return 0;
  }
  if (mightBeHot(argv)) {
    const { runFast } = loadFastPath();
    const code = await runFast(argv);
    if (code !== undefined) return code;
  }
  const [{ pathToFileURL }, { join }] = await Promise.all([import("node:url"), import("node:path")]);
  const { runProgram } = (await import(pathToFileURL(join(__dirname, "program.js")).href)) as typeof import("./program.js");
  return runProgram(argv);
}

/** fast.cjs, compiled from the code cache where Node has none of its own. */
function loadFastPath(): typeof import("./fast-path.js") {
  // Windows reports every file as writable by all, so code-cache.ts would never trust a cache there:
  // going through node:vm would only cost.
  if (nodeCompileCache || process.platform === "win32" || typeof __FAST_BUNDLE_ID__ !== "string") {
    return require("./fast.cjs") as typeof import("./fast-path.js");
  }
  const { codeCacheFile, requireWithCodeCache } = require("./platform/code-cache.js") as typeof import("./platform/code-cache.js");
  const uid = process.getuid?.();
  const tmpdir = (require("node:os") as typeof import("node:os")).tmpdir();
  const cacheFile = codeCacheFile({ env: process.env, tmpdir, bundleId: __FAST_BUNDLE_ID__, uid });
  return requireWithCodeCache(`${__dirname}/fast.cjs`, require, cacheFile, uid);
}

/**
 * The root help, generated from the real commander program at build time (scripts/bundle.mjs), so it
 * cannot drift from `sso-setup help`. Without it (a build in progress), the full program answers.
 */
function rootHelp(): string | undefined {
  try {
    return require("./root-help.cjs") as string;
  } catch {
    return undefined;
  }
}
