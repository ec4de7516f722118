/**
 * A usable access token for commands that need one but must not start a sign-in on their own (list,
 * status, export-credentials): the cached token while it has 15 minutes left, else a refreshed one
 * (CreateToken with the refresh token, as botocore does for sso-sessions), else a clear request to
 * log in. The refreshed token is written back in the AWS CLI's format. A token the service refused
 * (it expired during a long listing) is replaced the same way, whatever the cache says of it.
 */
import type { JsonFileCache } from "../config/json-cache.js";
import type { Clock } from "../platform/clock.js";
import type { FileLocker } from "../platform/lock.js";
import { ApiError, type SsoApiFactory } from "./clients.js";
import { describeSignIn, LoginRequiredError, noUsableTokenReason } from "./login-required.js";
import type { SsoTarget } from "./login-flow.js";
import { singleFlight } from "./single-flight.js";
import { type CachedToken, formatTimestamp, isFresh, parseTimestamp, tokenCacheKey } from "./token.js";

// They were born here; commands that need nothing else import them from the small module.
export { LoginRequiredError, loginCommandFor } from "./login-required.js";

export interface TokenProviderDeps {
  clock: Clock;
  ssoCache: JsonFileCache;
  ssoApis: SsoApiFactory;
  locker: FileLocker;
  signal?: AbortSignal | undefined;
  /** Called once when another process holds the session (signing in or refreshing) and this one waits. */
  onWaitForOther?: (() => void) | undefined;
}

export type TokenState =
  | { kind: "missing" }
  | { kind: "fresh"; token: CachedToken }
  | { kind: "expiring"; token: CachedToken; refreshable: boolean }
  | { kind: "expired"; token: CachedToken; refreshable: boolean; refused?: boolean };

function asToken(raw: Record<string, unknown> | null): CachedToken | null {
  if (!raw || typeof raw.accessToken !== "string" || !raw.accessToken) return null;
  return raw as unknown as CachedToken;
}

/** Refreshing needs a refresh token and a client registration that has not expired. */
export function canRefresh(token: CachedToken, now: number): boolean {
  return Boolean(
    token.refreshToken &&
      token.clientId &&
      token.clientSecret &&
      parseTimestamp(token.registrationExpiresAt) > now,
  );
}

export function classifyToken(raw: Record<string, unknown> | null, now: number): TokenState {
  const token = asToken(raw);
  if (!token) return { kind: "missing" };
  if (isFresh(token.expiresAt, now)) return { kind: "fresh", token };
  const refreshable = canRefresh(token, now);
  const expiry = parseTimestamp(token.expiresAt);
  return Number.isFinite(expiry) && expiry > now ? { kind: "expiring", token, refreshable } : { kind: "expired", token, refreshable };
}

export async function refreshToken(target: SsoTarget, token: CachedToken, deps: TokenProviderDeps): Promise<CachedToken> {
  const apis = await deps.ssoApis(target.region);
  const response = await apis.oidc.createToken({
    clientId: token.clientId!,
    clientSecret: token.clientSecret!,
    grantType: "refresh_token",
    refreshToken: token.refreshToken!,
  });
  // botocore drops the refresh token when the answer has none; keeping the old one means the next
  // refresh can still work when the service does not rotate refresh tokens.
  const refreshed: CachedToken = {
    startUrl: target.startUrl,
    region: target.region,
    accessToken: response.accessToken,
    expiresAt: formatTimestamp(deps.clock.now() + response.expiresIn * 1000),
    clientId: token.clientId!,
    clientSecret: token.clientSecret!,
    registrationExpiresAt: token.registrationExpiresAt!,
    refreshToken: response.refreshToken ?? token.refreshToken!,
  };
  await deps.ssoCache.write(tokenCacheKey(target), { ...refreshed });
  return refreshed;
}

/**
 * The service's word beats the date in the cache: the access token it refused counts as expired, so
 * that it is refreshed, and a waiting process does not take it for the token it waits for.
 */
function unlessRefused(state: TokenState, refused: string | undefined, now: number): TokenState {
  if (refused === undefined || state.kind === "missing" || state.token.accessToken !== refused) return state;
  return { kind: "expired", token: state.token, refreshable: canRefresh(state.token, now), refused: true };
}

/**
 * `refused` is an access token the service answered UnauthorizedException to: it is replaced even
 * though the cache says it has time left, unless the cache already holds another one (a refresh by
 * another process, or by this one for another caller).
 */
export async function getUsableToken(
  target: SsoTarget,
  loginCommand: string,
  deps: TokenProviderDeps,
  refused?: string,
): Promise<CachedToken> {
  const key = tokenCacheKey(target);
  const classify = async () => {
    const now = deps.clock.now();
    return unlessRefused(classifyToken(await deps.ssoCache.read(key), now), refused, now);
  };
  const state = await classify();
  if (state.kind === "fresh") return state.token;
  if (state.kind === "expiring" && !state.refreshable) return state.token;

  // Everything else happens holding the session's lock: a refresh token may work only once (the
  // service rotates them), so concurrent refreshes would invalidate each other; and when another
  // process is signing in to this session right now, its token is worth waiting for.
  await deps.ssoCache.ensureDir();
  return singleFlight(
    {
      file: deps.ssoCache.fileFor(key),
      onWait: deps.onWaitForOther,
      ready: async () => {
        const now = await classify();
        return now.kind === "fresh" ? now.token : undefined;
      },
      run: async () => resolveToken(target, await classify(), loginCommand, deps),
    },
    deps,
  );
}

async function resolveToken(target: SsoTarget, state: TokenState, loginCommand: string, deps: TokenProviderDeps): Promise<CachedToken> {
  if (state.kind === "fresh") return state.token;
  const what = describeSignIn(target);
  if (state.kind === "missing") throw new LoginRequiredError(noUsableTokenReason(what, false), loginCommand, { neverSignedIn: true });
  const refused = state.kind === "expired" && state.refused === true;
  const lapsed = refused ? `The cached SSO token for ${what} was refused by the portal (UnauthorizedException)` : `The SSO token for ${what} has expired`;

  if (state.refreshable) {
    try {
      return await refreshToken(target, state.token, deps);
    } catch (error) {
      // A refresh the service refuses (revoked session, expired refresh token) is not fatal while
      // the old token still works; anything else, such as a network failure, is reported as is.
      if (!(error instanceof ApiError)) throw error;
      if (state.kind === "expiring") return state.token;
      throw new LoginRequiredError(`${lapsed} and could not be refreshed (${error.code}).`, loginCommand);
    }
  }
  if (state.kind === "expiring") return state.token;
  throw new LoginRequiredError(`${lapsed}${refused ? " and cannot be refreshed" : ""}.`, loginCommand);
}
