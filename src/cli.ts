/** The command tree. Commander is told never to exit or print on its own: main.ts decides both. */
import { Command, Option } from "commander";
import { completionCommand } from "./commands/completion.js";
import { configureCommand } from "./commands/configure.js";
import { listCommand } from "./commands/list.js";
import { populateCommand } from "./commands/populate.js";
import { exportCredentialsCommand } from "./commands/export-credentials.js";
import { loginCommand } from "./commands/login.js";
import { logoutCommand } from "./commands/logout.js";
import { statusCommand } from "./commands/status.js";
import type { Deps } from "./deps.js";
import { VERSION } from "./version.js";

export function buildProgram(deps: Deps): Command {
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
  program.addCommand(configureCommand(deps));
  program.addCommand(loginCommand(deps));
  program.addCommand(logoutCommand(deps));
  program.addCommand(statusCommand(deps));
  program.addCommand(exportCredentialsCommand(deps));
  program.addCommand(listCommand(deps));
  program.addCommand(populateCommand(deps));
  program.addCommand(completionCommand(deps, program));

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
