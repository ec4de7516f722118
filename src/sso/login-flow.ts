/**
 * Getting an SSO access token for a session: from the cache when it is fresh enough (and the caller
 * allows it), otherwise through a new authorization. Tokens and client registrations are cached in
 * the AWS CLI's files, so `aws` and sso-setup share both.
 */
import type { Clock } from "../platform/clock.js";
import type { JsonFileCache } from "../config/json-cache.js";
import type { DeviceAuthorization, OidcApi, SsoApiFactory } from "./clients.js";
import { pollForToken } from "./device-flow.js";
import {
  type CachedRegistration,
  type CachedToken,
  formatTimestamp,
  isFresh,
  registrationCacheKey,
  tokenCacheKey,
} from "./token.js";

/** What a login is for: an `[sso-session]`, or a legacy profile's start URL and region. */
export interface SsoTarget {
  sessionName?: string | undefined;
  startUrl: string;
  region: string;
  /** Parsed `sso_registration_scopes`; undefined when the session configures none. */
  scopes?: string[] | undefined;
}

export interface PendingAuthorization {
  verificationUri: string;
  verificationUriComplete: string;
  userCode: string;
}

export interface LoginDeps {
  clock: Clock;
  ssoCache: JsonFileCache;
  ssoApis: SsoApiFactory;
  signal?: AbortSignal | undefined;
}

export interface LoginOptions {
  /** Always run a new authorization, like `aws sso login`, even when a cached token is fresh. */
  force: boolean;
  onPending: (pending: PendingAuthorization) => Promise<void> | void;
}

export interface TokenResult {
  token: CachedToken;
  /** True when the cached token was used and nobody had to authorize anything. */
  reused: boolean;
}

export function readFreshToken(raw: Record<string, unknown> | null, now: number): CachedToken | null {
  if (!raw || typeof raw.accessToken !== "string" || !raw.accessToken) return null;
  return isFresh(raw.expiresAt, now) ? (raw as unknown as CachedToken) : null;
}

export async function ensureToken(target: SsoTarget, options: LoginOptions, deps: LoginDeps): Promise<TokenResult> {
  const tokenKey = tokenCacheKey(target);
  if (!options.force) {
    const cached = readFreshToken(await deps.ssoCache.read(tokenKey), deps.clock.now());
    if (cached) return { token: cached, reused: true };
  }

  const apis = await deps.ssoApis(target.region);
  const registration = await ensureRegistration(target, apis.oidc, deps);
  const authorization: DeviceAuthorization = await apis.oidc.startDeviceAuthorization({
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    startUrl: target.startUrl,
  });
  const issuedAt = deps.clock.now();
  const response = await pollForToken({
    oidc: apis.oidc,
    clock: deps.clock,
    signal: deps.signal,
    client: registration,
    authorization,
    issuedAt,
    onPending: () =>
      options.onPending({
        verificationUri: authorization.verificationUri,
        verificationUriComplete: authorization.verificationUriComplete,
        userCode: authorization.userCode,
      }),
  });

  // Key order and fields as botocore writes them, so the file is the same whoever logged in.
  const token: CachedToken = {
    startUrl: target.startUrl,
    region: target.region,
    accessToken: response.accessToken,
    expiresAt: formatTimestamp(deps.clock.now() + response.expiresIn * 1000),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: registration.expiresAt,
    ...(response.refreshToken ? { refreshToken: response.refreshToken } : {}),
  };
  await deps.ssoCache.write(tokenKey, { ...token });
  return { token, reused: false };
}

/**
 * Reuses the client registration the AWS CLI (or an earlier run) cached under the shared key while it
 * has 15 minutes left. A registration made for the authorization-code flow is not reused by the
 * device flow, matching botocore, so both tools keep agreeing on what the cached entry means.
 */
async function ensureRegistration(target: SsoTarget, oidc: OidcApi, deps: LoginDeps): Promise<CachedRegistration> {
  const key = registrationCacheKey({
    startUrl: target.startUrl,
    region: target.region,
    scopes: target.scopes,
    sessionName: target.sessionName,
  });
  const cached = await deps.ssoCache.read(key);
  if (
    cached &&
    typeof cached.clientId === "string" &&
    typeof cached.clientSecret === "string" &&
    isFresh(cached.expiresAt, deps.clock.now()) &&
    !(Array.isArray(cached.grantTypes) && cached.grantTypes.includes("authorization_code"))
  ) {
    return cached as unknown as CachedRegistration;
  }

  const clientName = `botocore-client-${target.sessionName ?? Math.floor(deps.clock.now() / 1000)}`;
  const scopes = target.scopes && target.scopes.length > 0 ? target.scopes : undefined;
  const registered = await oidc.registerClient({ clientName, ...(scopes ? { scopes } : {}) });
  const registration: CachedRegistration = {
    clientId: registered.clientId,
    clientSecret: registered.clientSecret,
    expiresAt: formatTimestamp(registered.clientSecretExpiresAt * 1000),
    ...(scopes ? { scopes } : {}),
  };
  await deps.ssoCache.write(key, { ...registration });
  return registration;
}
