import { sendOidcError } from "./errors.js";
import { parseJsonObject, sendJson, stringField, stringListField, type Exchange, type HandlerContext } from "./http.js";
import { normalizeUserCode, pkceChallenge, randomToken, randomUserCode } from "./ids.js";
import type { DeviceAuthorization, EmulatorState, Registration } from "./state.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const SUPPORTED_GRANTS = new Set(["authorization_code", "refresh_token", DEVICE_CODE_GRANT]);

/** Reads the JSON body, or answers InvalidRequestException and returns undefined. */
function jsonBody(ex: Exchange): Record<string, unknown> | undefined {
  const body = parseJsonObject(ex.body);
  if (!body) sendOidcError(ex, "InvalidRequestException", "The request body must be a JSON object");
  return body;
}

function requireFields(ex: Exchange, body: Record<string, unknown>, names: string[]): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = stringField(body, name);
    if (value === undefined) {
      sendOidcError(ex, "InvalidRequestException", `Missing required parameter: ${name}`);
      return undefined;
    }
    values[name] = value;
  }
  return values;
}

/** Finds the registration for a clientId/secret pair, or answers InvalidClientException (401). */
function authenticateClient(
  ex: Exchange,
  ctx: HandlerContext,
  clientId: string,
  clientSecret: string,
): Registration | undefined {
  const registration = ctx.state.registrations.get(clientId);
  if (!registration || registration.clientSecret !== clientSecret) {
    sendOidcError(ex, "InvalidClientException", "Invalid client credentials");
    return undefined;
  }
  if (ctx.now() >= registration.expiresAt) {
    sendOidcError(ex, "InvalidClientException", "The client registration has expired");
    return undefined;
  }
  return registration;
}

function isValidRedirectUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hash === "";
  } catch {
    return false;
  }
}

export function handleRegisterClient(ex: Exchange, ctx: HandlerContext): void {
  const body = jsonBody(ex);
  if (!body) return;
  const fields = requireFields(ex, body, ["clientName", "clientType"]);
  if (!fields) return;
  if (fields.clientType !== "public") {
    sendOidcError(ex, "InvalidClientMetadataException", `Unsupported clientType "${fields.clientType}"; only "public" is allowed`);
    return;
  }
  const scopes = stringListField(body, "scopes");
  const grantTypes = stringListField(body, "grantTypes");
  const redirectUris = stringListField(body, "redirectUris");
  if (scopes === null || grantTypes === null || redirectUris === null) {
    sendOidcError(ex, "InvalidRequestException", "scopes, grantTypes and redirectUris must be lists of strings");
    return;
  }
  if (scopes?.some((scope) => scope.trim() === "")) {
    sendOidcError(ex, "InvalidScopeException", "Scopes must not be empty");
    return;
  }
  const unsupported = grantTypes?.find((grant) => !SUPPORTED_GRANTS.has(grant));
  if (unsupported !== undefined) {
    sendOidcError(ex, "UnsupportedGrantTypeException", `Unsupported grant type "${unsupported}"`);
    return;
  }
  const badUri = redirectUris?.find((uri) => !isValidRedirectUri(uri));
  if (badUri !== undefined) {
    sendOidcError(ex, "InvalidRedirectUriException", `Invalid redirect URI "${badUri}"`);
    return;
  }
  if (grantTypes?.includes("authorization_code") && !redirectUris?.length) {
    sendOidcError(ex, "InvalidRedirectUriException", "The authorization_code grant needs at least one redirect URI");
    return;
  }

  // The authorization-code flow names the start URL only here (as issuerUrl); it is checked as
  // StartDeviceAuthorization checks the device flow's, so a mistyped URL fails either way.
  const issuerUrl = stringField(body, "issuerUrl");
  if (issuerUrl !== undefined && !isKnownStartUrl(ctx.state, issuerUrl)) {
    sendOidcError(ex, "InvalidRequestException", `Invalid start URL: ${issuerUrl}`);
    return;
  }

  const now = ctx.now();
  const registration: Registration = {
    clientId: randomToken("", 24),
    clientSecret: randomToken("", 96),
    clientName: fields.clientName ?? "",
    clientType: "public",
    scopes: scopes ?? [],
    grantTypes: grantTypes ?? [],
    redirectUris: redirectUris ?? [],
    issuerUrl,
    issuedAt: now,
    expiresAt: now + ctx.state.registrationLifetimeSeconds * 1000,
  };
  ctx.state.registrations.set(registration.clientId, registration);
  sendJson(ex, 200, {
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    // The wire carries epoch *seconds* here (unlike role credentials, which use milliseconds).
    clientIdIssuedAt: Math.floor(registration.issuedAt / 1000),
    clientSecretExpiresAt: Math.floor(registration.expiresAt / 1000),
  });
}

function isKnownStartUrl(state: EmulatorState, startUrl: string): boolean {
  if (state.startUrls.length === 0) return true;
  const trim = (url: string) => url.replace(/\/+$/, "");
  return state.startUrls.some((known) => trim(known) === trim(startUrl));
}

export function handleStartDeviceAuthorization(ex: Exchange, ctx: HandlerContext): void {
  const body = jsonBody(ex);
  if (!body) return;
  const fields = requireFields(ex, body, ["clientId", "clientSecret", "startUrl"]);
  if (!fields) return;
  const { clientId = "", clientSecret = "", startUrl = "" } = fields;
  const registration = authenticateClient(ex, ctx, clientId, clientSecret);
  if (!registration) return;
  // A registration that names its grants is limited to them; the AWS CLI re-registers when it
  // switches from the PKCE flow to the device flow for exactly this reason.
  if (registration.grantTypes.length > 0 && !registration.grantTypes.includes(DEVICE_CODE_GRANT)) {
    sendOidcError(ex, "UnauthorizedClientException", "This client is not registered for the device code grant");
    return;
  }
  if (!isKnownStartUrl(ctx.state, startUrl)) {
    sendOidcError(ex, "InvalidRequestException", `Invalid start URL: ${startUrl}`);
    return;
  }

  const { state } = ctx;
  let userCode = randomUserCode();
  while (state.userCodes.has(userCode)) userCode = randomUserCode();
  const now = ctx.now();
  const auth: DeviceAuthorization = {
    deviceCode: randomToken("", 48),
    userCode,
    clientId,
    startUrl,
    status: "pending",
    issuedAt: now,
    expiresAt: now + state.deviceCodeExpiresIn * 1000,
    interval: state.interval,
    polls: 0,
    lastPollAt: null,
  };
  state.deviceAuthorizations.set(auth.deviceCode, auth);
  state.userCodes.set(userCode, auth.deviceCode);
  const verificationUri = `${ctx.baseUrl}${ex.prefix}/device`;
  sendJson(ex, 200, {
    deviceCode: auth.deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
    expiresIn: state.deviceCodeExpiresIn,
    interval: state.interval,
  });
}

export type DeviceDecision = "approve" | "deny";

export type DeviceDecisionResult =
  | { ok: true; auth: DeviceAuthorization }
  | { ok: false; reason: "unknown" | "expired" | "already-decided"; auth?: DeviceAuthorization };

export function findDeviceAuthorization(state: EmulatorState, userCode: string): DeviceAuthorization | undefined {
  const deviceCode = state.userCodes.get(normalizeUserCode(userCode));
  return deviceCode === undefined ? undefined : state.deviceAuthorizations.get(deviceCode);
}

/** What a user does on the verification page; also behind the approve/deny helpers and knobs. */
export function decideDeviceAuthorization(
  state: EmulatorState,
  now: number,
  userCode: string,
  decision: DeviceDecision,
): DeviceDecisionResult {
  const auth = findDeviceAuthorization(state, userCode);
  if (!auth) return { ok: false, reason: "unknown" };
  if (now >= auth.expiresAt) return { ok: false, reason: "expired", auth };
  if (auth.status !== "pending") return { ok: false, reason: "already-decided", auth };
  auth.status = decision === "approve" ? "approved" : "denied";
  return { ok: true, auth };
}

function shouldIssueRefreshToken(state: EmulatorState, registration: Registration): boolean {
  if (state.issueRefreshToken !== "auto") return state.issueRefreshToken;
  return registration.scopes.length > 0 || registration.grantTypes.includes("refresh_token");
}

function issueRefreshToken(ctx: HandlerContext, clientId: string, startUrl: string | null): string {
  const refreshToken = randomToken("aor", 96);
  ctx.state.refreshTokens.set(refreshToken, { refreshToken, clientId, startUrl, issuedAt: ctx.now(), revoked: false });
  return refreshToken;
}

function sendNewAccessToken(
  ex: Exchange,
  ctx: HandlerContext,
  grant: {
    clientId: string;
    startUrl: string | null;
    grantType: string;
    /** Returned to the client; null leaves the field out. */
    refreshToken: string | null;
    /** The session's refresh token when a non-rotating refresh returns none, so Logout can revoke it. */
    sessionRefreshToken?: string;
  },
): void {
  const now = ctx.now();
  const accessToken = randomToken("aoa", 96);
  ctx.state.accessTokens.set(accessToken, {
    accessToken,
    clientId: grant.clientId,
    startUrl: grant.startUrl,
    grantType: grant.grantType,
    issuedAt: now,
    expiresAt: now + ctx.state.accessTokenExpiresIn * 1000,
    refreshToken: grant.refreshToken ?? grant.sessionRefreshToken ?? null,
    revoked: false,
  });
  sendJson(ex, 200, {
    accessToken,
    tokenType: "Bearer",
    expiresIn: ctx.state.accessTokenExpiresIn,
    ...(grant.refreshToken === null ? {} : { refreshToken: grant.refreshToken }),
  });
}

function deviceCodeGrant(ex: Exchange, ctx: HandlerContext, registration: Registration, body: Record<string, unknown>): void {
  const deviceCode = stringField(body, "deviceCode");
  if (deviceCode === undefined) {
    sendOidcError(ex, "InvalidRequestException", "Missing required parameter: deviceCode");
    return;
  }
  const { state } = ctx;
  const auth = state.deviceAuthorizations.get(deviceCode);
  if (!auth || auth.clientId !== registration.clientId) {
    sendOidcError(ex, "InvalidGrantException", "Invalid device code provided");
    return;
  }
  const now = ctx.now();
  if (auth.status === "consumed") {
    sendOidcError(ex, "InvalidGrantException", "The device code has already been used");
    return;
  }
  if (now >= auth.expiresAt) {
    sendOidcError(ex, "ExpiredTokenException", "The device code has expired");
    return;
  }

  auth.polls += 1;
  const previousPoll = auth.lastPollAt;
  auth.lastPollAt = now;
  const tooSoon = state.enforceInterval && previousPoll !== null && now - previousPoll < auth.interval * 1000;
  if (state.slowDownOnce || tooSoon) {
    state.slowDownOnce = false;
    auth.interval += 5;
    sendOidcError(ex, "SlowDownException", "Client is polling too quickly");
    return;
  }
  if (auth.status === "pending" && state.autoApproveAfterPolls !== null && auth.polls > state.autoApproveAfterPolls) {
    auth.status = "approved";
  }

  switch (auth.status) {
    case "pending":
      sendOidcError(ex, "AuthorizationPendingException", "Authorization is still pending");
      return;
    case "denied":
      sendOidcError(ex, "AccessDeniedException", "The user denied the authorization request");
      return;
    case "approved": {
      auth.status = "consumed";
      const refreshToken = shouldIssueRefreshToken(state, registration)
        ? issueRefreshToken(ctx, registration.clientId, auth.startUrl)
        : null;
      sendNewAccessToken(ex, ctx, { clientId: registration.clientId, startUrl: auth.startUrl, grantType: DEVICE_CODE_GRANT, refreshToken });
      return;
    }
  }
}

function refreshTokenGrant(ex: Exchange, ctx: HandlerContext, registration: Registration, body: Record<string, unknown>): void {
  const presented = stringField(body, "refreshToken");
  if (presented === undefined) {
    sendOidcError(ex, "InvalidRequestException", "Missing required parameter: refreshToken");
    return;
  }
  const record = ctx.state.refreshTokens.get(presented);
  if (!record || record.revoked || record.clientId !== registration.clientId) {
    sendOidcError(ex, "InvalidGrantException", "Invalid refresh token provided");
    return;
  }
  let refreshToken: string | null = null;
  if (ctx.state.rotateRefreshTokens) {
    record.revoked = true;
    refreshToken = issueRefreshToken(ctx, registration.clientId, record.startUrl);
  }
  sendNewAccessToken(ex, ctx, {
    clientId: registration.clientId,
    startUrl: record.startUrl,
    grantType: "refresh_token",
    refreshToken,
    sessionRefreshToken: presented,
  });
}

function authorizationCodeGrant(ex: Exchange, ctx: HandlerContext, registration: Registration, body: Record<string, unknown>): void {
  const code = stringField(body, "code");
  if (code === undefined) {
    sendOidcError(ex, "InvalidRequestException", "Missing required parameter: code");
    return;
  }
  const record = ctx.state.authorizationCodes.get(code);
  const redirectUri = stringField(body, "redirectUri");
  const verifier = stringField(body, "codeVerifier");
  let problem: string | undefined;
  if (!record || record.clientId !== registration.clientId) problem = "Invalid authorization code provided";
  else if (record.used) problem = "The authorization code has already been used";
  else if (ctx.now() >= record.expiresAt) problem = "The authorization code has expired";
  // The exact URI, port included: the code is bound to the loopback listener that received it.
  else if (redirectUri !== record.redirectUri) problem = "redirectUri does not match the one used to authorize";
  else if (verifier === undefined) problem = "Missing codeVerifier for a PKCE authorization code";
  // The AWS CLI strips the padding "=" from its challenge; compare both sides unpadded.
  else if (pkceChallenge(verifier) !== record.codeChallenge.replace(/=+$/, "")) problem = "PKCE verification failed";
  if (problem !== undefined || !record) {
    sendOidcError(ex, "InvalidGrantException", problem ?? "Invalid authorization code provided");
    return;
  }
  record.used = true;
  const refreshToken = shouldIssueRefreshToken(ctx.state, registration)
    ? issueRefreshToken(ctx, registration.clientId, registration.issuerUrl ?? null)
    : null;
  sendNewAccessToken(ex, ctx, {
    clientId: registration.clientId,
    startUrl: registration.issuerUrl ?? null,
    grantType: "authorization_code",
    refreshToken,
  });
}

export function handleCreateToken(ex: Exchange, ctx: HandlerContext): void {
  const body = jsonBody(ex);
  if (!body) return;
  const fields = requireFields(ex, body, ["clientId", "clientSecret", "grantType"]);
  if (!fields) return;
  const { clientId = "", clientSecret = "", grantType = "" } = fields;
  const registration = authenticateClient(ex, ctx, clientId, clientSecret);
  if (!registration) return;
  switch (grantType) {
    case DEVICE_CODE_GRANT:
      deviceCodeGrant(ex, ctx, registration, body);
      return;
    case "refresh_token":
      refreshTokenGrant(ex, ctx, registration, body);
      return;
    case "authorization_code":
      authorizationCodeGrant(ex, ctx, registration, body);
      return;
    default:
      sendOidcError(ex, "UnsupportedGrantTypeException", `Unsupported grant type "${grantType}"`);
  }
}

export function handleCreateTokenWithIam(ex: Exchange): void {
  // SigV4-signed token exchange for AWS-managed applications; nothing in sso-setup uses it.
  sendOidcError(ex, "InvalidRequestException", "CreateTokenWithIAM (POST /token?aws_iam=t) is not supported by the emulator");
}
