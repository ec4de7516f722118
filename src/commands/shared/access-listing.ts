/**
 * What list and populate share: every account and role an sso-session's cached token can see, fetched
 * at the rate the portal allows, with a progress bar on a terminal. Never starts a sign-in: without
 * a usable token the command fails and names the login command.
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
      onProgress: (latest) => {
        progress = latest;
        if (bar.visible) bar.update(latest);
      },
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
    const howFar = describeProgress(progress);
    if (deps.signal.aborted) throw new CancelledError(`Cancelled with ${howFar}.`);
    // A 429 storm that outlasts every retry, an outage: nothing is written, and the message says how far it got.
    const stopped = (message: string) => `${message}\nThe listing stopped with ${howFar}; nothing was written.`;
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
