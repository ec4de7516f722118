import { randomUUID } from "node:crypto";
import { redirect, sendHtml, type Exchange, type HandlerContext } from "./http.js";
import { randomToken } from "./ids.js";
import { decideDeviceAuthorization, findDeviceAuthorization, type DeviceDecision } from "./oidc.js";
import {
  authorizeConsentPage,
  deviceCodeEntryPage,
  deviceConsentPage,
  errorPage,
  resultPage,
} from "./pages.js";
import type { PendingAuthorize, Registration } from "./state.js";

// The pages a person sees in the browser: device-code verification and the PKCE /authorize step.

const AUTHORIZATION_CODE_LIFETIME_MS = 5 * 60 * 1000;

export function handleDevicePage(ex: Exchange, ctx: HandlerContext): void {
  const actionBase = `${ex.prefix}/device`;
  const typed = ex.query.get("user_code");
  if (typed === null || typed.trim() === "") {
    sendHtml(ex, 200, deviceCodeEntryPage({ actionBase }));
    return;
  }
  const auth = findDeviceAuthorization(ctx.state, typed);
  if (!auth) {
    sendHtml(ex, 404, deviceCodeEntryPage({ actionBase, userCode: typed, error: "That code is not valid. Check it and try again." }));
    return;
  }
  if (ctx.now() >= auth.expiresAt) {
    sendHtml(ex, 400, deviceCodeEntryPage({ actionBase, error: "That code has expired. Start the sign-in again from your terminal." }));
    return;
  }
  if (auth.status !== "pending") {
    const approved = auth.status !== "denied";
    sendHtml(
      ex,
      200,
      resultPage(
        approved ? "Request approved" : "Request denied",
        approved ? "This request was already approved. You can close this window." : "This request was already denied.",
        approved ? "ok" : "no",
      ),
    );
    return;
  }
  const clientName = ctx.state.registrations.get(auth.clientId)?.clientName ?? "An application";
  sendHtml(ex, 200, deviceConsentPage({ userCode: auth.userCode, clientName, startUrl: auth.startUrl, actionBase }));
}

function handleDeviceDecision(decision: DeviceDecision) {
  return (ex: Exchange, ctx: HandlerContext): void => {
    const actionBase = `${ex.prefix}/device`;
    const typed = new URLSearchParams(ex.body).get("user_code") ?? "";
    const result = decideDeviceAuthorization(ctx.state, ctx.now(), typed, decision);
    if (result.ok) {
      sendHtml(
        ex,
        200,
        decision === "approve"
          ? resultPage("Request approved", "Request approved. You can close this window.", "ok")
          : resultPage("Request denied", "Request denied.", "no"),
      );
      return;
    }
    switch (result.reason) {
      case "unknown":
        sendHtml(ex, 404, deviceCodeEntryPage({ actionBase, userCode: typed, error: "That code is not valid. Check it and try again." }));
        return;
      case "expired":
        sendHtml(ex, 400, deviceCodeEntryPage({ actionBase, error: "That code has expired. Start the sign-in again from your terminal." }));
        return;
      case "already-decided":
        sendHtml(ex, 409, errorPage("Already answered", "This request was already approved or denied."));
    }
  };
}

export const handleDeviceApprove = handleDeviceDecision("approve");
export const handleDeviceDeny = handleDeviceDecision("deny");

/** Appends OAuth response parameters to the client's redirect URI, keeping any query it already has. */
function withParams(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null) url.searchParams.set(name, value);
  }
  return url.toString();
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * RFC 8252 §7.3: for loopback redirect URIs the port is chosen at request time, so it is ignored
 * when matching the registered URI (the AWS CLI registers http://127.0.0.1/oauth/callback).
 */
function isRegisteredRedirect(registration: Registration, redirectUri: string): boolean {
  let asked: URL;
  try {
    asked = new URL(redirectUri);
  } catch {
    return false;
  }
  return registration.redirectUris.some((registered) => {
    const known = new URL(registered);
    const samePort = known.port === asked.port || (LOOPBACK_HOSTS.has(known.hostname) && known.protocol === "http:");
    return known.protocol === asked.protocol && known.hostname === asked.hostname && known.pathname === asked.pathname && samePort;
  });
}

function issueAuthorizationCode(ctx: HandlerContext, request: Omit<PendingAuthorize, "requestId" | "expiresAt">): string {
  const code = randomToken("", 32);
  ctx.state.authorizationCodes.set(code, {
    code,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scopes: request.scopes,
    expiresAt: ctx.now() + AUTHORIZATION_CODE_LIFETIME_MS,
    used: false,
  });
  return code;
}

export function handleAuthorize(ex: Exchange, ctx: HandlerContext): void {
  const q = ex.query;
  const clientId = q.get("client_id") ?? "";
  const redirectUri = q.get("redirect_uri") ?? "";
  const registration = ctx.state.registrations.get(clientId);
  // Without a trusted client and redirect URI there is nowhere safe to send an error (RFC 6749
  // §4.1.2.1), so these two failures are shown to the user instead of redirected.
  if (!registration || ctx.now() >= registration.expiresAt) {
    sendHtml(ex, 400, errorPage("Invalid request", `Unknown or expired client "${clientId}".`));
    return;
  }
  if (!isRegisteredRedirect(registration, redirectUri)) {
    sendHtml(ex, 400, errorPage("Invalid request", `The redirect URI "${redirectUri}" is not registered for this client.`));
    return;
  }

  const state = q.get("state");
  const fail = (error: string, description: string) =>
    redirect(ex, withParams(redirectUri, { error, error_description: description, state }));
  if (q.get("response_type") !== "code") {
    fail("unsupported_response_type", "response_type must be code");
    return;
  }
  if (!registration.grantTypes.includes("authorization_code")) {
    fail("unauthorized_client", "The client is not registered for the authorization_code grant");
    return;
  }
  const codeChallenge = q.get("code_challenge") ?? "";
  if (codeChallenge === "" || q.get("code_challenge_method") !== "S256") {
    fail("invalid_request", "PKCE with code_challenge_method=S256 is required");
    return;
  }
  // The AWS CLI sends "scopes" (plural, space-separated); accept the standard "scope" as well.
  const scopes = (q.get("scopes") ?? q.get("scope") ?? "sso:account:access").split(" ").filter(Boolean);
  const request = { clientId, redirectUri, state, codeChallenge, scopes };

  switch (ctx.state.authorizeMode) {
    case "approve":
      redirect(ex, withParams(redirectUri, { code: issueAuthorizationCode(ctx, request), state }));
      return;
    case "deny":
      fail("access_denied", "The user denied the request");
      return;
    case "wrong-state":
      redirect(ex, withParams(redirectUri, { code: issueAuthorizationCode(ctx, request), state: randomUUID() }));
      return;
    case "page": {
      const requestId = randomUUID();
      ctx.state.pendingAuthorizations.set(requestId, { ...request, requestId, expiresAt: ctx.now() + AUTHORIZATION_CODE_LIFETIME_MS });
      sendHtml(
        ex,
        200,
        authorizeConsentPage({ clientName: registration.clientName, scopes, requestId, actionBase: `${ex.prefix}/authorize` }),
      );
    }
  }
}

function handleAuthorizeDecision(decision: DeviceDecision) {
  return (ex: Exchange, ctx: HandlerContext): void => {
    const requestId = new URLSearchParams(ex.body).get("request_id") ?? "";
    const request = ctx.state.pendingAuthorizations.get(requestId);
    if (!request || ctx.now() >= request.expiresAt) {
      sendHtml(ex, 400, errorPage("Request expired", "This sign-in request is unknown or has expired. Start again from your terminal."));
      return;
    }
    ctx.state.pendingAuthorizations.delete(requestId);
    redirect(
      ex,
      decision === "approve"
        ? withParams(request.redirectUri, { code: issueAuthorizationCode(ctx, request), state: request.state })
        : withParams(request.redirectUri, { error: "access_denied", error_description: "The user denied the request", state: request.state }),
    );
  };
}

export const handleAuthorizeApprove = handleAuthorizeDecision("approve");
export const handleAuthorizeDeny = handleAuthorizeDecision("deny");
