/**
 * The AWS sign-in service's federation endpoint (daily-use.md §1.1): getSigninToken (GET or form
 * POST) exchanges issued role credentials for a sign-in token, and Action=login turns a token younger
 * than 15 minutes into a console session. The console itself is a page of the emulator's own
 * (/console-landing) that shows which destination the browser was sent to.
 */
import { escapeHtml, redirect, send, sendHtml, sendJson, type Exchange, type HandlerContext } from "./http.js";
import { randomToken } from "./ids.js";
import { consoleLandingPage, errorPage } from "./pages.js";

const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** The real endpoint answers a bad request with 400 and a short text, not an AWS error shape. */
function refuse(ex: Exchange, status: number, message: string): void {
  send(ex, status, { "Content-Type": "text/plain; charset=utf-8" }, `${message}\n`);
}

/** GET carries the fields in the query, POST in a form body. */
function fields(ex: Exchange): URLSearchParams {
  return ex.method === "POST" ? new URLSearchParams(ex.body) : ex.query;
}

export function federationAction(ex: { method: string; body: string; query: URLSearchParams }): string | null {
  return (ex.method === "POST" ? new URLSearchParams(ex.body).get("Action") : null) ?? ex.query.get("Action");
}

export function handleGetSigninToken(ex: Exchange, ctx: HandlerContext): void {
  const params = fields(ex);
  if (params.get("Action") !== "getSigninToken") {
    refuse(ex, 400, `Unknown Action ${JSON.stringify(params.get("Action") ?? "")}: use getSigninToken or login.`);
    return;
  }
  let session: Record<string, unknown>;
  try {
    session = JSON.parse(params.get("Session") ?? "") as Record<string, unknown>;
  } catch {
    refuse(ex, 400, "Invalid credentials parameter: Session is not JSON.");
    return;
  }
  const { sessionId, sessionKey, sessionToken } = session ?? {};
  if (typeof sessionId !== "string" || typeof sessionKey !== "string" || typeof sessionToken !== "string") {
    refuse(ex, 400, "Invalid credentials parameter: Session must hold the strings sessionId, sessionKey and sessionToken.");
    return;
  }
  const issued = ctx.state.roleCredentials.get(sessionId);
  if (!issued || issued.secretAccessKey !== sessionKey || issued.sessionToken !== sessionToken || ctx.now() >= issued.expiration) {
    refuse(ex, 400, "Invalid credentials parameter: the credentials are unknown, do not match, or have expired.");
    return;
  }
  const rawDuration = params.get("SessionDuration");
  let sessionDuration: number | undefined;
  if (rawDuration !== null) {
    sessionDuration = Number(rawDuration);
    if (!/^\d+$/.test(rawDuration) || sessionDuration < 900 || sessionDuration > 43_200) {
      refuse(ex, 400, "Invalid SessionDuration: it must be a number of seconds from 900 to 43200.");
      return;
    }
  }
  if (sessionDuration !== undefined && issued.mintedByAssumeRole) {
    // What the real endpoint does for role-chained credentials (aws-sso-cli#1205).
    refuse(ex, 400, "Invalid SessionDuration: it cannot be used with credentials from AssumeRole (role chaining).");
    return;
  }
  const signinToken = randomToken("", 480);
  ctx.state.signinTokens.set(signinToken, { accessKeyId: sessionId, issuedAt: ctx.now(), sessionDuration });
  sendJson(ex, 200, { SigninToken: signinToken });
}

export function handleFederatedLogin(ex: Exchange, ctx: HandlerContext): void {
  const token = ex.query.get("SigninToken") ?? "";
  const record = ctx.state.signinTokens.get(token);
  if (!record || ctx.now() - record.issuedAt >= TOKEN_LIFETIME_MS) {
    sendHtml(ex, 400, errorPage("Sign-in link expired", "This sign-in link is unknown or older than 15 minutes. Create a new one."));
    return;
  }
  const destination = ex.query.get("Destination") ?? "";
  let target: URL | undefined;
  try {
    target = new URL(destination);
  } catch {
    target = undefined;
  }
  if (!target || target.protocol !== "https:") {
    sendHtml(ex, 400, errorPage("Bad destination", `Destination must be an https URL, got ${escapeHtml(destination)}.`));
    return;
  }
  const landing = new URLSearchParams({ destination, key: record.accessKeyId, issuer: ex.query.get("Issuer") ?? "" });
  redirect(ex, `${ctx.baseUrl}${ex.prefix}/console-landing?${landing.toString()}`);
}

export function handleConsoleLanding(ex: Exchange, ctx: HandlerContext): void {
  const issued = ctx.state.roleCredentials.get(ex.query.get("key") ?? "");
  if (!issued) {
    sendHtml(ex, 403, errorPage("Not signed in", "Open a sign-in link first."));
    return;
  }
  sendHtml(
    ex,
    200,
    consoleLandingPage({
      destination: ex.query.get("destination") ?? "",
      accountId: issued.accountId,
      roleName: issued.roleName,
      issuer: ex.query.get("issuer") ?? "",
    }),
  );
}
