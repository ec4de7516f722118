/**
 * The one HTTP client outside the AWS SDK: single requests to an access portal's web address (a
 * vanity start URL's redirect, the portal page's declared region). It never follows a redirect, reads
 * at most `maxBodyBytes` of a body, gives up after `timeoutMs`, and goes through the same proxy and CA
 * bundle as the SDK clients (clients.ts chooses both). What comes back is for the caller to validate.
 */
import * as http from "node:http";
import * as https from "node:https";
import { UsageError } from "../errors.js";
import { transportFor } from "./clients.js";
import type { NetworkSettings } from "./network.js";

/**
 * A test knob, documented in the README: start-URL look-ups go to this origin (scheme, host and port;
 * the path stays) instead of the start URL's own host, as AWS_ENDPOINT_URL_* does for the APIs. Plain
 * http is accepted only for a loopback address, which is where tests run their stand-in portal.
 */
export const WEB_ENDPOINT_ENV = "SSO_SETUP_WEB_ENDPOINT_URL";

export interface WebAnswer {
  status: number;
  location: string | undefined;
  /** GET only: the body's first `maxBodyBytes`, as UTF-8. */
  body: string | undefined;
}

export interface WebRequest {
  method: "HEAD" | "GET";
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface WebClient {
  request(url: string, options: WebRequest): Promise<WebAnswer>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function webEndpointFromEnv(env: Readonly<Record<string, string | undefined>>): URL | undefined {
  const raw = env[WEB_ENDPOINT_ENV]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Invalid value in ${WEB_ENDPOINT_ENV}: "${raw}" is not a URL (for example http://127.0.0.1:8080).`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new UsageError(`Invalid value in ${WEB_ENDPOINT_ENV}: "${raw}" must be https, or http to a loopback address (127.0.0.1, localhost, [::1]).`);
  }
  return url;
}

export function createWebClient(options: {
  env: Readonly<Record<string, string | undefined>>;
  network: () => Promise<NetworkSettings>;
}): WebClient {
  let settings: Promise<NetworkSettings> | undefined;
  return {
    async request(url, request) {
      const endpoint = webEndpointFromEnv(options.env);
      const target = endpoint ? new URL(`${new URL(url).pathname}${new URL(url).search}`, endpoint) : new URL(url);
      settings ??= options.network();
      const transport = await transportFor(target.origin, await settings);
      const isHttps = target.protocol === "https:";
      const agentOrTls = isHttps ? transport.httpsAgent : transport.httpAgent;
      // For a direct connection transportFor hands TLS options (the CA bundle) rather than an agent.
      const connection = agentOrTls === undefined ? {} : agentOrTls instanceof http.Agent ? { agent: agentOrTls } : { ca: agentOrTls.ca };
      return send(isHttps ? https : http, target, request, connection);
    },
  };
}

function send(
  lib: typeof http | typeof https,
  target: URL,
  request: WebRequest,
  connection: { agent?: http.Agent | undefined; ca?: string },
): Promise<WebAnswer> {
  const maxBodyBytes = request.maxBodyBytes ?? 0;
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method: request.method, headers: { Accept: "text/html" }, ...connection }, (res) => {
      const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
      const status = res.statusCode ?? 0;
      if (request.method === "HEAD" || maxBodyBytes === 0) {
        res.resume();
        resolve({ status, location, body: undefined });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => resolve({ status, location, body: Buffer.concat(chunks).toString("utf8").slice(0, maxBodyBytes) });
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough read: a page is never worth more than this, whatever the server sends.
        if (size >= maxBodyBytes) {
          finish();
          res.destroy();
        }
      });
      res.on("end", finish);
      res.on("error", reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${request.timeoutMs / 1000} s`)), request.timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (error: NodeJS.ErrnoException) => reject(new Error(error.code ? `${error.code}: ${error.message}` : error.message)));
    req.end();
  });
}
