/**
 * What list and populate share: every account and role an sso-session's cached token can see, fetched
 * at the rate the portal allows, with a progress bar on a terminal. Never starts a sign-in: without
 * a usable token the command fails and names the login command.
 */
import type { Deps } from "../../deps.js";
import type { LimiterStats } from "../../sso/adaptive-limiter.js";
import { ApiError } from "../../sso/clients.js";
import type { SsoTarget } from "../../sso/login-flow.js";
import { fetchAccess, type AccountAccess, type FetchAccessOptions } from "../../sso/role-fetcher.js";
import { describeSignIn, LoginRequiredError } from "../../sso/login-required.js";
import { createProgressBar } from "../../ui/progress.js";
import { awsPaths, usableToken } from "./authorize.js";

export interface AccessListing {
  accounts: AccountAccess[];
  stats: LimiterStats;
  elapsedMs: number;
}

export async function listAccess(
  deps: Deps,
  target: SsoTarget,
  options: { configFile: string | undefined; loginCommand: string; wantRoles?: FetchAccessOptions["wantRoles"] },
): Promise<AccessListing> {
  const paths = awsPaths(deps, options.configFile);
  const token = await usableToken(deps, paths, target, options.loginCommand);
  const apis = await deps.ssoApis(target.region, { callerRetries: true });
  const bar = createProgressBar(deps.io, deps.clock);
  const started = deps.clock.now();
  try {
    const { accounts, stats } = await fetchAccess(apis.portal, token.accessToken, {
      clock: deps.clock,
      signal: deps.signal,
      wantRoles: options.wantRoles,
      onProgress: bar.visible ? (progress) => bar.update(progress) : undefined,
    });
    return { accounts, stats, elapsedMs: deps.clock.now() - started };
  } catch (error) {
    // The token looked valid but the portal refused it: revoked, or signed out elsewhere.
    if (error instanceof ApiError && error.code === "UnauthorizedException") {
      throw new LoginRequiredError(
        `The portal refused the cached SSO token for ${describeSignIn(target)} (${error.code}).`,
        options.loginCommand,
      );
    }
    throw error;
  } finally {
    bar.done();
  }
}
