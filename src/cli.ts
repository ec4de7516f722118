/** The command tree. Commander is told never to exit or print on its own: main.ts decides both. */
import { Command, Option } from "commander";
import type { Deps } from "./deps.js";
import { VERSION } from "./version.js";

type CommandFactory = (deps: Deps, program: Command) => Command;

/** Commands take `(deps, run?)`; only completion also needs the tree, so the others get deps alone. */
function depsOnly(load: () => Promise<(deps: Deps) => Command>): () => Promise<CommandFactory> {
  return async () => {
    const factory = await load();
    return (deps) => factory(deps);
  };
}

/**
 * Each command's module is loaded only when the command line needs it: a warm `export-credentials`,
 * which SDKs run at every client start through credential_process, pays for its own module and not
 * for the wizard's or populate's.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<CommandFactory>]> = [
  ["configure", depsOnly(async () => (await import("./commands/configure.js")).configureCommand)],
  ["login", depsOnly(async () => (await import("./commands/login.js")).loginCommand)],
  ["logout", depsOnly(async () => (await import("./commands/logout.js")).logoutCommand)],
  ["status", depsOnly(async () => (await import("./commands/status.js")).statusCommand)],
  ["export-credentials", depsOnly(async () => (await import("./commands/export-credentials.js")).exportCredentialsCommand)],
  ["exec", depsOnly(async () => (await import("./commands/exec.js")).execCommand)],
  ["list", depsOnly(async () => (await import("./commands/list.js")).listCommand)],
  ["populate", depsOnly(async () => (await import("./commands/populate.js")).populateCommand)],
  ["console", depsOnly(async () => (await import("./commands/console.js")).consoleCommand)],
  ["credentials", depsOnly(async () => (await import("./commands/credentials.js")).credentialsCommand)],
  ["completion", async () => (await import("./commands/completion.js")).completionCommand],
];

/** The command a line runs, when that is plain: the first word, after any root --debug. */
function invokedCommand(argv: readonly string[]): string | undefined {
  const first = argv.find((arg) => arg !== "--debug");
  return first === undefined || first.startsWith("-") ? undefined : first;
}

/**
 * The whole tree, or with `argv` only the command that line runs. Root help, `help <command>`,
 * completion scripts and suggestions for a mistyped command need the whole tree, so anything else
 * than a known command's name gets it.
 */
export async function buildProgram(deps: Deps, argv?: readonly string[]): Promise<Command> {
  const program = new Command("sso-setup")
    .description("Set up and keep alive AWS IAM Identity Center (AWS SSO) access for the AWS CLI and every AWS SDK")
    .version(VERSION, "-v, --version")
    .option("--debug", "log each API call and file write to stderr, secrets redacted (also after the command; or SSO_SETUP_DEBUG=1)")
    .showSuggestionAfterError(true)
    // `configure sso-session --sso-session x`: the subcommand's flags must not be taken by its parent.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (text) => deps.io.out.write(text),
      writeErr: (text) => deps.io.err.write(text),
    });
  const invoked = argv ? invokedCommand(argv) : undefined;
  const single = invoked !== "completion" && COMMANDS.some(([name]) => name === invoked) ? invoked : undefined;
  const factories = await Promise.all(COMMANDS.filter(([name]) => !single || name === single).map(([, load]) => load()));
  for (const factory of factories) program.addCommand(factory(deps, program));

  // exitOverride must be set on every command, not only the root, or commander exits by itself.
  const override = (command: Command) => {
    // Positional options make the root's --debug valid only before the command; each command takes it
    // too, hidden so that its help and completions stay about its own flags.
    if (command !== program) command.addOption(new Option("--debug").hideHelp());
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => deps.io.out.write(text),
      writeErr: (text) => deps.io.err.write(text),
    });
    command.commands.forEach(override);
  };
  override(program);

  // Before any action: switch on --debug, and record where the command works for the network
  // settings read from the config (ca_bundle of its profile).
  program.hook("preAction", (_root, action) => {
    if (action.optsWithGlobals<{ debug?: boolean }>().debug) deps.debug.enable();
    const { profile, configFile } = action.opts<{ profile?: unknown; configFile?: unknown }>();
    if (typeof profile === "string") deps.scope.profile = profile;
    if (typeof configFile === "string") deps.scope.configFile = configFile;
  });
  return program;
}
