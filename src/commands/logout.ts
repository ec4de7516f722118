import * as path from "node:path";
import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { credentialsFilePath, removeOwnedSections } from "../config/credentials-file.js";
import { JsonFileCache } from "../config/json-cache.js";
import { awsPaths, type AwsPaths } from "../config/paths.js";
import { listSignIns, signInFor, type SsoSignIn } from "../config/sso-profiles.js";
import { resolveTarget } from "../config/sso-target.js";
import { roleCredentialsCacheKey } from "../credentials/role-cache.js";
import type { Deps } from "../deps.js";
import { FlowError, ServiceError, UsageError } from "../errors.js";
import { ApiError } from "../sso/clients.js";
import { describeSignIn } from "../sso/login-required.js";
import { classifyToken } from "../sso/token-provider.js";
import { tokenCacheKey } from "../sso/token.js";
import { messages } from "../ui/messages.js";
import { epilogue } from "../ui/help-text.js";

export interface LogoutOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  all: boolean;
  configFile: string | undefined;
}

export function logoutCommand(deps: Deps, run: (opts: LogoutOptions, deps: Deps) => Promise<void> = runLogout): Command {
  return new Command("logout")
    .description("End an SSO session at the service and remove its cached token and role credentials")
    .option("--profile <name>", "the profile whose SSO session to end (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--sso-session <name>", "the [sso-session] to end, instead of a profile's")
    .option("--all", "every cached SSO session, like `aws sso logout` (other tools' tokens included)")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
One session: calls the portal's Logout with its token (after a refresh, if the token has expired but
the session has not), deletes its token file from ~/.aws/sso/cache and the role credentials of every
profile that uses it from ~/.aws/cli/cache. Other sessions' and other tools' files are kept.

The local files are removed even when the service cannot be told: the exit status is then 254 (the
service refused) or 255 (it could not be reached), and the message says so.

Examples:
  sso-setup logout --profile dev
  sso-setup logout --sso-session corp
  sso-setup logout --all`),
    )
    .action(async (flags: { profile?: string; ssoSession?: string; all?: boolean; configFile?: string }) => {
      if (flags.profile && flags.ssoSession) throw new UsageError("Use either --profile or --sso-session, not both.");
      if (flags.all && (flags.profile || flags.ssoSession)) throw new UsageError("--all signs out of every session: leave out --profile and --sso-session.");
      await run({ profile: flags.profile, ssoSession: flags.ssoSession, all: Boolean(flags.all), configFile: flags.configFile }, deps);
    });
}

/** What the service said when asked to end a session. */
export type Ending = "ended" | "already-over" | "no-token" | { failed: Error };

/**
 * Ends the session the token belongs to. A token the service no longer accepts means the session is
 * already over. An expired token with a live refresh token is refreshed first: the session (and its
 * refresh token) would otherwise stay valid at the service for as long as it lasts.
 */
export async function endSession(raw: Record<string, unknown> | null, fallbackRegion: string | undefined, deps: Deps): Promise<Ending> {
  const state = classifyToken(raw, deps.clock.now());
  if (state.kind === "missing") return "no-token";
  const region = state.token.region ?? fallbackRegion;
  if (!region) return "already-over";
  try {
    const apis = await deps.ssoApis(region);
    let accessToken = state.token.accessToken;
    if (state.kind === "expired") {
      if (!state.refreshable) return "already-over";
      try {
        const t = state.token;
        accessToken = (
          await apis.oidc.createToken({ clientId: t.clientId!, clientSecret: t.clientSecret!, grantType: "refresh_token", refreshToken: t.refreshToken! })
        ).accessToken;
      } catch (error) {
        if (error instanceof ApiError) return "already-over";
        throw error;
      }
    }
    await apis.portal.logout({ accessToken });
    return "ended";
  } catch (error) {
    if (error instanceof ApiError && error.code === "UnauthorizedException") return "already-over";
    return { failed: error as Error };
  }
}

interface Failure {
  what: string;
  error: Error;
}

/** The local files are gone whatever happened; the exit status says whether the service knows. */
function throwIfFailed(failures: Failure[]): void {
  if (failures.length === 0) return;
  const text = failures.map((f) => messages.logoutServiceFailed(f.what, f.error.message.trim())).join("\n");
  const service = failures.find((f) => f.error instanceof ServiceError)?.error as ServiceError | undefined;
  if (service && failures.every((f) => f.error instanceof ServiceError)) throw new ServiceError(text, service.code);
  throw new FlowError(text);
}

export async function runLogout(opts: LogoutOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  if (opts.all) return logoutAll(paths, deps);

  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const { target } = resolveTarget(config, { profile: opts.profile, ssoSession: opts.ssoSession }, deps.env);
  const signIn: SsoSignIn = signInFor(listSignIns(config), target);
  const ssoCache = new JsonFileCache(deps.fs, paths.ssoCacheDir);
  const cliCache = new JsonFileCache(deps.fs, paths.cliCacheDir);
  const key = tokenCacheKey(target);

  const ending = await endSession(await ssoCache.read(key), target.region, deps);
  const tokenRemoved = await ssoCache.remove(key);
  let credentialsRemoved = 0;
  for (const profile of signIn.profiles) {
    if (!profile.accountId || !profile.roleName) continue;
    const roleKey = roleCredentialsCacheKey({
      accountId: profile.accountId,
      roleName: profile.roleName,
      sessionName: target.sessionName,
      startUrl: target.startUrl,
    });
    if (await cliCache.remove(roleKey)) credentialsRemoved += 1;
  }

  const what = describeSignIn(target);
  const failed = typeof ending === "object";
  deps.io.err.write(messages.loggedOut(what, { ended: ending === "ended", failed, tokenRemoved, credentialsRemoved }));
  const sessionProfiles = new Set(signIn.profiles.map((p) => p.name));
  await removeWrittenCredentials(deps, (profile) => leadsTo(config, profile, sessionProfiles));
  if (failed) throwIfFailed([{ what, error: ending.failed }]);
}

/**
 * `aws sso logout`: every token file in ~/.aws/sso/cache (whoever wrote it) and every SSO entry in
 * ~/.aws/cli/cache. Unlike the AWS CLI, a network failure does not stop the sweep half way.
 */
async function logoutAll(paths: AwsPaths, deps: Deps): Promise<void> {
  const ssoCache = new JsonFileCache(deps.fs, paths.ssoCacheDir);
  const cliCache = new JsonFileCache(deps.fs, paths.cliCacheDir);
  const failures: Failure[] = [];
  let ended = 0;
  let tokens = 0;
  for (const name of (await deps.fs.readdir(paths.ssoCacheDir)).sort()) {
    if (!name.endsWith(".json")) continue;
    const key = name.slice(0, -".json".length);
    const raw = await ssoCache.read(key);
    // Client registrations (no accessToken) are kept, as the AWS CLI keeps them.
    if (!raw || typeof raw.accessToken !== "string") continue;
    const ending = await endSession(raw, undefined, deps);
    if (ending === "ended") ended += 1;
    if (typeof ending === "object") {
      // A token file names its start URL, not its session.
      const startUrl = typeof raw.startUrl === "string" ? raw.startUrl : path.join(paths.ssoCacheDir, name);
      failures.push({ what: describeSignIn({ startUrl }), error: ending.failed });
    }
    if (await ssoCache.remove(key)) tokens += 1;
  }
  let credentials = 0;
  for (const name of await deps.fs.readdir(paths.cliCacheDir)) {
    if (!name.endsWith(".json")) continue;
    const key = name.slice(0, -".json".length);
    // Assume-role and other providers' entries stay.
    if ((await cliCache.read(key))?.ProviderType !== "sso") continue;
    if (await cliCache.remove(key)) credentials += 1;
  }
  deps.io.err.write(messages.loggedOutAll({ ended, tokens, credentials }));
  await removeWrittenCredentials(deps, () => true);
  throwIfFailed(failures);
}

/** Does the profile, or the profile its role chain starts from (source_profile), sign in through one of `profiles`? */
function leadsTo(config: AwsConfig, profile: string, profiles: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  for (let p: string | undefined = profile; p !== undefined && !seen.has(p); p = config.profile(p)?.source_profile) {
    if (profiles.has(p)) return true;
    seen.add(p);
  }
  return false;
}

/** Keys `credentials write` put in the credentials file from the sessions being ended go with them. */
async function removeWrittenCredentials(deps: Deps, writtenFrom: (profile: string) => boolean): Promise<void> {
  const file = credentialsFilePath(deps.env, deps.homedir);
  try {
    const removed = await removeOwnedSections(deps, file, writtenFrom);
    if (removed.length > 0) deps.io.err.write(`Removed ${removed.map((n) => `[${n}]`).join(", ")} from ${file} (written from this session).\n`);
  } catch (error) {
    deps.io.err.write(`The credentials file was left as it is: ${(error as Error).message}\n`);
  }
}
