/**
 * Step A of console federation: credentials in, a sign-in token out. Not an AWS SDK operation, so it
 * is a plain HTTPS request, sent through the same proxy and CA bundle as the SDK clients. The
 * credentials travel in a form POST body (aws-sso-util's form), never in a URL a proxy could log.
 */
import type { Credentials } from "../credentials/formatters.js";
import { ServiceError } from "../errors.js";
import { NetworkError, plainRequestTransport, type HttpTimeouts } from "../sso/clients.js";
import type { NetworkSettings } from "../sso/network.js";
import { displayUrl, type DebugLog } from "../ui/debug.js";

export interface SigninApi {
  /** POSTs getSigninToken to `endpoint` (…/federation); resolves the SigninToken. */
  getSigninToken(endpoint: string, input: { credentials: Credentials; sessionDurationSeconds?: number | undefined }): Promise<string>;
}

const MAX_ANSWER_BYTES = 64 * 1024;
/** Real tokens are a few hundred to a few thousand characters; anything far beyond is not one. */
const MAX_TOKEN_CHARS = 16 * 1024;

/** Outside text for a one-line message: no markup, no control characters, not too long. */
export function plainExcerpt(text: string, max = 300): string {
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}

/** The answer to getSigninToken, checked: JSON with one reasonable SigninToken string. */
export function readSigninToken(status: number, body: string): string {
  if (status !== 200) {
    const said = plainExcerpt(body);
    throw new ServiceError(
      `The AWS sign-in service refused to exchange the credentials for a console sign-in token (HTTP ${status})${said ? `: ${said}` : "."}`,
      "FederationRefused",
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_CHARS || /[\s\u0000-\u001f\u007f]/.test(token)) {
    throw new ServiceError(
      "The answer of the AWS sign-in service holds no usable SigninToken. A proxy or firewall on the way may have changed it; try again.",
      "MalformedResponse",
    );
  }
  return token;
}

export function createSigninApi(options: {
  timeouts: HttpTimeouts;
  network: () => Promise<NetworkSettings>;
  debug: DebugLog;
}): SigninApi {
  return {
    async getSigninToken(endpoint, input) {
      const session = JSON.stringify({
        sessionId: input.credentials.accessKeyId,
        sessionKey: input.credentials.secretAccessKey,
        sessionToken: input.credentials.sessionToken ?? "",
      });
      const form = new URLSearchParams({ Action: "getSigninToken" });
      if (input.sessionDurationSeconds !== undefined) form.set("SessionDuration", String(input.sessionDurationSeconds));
      form.set("Session", session);
      const transport = await plainRequestTransport(endpoint, await options.network());
      options.debug.log("net", `AWS sign-in ${displayUrl(endpoint)} ${transport.route}`);
      const started = Date.now();
      const { status, body } = await post(endpoint, form.toString(), transport, options.timeouts);
      options.debug.log("api", `getSigninToken: POST ${displayUrl(endpoint)} -> HTTP ${status} (${Date.now() - started} ms)`);
      return readSigninToken(status, body);
    },
  };
}

async function post(
  endpoint: string,
  body: string,
  transport: { agent?: unknown; ca?: string },
  timeouts: HttpTimeouts,
): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  // Loaded on first use: only `console` talks to the sign-in service.
  const client = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const fail = (reason: string, cause?: unknown) => reject(new NetworkError("getSigninToken", displayUrl(endpoint), reason, { cause }));
    const request = client.request(
      url,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(body),
          Accept: "application/json",
        },
        ...(transport.agent ? { agent: transport.agent as never } : {}),
        ...(transport.ca ? { ca: transport.ca } : {}),
        timeout: timeouts.connectMs,
      },
      (response) => {
        request.setTimeout(timeouts.requestMs);
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            request.destroy();
            reject(new ServiceError(`The answer of the AWS sign-in service is larger than ${MAX_ANSWER_BYTES} bytes; it is not a sign-in token.`, "MalformedResponse"));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", (error) => fail(error.message, error));
      },
    );
    request.on("timeout", () => request.destroy(new Error("no answer in time")));
    request.on("error", (error: NodeJS.ErrnoException) => fail(error.code ? `${error.code} ${error.message}` : error.message, error));
    request.end(body);
  });
}
