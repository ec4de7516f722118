import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState } from "./state.js";

export interface RequestLogEntry {
  operation: string;
  method: string;
  /** The path as received, base-path prefix included. */
  path: string;
  query: Record<string, string>;
  /** Status sent; 0 while unanswered or when the connection was reset on purpose. */
  status: number;
  headers: Record<string, string>;
  body: string;
  requestId: string;
  /** Emulator clock, epoch ms. */
  receivedAt: number;
}

/** One request/response pair as the handlers see it. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly operation: string;
  /** Whatever came before the route, e.g. "/prefix" for an endpoint of http://127.0.0.1:PORT/prefix. */
  readonly prefix: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly requestId: string;
  readonly log: RequestLogEntry;
}

export interface HandlerContext {
  readonly state: EmulatorState;
  readonly now: () => number;
  /** http://127.0.0.1:PORT, no trailing slash. */
  readonly baseUrl: string;
}

export type Handler = (ex: Exchange, ctx: HandlerContext) => void | Promise<void>;

export function send(ex: Exchange, status: number, headers: Record<string, string | number>, body: string): void {
  ex.log.status = status;
  ex.res.writeHead(status, {
    "x-amzn-RequestId": ex.requestId,
    "Content-Length": Buffer.byteLength(body),
    ...headers,
  });
  ex.res.end(body);
}

export function sendJson(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(ex, status, { "Content-Type": "application/json", ...headers }, JSON.stringify(body));
}

/** The SDKs pick the exception class from x-amzn-ErrorType only; the body never decides it. */
export function sendTypedError(
  ex: Exchange,
  status: number,
  errorType: string,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJson(ex, status, body, { "x-amzn-ErrorType": errorType, ...headers });
}

export function sendHtml(ex: Exchange, status: number, html: string): void {
  send(ex, status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }, html);
}

export function sendXml(ex: Exchange, status: number, xml: string): void {
  send(ex, status, { "Content-Type": "text/xml" }, xml);
}

export function redirect(ex: Exchange, location: string): void {
  send(ex, 302, { Location: location, "Content-Type": "text/plain; charset=utf-8" }, `Redirecting to ${location}\n`);
}

/** Parses a JSON object body; anything else (including arrays) is undefined. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  if (body.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A list-of-strings member: undefined when absent, null when present but not a list of strings. */
export function stringListField(body: Record<string, unknown>, key: string): string[] | undefined | null {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : null;
}

export function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function escapeXml(text: string): string {
  return escapeHtml(text);
}
