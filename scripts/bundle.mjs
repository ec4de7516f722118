// Build step after tsc: bundles the CLI, dependencies included, into dist/cli/. The installed package
// then has no dependencies to resolve or install. Three bundles (see the README's performance section):
//
//   bin.cjs      src/bin.ts, the entry: a few lines that choose one of the other two. CommonJS, as is
//                fast.cjs: Node starts CommonJS without its ES module loader.
//   fast.cjs     src/fast-path.ts: the hot paths as they run when everything is cached, in one file.
//   program.js   src/program.ts, the full program, ES modules split into one file per lazily loaded
//                part (chunk-*.js), so a command reads only its own.
//
// dist/cli-meta.json (not shipped) maps each output file to the sources in it, so the start-up test
// can still say which modules a command loads.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const src = new URL("../src/", import.meta.url).pathname;
const outdir = new URL("../dist/cli/", import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: "node",
  target: "node20.19",
  // The SDK's ES module build: smaller once bundled than its CommonJS build, and its named exports
  // survive a dynamic import.
  mainFields: ["module", "main"],
  minifyWhitespace: true,
  minifySyntax: true,
  // Readable names in the stack of an "unexpected error" report.
  minifyIdentifiers: false,
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
};

/**
 * What the hot paths load lazily but need on every warm run, so it is in fast.cjs: their own actions
 * (imported lazily by hot-paths.ts so that the full program loads only the one it runs), exec's
 * process spawner on Windows (platform/child.ts), and Node's built-ins.
 */
const warmLazy = (importer, specifier) =>
  importer === path.join(src, "hot-paths.ts") || specifier === "cross-spawn" || specifier.startsWith("node:");

/**
 * Every other lazy import in fast.cjs becomes a hand-over (src/hand-over.ts): the AWS SDK, the lock
 * and prompt libraries, commander, a sign-in. When the attempt reaches one, the full program answers.
 */
const handOverLazyImports = {
  name: "hand-over",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== "dynamic-import" || warmLazy(args.importer, args.path)) return undefined;
      return { path: `${args.path} (from ${path.relative(src, args.importer)})`, namespace: "hand-over" };
    });
    build.onLoad({ filter: /.*/, namespace: "hand-over" }, (args) => ({
      contents: `import { handOver } from ${JSON.stringify(path.join(src, "hand-over.ts"))};\nhandOver(${JSON.stringify(args.path)});\n`,
      loader: "js",
      resolveDir: src,
    }));
  },
};

const commonJs = {
  outdir,
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  // Required by bin.ts from next to itself.
  external: ["./fast.cjs", "./root-help.cjs"],
};

/**
 * fast.cjs is both a CommonJS module (for require(), on Node 22+ and Windows) and a script whose value
 * is its module function (for platform/code-cache.ts on Node 20): compiled from a string that
 * already holds the wrapper, V8 needs no second, wrapped copy of the source in the young generation.
 * `this` tells the two apart: a CommonJS module's is its exports, a script's the global object (a
 * global `module` would not: `node -e` and the REPL define one). The module function is in
 * parentheses, as in Node's own wrapper, so that V8 compiles it at once and Node 22's compile cache
 * keeps it.
 */
const DUAL_USE_HEADER =
  "(this===globalThis?f=>f:f=>f.call(exports,exports,require,module,__filename,__dirname))((function(exports,require,module,__filename,__dirname){";
const DUAL_USE_FOOTER = "\n}))";

const fast = await build({
  ...common,
  ...commonJs,
  entryPoints: { fast: path.join(src, "fast-path.ts") },
  plugins: [handOverLazyImports],
  // A lazily loaded built-in (node:child_process) becomes a require: a real import() would start the
  // ES module loader.
  supported: { "dynamic-import": false },
  banner: { js: DUAL_USE_HEADER },
  footer: { js: DUAL_USE_FOOTER },
});
/**
 * `import * as path from "node:path"` becomes `__toESM(require("node:path"), 1)` in a CommonJS
 * bundle: a copy of the module's every export as a getter, made at each start (node:fs has a hundred),
 * in the young generation whose first collection exec's runs otherwise cross. The built-in's own
 * exports object serves the same property reads, but has no `default`: a default import of a built-in
 * (which reads it) fails the build.
 */
function requireBuiltinsDirectly(file) {
  const text = readFileSync(file, "utf8");
  // `name=__toESM(require("node:x"),1)`, or an `import("node:x")` that became a require.
  const copy = /(?:([\w$]+)\s*=\s*)?__toESM\(\s*(require\(\s*"node:[\w/]+"\s*\))\s*(?:,\s*1\s*)?\)/g;
  for (const match of text.matchAll(copy)) {
    const [whole, name] = match;
    const readsDefault = name
      ? new RegExp(`(?<![\\w$])${name.replaceAll("$", "\\$")}\\.default\\b`).test(text)
      : /^\)*\.default\b/.test(text.slice(match.index + whole.length));
    if (readsDefault) throw new Error(`${file}: a default import of a Node built-in (${whole}); import its names instead`);
  }
  writeFileSync(file, text.replace(copy, (_, name, required) => (name ? `${name}=${required}` : required)));
}
requireBuiltinsDirectly(path.join(outdir, "fast.cjs"));

// bin.ts names fast.cjs's code cache (on Node 20, platform/code-cache.ts) after its contents: V8
// itself checks only the length of the source a cache was made for.
const fastBundleId = createHash("sha256").update(readFileSync(path.join(outdir, "fast.cjs"))).digest("hex").slice(0, 16);
const entry = await build({
  ...common,
  ...commonJs,
  entryPoints: { bin: path.join(src, "bin.ts") },
  define: { __FAST_BUNDLE_ID__: JSON.stringify(fastBundleId) },
});
requireBuiltinsDirectly(path.join(outdir, "bin.cjs"));

const program = await build({
  ...common,
  entryPoints: { program: path.join(src, "program.ts") },
  outdir,
  splitting: true,
  format: "esm",
  chunkNames: "[name]-[hash]",
  // Some bundled CommonJS dependencies call require() for Node's own modules.
  banner: { js: 'import { createRequire as __ssoSetupRequire } from "node:module"; const require = __ssoSetupRequire(import.meta.url);' },
});
writeFileSync(
  new URL("../dist/cli-meta.json", import.meta.url),
  JSON.stringify({ outputs: { ...entry.metafile.outputs, ...fast.metafile.outputs, ...program.metafile.outputs } }),
);

// `sso-setup --help` is answered from this text without loading the command tree. It comes from the
// real commander program, at the 80 columns commander uses when stdout is not a terminal, so it cannot
// drift from `sso-setup help`.
const { buildProgram } = await import("../dist/src/cli.js");
const silent = { write() {} };
const deps = { io: { out: silent, err: silent, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false } };
const commander = await buildProgram(deps);
commander.configureOutput({ getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 });
writeFileSync(path.join(outdir, "root-help.cjs"), `module.exports = ${JSON.stringify(commander.helpInformation())};\n`);

// The stand-in person is run as a BROWSER command by the demo, the tests and the benchmarks.
chmodSync(new URL("../dist/emulator/person.js", import.meta.url), 0o755);
