import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { resolveTarget } from "../config/sso-target.js";
import type { Deps } from "../deps.js";
import { FlowError, ServiceError, UsageError } from "../errors.js";
import { awsPaths, type AwsPaths } from "../config/paths.js";
import { JsonFileCache } from "../config/json-cache.js";
import type { SsoTarget } from "../sso/login-flow.js";
import { describeSignIn, LoginRequiredError, loginCommandFor } from "../sso/login-required.js";
import { isFresh, tokenCacheKey } from "../sso/token.js";
import { messages } from "../ui/messages.js";
import { authorize, usableToken } from "./shared/authorize.js";
import { epilogue } from "../ui/help-text.js";

export interface LoginOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  noBrowser: boolean;
  useDeviceCode: boolean;
  /** Sign in only when the cached token cannot serve 15 more minutes, even after a refresh. */
  ifNeeded: boolean;
  /** End the current session at the service first, so the sign-in starts a new one. */
  newSession: boolean;
  configFile: string | undefined;
}

interface LoginFlags {
  profile?: string;
  ssoSession?: string;
  browser: boolean;
  useDeviceCode?: boolean;
  ifNeeded?: boolean;
  newSession?: boolean;
  configFile?: string;
}

export function loginCommand(deps: Deps, run: (opts: LoginOptions, deps: Deps) => Promise<void> = runLogin): Command {
  return new Command("login")
    .description("Sign in again to an IAM Identity Center session and cache a fresh access token")
    .option("--profile <name>", "the profile whose SSO session to sign in to (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--sso-session <name>", "the [sso-session] to sign in to, instead of a profile's")
    .option("--no-browser", "print the URL (and code) instead of opening a browser")
    .option("--use-device-code", "sign in with the device code flow instead of the browser redirect (authorization code + PKCE)")
    .option("--if-needed", "do nothing (one line, exit 0) while the cached token is valid for 15 more minutes or can be refreshed")
    .option("--new-session", "end the current session at the service first, so the sign-in starts a new one (new permission sets, a new session clock)")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Runs a new authorization, like \`aws sso login\`, unless --if-needed finds the cached token still good
(for shell start-up files and scripts). A new authorization continues the portal's browser session
while it lasts; --new-session calls the portal's Logout first, so newly assigned permission sets
appear and the session's duration starts again. The token is cached in ~/.aws/sso/cache,
where the AWS CLI and every SDK find it. An sso-session signs in with the authorization-code flow
(PKCE; the browser returns to a listener on 127.0.0.1) unless --use-device-code is given or no local
browser can reach that listener (CI, SSH without a display, containers); legacy profiles always use
the device code flow, and so does an sso-session with \`sso_use_device_code = true\`. Concurrent
sign-ins to one session run once: the others wait and share it.

Examples:
  sso-setup login --profile dev
  sso-setup login --sso-session my-sso --no-browser
  sso-setup login --profile dev --if-needed
  sso-setup login --sso-session my-sso --new-session`),
    )
    .action(async (flags: LoginFlags) => {
      if (flags.profile && flags.ssoSession) throw new UsageError("Use either --profile or --sso-session, not both.");
      if (flags.ifNeeded && flags.newSession) {
        throw new UsageError("--if-needed keeps a session that is still good and --new-session ends it: use one of them.");
      }
      await run(
        {
          profile: flags.profile,
          ssoSession: flags.ssoSession,
          noBrowser: !flags.browser,
          useDeviceCode: Boolean(flags.useDeviceCode),
          ifNeeded: Boolean(flags.ifNeeded),
          newSession: Boolean(flags.newSession),
          configFile: flags.configFile,
        },
        deps,
      );
    });
}

export async function runLogin(opts: LoginOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const { target, profileName } = resolveTarget(config, { profile: opts.profile, ssoSession: opts.ssoSession }, deps.env);
  if (opts.ifNeeded) {
    const expiresAt = await goodForAWhile(deps, paths, target, loginCommandFor({ profileName, sessionName: target.sessionName }));
    if (expiresAt) {
      deps.io.err.write(messages.stillSignedIn(describeSignIn(target), expiresAt));
      return;
    }
  }
  if (opts.newSession) await endCurrentSession(deps, paths, target);
  await authorize(deps, paths, target, { force: true, noBrowser: opts.noBrowser, useDeviceCode: opts.useDeviceCode });
  deps.io.err.write(messages.loggedIn(target.startUrl));
}

/** The expiry of a token that serves 15 more minutes (after a refresh, if one was needed), else undefined. */
async function goodForAWhile(deps: Deps, paths: AwsPaths, target: SsoTarget, loginCommand: string): Promise<string | undefined> {
  try {
    const token = await usableToken(deps, paths, target, loginCommand);
    return isFresh(token.expiresAt, deps.clock.now()) ? token.expiresAt : undefined;
  } catch (error) {
    if (error instanceof LoginRequiredError) return undefined;
    throw error;
  }
}

/**
 * A sign-in while the portal's browser session lives continues that session: same permission sets,
 * same end time (aws-cli#9041). Logout ends it at the service; the dead token file goes too, so a
 * sign-in that is then cancelled leaves nothing that looks valid.
 */
async function endCurrentSession(deps: Deps, paths: AwsPaths, target: SsoTarget): Promise<void> {
  const { endSession } = await import("./logout.js");
  const ssoCache = new JsonFileCache(deps.fs, paths.ssoCacheDir);
  const key = tokenCacheKey(target);
  const ending = await endSession(await ssoCache.read(key), target.region, deps);
  const what = describeSignIn(target);
  if (typeof ending === "object") {
    const text = messages.newSessionFailed(what, ending.failed.message.trim());
    throw ending.failed instanceof ServiceError ? new ServiceError(text, ending.failed.code, { cause: ending.failed }) : new FlowError(text, { cause: ending.failed });
  }
  await ssoCache.remove(key);
  deps.io.err.write(messages.sessionEnded(what, ending === "ended"));
}
