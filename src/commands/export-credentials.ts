import { Command, Option } from "commander";
import { runExportCredentials, type ExportCredentialsOptions } from "../credentials/export.js";
import { CREDENTIAL_FORMATS, type CredentialFormat } from "../credentials/formatters.js";
import type { Deps } from "../deps.js";
import { epilogue } from "../ui/help-text.js";

export type { ExportCredentialsOptions };

export function exportCredentialsCommand(
  deps: Deps,
  run: (opts: ExportCredentialsOptions, deps: Deps) => Promise<void> = runExportCredentials,
): Command {
  return new Command("export-credentials")
    .description("Print a profile's role credentials for other tools, or for credential_process")
    .option("--profile <name>", "the profile: SSO, role-chained or static keys (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
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

A profile with role_arn and source_profile (a role chain on top of an SSO profile or static keys)
is resolved as the AWS CLI does: STS AssumeRole for each hop, the result cached in ~/.aws/cli/cache
under the AWS CLI's key. A refused AssumeRole exits 254.

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
