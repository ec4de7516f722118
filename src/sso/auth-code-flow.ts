/**
 * The OAuth 2.0 authorization-code grant with PKCE, as the AWS CLI (2.22+) runs it for sso-sessions:
 * listen on a loopback port, send the person to /authorize, receive the redirect with a code, check
 * `state`, and exchange the code with the verifier and the exact redirect URI. Differences from
 * botocore: the listener binds 127.0.0.1 only and serves only the callback path, and the page the
 * browser shows waits for the code exchange, so it tells the truth about the outcome.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { FlowError } from "../errors.js";
import type { Clock } from "../platform/clock.js";
import type { Loopback, LoopbackRequest, LoopbackResponse, LoopbackServer } from "../platform/loopback.js";
import { callbackPages } from "../ui/callback-page.js";
import { sanitizeForTerminal } from "../ui/sanitize.js";
import { ApiError, type OidcApi, type TokenResponse } from "./clients.js";
import { AuthorizationExpiredError } from "./device-flow.js";
import { authorizeUrl, CALLBACK_PATH, codeChallenge, createCodeVerifier, redirectUriFor } from "./pkce.js";

/** botocore's AuthCodeFetcher gives the person ten minutes. */
export const AUTH_CODE_TIMEOUT_MS = 10 * 60 * 1000;

const LOAD_ERROR = "Error loading authorization code:";

export class AuthorizationCodeError extends FlowError {}

export interface AuthCodeRandom {
  bytes(size: number): Uint8Array;
  uuid(): string;
}

const cryptoRandom: AuthCodeRandom = { bytes: randomBytes, uuid: randomUUID };

export interface AuthCodeFlowInput {
  oidc: Pick<OidcApi, "createToken">;
  oidcEndpoint: string;
  /** Called once the listener is up, so a port that cannot be bound costs no registration. */
  client: () => Promise<{ clientId: string; clientSecret: string }>;
  scopes: string[] | undefined;
  /** What the person is signing in to, for the browser page. */
  description: string;
  loopback: Loopback;
  clock: Clock;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /** Fixed values in tests; node:crypto otherwise. */
  random?: AuthCodeRandom | undefined;
  /** Show the URL and open the browser. */
  onPending: (authorizeUrl: string) => Promise<void> | void;
}

export async function runAuthCodeFlow(input: AuthCodeFlowInput): Promise<TokenResponse> {
  const random = input.random ?? cryptoRandom;
  const verifier = createCodeVerifier(random.bytes);
  const state = random.uuid();
  let exchange: { client: { clientId: string; clientSecret: string }; redirectUri: string } | undefined;
  let finished = false;

  let settle!: { resolve: (token: TokenResponse) => void; reject: (error: unknown) => void };
  const outcome = new Promise<TokenResponse>((resolve, reject) => (settle = { resolve, reject }));
  // The redirect can arrive while onPending is still starting the browser: nobody awaits `outcome`
  // yet, and an early failure must not count as an unhandled rejection.
  outcome.catch(() => undefined);

  const fail = (error: FlowError, reason: string): LoopbackResponse => {
    finished = true;
    settle.reject(error);
    return { status: 400, html: callbackPages.failure(reason) };
  };

  async function onRequest(request: LoopbackRequest): Promise<LoopbackResponse> {
    // Browsers also ask for /favicon.ico and the like; only the callback path counts.
    if (request.path !== CALLBACK_PATH || !exchange) return { status: 404, html: callbackPages.notFound() };
    if (finished) return { status: 200, html: callbackPages.alreadyDone() };
    const { query } = request;
    const rawError = query.get("error");
    if (rawError !== null) {
      // Anyone who can reach the port chooses these words: no control characters reach the terminal.
      const error = sanitizeForTerminal(rawError);
      const rawDescription = query.get("error_description");
      const description = rawDescription === null ? null : sanitizeForTerminal(rawDescription);
      const detail = `The browser was redirected with the error "${error}"${description ? ` (${description})` : ""}.`;
      return fail(
        new AuthorizationCodeError(`${LOAD_ERROR} Failed to retrieve an authorization code. ${detail}`),
        `The authentication redirect failed with the following error: ${error}${description ? ` (${description})` : ""}`,
      );
    }
    const code = query.get("code");
    // Without a code there is nothing to act on: keep waiting, as the AWS CLI does.
    if (code === null) return { status: 400, html: callbackPages.failure("The redirect carried no authorization code.") };
    if (query.get("state") !== state) {
      return fail(
        new AuthorizationCodeError(`${LOAD_ERROR} State parameter does not match expected value.`),
        "The redirect does not belong to the sign-in sso-setup started (its state parameter does not match), so it was refused.",
      );
    }
    finished = true;
    try {
      const token = await input.oidc.createToken({
        clientId: exchange.client.clientId,
        clientSecret: exchange.client.clientSecret,
        grantType: "authorization_code",
        code,
        redirectUri: exchange.redirectUri,
        codeVerifier: verifier,
      });
      settle.resolve(token);
      return { status: 200, html: callbackPages.success(input.description) };
    } catch (err) {
      const mapped = err instanceof ApiError && err.code === "ExpiredTokenException" ? new AuthorizationExpiredError() : err;
      settle.reject(mapped);
      return { status: 502, html: callbackPages.failure(`The authorization code could not be exchanged for a token: ${(mapped as Error).message}`) };
    }
  }

  let server: LoopbackServer;
  try {
    server = await input.loopback.listen(onRequest);
  } catch (error) {
    throw new FlowError(
      `Unable to initialize the OAuth 2.0 authorization callback handler: ${(error as Error).message}\n` +
        "You may use --use-device-code to fall back to the device code flow which does not require the callback handler.",
      { cause: error },
    );
  }

  const stopTimer = new AbortController();
  const onAbort = () => stopTimer.abort(input.signal?.reason);
  input.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    input.signal?.throwIfAborted();
    const client = await input.client();
    const redirectUri = redirectUriFor(server.port);
    exchange = { client, redirectUri };
    const url = authorizeUrl({
      oidcEndpoint: input.oidcEndpoint,
      clientId: client.clientId,
      redirectUri,
      state,
      scopes: input.scopes,
      codeChallenge: codeChallenge(verifier),
    });
    // The deadline starts before the browser does: the AWS CLI's 600 s include the page load.
    const timeout = input.clock.sleep(input.timeoutMs, stopTimer.signal).then(() => {
      throw new AuthorizationExpiredError();
    });
    timeout.catch(() => undefined);
    await input.onPending(url);
    return await Promise.race([outcome, timeout]);
  } finally {
    stopTimer.abort();
    input.signal?.removeEventListener("abort", onAbort);
    await server.close();
  }
}
