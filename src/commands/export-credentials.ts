import { Command, Option } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { JsonFileCache } from "../config/json-cache.js";
import { profileFromEnv } from "../config/sso-target.js";
import { resolveSsoProfile, type SsoProfile } from "../config/sso-profiles.js";
import { CREDENTIAL_FORMATS, formatCredentials, type CredentialFormat, type Credentials } from "../credentials/formatters.js";
import { roleCacheEntry, roleCredentialsCacheKey, usableCachedCredentials } from "../credentials/role-cache.js";
import type { Deps } from "../deps.js";
import { CancelledError, ConfigError } from "../errors.js";
import { ApiError } from "../sso/clients.js";
import { LoginRequiredError, loginCommandFor } from "../sso/login-required.js";
import type { AwsPaths } from "../config/paths.js";
import { messages } from "../ui/messages.js";
import { authorize, awsPaths, usableToken } from "./shared/authorize.js";

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
      `
Formats are those of \`aws configure export-credentials\`: process (the credential_process JSON),
env, env-no-export, powershell, windows-cmd, fish. Credentials are cached in ~/.aws/cli/cache with the
AWS CLI's key and reused while they have 15 minutes left, so aws and sso-setup share them. The SSO
token is refreshed when needed. Without a usable token it fails (exit 253) naming the login command;
in a terminal it signs in instead. Only this command prints secrets, and only on stdout.

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
    credentials = await retrieveCredentials(opts, deps);
  } catch (error) {
    if (error instanceof CancelledError || deps.signal.aborted) throw error;
    // The AWS CLI's wording and exit code (253) for every failure of this command.
    const reason = error instanceof Error ? error.message.trim() : String(error);
    throw new ConfigError(`Unable to retrieve credentials: ${reason}`, { cause: error });
  }
  deps.io.out.write(formatCredentials(credentials, opts.format));
}

/**
 * The fast path reads two small files (the config and the cached credentials) and loads neither the
 * AWS SDK nor the prompt library: SDKs run credential_process at every client start.
 */
async function retrieveCredentials(opts: ExportCredentialsOptions, deps: Deps): Promise<Credentials> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const profile = resolveSsoProfile(config, profileFromEnv(opts.profile, deps.env) ?? "default");
  const cliCache = new JsonFileCache(deps.fs, paths.cliCacheDir);
  const key = roleCredentialsCacheKey({
    accountId: profile.accountId,
    roleName: profile.roleName,
    sessionName: profile.target.sessionName,
    startUrl: profile.target.startUrl,
  });
  const cached = usableCachedCredentials(await cliCache.read(key), deps.clock.now());
  if (cached) return cached;

  const loginCommand = loginCommandFor({ profileName: profile.profileName });
  const accessToken = await tokenFor(profile, paths, loginCommand, deps);
  const apis = await deps.ssoApis(profile.target.region);
  let role;
  try {
    role = await apis.portal.getRoleCredentials({ accessToken, accountId: profile.accountId, roleName: profile.roleName });
  } catch (error) {
    if (error instanceof ApiError && error.code === "UnauthorizedException") {
      throw new LoginRequiredError("The SSO session associated with this profile has expired or is otherwise invalid.", loginCommand);
    }
    throw error;
  }
  await cliCache.write(key, roleCacheEntry(role, profile.accountId));
  return role;
}

/**
 * A person at a terminal (stdin and stderr, which shows the URL) is signed in when no token is
 * usable; anyone else (credential_process, scripts, CI) gets exit 253 at once and no browser.
 * Either way a sign-in already running in another process is waited for, never duplicated.
 */
async function tokenFor(profile: SsoProfile, paths: AwsPaths, loginCommand: string, deps: Deps): Promise<string> {
  try {
    return (await usableToken(deps, paths, profile.target, loginCommand)).accessToken;
  } catch (error) {
    if (!(error instanceof LoginRequiredError) || !(deps.io.stdinIsTTY && deps.io.stderrIsTTY)) throw error;
    deps.io.err.write(messages.signingInNow(error.reason));
    return (await authorize(deps, paths, profile.target, { force: false, noBrowser: false, useDeviceCode: false })).token.accessToken;
  }
}
