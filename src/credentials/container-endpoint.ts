/**
 * The container credential endpoint of `exec --server`: what ECS gives a task, served on 127.0.0.1
 * for as long as exec's child runs. Every SDK's default chain asks it for credentials whenever its
 * own are about to expire, so a child that runs for hours never holds keys that die under it.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Deps } from "../deps.js";
import { FlowError, SsoSetupError } from "../errors.js";
import type { EndpointRequest, EndpointResponse } from "../platform/loopback.js";
import { LoginRequiredError, loginCommandFor } from "../sso/login-required.js";
import { formatTimestamp } from "../sso/token.js";
import { resolveCredentials, type ResolvedCredentials } from "./resolver.js";

export interface CredentialEndpoint {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  url: string;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  token: string;
  close(): Promise<void>;
}

export interface EndpointOptions {
  /** The profile resolved when exec started (not the flag: AWS_PROFILE is gone from the child's view). */
  profileName: string;
  configFile: string | undefined;
}

/** Credentials without an expiry (static keys at the root of a chain) are offered for this long, then asked for again. */
const UNDATED_LIFETIME_MS = 60 * 60_000;

export async function startCredentialEndpoint(opts: EndpointOptions, deps: Deps): Promise<CredentialEndpoint> {
  // 32 random bytes: the token is the only thing between any local process and the credentials.
  const token = randomBytes(32).toString("base64url");
  const path = `/${randomBytes(16).toString("hex")}`;
  const serve = createEndpointHandler(opts, token, path, deps);
  let server;
  try {
    server = await deps.jsonEndpoint.listen(serve);
  } catch (error) {
    throw new FlowError(`Could not start the credential endpoint on 127.0.0.1: ${oneLine(error)}`, { cause: error });
  }
  return { url: `http://127.0.0.1:${server.port}${path}`, token, close: () => server.close() };
}

/**
 * Answers one request. The resolver re-fetches role credentials with less than 15 minutes left and
 * refreshes the SSO token with its refresh token, so every answer has at least 15 minutes when the
 * session allows (botocore would otherwise refresh before every call). It never signs in: a person
 * may not be watching, and the child owns the terminal.
 */
export function createEndpointHandler(
  opts: EndpointOptions,
  token: string,
  path: string,
  deps: Deps,
): (request: EndpointRequest) => Promise<EndpointResponse> {
  // Concurrent requests (several clients refreshing at once) share one resolution.
  let inflight: Promise<ResolvedCredentials> | undefined;
  const resolveShared = () =>
    (inflight ??= resolveCredentials({ profile: opts.profileName, configFile: opts.configFile, allowSignIn: false }, deps).finally(() => {
      inflight = undefined;
    }));
  // One line per outage on stderr, not one per request: the child's output shares the terminal.
  let reported: string | undefined;

  return async (request) => {
    if (!sameSecret(request.authorization, token)) return failure(403, "AccessDenied", "invalid Authorization token");
    if (request.path !== path) return failure(404, "NotFound", "no such path");
    if (request.method !== "GET") return failure(405, "MethodNotAllowed", "only GET is answered");
    try {
      const { credentials, sso } = await resolveShared();
      reported = undefined;
      const body: Record<string, string> = {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken ?? "",
        Expiration: formatTimestamp(credentials.expiration ?? deps.clock.now() + UNDATED_LIFETIME_MS),
      };
      if (sso) body.AccountId = sso.accountId;
      return { status: 200, body };
    } catch (error) {
      const loginRequired = error instanceof LoginRequiredError;
      const line = loginRequired
        ? `sso-setup: the sign-in behind profile "${opts.profileName}" has expired; the command gets no new credentials until you run, in another terminal: ${loginCommandFor({ profileName: opts.profileName })}`
        : `sso-setup: could not refresh the credentials of profile "${opts.profileName}": ${oneLine(error)}`;
      if (line !== reported) {
        reported = line;
        deps.io.err.write(`${line}\n`);
      }
      if (loginRequired) return failure(401, "LoginRequired", oneLine(error));
      return failure(error instanceof SsoSetupError ? 502 : 500, "CredentialsUnavailable", oneLine(error));
    }
  };
}

function failure(status: number, code: string, message: string): EndpointResponse {
  return { status, body: { Code: code, Message: message } };
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Our messages may carry text a service sent: no control characters reach the terminal. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
}
