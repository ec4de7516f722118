import { Command, Option } from "commander";
import { CREDENTIAL_FORMATS, formatCredentials, type CredentialFormat, type Credentials } from "../credentials/formatters.js";
import { resolveCredentials } from "../credentials/resolver.js";
import type { Deps } from "../deps.js";
import { CancelledError, ConfigError } from "../errors.js";
import { epilogue } from "../ui/help-text.js";

export interface ExportCredentialsOptions {
  profile: string | undefined;
  format: CredentialFormat;
  configFile: string | undefined;
}

export function exportCredentialsCommand(
  deps: Deps,
  run: (opts: ExportCredentialsOptions, deps: Deps) => Promise<void> = runExportCredentials,
): Command {
  return new Command("export-credentials")
    .description("Print a profile's role credentials for other tools, or for credential_process")
    .option("--profile <name>", "the SSO profile (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .addOption(new Option("--format <format>", "the output format").choices(CREDENTIAL_FORMATS).default("process"))
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Formats are those of \`aws configure export-credentials\`: process (the credential_process JSON),
env, env-no-export, powershell, windows-cmd, fish. Credentials are cached in ~/.aws/cli/cache with the
AWS CLI's key and reused while they have 15 minutes left, so aws and sso-setup share them. The SSO
token is refreshed when needed. Without a usable token it fails (exit 253) naming the login command;
in a terminal it signs in instead. Only this command prints secrets, and only on stdout.

Examples:
  eval "$(sso-setup export-credentials --profile dev --format env)"
  # ~/.aws/config, for tools that read credential_process:
  [profile dev-process]
  credential_process = sso-setup export-credentials --profile dev`),
    )
    .action(async (flags: { profile?: string; format: CredentialFormat; configFile?: string }) => {
      await run({ profile: flags.profile, format: flags.format, configFile: flags.configFile }, deps);
    });
}

export async function runExportCredentials(opts: ExportCredentialsOptions, deps: Deps): Promise<void> {
  let credentials: Credentials;
  try {
    ({ credentials } = await resolveCredentials({ profile: opts.profile, configFile: opts.configFile, allowSignIn: true }, deps));
  } catch (error) {
    if (error instanceof CancelledError || deps.signal.aborted) throw error;
    // The AWS CLI's wording and exit code (253) for every failure of this command.
    const reason = error instanceof Error ? error.message.trim() : String(error);
    throw new ConfigError(`Unable to retrieve credentials: ${reason}`, { cause: error });
  }
  deps.io.out.write(formatCredentials(credentials, opts.format));
}
