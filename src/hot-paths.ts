/**
 * Command lines that run far more often than a person types them, answered without commander and
 * the command tree: `export-credentials` (credential_process runs it at every SDK client start),
 * `exec` (it wraps every command a person runs with credentials), `completion --list` (every Tab) and
 * `status` (shell prompts run it at every prompt). Each entry reads only the flags its command defines, as Node's
 * parseArgs does in strict mode (not with it: loading it costs more than the rest of the line's
 * reading; a test compares the two); anything it is not sure of (help, an unknown flag, a value commander would refuse, an
 * ambiguous `--flag -value`) is left to the full program, which owns every usage message. A test
 * checks that these flags are exactly the ones the commands define.
 */
import { NAME_LISTS, type NameList } from "./config/name-lists.js";
import { CREDENTIAL_FORMATS, type CredentialFormat } from "./credentials/formatters.js";
import type { Deps } from "./deps.js";
import type { HotCommandName } from "./hot-command-names.js";

type Values = Record<string, string | boolean | undefined>;
type Action = (deps: Deps) => Promise<void>;

interface HotCommand {
  /** The command's long flags (as commander names them, without --debug and --help), by kind. */
  flags: Record<string, "string" | "boolean">;
  /** Everything from the first argument that is not a flag (or after `--`) is the command's own, as commander's passThroughOptions. */
  passThrough?: boolean;
  /** What to run for these values, or undefined when commander should judge them. */
  action(values: Values, positionals: string[]): Action | undefined;
}

const str = (value: string | boolean | undefined) => (typeof value === "string" ? value : undefined);

export const HOT_COMMANDS: Readonly<Record<HotCommandName, HotCommand>> = {
  "export-credentials": {
    flags: { profile: "string", format: "string", "config-file": "string" },
    action(values, positionals) {
      const format = str(values.format) ?? "process";
      if (positionals.length > 0 || !(CREDENTIAL_FORMATS as readonly string[]).includes(format)) return undefined;
      return async (deps) => {
        const { runExportCredentials } = await import("./credentials/export.js");
        await runExportCredentials({ profile: str(values.profile), format: format as CredentialFormat, configFile: str(values["config-file"]) }, deps);
      };
    },
  },
  exec: {
    flags: { profile: "string", region: "string", server: "boolean", "config-file": "string" },
    passThrough: true,
    action(values, positionals) {
      return async (deps) => {
        const { runExec } = await import("./exec/run.js");
        await runExec(
          { profile: str(values.profile), region: str(values.region), server: values.server === true, configFile: str(values["config-file"]), command: positionals },
          deps,
        );
      };
    },
  },
  completion: {
    flags: { list: "string", "config-file": "string" },
    action(values, positionals) {
      const list = str(values.list);
      if (positionals.length > 0 || list === undefined || !(NAME_LISTS as readonly string[]).includes(list)) return undefined;
      return async (deps) => {
        const { listNames } = await import("./config/name-lists.js");
        deps.io.out.write(await listNames(list as NameList, str(values["config-file"]), deps));
      };
    },
  },
  status: {
    flags: { profile: "string", "sso-session": "string", json: "boolean", wide: "boolean", "config-file": "string" },
    action(values, positionals) {
      const profile = str(values.profile);
      const ssoSession = str(values["sso-session"]);
      const json = values.json === true;
      const wide = values.wide === true;
      // The commander action refuses these combinations, and owns their usage messages.
      if (positionals.length > 0 || (profile && ssoSession) || (json && wide)) return undefined;
      return async (deps) => {
        const { runStatus } = await import("./sso/session-status.js");
        await runStatus({ profile, ssoSession, json, wide, configFile: str(values["config-file"]) }, deps);
      };
    },
  },
};

/** The action for this command line when it is a hot path that needs no commander, else undefined. */
export function hotPath(argv: readonly string[]): Action | undefined {
  let rootDebug = false;
  let at = 0;
  for (; argv[at] === "--debug"; at++) rootDebug = true;
  const name = argv[at];
  const command = name !== undefined && Object.hasOwn(HOT_COMMANDS, name) ? HOT_COMMANDS[name as HotCommandName] : undefined;
  if (!command) return undefined;
  const args = argv.slice(at + 1);
  const split = command.passThrough ? passThroughAt(args, command.flags) : args.length;
  const parsed = parseFlags(args.slice(0, split), command.flags);
  if (!parsed) return undefined;
  if (command.passThrough) {
    if (parsed.positionals.length > 0) return undefined;
    parsed.positionals = args.slice(args[split] === "--" ? split + 1 : split);
  }
  const action = command.action(parsed.values, parsed.positionals);
  if (!action) return undefined;
  const { values } = parsed;
  return async (deps) => {
    // What cli.ts's preAction hook does on the full path.
    if (rootDebug || values.debug === true) deps.debug.enable();
    if (typeof values.profile === "string") deps.scope.profile = values.profile;
    if (typeof values["config-file"] === "string") deps.scope.configFile = values["config-file"];
    await action(deps);
  };
}

/** Where the command's own arguments start: at `--`, or at the first argument that is neither a flag nor a flag's value. */
function passThroughAt(args: readonly string[], flags: HotCommand["flags"]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--" || !arg.startsWith("-")) return i;
    if (!arg.includes("=") && flags[arg.replace(/^--/, "")] === "string") i++;
  }
  return args.length;
}

/**
 * The long flags in `args` as Node's parseArgs reads them with `strict: true` and positionals allowed
 * (and --debug), or undefined where it would throw: an unknown or short flag, a missing value, a value
 * that looks like a flag, a value given to a boolean.
 */
export function parseFlags(args: readonly string[], flags: HotCommand["flags"]): { values: Values; positionals: string[] } | undefined {
  const values: Values = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) return undefined;
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const kind = name === "debug" ? "boolean" : Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (kind === undefined) return undefined;
    if (kind === "boolean") {
      if (equals !== -1) return undefined;
      values[name] = true;
      continue;
    }
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1);
    if (value === undefined || (equals === -1 && value.length > 1 && value.startsWith("-"))) return undefined;
    values[name] = value;
  }
  return { values, positionals };
}
