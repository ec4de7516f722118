/**
 * `exec`'s action, apart from its flags (commands/exec.ts) because it wraps every command a person
 * runs with credentials: hot-paths.ts runs it without loading commander.
 */
import * as path from "node:path";
import { AwsConfig } from "../config/aws-config.js";
import type { CredentialEndpoint } from "../credentials/container-endpoint.js";
import type { Credentials } from "../credentials/formatters.js";
import { resolveCredentials } from "../credentials/resolver.js";
import type { Deps } from "../deps.js";
import { ExitWith, UsageError } from "../errors.js";
import { formatTimestamp } from "../sso/token.js";
import { awsPaths } from "../config/paths.js";

export interface ExecOptions {
  profile: string | undefined;
  region: string | undefined;
  server: boolean;
  configFile: string | undefined;
  /** The command and its arguments; empty for the user's shell. */
  command: string[];
}

export async function runExec(opts: ExecOptions, deps: Deps): Promise<void> {
  const outer = deps.env.SSO_SETUP_PROFILE;
  if (outer) {
    // Stacked sessions are a classic: the inner keys win silently and nobody knows which account a
    // command ran in.
    throw new UsageError(
      `This shell is already inside "sso-setup exec" for profile "${outer}" (SSO_SETUP_PROFILE is set). Leave it first with "exit", or run "unset SSO_SETUP_PROFILE" to exec inside it anyway.`,
    );
  }
  const resolved = await resolveCredentials({ profile: opts.profile, configFile: opts.configFile, allowSignIn: true }, deps);
  const [file, ...args] = opts.command.length > 0 ? opts.command : [defaultShell(deps.env)];
  let endpoint: CredentialEndpoint | undefined;
  if (opts.server) {
    if (resolved.profileName !== "default") await warnIfDefaultShadows(opts.configFile, deps);
    // Loaded only here: its server and token generator are no part of a plain exec.
    const { startCredentialEndpoint } = await import("../credentials/container-endpoint.js");
    endpoint = await startCredentialEndpoint({ profileName: resolved.profileName, configFile: opts.configFile }, deps);
  }
  let outcome;
  try {
    const env = childEnvironment(deps.env, {
      profileName: resolved.profileName,
      region: opts.region ?? resolved.region,
      accountId: resolved.sso?.accountId,
      credentials: endpoint ? { endpoint } : { keys: resolved.credentials },
    });
    outcome = await deps.children.run(file!, args, env);
  } finally {
    await endpoint?.close();
  }
  if (!outcome.started) {
    const what =
      outcome.reason === "not-found"
        ? "command not found"
        : outcome.detail === "EACCES"
          ? "permission denied (not an executable file)"
          : `cannot be run (${outcome.detail})`;
    deps.io.err.write(`sso-setup: ${JSON.stringify(file)}: ${what}\n`);
    throw new ExitWith(outcome.reason === "not-found" ? 127 : 126);
  }
  if (outcome.exitCode !== 0) throw new ExitWith(outcome.exitCode);
}

/** Keys that give a profile credentials of its own. */
const CREDENTIAL_KEYS = ["aws_access_key_id", "sso_session", "sso_start_url", "credential_process", "role_arn", "web_identity_token_file"];

/**
 * Every SDK's default chain reads a `[default]` profile with credentials before it asks the container
 * endpoint (daily-use.md §2.2): the command would quietly run as [default], without refreshes.
 */
async function warnIfDefaultShadows(configFile: string | undefined, deps: Deps): Promise<void> {
  const files = [awsPaths(deps, configFile).configFile, deps.env.AWS_SHARED_CREDENTIALS_FILE || path.join(deps.homedir, ".aws", "credentials")];
  for (const file of files) {
    const profile = (await AwsConfig.load(deps.fs, file).catch(() => undefined))?.profile("default");
    if (profile && CREDENTIAL_KEYS.some((key) => profile[key])) {
      deps.io.err.write(
        `sso-setup: warning: [default] in ${file} has credentials of its own, and SDKs use them before the --server endpoint; remove or rename it, or run exec without --server.\n`,
      );
      return;
    }
  }
}

/** `$SHELL`, else the Windows command interpreter, else /bin/sh. */
function defaultShell(env: Readonly<Record<string, string | undefined>>): string {
  return env.SHELL || env.ComSpec || env.COMSPEC || "/bin/sh";
}

export interface ChildCredentials {
  profileName: string;
  region: string | undefined;
  accountId: string | undefined;
  credentials: { keys: Credentials } | { endpoint: Pick<CredentialEndpoint, "url" | "token"> };
}

/**
 * Each of these makes some SDK ignore or override the keys we set (daily-use.md §2.2): the JS SDK
 * skips environment keys when AWS_PROFILE is set; botocore reads AWS_SECURITY_TOKEN before
 * AWS_SESSION_TOKEN and a container token file before the token; web identity and container
 * settings name other credentials altogether.
 */
const REMOVED = new Set([
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SECURITY_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  // Ours replace them; in --server mode, any left over would shadow the endpoint.
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_ACCOUNT_ID",
]);
const REMOVED_PREFIX = "AWS_CONTAINER_CREDENTIALS_";

/** The command's environment: the parent's, without what would shadow our credentials, with them. */
export function childEnvironment(parent: Readonly<Record<string, string | undefined>>, child: ChildCredentials): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    // Upper-cased: Windows environment names are case-insensitive.
    const upper = name.toUpperCase();
    if (value === undefined || REMOVED.has(upper) || upper.startsWith(REMOVED_PREFIX)) continue;
    env[name] = value;
  }
  if ("keys" in child.credentials) {
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = child.credentials.keys;
    env.AWS_ACCESS_KEY_ID = accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
    if (sessionToken) env.AWS_SESSION_TOKEN = sessionToken;
    if (expiration !== undefined) env.AWS_CREDENTIAL_EXPIRATION = formatTimestamp(expiration);
  } else {
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI = child.credentials.endpoint.url;
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN = child.credentials.endpoint.token;
  }
  // Endpoints that embed the account (DynamoDB) must not route to the account of another session.
  if (child.accountId) env.AWS_ACCOUNT_ID = child.accountId;
  if (child.region) {
    // boto3 and older tools read AWS_DEFAULT_REGION, the JS SDK and newer ones AWS_REGION.
    env.AWS_REGION = child.region;
    env.AWS_DEFAULT_REGION = child.region;
  }
  env.SSO_SETUP_PROFILE = child.profileName;
  return env;
}
