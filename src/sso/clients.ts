/**
 * The one seam between sso-setup and the AWS SDK: the only module that imports `@aws-sdk/*`. It hides
 * the SDK behind two small interfaces, turns SDK exceptions into our typed errors, and is where the
 * endpoint overrides (how tests and the demo reach the local emulator) are applied.
 *
 * The SDK is imported lazily so that `--help`, `--version` and commands that only read files do not
 * pay for loading it.
 */
import { FlowError, ServiceError } from "../errors.js";

export interface Registration {
  clientId: string;
  clientSecret: string;
  /** Epoch seconds, as the service sends it. */
  clientSecretExpiresAt: number;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
  interval: number | undefined;
}

export interface TokenResponse {
  accessToken: string;
  expiresIn: number;
  refreshToken: string | undefined;
}

export interface AccountInfo {
  accountId: string;
  accountName: string | undefined;
  emailAddress: string | undefined;
}

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds, as the portal sends it. */
  expiration: number;
}

export interface OidcApi {
  registerClient(input: {
    clientName: string;
    scopes?: string[];
    grantTypes?: string[];
    redirectUris?: string[];
    issuerUrl?: string;
  }): Promise<Registration>;
  startDeviceAuthorization(input: { clientId: string; clientSecret: string; startUrl: string }): Promise<DeviceAuthorization>;
  createToken(input: {
    clientId: string;
    clientSecret: string;
    grantType: string;
    deviceCode?: string;
    refreshToken?: string;
    code?: string;
    redirectUri?: string;
    codeVerifier?: string;
  }): Promise<TokenResponse>;
}

export interface PortalApi {
  listAccounts(input: { accessToken: string; nextToken?: string; maxResults?: number }): Promise<{ accounts: AccountInfo[]; nextToken?: string }>;
  listAccountRoles(input: { accessToken: string; accountId: string; nextToken?: string; maxResults?: number }): Promise<{ roles: string[]; nextToken?: string }>;
  getRoleCredentials(input: { accessToken: string; accountId: string; roleName: string }): Promise<RoleCredentials>;
  logout(input: { accessToken: string }): Promise<void>;
}

export interface SsoApis {
  oidc: OidcApi;
  portal: PortalApi;
  /** Where the OIDC service lives: the authorize URL of the PKCE flow is built from it. */
  oidcEndpoint: string;
}

export interface EndpointOverrides {
  oidc?: string;
  portal?: string;
}

export interface SsoApiOptions {
  /**
   * The caller paces and retries portal calls itself (bulk listing): the portal client then makes
   * exactly one attempt per call, so that a 429 reaches the caller's rate control at once instead of
   * being retried blindly by the SDK, which knows nothing of the other calls in flight.
   */
  callerRetries?: boolean;
}

export type SsoApiFactory = (region: string, options?: SsoApiOptions) => Promise<SsoApis>;

/**
 * The SDK's own configured-endpoint lookup would also read `endpoint_url`/`services` from the
 * `AWS_PROFILE` profile of the config file; resolving the variables ourselves and passing an explicit
 * endpoint keeps the lookup predictable and independent of which config file the command edits.
 */
export function endpointOverridesFromEnv(env: Record<string, string | undefined>): EndpointOverrides {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return {};
  const nonEmpty = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);
  const general = nonEmpty(env.AWS_ENDPOINT_URL);
  const overrides: EndpointOverrides = {};
  const oidc = nonEmpty(env.AWS_ENDPOINT_URL_SSO_OIDC) ?? general;
  const portal = nonEmpty(env.AWS_ENDPOINT_URL_SSO) ?? general;
  if (oidc) overrides.oidc = oidc;
  if (portal) overrides.portal = portal;
  return overrides;
}

export function defaultOidcEndpoint(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://oidc.${region}.${suffix}`;
}

export function defaultPortalEndpoint(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://portal.sso.${region}.${suffix}`;
}

/** Thrown for an error answer from the service; `code` is the AWS error shape name. */
export class ApiError extends ServiceError {
  /** The service's `Retry-After`, in milliseconds, when the answer carried one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly operation: string,
    code: string,
    readonly status: number | undefined,
    readonly description: string | undefined,
    options?: { cause?: unknown; retryAfterMs?: number | undefined },
  ) {
    super(
      `An error occurred (${code}) when calling the ${operation} operation${description ? `: ${description}` : "."}`,
      code,
      options,
    );
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The request never got an answer: DNS, refused connection, TLS, timeout. */
export class NetworkError extends FlowError {
  constructor(
    readonly operation: string,
    readonly endpoint: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Could not reach ${endpoint} (${operation}): ${reason}. Check your network connection, proxy settings and the SSO region.`,
      options,
    );
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  error_description?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function translateError(operation: string, endpoint: string, error: unknown): Error {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined || e.$response !== undefined) {
    // OIDC errors carry their text in error_description; the SDK's message is then "UnknownError".
    const description = e.error_description ?? (e.message && e.message !== "UnknownError" ? e.message : undefined);
    const retryAfterMs = parseRetryAfter(e.$response?.headers?.["retry-after"], Date.now());
    return new ApiError(operation, e.name ?? "Unknown", status, description, { cause: error, retryAfterMs });
  }
  const reason = e.code ?? e.message ?? String(error);
  return new NetworkError(operation, endpoint, reason, { cause: error });
}

// Sensible bounds so that nothing can hang: a dead endpoint fails in seconds, a slow one in half a minute.
const requestHandlerOptions = { connectionTimeout: 10_000, requestTimeout: 30_000 };

export function createSdkApiFactory(overrides: EndpointOverrides): SsoApiFactory {
  return async (region, options = {}) => {
    const [oidcSdk, portalSdk] = await Promise.all([import("@aws-sdk/client-sso-oidc"), import("@aws-sdk/client-sso")]);
    const oidcEndpoint = overrides.oidc ?? defaultOidcEndpoint(region);
    const portalEndpoint = overrides.portal ?? defaultPortalEndpoint(region);
    const oidcClient = new oidcSdk.SSOOIDCClient({
      region,
      requestHandler: requestHandlerOptions,
      ...(overrides.oidc ? { endpoint: overrides.oidc } : {}),
    });
    const portalClient = new portalSdk.SSOClient({
      region,
      requestHandler: requestHandlerOptions,
      ...(options.callerRetries ? { maxAttempts: 1 } : {}),
      ...(overrides.portal ? { endpoint: overrides.portal } : {}),
    });

    async function call<T>(operation: string, endpoint: string, send: () => Promise<T>): Promise<T> {
      try {
        return await send();
      } catch (error) {
        throw translateError(operation, endpoint, error);
      }
    }

    const oidc: OidcApi = {
      async registerClient(input) {
        const out = await call("RegisterClient", oidcEndpoint, () =>
          oidcClient.send(new oidcSdk.RegisterClientCommand({ clientType: "public", ...input })),
        );
        return {
          clientId: required(out.clientId, "clientId"),
          clientSecret: required(out.clientSecret, "clientSecret"),
          clientSecretExpiresAt: required(out.clientSecretExpiresAt, "clientSecretExpiresAt"),
        };
      },
      async startDeviceAuthorization(input) {
        const out = await call("StartDeviceAuthorization", oidcEndpoint, () =>
          oidcClient.send(new oidcSdk.StartDeviceAuthorizationCommand(input)),
        );
        return {
          deviceCode: required(out.deviceCode, "deviceCode"),
          userCode: required(out.userCode, "userCode"),
          verificationUri: required(out.verificationUri, "verificationUri"),
          verificationUriComplete: required(out.verificationUriComplete, "verificationUriComplete"),
          expiresIn: required(out.expiresIn, "expiresIn"),
          interval: out.interval,
        };
      },
      async createToken(input) {
        const out = await call("CreateToken", oidcEndpoint, () => oidcClient.send(new oidcSdk.CreateTokenCommand(input)));
        return {
          accessToken: required(out.accessToken, "accessToken"),
          expiresIn: required(out.expiresIn, "expiresIn"),
          refreshToken: out.refreshToken,
        };
      },
    };

    const portal: PortalApi = {
      async listAccounts({ accessToken, nextToken, maxResults }) {
        const out = await call("ListAccounts", portalEndpoint, () =>
          portalClient.send(new portalSdk.ListAccountsCommand({ accessToken, nextToken, maxResults })),
        );
        return {
          accounts: (out.accountList ?? []).map((a) => ({
            accountId: required(a.accountId, "accountId"),
            accountName: a.accountName,
            emailAddress: a.emailAddress,
          })),
          ...(out.nextToken ? { nextToken: out.nextToken } : {}),
        };
      },
      async listAccountRoles({ accessToken, accountId, nextToken, maxResults }) {
        const out = await call("ListAccountRoles", portalEndpoint, () =>
          portalClient.send(new portalSdk.ListAccountRolesCommand({ accessToken, accountId, nextToken, maxResults })),
        );
        return {
          roles: (out.roleList ?? []).map((r) => required(r.roleName, "roleName")),
          ...(out.nextToken ? { nextToken: out.nextToken } : {}),
        };
      },
      async getRoleCredentials({ accessToken, accountId, roleName }) {
        const out = await call("GetRoleCredentials", portalEndpoint, () =>
          portalClient.send(new portalSdk.GetRoleCredentialsCommand({ accessToken, accountId, roleName })),
        );
        const creds = out.roleCredentials;
        return {
          accessKeyId: required(creds?.accessKeyId, "accessKeyId"),
          secretAccessKey: required(creds?.secretAccessKey, "secretAccessKey"),
          sessionToken: required(creds?.sessionToken, "sessionToken"),
          expiration: required(creds?.expiration, "expiration"),
        };
      },
      async logout({ accessToken }) {
        await call("Logout", portalEndpoint, () => portalClient.send(new portalSdk.LogoutCommand({ accessToken })));
      },
    };

    return { oidc, portal, oidcEndpoint };
  };
}

function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) {
    throw new FlowError(`The service response is missing "${field}". This may be a service or proxy problem; try again.`);
  }
  return value;
}
