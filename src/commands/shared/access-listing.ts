/**
 * What list and populate share: every account and role an sso-session's cached token can see, fetched
 * at the rate the portal allows, with a progress bar on a terminal. Never starts a sign-in: without
 * a usable token the command fails and names the login command.
 *
 * A token that expires during a long (throttled) listing is refreshed with its refresh token, as any
 * command refreshes one, and the refused calls go again. It is not refreshed ahead of its expiry
 * during the run: the portal's refusal is what counts (a session can end early, a clock can be off),
 * the reactive refresh costs only the few calls in flight when it happens, and one way to renew is
 * one to trust. A token with less than 15 minutes left is refreshed before the listing starts.
 */
import type { Deps } from "../../deps.js";
import { CancelledError, FlowError, ServiceError } from "../../errors.js";
import type { LimiterStats } from "../../sso/adaptive-limiter.js";
import { ApiError } from "../../sso/clients.js";
import type { SsoTarget } from "../../sso/login-flow.js";
import { fetchAccess, type AccountAccess, type FetchAccessOptions, type FetchProgress } from "../../sso/role-fetcher.js";
import { describeSignIn, LoginRequiredError } from "../../sso/login-required.js";
import { createProgressBar } from "../../ui/progress.js";
import { usableToken } from "./authorize.js";
import { awsPaths } from "../../config/paths.js";

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
  // The refresh through the cross-process lock, written to the cache like any other.
  const renewToken = async (refused: string) => (await usableToken(deps, paths, target, options.loginCommand, refused)).accessToken;
  const apis = await deps.ssoApis(target.region, { callerRetries: true });
  const bar = createProgressBar(deps.io, deps.clock);
  const started = deps.clock.now();
  // Kept even with no bar to draw: a listing that stops says how far it got.
  let progress: FetchProgress | undefined;
  try {
    const { accounts, stats } = await fetchAccess(apis.portal, token.accessToken, {
      clock: deps.clock,
      signal: deps.signal,
      wantRoles: options.wantRoles,
      renewToken,
      onProgress: (latest) => {
        progress = latest;
        if (bar.visible) bar.update(latest);
      },
    });
    return { accounts, stats, elapsedMs: deps.clock.now() - started };
  } catch (error) {
    const howFar = describeProgress(progress);
    // A 429 storm that outlasts every retry, an outage, a token that cannot be refreshed: nothing is
    // written, and the message says how far it got.
    const stopped = (message: string) => `${message}\nThe listing stopped with ${howFar}; nothing was written.`;
    // Refused again right after a refresh: it did not help. (A refresh that failed is a LoginRequiredError.)
    if (error instanceof ApiError && error.code === "UnauthorizedException") {
      const reason = `The portal refused the cached SSO token for ${describeSignIn(target)} (${error.code}), even after refreshing it.`;
      throw new LoginRequiredError(stopped(reason), options.loginCommand);
    }
    if (error instanceof LoginRequiredError) throw new LoginRequiredError(stopped(error.reason), options.loginCommand);
    if (deps.signal.aborted) throw new CancelledError(`Cancelled with ${howFar}.`);
    if (error instanceof ServiceError) throw new ServiceError(stopped(error.message), error.code, { cause: error });
    if (error instanceof FlowError) throw new FlowError(stopped(error.message), { cause: error });
    throw error;
  } finally {
    bar.done();
  }
}

function describeProgress(p: FetchProgress | undefined): string {
  if (!p) return "no account listed yet";
  const total = p.listingComplete ? `${p.accountsToFetch}` : `at least ${p.accountsToFetch}`;
  return `the roles of ${p.accountsFetched} of ${total} accounts listed`;
}
