import { Command, Option } from "commander";
import { CREDENTIAL_FORMATS, formatCredentials, type CredentialFormat, type Credentials } from "../credentials/formatters.js";
import { AssumeRoleError, resolveCredentials } from "../credentials/resolver.js";
import type { Deps } from "../deps.js";
import { CancelledError, ConfigError, ServiceError } from "../errors.js";

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
    .option("--profile <name>", "the profile: SSO, role-chained or static keys (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .addOption(new Option("--format <format>", "the output format").choices(CREDENTIAL_FORMATS).default("process"))
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      `
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
  credential_process = sso-setup export-credentials --profile dev --format process`,
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
    // The AWS CLI says 253 for every failure here; a role the service refused is its answer, not the
    // config's fault, and 254 lets a script tell a denied role from a broken profile.
    if (error instanceof AssumeRoleError) throw new ServiceError(`Unable to retrieve credentials: ${reason}`, error.code, { cause: error });
    throw new ConfigError(`Unable to retrieve credentials: ${reason}`, { cause: error });
  }
  deps.io.out.write(formatCredentials(credentials, opts.format));
}
