/**
 * The AWS CLI's cache of SSO role credentials in ~/.aws/cli/cache (aws-cli-sso-behavior.md §9): the
 * same key and the same file, so `aws` and sso-setup hand each other credentials instead of each
 * calling GetRoleCredentials.
 */
import { EXPIRY_WINDOW_MS, formatTimestamp, parseTimestamp, pythonJsonDumps, sha1Hex } from "../sso/token.js";
import { formatExpiration, type Credentials } from "./formatters.js";
import { areValidCredentials } from "./validate.js";

export interface RoleRef {
  accountId: string;
  roleName: string;
  /** The profile's sso_session; without one, the profile's start URL keys the entry. */
  sessionName?: string | undefined;
  startUrl: string;
}

/** sha1 of botocore's `json.dumps(args, sort_keys=True, separators=(",", ":"))`. */
export function roleCredentialsCacheKey(ref: RoleRef): string {
  const args = ref.sessionName
    ? { roleName: ref.roleName, accountId: ref.accountId, sessionName: ref.sessionName }
    : { roleName: ref.roleName, accountId: ref.accountId, startUrl: ref.startUrl };
  return sha1Hex(pythonJsonDumps(args, { sortKeys: true, compact: true }));
}

/** The entry as the AWS CLI writes it (key order included); Expiration loses its milliseconds. */
export function roleCacheEntry(creds: Required<Credentials>, accountId: string): Record<string, unknown> {
  return {
    ProviderType: "sso",
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: formatTimestamp(creds.expiration),
      AccountId: accountId,
    },
  };
}

/** Credentials from a cache entry while they have 15 minutes left (the AWS CLI's rule), else null. */
export function usableCachedCredentials(raw: Record<string, unknown> | null, now: number): Credentials | null {
  const c = raw?.Credentials as Record<string, unknown> | undefined;
  if (!c || typeof c.AccessKeyId !== "string" || typeof c.SecretAccessKey !== "string") return null;
  const expiration = parseTimestamp(c.Expiration);
  if (!Number.isFinite(expiration) || expiration - now < EXPIRY_WINDOW_MS) return null;
  const creds: Credentials = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: typeof c.SessionToken === "string" ? c.SessionToken : undefined,
    expiration,
  };
  // A file planted or damaged in the cache is fetched anew rather than printed for a shell.
  return areValidCredentials(creds) ? creds : null;
}

/** What an AssumeRole of a role-chained profile sends, as configured (daily-use.md §4.3). */
export interface AssumeRoleArgs {
  roleArn: string;
  /** Only a configured role_session_name: the generated default stays out of the key. */
  roleSessionName?: string | undefined;
  externalId?: string | undefined;
  serialNumber?: string | undefined;
  durationSeconds?: number | undefined;
}

/**
 * botocore's BaseAssumeRoleCredentialFetcher._create_cache_key: sha1 of `json.dumps(args,
 * sort_keys=True)` with Python's default separators (", " and ": ", unlike the SSO key) over the
 * AssumeRole arguments as configured; no source profile, region or MFA code. A hex digest has none
 * of the characters the CLI makes file-safe.
 */
export function assumeRoleCacheKey(args: AssumeRoleArgs): string {
  const kwargs = {
    RoleArn: args.roleArn,
    RoleSessionName: args.roleSessionName,
    ExternalId: args.externalId,
    SerialNumber: args.serialNumber,
    DurationSeconds: args.durationSeconds,
  };
  return sha1Hex(pythonJsonDumps(kwargs, { sortKeys: true }));
}

/**
 * The whole AssumeRole response as the AWS CLI v2 caches it, AccountId added from the ARN and the
 * expiry in its `+00:00` form (v1 writes `...Z`; readers take both).
 */
export function assumeRoleCacheEntry(role: {
  credentials: Required<Credentials>;
  arn: string;
  assumedRoleId: string;
  requestId: string | undefined;
  attempts: number;
}): Record<string, unknown> {
  return {
    Credentials: {
      AccessKeyId: role.credentials.accessKeyId,
      SecretAccessKey: role.credentials.secretAccessKey,
      SessionToken: role.credentials.sessionToken,
      Expiration: formatExpiration(role.credentials.expiration),
      AccountId: role.arn.split(":")[4] ?? "",
    },
    AssumedRoleUser: { AssumedRoleId: role.assumedRoleId, Arn: role.arn },
    ResponseMetadata: { RequestId: role.requestId ?? "", HTTPStatusCode: 200, RetryAttempts: Math.max(0, role.attempts - 1) },
  };
}
