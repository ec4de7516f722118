/**
 * Credentials are checked against what AWS issues before they are cached or printed: their values
 * end up in `eval "$(sso-setup export-credentials --format env)"`, in PowerShell and cmd.exe, and in
 * the AWS CLI's cache, so a value with `$(…)`, quotes or `;` from a hostile or broken answer must
 * never get that far. Shared by every path credentials enter by (GetRoleCredentials, AssumeRole).
 */
import { ServiceError } from "../errors.js";
import type { Credentials } from "./formatters.js";

/** Access key IDs are upper-case letters and digits (AKIA…, ASIA…), 16 to 128 of them (IAM's AccessKeyIdType). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** Secret keys and session tokens are base64 text. */
const BASE64ISH = /^[A-Za-z0-9/+=]+$/;
/** Far above any session token AWS issues (a few KB), far below what could hurt. */
const MAX_SECRET_LENGTH = 16 * 1024;

export class InvalidCredentialsError extends ServiceError {
  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super(
      `The credentials from ${source} are not valid AWS credentials: ${field} ${problem}. Nothing was cached or printed; ` +
        "the answer did not come from AWS as it should (check AWS_ENDPOINT_URL* and any proxy on the way).",
      "InvalidCredentials",
    );
  }
}

/** The problem with one field, or undefined. Never quotes the value: it may be a secret. */
function problemWith(field: keyof Credentials, value: unknown): string | undefined {
  if (field === "expiration") {
    return typeof value === "number" && Number.isFinite(value) ? undefined : "is not a valid time";
  }
  if (typeof value !== "string" || value === "") return "is missing or not text";
  if (field === "accessKeyId") {
    return ACCESS_KEY_ID.test(value) ? undefined : "is not 16 to 128 upper-case letters and digits";
  }
  if (value.length > MAX_SECRET_LENGTH) return `is longer than ${MAX_SECRET_LENGTH} characters`;
  return BASE64ISH.test(value) ? undefined : "has characters other than letters, digits and / + =";
}

/**
 * Throws InvalidCredentialsError naming the first field AWS would never issue. `source` names the
 * call (or file) the credentials came from. The session token is optional (long-term keys have none).
 */
export function assertValidCredentials(creds: Credentials, source: string): void {
  const fields: Array<keyof Credentials> = ["accessKeyId", "secretAccessKey"];
  if (creds.sessionToken !== undefined) fields.push("sessionToken");
  if (creds.expiration !== undefined) fields.push("expiration");
  for (const field of fields) {
    const problem = problemWith(field, creds[field]);
    if (problem) throw new InvalidCredentialsError(source, field, problem);
  }
}

/** The same check as a boolean, for entries read from a cache: an invalid one is not used. */
export function areValidCredentials(creds: Credentials): boolean {
  try {
    assertValidCredentials(creds, "the cache");
    return true;
  } catch {
    return false;
  }
}
