/** The command tree. Commander is told never to exit or print on its own: main.ts decides both. */
import { Command } from "commander";
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
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => deps.io.out.write(text),
      writeErr: (text) => deps.io.err.write(text),
    });
    command.commands.forEach(override);
  };
  override(program);
  return program;
}
