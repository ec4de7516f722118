// Build step after tsc: bundles the CLI (src/bin.ts and everything it imports, dependencies included)
// into dist/cli/, one file per lazily loaded part. The installed package then has no dependencies to
// resolve or install, and a warm command reads a handful of files instead of hundreds; see the
// README's performance section. dist/cli-meta.json (not shipped) maps each output file to the sources
// in it, so the start-up test can still say which modules a command loads.
import { build } from "esbuild";
import { chmodSync, rmSync, writeFileSync } from "node:fs";

const outdir = new URL("../dist/cli/", import.meta.url);
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [new URL("../src/bin.ts", import.meta.url).pathname],
  outdir: outdir.pathname,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // The SDK's ES module build: smaller once bundled than its CommonJS build, and its named exports
  // survive a dynamic import.
  mainFields: ["module", "main"],
  chunkNames: "[name]-[hash]",
  minifyWhitespace: true,
  minifySyntax: true,
  // Readable names in the stack of an "unexpected error" report.
  minifyIdentifiers: false,
  legalComments: "linked",
  metafile: true,
  // Some bundled CommonJS dependencies call require() for Node's own modules.
  banner: { js: 'import { createRequire as __ssoSetupRequire } from "node:module"; const require = __ssoSetupRequire(import.meta.url);' },
  logLevel: "warning",
});
writeFileSync(new URL("../dist/cli-meta.json", import.meta.url), JSON.stringify(result.metafile));

// `sso-setup --help` is answered from this text without loading the command tree. It comes from the
// real commander program, at the 80 columns commander uses when stdout is not a terminal, so it cannot
// drift from `sso-setup help`.
const { buildProgram } = await import("../dist/src/cli.js");
const silent = { write() {} };
const deps = { io: { out: silent, err: silent, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false } };
const program = await buildProgram(deps);
program.configureOutput({ getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 });
writeFileSync(new URL("root-help.js", outdir), `export const ROOT_HELP = ${JSON.stringify(program.helpInformation())};\n`);

// The stand-in person is run as a BROWSER command by the demo, the tests and the benchmarks.
chmodSync(new URL("../dist/emulator/person.js", import.meta.url), 0o755);
