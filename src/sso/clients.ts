/**
 * The one seam between sso-setup and the AWS SDK: the only module that imports `@aws-sdk/*` (and the
 * proxy agents). It hides the SDK behind small interfaces (SSO OIDC, the portal, STS), turns SDK exceptions into our typed
 * errors, and is where the endpoint overrides (how tests and the demo reach the local emulator),
 * timeouts, proxies, the CA bundle and the --debug view of each call are applied.
 *
 * The SDK and the proxy libraries are imported lazily so that `--help`, `--version` and commands that
 * only read files do not pay for loading them.
 *
 * Faults: the SDK's standard retry strategy (3 attempts; throttling, 500/502/503/504, timeouts,
 * resets) stays in charge. What is left after it fails with 254 when the service answered (an error,
 * or an answer that cannot be read) and with 255 when no answer came (timeout, reset, refused, DNS,
 * TLS), the codes the AWS CLI gives for the same failures.
 */
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import type { DeserializeMiddleware, MiddlewareStack } from "@smithy/types";
import type { HttpsProxyAgent as HttpsProxyAgentType } from "https-proxy-agent";
import { ConfigError, FlowError, ServiceError } from "../errors.js";
import { displayUrl, type DebugLog } from "../ui/debug.js";
import type { NetworkSettings } from "./network.js";
import { SDK_DEFAULTS, type EndpointOverrides, type SdkSettings } from "./sdk-settings.js";

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

export interface SsoApiOptions {
  /**
   * The caller paces and retries portal calls itself (bulk listing): the portal client then makes
   * exactly one attempt per call, so that a 429 reaches the caller's rate control at once instead of
   * being retried blindly by the SDK, which knows nothing of the other calls in flight.
   */
  callerRetries?: boolean;
}

export type SsoApiFactory = (region: string, options?: SsoApiOptions) => Promise<SsoApis>;

/** STS AssumeRole's parameters, as botocore names them in the config file's terms. */
export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  externalId?: string | undefined;
  durationSeconds?: number | undefined;
  serialNumber?: string | undefined;
  tokenCode?: string | undefined;
}

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface AssumedRole {
  credentials: RoleCredentials;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  arn: string;
  assumedRoleId: string;
  requestId: string | undefined;
  attempts: number;
}

export interface StsApi {
  assumeRole(input: AssumeRoleInput, caller: SigningCredentials): Promise<AssumedRole>;
}

/** STS in `region` (the endpoint overrides win); the SDK is loaded by the first call only. */
export type StsApiFactory = (region: string) => Promise<StsApi>;

export function defaultOidcEndpoint(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://oidc.${region}.${suffix}`;
}

/** STS's regional endpoint (what botocore and the JS SDK use by default today). */
export function defaultStsEndpoint(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sts.${region}.${suffix}`;
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
    options?: { cause?: unknown; retryAfterMs?: number | undefined; maxRetriesReached?: number | undefined; message?: string },
  ) {
    // botocore's wording, retry note included, so that people and scripts meet the text they know.
    const retries = options?.maxRetriesReached ? ` (reached max retries: ${options.maxRetriesReached})` : "";
    super(
      options?.message ?? `An error occurred (${code}) when calling the ${operation} operation${retries}${description ? `: ${description}` : "."}`,
      code,
      options,
    );
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * The service answered, but not with anything the SDK can read: a body that is not JSON (often a
 * proxy's or firewall's page), or JSON without a field the operation always returns. It is a service
 * fault (254) like any error answer; the SDK does not retry a 200, so neither does sso-setup.
 */
export class MalformedResponseError extends ApiError {
  constructor(operation: string, status: number | undefined, problem: string, options?: { cause?: unknown }) {
    const proxyHint =
      status !== undefined && status >= 300
        ? " This is often an error page from a proxy: check HTTPS_PROXY, HTTP_PROXY and NO_PROXY."
        : " A proxy or firewall on the way may have changed it; try again.";
    super(operation, "MalformedResponse", status, problem, {
      ...options,
      message: `The answer to ${operation}${status !== undefined ? ` (HTTP ${status})` : ""} could not be read: ${problem}.${proxyHint}`,
    });
  }
}

/** The proxy a call went through, and the environment variable that named it. */
export interface ProxyRoute {
  url: string;
  variable: string;
  /** Set when the proxy last answered a CONNECT with anything but 200: the status it gave. */
  refusedTunnel?: { status: number; statusText: string; host: string } | undefined;
}

/**
 * The request never got an answer: DNS, refused connection, reset, TLS, timeout. Through a proxy,
 * the connection that failed is the one to the proxy, so the message names the proxy and the
 * variable that set it, not the endpoint behind it.
 */
export class NetworkError extends FlowError {
  constructor(
    readonly operation: string,
    readonly endpoint: string,
    reason: string,
    options?: { cause?: unknown; attempts?: number | undefined; hint?: string; proxy?: ProxyRoute | undefined },
  ) {
    const attempts = options?.attempts && options.attempts > 1 ? `, after ${options.attempts} attempts` : "";
    const proxy = options?.proxy;
    const where = proxy ? `the proxy ${displayUrl(proxy.url)} (from ${proxy.variable}) for ${endpoint}` : endpoint;
    const hint =
      options?.hint ??
      (proxy
        ? `Check ${proxy.variable}, or list the host in NO_PROXY to bypass the proxy.`
        : "Check your network connection, proxy settings (HTTPS_PROXY, NO_PROXY) and the SSO region.");
    super(`Could not reach ${where} (${operation}): ${reason}${attempts}. ${hint}`, options);
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  error_description?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long one attempt may take. The AWS CLI's --cli-read-timeout has no equivalent in the JS SDK's
 * environment, so the knob is ours; tests use it to make "slower than the timeout" take a second.
 */
export const HTTP_TIMEOUT_ENV = "SSO_SETUP_HTTP_TIMEOUT_SECONDS";

export interface HttpTimeouts {
  /** To establish the connection (TCP, and the proxy's CONNECT). */
  connectMs: number;
  /** From sending the request to the answer's headers, and the longest silence while its body arrives. */
  requestMs: number;
}

// A dead endpoint fails in seconds, a slow one in half a minute per attempt; with the SDK's three
// attempts nothing waits longer than about a minute and a half.
const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, requestMs: 30_000 };

export function httpTimeoutsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpTimeouts {
  const seconds = Number(env[HTTP_TIMEOUT_ENV]);
  if (!(Number.isFinite(seconds) && seconds > 0)) return DEFAULT_TIMEOUTS;
  const requestMs = Math.max(1, Math.round(seconds * 1000));
  return { connectMs: Math.min(DEFAULT_TIMEOUTS.connectMs, requestMs), requestMs };
}

const TLS_TRUST_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/** The reason an attempt got no answer, in words, and what to try. */
function describeNoAnswer(e: SdkErrorShape, timeouts: HttpTimeouts, caBundle: string | undefined): { reason: string; hint?: string } {
  const message = e.message ?? "";
  const timeoutHint = `The service or a proxy on the way did not answer in time; try again (${HTTP_TIMEOUT_ENV} sets the limit).`;
  if (e.name === "TimeoutError" && /establish a connection/.test(message)) {
    return { reason: `timed out: no connection within ${seconds(timeouts.connectMs)}`, hint: timeoutHint };
  }
  if (e.name === "TimeoutError" && /requestTimeout|inactivity/.test(message)) {
    return { reason: `timed out: no answer within ${seconds(timeouts.requestMs)}`, hint: timeoutHint };
  }
  switch (e.code) {
    case "ECONNRESET":
    case "EPIPE":
      return { reason: `the connection was reset (${e.code})` };
    case "ECONNREFUSED":
      return { reason: "the connection was refused (ECONNREFUSED)" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { reason: `the host name could not be resolved (${e.code})` };
    case "ETIMEDOUT":
      return { reason: "timed out (ETIMEDOUT)", hint: timeoutHint };
  }
  if (e.code && TLS_TRUST_CODES.has(e.code)) {
    return {
      reason: `the server's TLS certificate was not accepted (${e.code}: ${message})`,
      hint: caBundle
        ? `The CA bundle in use is ${caBundle}; make sure it holds the certificate that signs this endpoint's (or your proxy's).`
        : "If a proxy inspects TLS on your network, point AWS_CA_BUNDLE (or ca_bundle in the config) at your organisation's CA bundle.",
    };
  }
  return { reason: e.code ? `${e.code}: ${message}` : message || String(e.name ?? "unknown error") };
}

function translateError(
  operation: string,
  endpoint: string,
  error: unknown,
  context: { timeouts: HttpTimeouts; caBundle: string | undefined; proxy: ProxyRoute | undefined },
): Error {
  if (error instanceof ApiError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (error instanceof ResponseTooLargeError) return new MalformedResponseError(operation, status, error.message.split("\n")[0]!, { cause: error });
  const attempts = e.$metadata?.attempts;
  if (status !== undefined || e.$response !== undefined) {
    const refused = context.proxy?.refusedTunnel;
    if (refused && refused.status === status && status !== 407) {
      const proxy = `${displayUrl(context.proxy!.url)} (from ${context.proxy!.variable})`;
      return new NetworkError(operation, endpoint, `the proxy ${proxy} refused to open a tunnel to it (HTTP ${`${status} ${refused.statusText}`.trim()})`, {
        cause: error,
        hint: `Ask whoever runs the proxy to allow ${refused.host}, or list the host in NO_PROXY if it can be reached directly.`,
      });
    }
    if (status === 407) {
      return new NetworkError(operation, endpoint, "the proxy asks for credentials (HTTP 407)", {
        cause: error,
        proxy: context.proxy,
        hint: `Put them in the proxy URL of ${context.proxy?.variable ?? "HTTPS_PROXY or HTTP_PROXY"}: http://user:password@proxy.example.com:8080.`,
      });
    }
    // A body the SDK could not parse: JSON.parse's SyntaxError, with the SDK's note to developers appended.
    if (e.name === "SyntaxError" || /Deserialization error/.test(e.message ?? "")) {
      const parseProblem = (e.message ?? "").split("\n")[0]!.trim();
      return new MalformedResponseError(operation, status, `the body is not valid JSON (${parseProblem})`, { cause: error });
    }
    // OIDC errors carry their text in error_description; the SDK's message is then "UnknownError".
    const description = e.error_description ?? (e.message && e.message !== "UnknownError" ? e.message : undefined);
    const retryAfterMs = parseRetryAfter(e.$response?.headers?.["retry-after"], Date.now());
    const retried = attempts !== undefined && attempts > 1 && (e.$retryable !== undefined || (status ?? 0) >= 500 || status === 429);
    return new ApiError(operation, e.name ?? "Unknown", status, description, {
      cause: error,
      retryAfterMs,
      maxRetriesReached: retried ? attempts - 1 : undefined,
    });
  }
  const { reason, hint } = describeNoAnswer(e, context.timeouts, context.caBundle);
  // A TLS failure is the endpoint's certificate (or an inspecting proxy's, which the hint covers).
  const proxy = e.code && TLS_TRUST_CODES.has(e.code) ? undefined : context.proxy;
  return new NetworkError(operation, endpoint, reason, { cause: error, attempts, proxy, ...(hint ? { hint } : {}) });
}

/**
 * The parameters --debug may show. An allow-list, not a deny-list: a field added later stays out of
 * the log until someone decides it is safe. Tokens, secrets, device and authorization codes and the
 * PKCE verifier are never on it.
 */
const LOGGABLE_PARAMETERS = [
  "clientName",
  "grantType",
  "scopes",
  "startUrl",
  "redirectUri",
  "accountId",
  "roleName",
  "maxResults",
  "roleArn",
  "roleSessionName",
  "durationSeconds",
] as const;

export function loggableParameters(input: object): string {
  const record = input as Record<string, unknown>;
  const shown = LOGGABLE_PARAMETERS.filter((key) => record[key] !== undefined).map((key) => {
    const value = record[key];
    return `${key}=${Array.isArray(value) ? value.join(",") : String(value)}`;
  });
  return shown.length > 0 ? ` ${shown.join(" ")}` : "";
}

export interface SdkClientOptions {
  timeouts?: HttpTimeouts;
  /** The CA bundle; resolved once per process, when the first client is built. */
  network?: () => Promise<NetworkSettings>;
  debug?: DebugLog;
}

/**
 * Which proxy an endpoint goes through, by proxy-from-env's reading of HTTP(S)_PROXY, ALL_PROXY and
 * NO_PROXY (lower case first, as curl). That library reads process.env itself; sso-setup's env is
 * process.env, so the two cannot disagree outside tests that build their own.
 */
async function proxyFor(endpoint: string): Promise<ProxyRoute | undefined> {
  const { getProxyForUrl } = await import("proxy-from-env");
  const proxy = getProxyForUrl(endpoint);
  if (!proxy) return undefined;
  // proxy-from-env gives a scheme-less `proxy:8080` the target's scheme, so an https endpoint would
  // talk TLS to the proxy; curl, pip and the AWS CLI take a scheme-less proxy as http://, and so do we.
  const variable = [`${new URL(endpoint).protocol.slice(0, -1)}_proxy`, "all_proxy"]
    .flatMap((name) => [name, name.toUpperCase()])
    .find((name) => process.env[name]);
  const raw = variable ? process.env[variable]! : "";
  return { url: raw && !raw.includes("://") ? `http://${raw}` : proxy, variable: variable ?? "HTTPS_PROXY or HTTP_PROXY" };
}

type ProxyConnect = HttpsProxyAgentType<string>["connect"];

export interface Transport {
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent | { ca: string };
  /** For --debug. */
  route: string;
  proxy?: ProxyRoute | undefined;
}

/** The proxy agent and CA bundle for an endpoint; web.ts uses it too, so every request goes the same way. */
export async function transportFor(endpoint: string, settings: NetworkSettings): Promise<Transport> {
  const ca = settings.caBundle?.pem;
  const tls = ca ? { ca } : {};
  const found = await proxyFor(endpoint);
  if (!found) {
    // Options, not an agent: the SDK builds its usual keep-alive agent with our CA added.
    return { ...(ca ? { httpsAgent: { ca } } : {}), route: "direct" };
  }
  const proxy = found.url;
  const route = `via proxy ${displayUrl(proxy)}`;
  try {
    if (new URL(endpoint).protocol === "https:") {
      // CONNECT tunnel; TLS to AWS inside it, checked against the CA bundle when one is set.
      const { HttpsProxyAgent } = await import("https-proxy-agent");
      // The agent keeps its constructor's TLS options for the proxy connection only; the target's
      // handshake takes the request's options, to which the SDK adds no `ca`. connect() is the
      // library's extension point, so the bundle is added there.
      class TrustingHttpsProxyAgent extends HttpsProxyAgent<string> {
        override connect(req: Parameters<ProxyConnect>[0], opts: Parameters<ProxyConnect>[1]) {
          return super.connect(req, ca && opts.secureEndpoint ? { ...opts, ca } : opts);
        }
      }
      const agent = new TrustingHttpsProxyAgent(proxy, { keepAlive: true, ...tls });
      // A refused CONNECT reaches the SDK as an HTTP answer like any other; remember it to say who refused.
      agent.on("proxyConnect", (answer: { statusCode: number; statusText?: string }, req: { host?: string }) => {
        found.refusedTunnel =
          answer.statusCode === 200 ? undefined : { status: answer.statusCode, statusText: answer.statusText ?? "", host: req.host ?? new URL(endpoint).host };
      });
      return { httpsAgent: agent as unknown as HttpsAgent, route, proxy: found };
    }
    // Plain http endpoints (the local emulator): absolute-form requests to the proxy.
    const { HttpProxyAgent } = await import("http-proxy-agent");
    return { httpAgent: new HttpProxyAgent(proxy, { keepAlive: true, ...tls }), route, proxy: found };
  } catch (error) {
    throw new ConfigError(`The proxy for ${endpoint} is not a valid URL: ${displayUrl(proxy)} (from ${found.variable}).`, {
      cause: error,
    });
  }
}

/**
 * The SDK clients' proxy and CA bundle for a plain HTTP(S) request that is not an SDK call (the
 * console's federation endpoint), so that it goes out the way every other call does.
 */
export async function plainRequestTransport(
  endpoint: string,
  settings: NetworkSettings,
): Promise<{ agent?: HttpAgent | HttpsAgent; ca?: string; route: string }> {
  const { httpAgent, httpsAgent, route } = await transportFor(endpoint, settings);
  const agent = new URL(endpoint).protocol === "https:" ? httpsAgent : httpAgent;
  const ca = settings.caBundle?.pem;
  // Without a proxy the SDK gets TLS options, not an agent: node's default agent and `ca` do the same.
  const realAgent = agent && "addRequest" in agent ? (agent as HttpAgent | HttpsAgent) : undefined;
  return { ...(realAgent ? { agent: realAgent } : {}), ...(ca ? { ca } : {}), route };
}

/**
 * Logs every attempt the retry strategy makes (it sits below the retry middleware, next to the
 * deserializer): method, URL without its query, status or network error, duration. Nothing else of
 * the request or the answer is read.
 */
function observeAttempts<I extends object, O extends object>(stack: MiddlewareStack<I, O>, debug: DebugLog): void {
  const attemptsSoFar = new WeakMap<object, number>();
  const middleware: DeserializeMiddleware<I, O> = (next, context) => async (args) => {
    const attempt = (attemptsSoFar.get(context) ?? 0) + 1;
    attemptsSoFar.set(context, attempt);
    const operation = String(context.commandName ?? "request").replace(/Command$/, "");
    const r = args.request as { method?: string; protocol?: string; hostname?: string; port?: number; path?: string };
    const where = `${r.method ?? ""} ${r.protocol ?? ""}//${r.hostname ?? ""}${r.port ? `:${r.port}` : ""}${r.path ?? ""}`;
    const started = Date.now();
    try {
      const out = await next(args);
      const status = (out.response as { statusCode?: number }).statusCode;
      debug.log("api", `${operation} attempt ${attempt}: ${where} -> HTTP ${status} (${Date.now() - started} ms)`);
      return out;
    } catch (error) {
      const e = error as SdkErrorShape;
      const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
      const outcome = status !== undefined ? `HTTP ${status} ${e.name ?? ""}` : `no answer: ${e.code ?? e.name ?? "error"}`;
      debug.log("api", `${operation} attempt ${attempt}: ${where} -> ${outcome.trim()} (${Date.now() - started} ms)`);
      throw error;
    }
  };
  stack.add(middleware, { step: "deserialize", priority: "high", name: "ssoSetupDebugAttempts" });
}

/** Every setting the SDK would look up in the config file, given explicitly: it then reads no file (sdk-settings.ts says why). */
function clientSettings(settings: SdkSettings = SDK_DEFAULTS) {
  return {
    useFipsEndpoint: settings.useFipsEndpoint,
    useDualstackEndpoint: settings.useDualstackEndpoint,
    maxAttempts: settings.maxAttempts,
    retryMode: settings.retryMode,
    defaultsMode: settings.defaultsMode,
    authSchemePreference: settings.authSchemePreference,
    disableClockSkewCorrection: settings.disableClockSkewCorrection,
    // A provider, not the value: an absent value would send the SDK to the config file for it.
    userAgentAppId: async () => settings.userAgentAppId,
    // Configured endpoints are resolved by sso-setup (sdk-settings.ts) and given as `endpoint`.
    ignoreConfiguredEndpointUrls: true,
  };
}

function requestHandlerOptions(timeouts: HttpTimeouts, transport: Transport) {
  return {
    connectionTimeout: timeouts.connectMs,
    requestTimeout: timeouts.requestMs,
    // Without this the SDK only prints a warning when requestTimeout passes, and keeps waiting.
    throwOnRequestTimeout: true,
    // A body that stops arriving half-way is as stuck as one that never starts.
    socketTimeout: timeouts.requestMs,
    ...(transport.httpAgent ? { httpAgent: transport.httpAgent } : {}),
    ...(transport.httpsAgent ? { httpsAgent: transport.httpsAgent } : {}),
  };
}

type SdkOutput = { $metadata?: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number } };

/** One SDK call: its --debug summary line, and a failure turned into our typed errors. */
function sdkCaller(context: { timeouts: HttpTimeouts; caBundle: string | undefined; debug: DebugLog | undefined }) {
  const { timeouts, caBundle, debug } = context;
  return async function call<T extends SdkOutput>(
    operation: string,
    endpoint: string,
    proxy: ProxyRoute | undefined,
    input: object,
    send: () => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    const summary = (meta: SdkErrorShape["$metadata"], outcome: string) => {
      if (!debug?.enabled) return;
      const attempts = meta?.attempts ?? 1;
      const delay = meta?.totalRetryDelay ? `, ${meta.totalRetryDelay} ms of it waiting to retry` : "";
      debug.log(
        "api",
        `${operation}${loggableParameters(input)}: ${outcome} after ${attempts} attempt${attempts === 1 ? "" : "s"} in ${Date.now() - started} ms${delay}`,
      );
    };
    try {
      const out = await send();
      summary(out.$metadata, `HTTP ${out.$metadata?.httpStatusCode ?? "?"}`);
      return out;
    } catch (error) {
      const e = (error ?? {}) as SdkErrorShape;
      const translated = translateError(operation, endpoint, error, { timeouts, caBundle, proxy });
      summary(e.$metadata, `failed (${translated instanceof ServiceError ? translated.code : "no answer"})`);
      throw translated;
    }
  };
}

/**
 * The most of one answer's body sso-setup reads. A full page of 100 accounts is about 20 KB; a body
 * streamed without end (a hostile or broken endpoint) would otherwise be buffered until memory runs out.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the body is larger than ${limit / (1024 * 1024)} MB`);
    this.name = "ResponseTooLargeError";
  }
}

/**
 * Reads an answer's body for the SDK's deserializers (the client's `streamCollector`), at most `limit`
 * bytes of it: past the limit the connection is dropped and the call fails. Every body the SDK
 * reads, error answers included, comes through here; the SDK's own collector would pipe each one
 * through a Writable, and a cap in front of it cost another stream and a pipeline per call, a
 * measurable share of a 10,000-call populate.
 */
export function cappedStreamCollector(limit: number): (stream: unknown) => Promise<Uint8Array> {
  return (stream) =>
    new Promise((resolve, reject) => {
      const body = stream as NodeJS.ReadableStream & { destroy(): void; headers?: Record<string, string | string[] | undefined> };
      if (!body || typeof body.on !== "function") {
        reject(new TypeError("the answer's body is not a stream"));
        return;
      }
      const tooLarge = () => {
        body.destroy();
        reject(new ResponseTooLargeError(limit));
      };
      if (Number(body.headers?.["content-length"]) > limit) return tooLarge();
      const chunks: Buffer[] = [];
      let seen = 0;
      body.on("data", (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > limit) tooLarge();
        else chunks.push(chunk);
      });
      body.on("end", () => {
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, seen);
        resolve(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      });
      // Also a connection that closes half-way through the body: Node's answer reports "aborted".
      body.on("error", reject);
      // A stream that closes without an end or an error (destroyed by someone else) would leave the call waiting.
      body.on("close", () => reject(Object.assign(new Error("the answer's body was closed before it ended"), { code: "ECONNRESET" })));
    });
}

/**
 * `fixed`: endpoints the caller has chosen itself (tests); they win over the configured ones that
 * come with the network settings (environment and config file, sdk-settings.ts).
 */
export function createSdkApiFactory(fixed: EndpointOverrides = {}, clientOptions: SdkClientOptions = {}): SsoApiFactory {
  const timeouts = clientOptions.timeouts ?? DEFAULT_TIMEOUTS;
  const debug = clientOptions.debug;
  let settings: Promise<NetworkSettings> | undefined;
  // A command builds clients more than once (sign-in, then the portal); the route is told once.
  const routesLogged = new Set<string>();
  const logRoute = (line: string) => {
    if (routesLogged.has(line)) return;
    routesLogged.add(line);
    debug?.log("net", line);
  };

  return async (region, options = {}) => {
    settings ??= clientOptions.network?.() ?? Promise.resolve({ caBundle: undefined });
    const [oidcSdk, portalSdk, network] = await Promise.all([
      import("@aws-sdk/client-sso-oidc"),
      import("@aws-sdk/client-sso"),
      settings,
    ]);
    const overrides = { ...network.endpoints, ...fixed };
    const oidcEndpoint = overrides.oidc ?? defaultOidcEndpoint(region);
    const portalEndpoint = overrides.portal ?? defaultPortalEndpoint(region);
    const [oidcTransport, portalTransport] = await Promise.all([transportFor(oidcEndpoint, network), transportFor(portalEndpoint, network)]);
    const caBundle = network.caBundle ? `${network.caBundle.file} (${network.caBundle.source})` : undefined;

    const requestHandler = (transport: Transport) => requestHandlerOptions(timeouts, transport);
    // cacheMiddleware: the middleware stack is complete before the first call, so each operation's
    // handler is built once rather than on every call (populate makes tens of thousands). Not under
    // --debug: a cached handler shares one context between calls, where observeAttempts counts them.
    const cacheMiddleware = !debug?.enabled;
    const common = { region, streamCollector: cappedStreamCollector(MAX_RESPONSE_BYTES), cacheMiddleware, ...clientSettings(network.sdk) };
    const oidcClient = new oidcSdk.SSOOIDCClient({
      ...common,
      requestHandler: requestHandler(oidcTransport),
      ...(overrides.oidc ? { endpoint: overrides.oidc } : {}),
    });
    const portalClient = new portalSdk.SSOClient({
      ...common,
      requestHandler: requestHandler(portalTransport),
      ...(options.callerRetries ? { maxAttempts: 1 } : {}),
      ...(overrides.portal ? { endpoint: overrides.portal } : {}),
    });
    if (debug?.enabled) {
      observeAttempts(oidcClient.middlewareStack, debug);
      observeAttempts(portalClient.middlewareStack, debug);
      const tls = caBundle ? `, CA bundle ${caBundle}` : "";
      const limits = `timeouts: connect ${seconds(timeouts.connectMs)}, answer ${seconds(timeouts.requestMs)}`;
      const sdk = network.sdk ?? SDK_DEFAULTS;
      const retries = options.callerRetries ? "1 attempt a call (the caller retries)" : `SDK ${sdk.retryMode} retries, ${sdk.maxAttempts} attempts`;
      logRoute(`SSO OIDC ${displayUrl(oidcEndpoint)} ${oidcTransport.route}${tls}; ${limits}`);
      logRoute(`SSO portal ${displayUrl(portalEndpoint)} ${portalTransport.route}${tls}; ${limits}; ${retries}`);
    }

    const call = sdkCaller({ timeouts, caBundle, debug });

    const oidc: OidcApi = {
      async registerClient(input) {
        const request = { clientType: "public", ...input };
        const out = await call("RegisterClient", oidcEndpoint, oidcTransport.proxy, request, () => oidcClient.send(new oidcSdk.RegisterClientCommand(request)));
        const check = answerShape("RegisterClient");
        return {
          clientId: check.text(out.clientId, "clientId"),
          clientSecret: check.text(out.clientSecret, "clientSecret"),
          clientSecretExpiresAt: check.number(out.clientSecretExpiresAt, "clientSecretExpiresAt"),
        };
      },
      async startDeviceAuthorization(input) {
        const out = await call("StartDeviceAuthorization", oidcEndpoint, oidcTransport.proxy, input, () =>
          oidcClient.send(new oidcSdk.StartDeviceAuthorizationCommand(input)),
        );
        const check = answerShape("StartDeviceAuthorization");
        return {
          deviceCode: check.text(out.deviceCode, "deviceCode"),
          userCode: check.text(out.userCode, "userCode"),
          verificationUri: check.text(out.verificationUri, "verificationUri"),
          verificationUriComplete: check.text(out.verificationUriComplete, "verificationUriComplete"),
          expiresIn: check.number(out.expiresIn, "expiresIn", { positive: true }),
          interval: check.optionalNumber(out.interval, "interval"),
        };
      },
      async createToken(input) {
        const out = await call("CreateToken", oidcEndpoint, oidcTransport.proxy, input, () => oidcClient.send(new oidcSdk.CreateTokenCommand(input)));
        const check = answerShape("CreateToken");
        return {
          accessToken: check.text(out.accessToken, "accessToken"),
          expiresIn: check.number(out.expiresIn, "expiresIn", { positive: true }),
          refreshToken: check.optionalText(out.refreshToken, "refreshToken"),
        };
      },
    };

    const portal: PortalApi = {
      async listAccounts(input) {
        const { accessToken, nextToken, maxResults } = input;
        const out = await call("ListAccounts", portalEndpoint, portalTransport.proxy, input, () =>
          portalClient.send(new portalSdk.ListAccountsCommand({ accessToken, nextToken, maxResults })),
        );
        const check = answerShape("ListAccounts");
        const next = check.optionalText(out.nextToken, "nextToken");
        return {
          accounts: check.list(out.accountList, "accountList").map((item) => {
            const a = check.object(item, "accountList[]");
            return {
              accountId: check.text(a.accountId, "accountId"),
              accountName: check.optionalText(a.accountName, "accountName"),
              emailAddress: check.optionalText(a.emailAddress, "emailAddress"),
            };
          }),
          ...(next ? { nextToken: next } : {}),
        };
      },
      async listAccountRoles(input) {
        const { accessToken, accountId, nextToken, maxResults } = input;
        const out = await call("ListAccountRoles", portalEndpoint, portalTransport.proxy, input, () =>
          portalClient.send(new portalSdk.ListAccountRolesCommand({ accessToken, accountId, nextToken, maxResults })),
        );
        const check = answerShape("ListAccountRoles");
        const next = check.optionalText(out.nextToken, "nextToken");
        return {
          roles: check.list(out.roleList, "roleList").map((item) => check.text(check.object(item, "roleList[]").roleName, "roleName")),
          ...(next ? { nextToken: next } : {}),
        };
      },
      async getRoleCredentials(input) {
        const { accessToken, accountId, roleName } = input;
        const out = await call("GetRoleCredentials", portalEndpoint, portalTransport.proxy, input, () =>
          portalClient.send(new portalSdk.GetRoleCredentialsCommand({ accessToken, accountId, roleName })),
        );
        const check = answerShape("GetRoleCredentials");
        const creds = check.object(out.roleCredentials, "roleCredentials");
        return {
          accessKeyId: check.text(creds.accessKeyId, "accessKeyId"),
          secretAccessKey: check.text(creds.secretAccessKey, "secretAccessKey"),
          sessionToken: check.text(creds.sessionToken, "sessionToken"),
          expiration: check.number(creds.expiration, "expiration"),
        };
      },
      async logout(input) {
        await call("Logout", portalEndpoint, portalTransport.proxy, input, () => portalClient.send(new portalSdk.LogoutCommand({ accessToken: input.accessToken })));
      },
    };

    return { oidc, portal, oidcEndpoint };
  };
}

/**
 * STS, for the AssumeRole of role-chained profiles: the same endpoint overrides (AWS_ENDPOINT_URL_STS,
 * AWS_ENDPOINT_URL), proxies, CA bundle, timeouts and --debug view as the SSO clients. The SDK is
 * loaded only when a chain has no usable cached credentials, so the warm path stays light.
 */
export function createStsApiFactory(fixed: EndpointOverrides = {}, clientOptions: SdkClientOptions = {}): StsApiFactory {
  const timeouts = clientOptions.timeouts ?? DEFAULT_TIMEOUTS;
  const debug = clientOptions.debug;
  return async (region) => {
    const [stsSdk, network] = await Promise.all([
      import("@aws-sdk/client-sts"),
      clientOptions.network?.() ?? Promise.resolve<NetworkSettings>({ caBundle: undefined }),
    ]);
    const configured = fixed.sts ?? network.endpoints?.sts;
    // Named in messages; the client is given it only when configured, so that the SDK's own
    // resolution (FIPS, dual-stack) applies otherwise.
    const endpoint = configured ?? defaultStsEndpoint(region);
    const transport = await transportFor(endpoint, network);
    const caBundle = network.caBundle ? `${network.caBundle.file} (${network.caBundle.source})` : undefined;
    const call = sdkCaller({ timeouts, caBundle, debug });
    if (debug?.enabled) {
      const tls = caBundle ? `, CA bundle ${caBundle}` : "";
      debug.log("net", `STS ${displayUrl(endpoint)} ${transport.route}${tls}; timeouts: connect ${seconds(timeouts.connectMs)}, answer ${seconds(timeouts.requestMs)}`);
    }
    return {
      async assumeRole(input, caller) {
        // One client per caller: its credentials are the previous hop's, fixed for the client's life.
        const client = new stsSdk.STSClient({
          region,
          ...(configured ? { endpoint: configured } : {}),
          streamCollector: cappedStreamCollector(MAX_RESPONSE_BYTES),
          ...clientSettings(network.sdk),
          credentials: { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, sessionToken: caller.sessionToken },
          requestHandler: requestHandlerOptions(timeouts, transport),
        });
        if (debug?.enabled) observeAttempts(client.middlewareStack, debug);
        try {
          const command = new stsSdk.AssumeRoleCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.roleSessionName,
            ExternalId: input.externalId,
            DurationSeconds: input.durationSeconds,
            SerialNumber: input.serialNumber,
            TokenCode: input.tokenCode,
          });
          const out = await call("AssumeRole", endpoint, transport.proxy, input, () => client.send(command));
          const check = answerShape("AssumeRole");
          const c = out.Credentials;
          const accessKeyId = check.text(c?.AccessKeyId, "AccessKeyId");
          // The SDK's XML parser makes a Date of a timestamp it could read; anything else is not one.
          const expiration = c?.Expiration instanceof Date ? c.Expiration.getTime() : Number.NaN;
          if (!/^[A-Za-z0-9]{16,128}$/.test(accessKeyId)) throw new MalformedResponseError("AssumeRole", 200, "its AccessKeyId is not an access key ID");
          if (!Number.isFinite(expiration)) throw new MalformedResponseError("AssumeRole", 200, "its Expiration is not a timestamp");
          return {
            credentials: {
              accessKeyId,
              secretAccessKey: check.text(c?.SecretAccessKey, "SecretAccessKey"),
              sessionToken: check.text(c?.SessionToken, "SessionToken"),
              expiration,
            },
            arn: check.text(out.AssumedRoleUser?.Arn, "AssumedRoleUser.Arn"),
            assumedRoleId: check.text(out.AssumedRoleUser?.AssumedRoleId, "AssumedRoleUser.AssumedRoleId"),
            requestId: out.$metadata.requestId,
            attempts: out.$metadata.attempts ?? 1,
          };
        } finally {
          client.destroy();
        }
      },
    };
  };
}

/**
 * The SDK parses JSON but does not check it against the model: `[null]`, an object where a list
 * belongs or a number where a string does reach us as they came. Every field is checked before use;
 * what does not fit is as unusable as a body that is not JSON (254), never a TypeError later on.
 */
function answerShape(operation: string) {
  const fail = (problem: string): never => {
    throw new MalformedResponseError(operation, undefined, problem);
  };
  const kind = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "a list" : typeof value);
  const present = (value: unknown, field: string): void => {
    if (value === undefined || value === null) fail(`it has no "${field}"`);
  };
  const check = {
    text(value: unknown, field: string): string {
      present(value, field);
      return typeof value === "string" ? value : fail(`"${field}" is ${kind(value)}, not text`);
    },
    optionalText(value: unknown, field: string): string | undefined {
      return value === undefined || value === null ? undefined : check.text(value, field);
    },
    number(value: unknown, field: string, options: { positive?: boolean } = {}): number {
      present(value, field);
      if (typeof value !== "number" || !Number.isFinite(value)) return fail(`"${field}" is ${kind(value)}, not a number`);
      return options.positive && value <= 0 ? fail(`"${field}" is ${value}, not a positive number`) : value;
    },
    optionalNumber(value: unknown, field: string): number | undefined {
      return value === undefined || value === null ? undefined : check.number(value, field);
    },
    list(value: unknown, field: string): unknown[] {
      if (value === undefined || value === null) return [];
      return Array.isArray(value) ? value : fail(`"${field}" is ${kind(value)}, not a list`);
    },
    object(value: unknown, field: string): Record<string, unknown> {
      if (value === undefined) present(value, field);
      const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
      return isObject ? (value as Record<string, unknown>) : fail(`"${field}" is ${kind(value)}, not an object`);
    },
  };
  return check;
}
