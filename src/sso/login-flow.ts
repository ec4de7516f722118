/**
 * Getting an SSO access token for a session: from the cache when it is fresh enough (and the caller
 * allows it), otherwise through a new authorization, by the device flow or the authorization-code
 * flow with PKCE. Tokens and client registrations are cached in the AWS CLI's files, so `aws` and
 * sso-setup share both, and a session's sign-in runs once at a time across processes.
 */
import type { Clock } from "../platform/clock.js";
import type { JsonFileCache } from "../config/json-cache.js";
import type { FileLocker } from "../platform/lock.js";
import type { Loopback } from "../platform/loopback.js";
import { AUTH_CODE_TIMEOUT_MS, runAuthCodeFlow, type AuthCodeRandom } from "./auth-code-flow.js";
import type { DeviceAuthorization, OidcApi, SsoApiFactory, SsoApis, TokenResponse } from "./clients.js";
import { pollForToken } from "./device-flow.js";
import { AUTH_CODE_GRANT_TYPES, DEFAULT_SCOPE, REGISTERED_REDIRECT_URI } from "./pkce.js";
import { singleFlight } from "./single-flight.js";
import { checkOpenableUrl } from "./url-trust.js";
import {
  type CachedRegistration,
  type CachedToken,
  formatTimestamp,
  isFresh,
  registrationCacheKey,
  tokenCacheKey,
} from "./token.js";
import type { SsoTarget } from "./target.js";

export type { SsoTarget } from "./target.js";

export interface PendingAuthorization {
  verificationUri: string;
  verificationUriComplete: string;
  userCode: string;
  /** Why verificationUriComplete must not be opened in a browser (url-trust.ts); unset when it may. */
  notOpenable?: string | undefined;
}

export type AuthFlow = "device" | "pkce";

export interface LoginDeps {
  clock: Clock;
  ssoCache: JsonFileCache;
  ssoApis: SsoApiFactory;
  locker: FileLocker;
  loopback: Loopback;
  signal?: AbortSignal | undefined;
  /** Randomness for the PKCE verifier and state; node:crypto unless a test needs fixed values. */
  random?: AuthCodeRandom | undefined;
}

export interface LoginOptions {
  /** Always run a new authorization, like `aws sso login`, even when a cached token is fresh. */
  force: boolean;
  /**
   * With force: a fresh cached token obtained for exactly this sign-in (same start URL and region,
   * issued to the client registered under the same registration key, which covers scopes and session
   * name) still counts. configure sets it for a new sso-session, so a run that failed after signing in
   * (a missing --role-name) costs no second sign-in when it is repeated.
   */
  reuseSameSignIn?: boolean | undefined;
  flow: AuthFlow;
  /** Device flow: show the code and open the verification page. */
  onPending: (pending: PendingAuthorization) => Promise<void> | void;
  /** Authorization-code flow: show the /authorize URL and open it (unless `notOpenable` says why not). */
  onBrowserPending: (authorizeUrl: string, notOpenable?: string) => Promise<void> | void;
  /** Called once when another process is already signing in to this session and this one waits for it. */
  onWaitForOther?: (() => void) | undefined;
  /** Called when a new authorization is about to start (not for a reused token): may add serviceStartUrl. */
  beforeSignIn?: ((target: SsoTarget) => Promise<SsoTarget>) | undefined;
  /** How long the authorization-code flow waits for the browser (default ten minutes). */
  authTimeoutMs?: number | undefined;
}

export interface TokenResult {
  token: CachedToken;
  /** True when this process ran no authorization: the token was cached, or another process got it. */
  reused: boolean;
}

export function readFreshToken(raw: Record<string, unknown> | null, now: number): CachedToken | null {
  if (!raw || typeof raw.accessToken !== "string" || !raw.accessToken) return null;
  return isFresh(raw.expiresAt, now) ? (raw as unknown as CachedToken) : null;
}

export async function ensureToken(target: SsoTarget, options: LoginOptions, deps: LoginDeps): Promise<TokenResult> {
  const key = tokenCacheKey(target);
  const seen = await deps.ssoCache.read(key);
  if (!options.force || options.reuseSameSignIn) {
    const cached = readFreshToken(seen, deps.clock.now());
    if (cached && (!options.force || (await issuedForSameSignIn(target, cached, deps)))) return { token: cached, reused: true };
  }

  // A token another process wrote while this one waited is as good as our own sign-in; for a forced
  // login, the token that was cached when the command started does not count.
  const othersToken = (raw: Record<string, unknown> | null): TokenResult | undefined => {
    const token = readFreshToken(raw, deps.clock.now());
    if (!token || (options.force && token.accessToken === seen?.accessToken)) return undefined;
    return { token, reused: true };
  };
  await deps.ssoCache.ensureDir();
  return singleFlight(
    {
      file: deps.ssoCache.fileFor(key),
      onWait: options.onWaitForOther,
      ready: async () => othersToken(await deps.ssoCache.read(key)),
      run: async (waited) => {
        // Non-forced: someone may have signed in between the first look and the lock. Forced: only a
        // sign-in this process waited for can stand in for its own.
        if (!options.force || waited) {
          const shared = othersToken(await deps.ssoCache.read(key));
          if (shared) return shared;
        }
        const token = await authorizeNew(target, options, deps);
        await deps.ssoCache.write(key, { ...token });
        return { token, reused: false };
      },
    },
    deps,
  );
}

async function issuedForSameSignIn(target: SsoTarget, token: CachedToken, deps: LoginDeps): Promise<boolean> {
  if (token.startUrl !== target.startUrl || token.region !== target.region || !token.clientId) return false;
  const registration = await deps.ssoCache.read(registrationKeyOf(target));
  return registration?.clientId === token.clientId;
}

function registrationKeyOf(target: SsoTarget): string {
  return registrationCacheKey({
    startUrl: target.startUrl,
    region: target.region,
    scopes: target.scopes,
    sessionName: target.sessionName,
  });
}

async function authorizeNew(configured: SsoTarget, options: LoginOptions, deps: LoginDeps): Promise<CachedToken> {
  const target = options.beforeSignIn ? await options.beforeSignIn(configured) : configured;
  const apis = await deps.ssoApis(target.region);
  const { response, registration } =
    options.flow === "pkce" ? await authorizeWithBrowser(target, options, deps, apis) : await authorizeWithDeviceCode(target, options, deps, apis);
  // Key order and fields as botocore writes them, so the file is the same whoever logged in.
  return {
    startUrl: target.startUrl,
    region: target.region,
    accessToken: response.accessToken,
    expiresAt: formatTimestamp(deps.clock.now() + response.expiresIn * 1000),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: registration.expiresAt,
    ...(response.refreshToken ? { refreshToken: response.refreshToken } : {}),
  };
}

type Authorized = { response: TokenResponse; registration: CachedRegistration };

async function authorizeWithDeviceCode(target: SsoTarget, options: LoginOptions, deps: LoginDeps, apis: SsoApis): Promise<Authorized> {
  const registration = await ensureRegistration(target, apis.oidc, deps, "device");
  const authorization: DeviceAuthorization = await apis.oidc.startDeviceAuthorization({
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    startUrl: target.serviceStartUrl ?? target.startUrl,
  });
  const issuedAt = deps.clock.now();
  const response = await pollForToken({
    oidc: apis.oidc,
    clock: deps.clock,
    signal: deps.signal,
    client: registration,
    authorization,
    issuedAt,
    onPending: () => {
      const verdict = checkOpenableUrl(authorization.verificationUriComplete, apis.oidcEndpoint);
      return options.onPending({
        verificationUri: authorization.verificationUri,
        verificationUriComplete: authorization.verificationUriComplete,
        userCode: authorization.userCode,
        ...(verdict === true ? {} : { notOpenable: verdict }),
      });
    },
  });
  return { response, registration };
}

async function authorizeWithBrowser(target: SsoTarget, options: LoginOptions, deps: LoginDeps, apis: SsoApis): Promise<Authorized> {
  let registration: CachedRegistration | undefined;
  const response = await runAuthCodeFlow({
    oidc: apis.oidc,
    oidcEndpoint: apis.oidcEndpoint,
    client: async () => (registration = await ensureRegistration(target, apis.oidc, deps, "pkce")),
    scopes: target.scopes,
    description: target.sessionName ? `the sso-session "${target.sessionName}" (${target.startUrl})` : target.startUrl,
    loopback: deps.loopback,
    clock: deps.clock,
    signal: deps.signal,
    timeoutMs: options.authTimeoutMs ?? AUTH_CODE_TIMEOUT_MS,
    random: deps.random,
    onPending: (url) => {
      const verdict = checkOpenableUrl(url, apis.oidcEndpoint);
      return options.onBrowserPending(url, verdict === true ? undefined : verdict);
    },
  });
  return { response, registration: registration! };
}

/**
 * Reuses the client registration the AWS CLI (or an earlier run) cached under the shared key while it
 * has 15 minutes left. Like botocore, each flow only reuses a registration made for it: the
 * authorization-code flow needs the `authorization_code` grant and a redirect URI, and the device
 * flow is refused by a client registered for other grants. Switching flows re-registers.
 */
async function ensureRegistration(target: SsoTarget, oidc: OidcApi, deps: LoginDeps, flow: AuthFlow): Promise<CachedRegistration> {
  const key = registrationKeyOf(target);
  const cached = await deps.ssoCache.read(key);
  const forAuthCode = Array.isArray(cached?.grantTypes) && cached.grantTypes.includes("authorization_code");
  if (
    cached &&
    typeof cached.clientId === "string" &&
    typeof cached.clientSecret === "string" &&
    isFresh(cached.expiresAt, deps.clock.now()) &&
    forAuthCode === (flow === "pkce")
  ) {
    return cached as unknown as CachedRegistration;
  }

  const clientName = `botocore-client-${target.sessionName ?? Math.floor(deps.clock.now() / 1000)}`;
  const configured = target.scopes && target.scopes.length > 0 ? target.scopes : undefined;
  let registration: CachedRegistration;
  if (flow === "pkce") {
    const scopes = configured ?? [DEFAULT_SCOPE];
    const registered = await oidc.registerClient({
      clientName,
      scopes,
      grantTypes: AUTH_CODE_GRANT_TYPES,
      redirectUris: [REGISTERED_REDIRECT_URI],
      issuerUrl: target.serviceStartUrl ?? target.startUrl,
    });
    registration = {
      clientId: registered.clientId,
      clientSecret: registered.clientSecret,
      expiresAt: formatTimestamp(registered.clientSecretExpiresAt * 1000),
      scopes,
      grantTypes: AUTH_CODE_GRANT_TYPES,
    };
  } else {
    const registered = await oidc.registerClient({ clientName, ...(configured ? { scopes: configured } : {}) });
    registration = {
      clientId: registered.clientId,
      clientSecret: registered.clientSecret,
      expiresAt: formatTimestamp(registered.clientSecretExpiresAt * 1000),
      ...(configured ? { scopes: configured } : {}),
    };
  }
  await deps.ssoCache.write(key, { ...registration });
  return registration;
}
