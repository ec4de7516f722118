/**
 * The one credential resolver: export-credentials, exec, console and the credentials file all get a
 * profile's credentials here, so they agree on which profile, which cache and when to sign in.
 */
import * as path from "node:path";
import { AwsConfig } from "../config/aws-config.js";
import { JsonFileCache } from "../config/json-cache.js";
import { awsPaths, type AwsPaths } from "../config/paths.js";
import { profileFromEnv } from "../config/sso-target.js";
import { resolveSsoProfile, type SsoProfile } from "../config/sso-profiles.js";
import type { Deps } from "../deps.js";
import { ConfigError, ServiceError } from "../errors.js";
import { ApiError } from "../sso/clients.js";
import { LoginRequiredError, loginCommandFor } from "../sso/login-required.js";
import type { Credentials } from "./formatters.js";
import { parseCredentialsFile, planChain, type ChainPlan, type RoleHop } from "./role-chain.js";
import { assumeRoleCacheEntry, assumeRoleCacheKey, roleCacheEntry, roleCredentialsCacheKey, usableCachedCredentials } from "./role-cache.js";
import { assertValidCredentials } from "./validate.js";

export interface ResolveOptions {
  /** The --profile flag; AWS_PROFILE, AWS_DEFAULT_PROFILE and then `default` stand in for it. */
  profile: string | undefined;
  configFile: string | undefined;
  /**
   * May a person at a terminal be signed in when no token is usable? Never for calls that serve
   * credentials to a running child (exec --server): those report LoginRequiredError instead.
   */
  allowSignIn: boolean;
}

export interface ResolvedCredentials {
  /** The profile that was resolved (after the flag / environment / default fallback). */
  profileName: string;
  credentials: Credentials;
  /** The profile's `region`, when it has one. */
  region: string | undefined;
  /** How the final credentials were obtained. */
  kind: "sso" | "assume-role" | "static";
  /** The SSO profile when the final credentials are its role credentials (not a chain on top of it). */
  sso?: SsoProfile | undefined;
}

/**
 * AssumeRole of one hop of a role chain failed at the service: the service's words, with the
 * profile and role they are about. Exit 254 (every command that produces credentials keeps it).
 */
export class AssumeRoleError extends ServiceError {
  constructor(hop: RoleHop, cause: ApiError) {
    super(`Could not assume role ${hop.roleArn} for profile "${hop.profileName}": ${cause.message}`, cause.code, { cause });
  }
}

/**
 * The fast path reads two small files (the config and the cached credentials) and loads neither the
 * AWS SDK nor the prompt library: SDKs run credential_process at every client start. A role-chained
 * profile's fast path is the same: its cached AssumeRole result.
 */
export async function resolveCredentials(opts: ResolveOptions, deps: Deps): Promise<ResolvedCredentials> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const profileName = profileFromEnv(opts.profile, deps.env) ?? "default";
  const region = config.profile(profileName)?.region;
  const plain = config.profile(profileName);
  // An SSO profile without role_arn never looks at the credentials file: SSO comes first in botocore.
  if (plain && !plain.role_arn && (plain.sso_account_id || plain.sso_role_name)) {
    const profile = resolveSsoProfile(config, profileName);
    return { profileName, credentials: await ssoRoleCredentials(profile, paths, opts, deps), region, kind: "sso", sso: profile };
  }
  const plan = planChain(config, await readCredentialsFile(deps), profileName);
  const chain = new ChainResolver(plan, paths, opts, deps, region);
  const credentials = await chain.credentials();
  if (plan.hops.length > 0) return { profileName, credentials, region, kind: "assume-role" };
  return plan.root.kind === "sso"
    ? { profileName, credentials, region, kind: "sso", sso: plan.root.profile }
    : { profileName, credentials, region, kind: "static" };
}

async function readCredentialsFile(deps: Deps): Promise<Map<string, Readonly<Record<string, string>>>> {
  const configured = deps.env.AWS_SHARED_CREDENTIALS_FILE || undefined;
  const file = configured ? path.resolve(configured.replace(/^~(?=$|[\\/])/, deps.homedir)) : path.join(deps.homedir, ".aws", "credentials");
  let text: string | null;
  try {
    text = await deps.fs.readText(file);
  } catch (error) {
    throw new ConfigError(`Unable to read the credentials file ${file} (${(error as NodeJS.ErrnoException).code ?? "error"}).`, { cause: error });
  }
  try {
    return parseCredentialsFile(text ?? "");
  } catch (error) {
    throw new ConfigError(`Unable to parse the credentials file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Walks a planned chain from the top: each hop's result is taken from ~/.aws/cli/cache while it has
 * 15 minutes left (the AWS CLI's key, so either tool's entry serves both), else assumed with the
 * credentials of the hop below, and cached once STS has answered. Nothing is written on failure.
 */
class ChainResolver {
  private readonly cliCache: JsonFileCache;

  constructor(
    private readonly plan: ChainPlan,
    private readonly paths: AwsPaths,
    private readonly opts: ResolveOptions,
    private readonly deps: Deps,
    private readonly topRegion: string | undefined,
  ) {
    this.cliCache = new JsonFileCache(deps.fs, paths.cliCacheDir);
  }

  credentials(): Promise<Credentials> {
    return this.upTo(this.plan.hops.length - 1);
  }

  /** The credentials of hop `index` (-1: the root). */
  private async upTo(index: number): Promise<Credentials> {
    const hop = this.plan.hops[index];
    if (!hop) {
      const root = this.plan.root;
      return root.kind === "static" ? root.credentials : ssoRoleCredentials(root.profile, this.paths, this.opts, this.deps);
    }
    const key = assumeRoleCacheKey(hop);
    const cached = usableCachedCredentials(await this.cliCache.read(key), this.deps.clock.now());
    if (cached) return cached;
    const { io } = this.deps;
    const canAsk = io.stdinIsTTY && io.stderrIsTTY;
    // Before any call: a chain that cannot finish should not sign in or assume the roles below it.
    if (hop.serialNumber && !canAsk) {
      throw new ConfigError(
        `The profile "${hop.profileName}" (role_arn ${hop.roleArn}) needs an MFA code for ${hop.serialNumber}, and there is no terminal to ask for it. Run "sso-setup export-credentials --profile ${hop.profileName}" in a terminal: the credentials are then cached and used without a code until they expire.`,
      );
    }
    const caller = await this.upTo(index - 1);
    const tokenCode = hop.serialNumber
      ? await this.deps.prompter.text({
          name: "mfaCode",
          message: `Enter MFA code for ${hop.serialNumber}:`,
          validate: (value) => /^\d{6}$/.test(value.trim()) || "The code has 6 digits.",
        })
      : undefined;
    const region = hop.region ?? this.topRegion ?? (this.deps.env.AWS_REGION || this.deps.env.AWS_DEFAULT_REGION || "us-east-1");
    const sts = await this.deps.stsApis(region);
    let assumed;
    try {
      assumed = await sts.assumeRole(
        {
          ...hop,
          // The AWS CLI's default session name; as there, it is not part of the cache key.
          roleSessionName: hop.roleSessionName ?? `botocore-session-${Math.floor(this.deps.clock.now() / 1000)}`,
          tokenCode: tokenCode?.trim(),
        },
        caller,
      );
    } catch (error) {
      throw error instanceof ApiError ? new AssumeRoleError(hop, error) : error;
    }
    // As for GetRoleCredentials: nothing AWS would not issue is cached, printed or handed on.
    assertValidCredentials(assumed.credentials, "AssumeRole");
    await this.cliCache.write(key, assumeRoleCacheEntry(assumed));
    return assumed.credentials;
  }
}

/** GetRoleCredentials through the AWS CLI's shared cache in ~/.aws/cli/cache. */
async function ssoRoleCredentials(profile: SsoProfile, paths: AwsPaths, opts: ResolveOptions, deps: Deps): Promise<Credentials> {
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
  const accessToken = await tokenFor(profile, paths, loginCommand, opts.allowSignIn, deps);
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
  assertValidCredentials(role, "GetRoleCredentials");
  await cliCache.write(key, roleCacheEntry(role, profile.accountId));
  return role;
}

/**
 * A person at a terminal (stdin and stderr, which shows the URL) is signed in when no token is
 * usable; anyone else (credential_process, scripts, CI) gets exit 253 at once and no browser.
 * Either way a sign-in already running in another process is waited for, never duplicated.
 */
async function tokenFor(profile: SsoProfile, paths: AwsPaths, loginCommand: string, allowSignIn: boolean, deps: Deps): Promise<string> {
  // Loaded only now: the sign-in machinery is no part of a run that finds its credentials cached.
  const [{ authorize, usableToken }, { messages }] = await Promise.all([import("../commands/shared/authorize.js"), import("../ui/messages.js")]);
  try {
    return (await usableToken(deps, paths, profile.target, loginCommand)).accessToken;
  } catch (error) {
    if (!(error instanceof LoginRequiredError) || !allowSignIn || !(deps.io.stdinIsTTY && deps.io.stderrIsTTY)) throw error;
    deps.io.err.write(messages.signingInNow(error.reason));
    return (await authorize(deps, paths, profile.target, { force: false, noBrowser: false, useDeviceCode: false })).token.accessToken;
  }
}
