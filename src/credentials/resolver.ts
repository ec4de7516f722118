/**
 * The one credential resolver: export-credentials, exec, console and the credentials file all get a
 * profile's credentials here, so they agree on which profile, which cache and when to sign in.
 */
import { AwsConfig } from "../config/aws-config.js";
import { JsonFileCache } from "../config/json-cache.js";
import type { AwsPaths } from "../config/paths.js";
import { profileFromEnv } from "../config/sso-target.js";
import { resolveSsoProfile, type SsoProfile } from "../config/sso-profiles.js";
import type { Deps } from "../deps.js";
import { ApiError } from "../sso/clients.js";
import { LoginRequiredError, loginCommandFor } from "../sso/login-required.js";
import { messages } from "../ui/messages.js";
import { authorize, awsPaths, usableToken } from "../commands/shared/authorize.js";
import type { Credentials } from "./formatters.js";
import { assertValidCredentials } from "./validate.js";
import { roleCacheEntry, roleCredentialsCacheKey, usableCachedCredentials } from "./role-cache.js";

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
 * The fast path reads two small files (the config and the cached credentials) and loads neither the
 * AWS SDK nor the prompt library: SDKs run credential_process at every client start.
 */
export async function resolveCredentials(opts: ResolveOptions, deps: Deps): Promise<ResolvedCredentials> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const profileName = profileFromEnv(opts.profile, deps.env) ?? "default";
  const profile = resolveSsoProfile(config, profileName);
  const credentials = await ssoRoleCredentials(profile, paths, opts, deps);
  return { profileName, credentials, region: config.profile(profileName)?.region, kind: "sso", sso: profile };
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
  try {
    return (await usableToken(deps, paths, profile.target, loginCommand)).accessToken;
  } catch (error) {
    if (!(error instanceof LoginRequiredError) || !allowSignIn || !(deps.io.stdinIsTTY && deps.io.stderrIsTTY)) throw error;
    deps.io.err.write(messages.signingInNow(error.reason));
    return (await authorize(deps, paths, profile.target, { force: false, noBrowser: false, useDeviceCode: false })).token.accessToken;
  }
}
