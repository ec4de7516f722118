/**
 * Pure helpers for the files shared with the AWS CLI and SDKs: cache keys, timestamps and the JSON
 * flavour botocore writes. No IO here.
 */
import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** Tokens and registrations with less than this left are treated as expired (botocore's window). */
export const EXPIRY_WINDOW_MS = 15 * 60 * 1000;

/** The token cache file as the AWS CLI writes it; extra keys written by other tools are tolerated. */
export interface CachedToken {
  startUrl?: string;
  region?: string;
  accessToken: string;
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

export interface CachedRegistration {
  clientId: string;
  clientSecret: string;
  expiresAt: string;
  scopes?: string[];
  grantTypes?: string[];
}

/**
 * The cache files' names. Not node:crypto: loading it costs a sixth of a bare Node start, and
 * credential_process reads these files at every SDK client start (test/unit/token.test.ts checks the
 * two agree).
 */
export function sha1Hex(text: string): string {
  return bytesToHex(sha1(utf8ToBytes(text)));
}

/** sha1 of the session name, or of the start URL exactly as configured for legacy profiles. */
export function tokenCacheKey(target: { sessionName?: string | undefined; startUrl: string }): string {
  return sha1Hex(target.sessionName ?? target.startUrl);
}

/**
 * botocore's registration key: sha1 of Python's `json.dumps(..., sort_keys=True)` over the configured
 * start URL, SSO region, parsed scopes (null when none are configured) and session name. Matching it
 * byte for byte lets `aws` and sso-setup share one client registration.
 */
export function registrationCacheKey(input: {
  startUrl: string;
  region: string;
  scopes: string[] | undefined;
  sessionName: string | undefined;
}): string {
  return sha1Hex(
    pythonJsonDumps(
      {
        tool: "botocore",
        startUrl: input.startUrl,
        region: input.region,
        scopes: input.scopes ?? null,
        session_name: input.sessionName ?? null,
      },
      { sortKeys: true },
    ),
  );
}

/**
 * Python's default `json.dumps`: `", "` and `": "` separators and non-ASCII escaped as \uXXXX
 * (ensure_ascii). Used for the registration key and for cache files, so our files look like the CLI's.
 * `compact` is `separators=(",", ":")`, which botocore uses for the role-credential cache key.
 */
export function pythonJsonDumps(value: unknown, options: { sortKeys?: boolean; compact?: boolean } = {}): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return asciiJsonString(value);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  const [comma, colon] = options.compact ? [",", ":"] : [", ", ": "];
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, options)).join(comma)}]`;
  if (typeof value === "object") {
    let entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${asciiJsonString(k)}${colon}${pythonJsonDumps(v, options)}`).join(comma)}}`;
  }
  throw new TypeError(`cannot serialise ${typeof value}`);
}

function asciiJsonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `YYYY-MM-DDTHH:MM:SSZ`: the CLI's format since 2.1.14, which every reader accepts. */
export function formatTimestamp(epochMs: number): string {
  return `${utcDateTime(epochMs)}Z`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS` in UTC, to the whole second: toISOString() without its milliseconds and
 * zone. Made from the UTC fields because V8's first toISOString() of a process costs most of a
 * millisecond, and export-credentials and exec format an expiry on every run. Years toISOString()
 * writes otherwise (before 0, after 9999) and invalid times still go to it, for its text or its
 * RangeError.
 */
export function utcDateTime(epochMs: number): string {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString().replace(/\.\d{3}Z$/, "");
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const day = `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return `${day}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/**
 * Reads every form the SDKs and older CLIs have written: `...Z`, `...UTC` (CLI before 2.1.14),
 * `+00:00` offsets and fractional seconds (the JS SDK). A zone-less value is taken as UTC, since
 * every writer means UTC. Returns epoch ms, or NaN when the text is not a timestamp.
 */
export function parseTimestamp(text: unknown): number {
  if (typeof text !== "string") return Number.NaN;
  const trimmed = text.trim();
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(trimmed);
  if (!match) return Number.NaN;
  const [, date, time, zone] = match;
  let offset = "Z";
  if (zone && /^[+-]/.test(zone)) offset = zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${date}T${time}${offset}`);
}

/** True when the timestamp is valid and at least `windowMs` in the future. */
export function isFresh(expiresAt: unknown, nowMs: number, windowMs = EXPIRY_WINDOW_MS): boolean {
  const expiry = parseTimestamp(expiresAt);
  return Number.isFinite(expiry) && expiry - nowMs >= windowMs;
}

/** Parses `sso_registration_scopes` the way the CLI does: split on commas, strip, drop empties. */
export function parseScopes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
