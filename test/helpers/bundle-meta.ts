/**
 * The CLI runs from esbuild bundles (dist/cli/), so a loaded file is a chunk of many modules. The
 * metafile written at build time says which sources each chunk holds; this turns "files loaded" back
 * into "modules loaded", so tests can keep saying what a command does and does not load.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./cli.js";

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/**
 * The absolute paths of the sources in the loaded chunks (`…/src/commands/status.ts`,
 * `…/node_modules/commander/…`); what is not a bundle chunk (`node:fs`, a file outside dist/cli/) is
 * kept as it was loaded.
 */
export function modulesInChunks(loadedUrls: readonly string[]): string[] {
  const meta = JSON.parse(readFileSync(path.join(ROOT, "dist/cli-meta.json"), "utf8")) as Metafile;
  const byFile = new Map(Object.entries(meta.outputs).map(([out, o]) => [path.resolve(ROOT, out), Object.keys(o.inputs)]));
  const modules = new Set<string>();
  for (const url of loadedUrls) {
    const inputs = url.startsWith("file:") ? byFile.get(new URL(url).pathname) : undefined;
    if (!inputs) modules.add(url);
    for (const input of inputs ?? []) modules.add(path.resolve(ROOT, input));
  }
  return [...modules];
}
