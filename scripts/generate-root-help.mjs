// Build step: writes dist/src/root-help.js, the text of `sso-setup --help`, so that bin.js can answer
// `--help` without loading the command tree. The text comes from the real commander program, at the
// 80 columns commander uses when stdout is not a terminal, so it cannot drift from `sso-setup help`.
import { writeFileSync } from "node:fs";
import { buildProgram } from "../dist/src/cli.js";

const silent = { write() {} };
const deps = { io: { out: silent, err: silent, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false } };
const program = await buildProgram(deps);
program.configureOutput({ getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 });
const text = program.helpInformation();
writeFileSync(new URL("../dist/src/root-help.js", import.meta.url), `export const ROOT_HELP = ${JSON.stringify(text)};\n`);
