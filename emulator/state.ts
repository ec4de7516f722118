import { sampleAccounts, type EmulatorAccount } from "./accounts.js";

export interface RateLimit {
  ratePerSecond: number;
  /** Bucket size; defaults to ratePerSecond (at least 1). */
  burst?: number;
}

/** Keyed by operation name; the key "all" is one bucket shared by every API operation. */
export type ThrottleConfig = Record<string, RateLimit>;

export type AuthorizeMode = "approve" | "deny" | "page" | "wrong-state";

/** Behaviour switches. Tests flip them on `emulator.state`; other processes use POST /_emulator/config. */
export interface EmulatorKnobs {
  /** When non-empty, StartDeviceAuthorization rejects any other start URL (how a typo'd URL surfaces). */
  startUrls: string[];
  /** Seconds from RegisterClient to clientSecretExpiresAt. */
  registrationLifetimeSeconds: number;
  /** Device code lifetime in seconds (the `expiresIn` of StartDeviceAuthorization). */
  deviceCodeExpiresIn: number;
  /** Polling interval in seconds handed to clients. */
  interval: number;
  /** Answer SlowDownException when a device code is polled sooner than its interval. */
  enforceInterval: boolean;
  /** Answer the next device-code poll with SlowDownException, then clear itself. */
  slowDownOnce: boolean;
  /** The first N polls of a device code stay pending and poll N+1 gets the token; null = wait for a human. */
  autoApproveAfterPolls: number | null;
  /** Access token lifetime in seconds. */
  accessTokenExpiresIn: number;
  /**
   * After this many more portal calls served with a live access token, that token expires (its
   * refresh token keeps working), as if its lifetime ran out in the middle of a long run; the knob
   * then clears itself. null = off.
   */
  expireAccessTokenAfterCalls: number | null;
  /** "auto": only registrations with scopes or the refresh_token grant get a refresh token. */
  issueRefreshToken: "auto" | boolean;
  /** When false, a refresh keeps the old refresh token valid and the response has none. */
  rotateRefreshTokens: boolean;
  /** How GET /authorize answers the browser. */
  authorizeMode: AuthorizeMode;
  accounts: EmulatorAccount[];
  /** Page size when the caller sends no max_result (the real service pages small by default). */
  defaultPageSize: number;
  /** Role credential lifetime in seconds. */
  roleCredentialsExpiresIn: number;
  /**
   * Lifetime in seconds of credentials issued by STS AssumeRole; null = the DurationSeconds asked
   * for (3600 when none), as STS does. Tests set a few seconds to watch chained credentials expire.
   */
  assumeRoleExpiresIn: number | null;
  /** Role ARNs whose AssumeRole answers AccessDenied, as a trust policy that leaves the caller out. */
  deniedRoleArns: string[];
  /** Every role's MaxSessionDuration in seconds (IAM's default is 3600); a longer DurationSeconds is a ValidationError. */
  maxSessionDuration: number;
  throttle: ThrottleConfig | null;
  /** The human behind every token; appears in STS ARNs. */
  userName: string;
  /** The region the portal's start page (GET …/start) declares in its meta tag. */
  portalRegion: string;
}

export function defaultKnobs(): EmulatorKnobs {
  return {
    startUrls: [],
    registrationLifetimeSeconds: 90 * 24 * 60 * 60,
    deviceCodeExpiresIn: 600,
    interval: 1,
    enforceInterval: false,
    slowDownOnce: false,
    autoApproveAfterPolls: null,
    accessTokenExpiresIn: 8 * 60 * 60,
    expireAccessTokenAfterCalls: null,
    issueRefreshToken: "auto",
    rotateRefreshTokens: true,
    authorizeMode: "approve",
    accounts: sampleAccounts(),
    defaultPageSize: 20,
    roleCredentialsExpiresIn: 60 * 60,
    assumeRoleExpiresIn: null,
    deniedRoleArns: [],
    maxSessionDuration: 60 * 60,
    throttle: null,
    userName: "developer@example.com",
    portalRegion: "us-east-1",
  };
}

export interface Registration {
  clientId: string;
  clientSecret: string;
  clientName: string;
  clientType: string;
  scopes: string[];
  grantTypes: string[];
  redirectUris: string[];
  issuerUrl?: string;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
}

export type DeviceAuthorizationStatus = "pending" | "approved" | "denied" | "consumed";

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  startUrl: string;
  status: DeviceAuthorizationStatus;
  issuedAt: number;
  expiresAt: number;
  /** Seconds; grows by 5 with every slow_down, as RFC 8628 §3.5 makes clients do. */
  interval: number;
  polls: number;
  lastPollAt: number | null;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

/** An /authorize request parked while the "page" mode waits for the Allow/Deny click. */
export interface PendingAuthorize {
  requestId: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  scopes: string[];
  expiresAt: number;
}

export interface AccessTokenRecord {
  accessToken: string;
  clientId: string;
  startUrl: string | null;
  grantType: string;
  issuedAt: number;
  expiresAt: number;
  refreshToken: string | null;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  refreshToken: string;
  clientId: string;
  startUrl: string | null;
  issuedAt: number;
  revoked: boolean;
}

export interface IssuedRoleCredentials {
  accessKeyId: string;
  /** Kept so the federation endpoint can check all three parts of a Session it is handed. */
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  /** Epoch ms. */
  expiration: number;
  /**
   * True for credentials minted by STS AssumeRole (absent for the portal's GetRoleCredentials):
   * a chained AssumeRole is capped at one hour, and the console federation endpoint treats them apart.
   */
  mintedByAssumeRole?: boolean;
  /** AssumeRole's RoleSessionName, the last part of the assumed-role ARN. */
  sessionName?: string;
}

/** A console sign-in token from getSigninToken, good for one Action=login within 15 minutes. */
export interface SigninTokenRecord {
  accessKeyId: string;
  /** Epoch ms. */
  issuedAt: number;
  /** Seconds, when the caller asked for one. */
  sessionDuration: number | undefined;
}

export type FaultMode = "error" | "reset" | "malformed" | "delay";

export interface FaultRule {
  /** Operation name, or "*" for any operation. */
  operation: string;
  mode: FaultMode;
  status: number;
  errorType: string;
  message: string;
  delayMs: number;
  /** Requests still to be hit; the rule is dropped at zero. */
  remaining: number;
}

export interface OperationCount {
  calls: number;
  /** Throttling answers served (429, or STS's Throttling), from the throttle or injected faults. */
  throttled: number;
  /** Injected faults applied. */
  faults: number;
}

export interface EmulatorState extends EmulatorKnobs {
  readonly registrations: Map<string, Registration>;
  /** Keyed by device code. */
  readonly deviceAuthorizations: Map<string, DeviceAuthorization>;
  /** User code → device code. */
  readonly userCodes: Map<string, string>;
  readonly authorizationCodes: Map<string, AuthorizationCode>;
  readonly pendingAuthorizations: Map<string, PendingAuthorize>;
  readonly accessTokens: Map<string, AccessTokenRecord>;
  readonly refreshTokens: Map<string, RefreshTokenRecord>;
  /** Keyed by access key ID, so STS can say who is calling. */
  readonly roleCredentials: Map<string, IssuedRoleCredentials>;
  /** Console sign-in tokens, keyed by token. */
  readonly signinTokens: Map<string, SigninTokenRecord>;
  readonly faults: FaultRule[];
  readonly counts: Map<string, OperationCount>;
}

export function createState(knobs: Partial<EmulatorKnobs> = {}): EmulatorState {
  const state: EmulatorState = {
    ...defaultKnobs(),
    registrations: new Map(),
    deviceAuthorizations: new Map(),
    userCodes: new Map(),
    authorizationCodes: new Map(),
    pendingAuthorizations: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    roleCredentials: new Map(),
    signinTokens: new Map(),
    faults: [],
    counts: new Map(),
  };
  const errors = applyKnobs(state, knobs);
  if (errors.length > 0) throw new TypeError(`invalid emulator options: ${errors.join("; ")}`);
  return state;
}

const isNonNegativeNumber = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isPositiveInteger = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

function isRateLimit(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const { ratePerSecond, burst } = v as Record<string, unknown>;
  return typeof ratePerSecond === "number" && ratePerSecond > 0 && (burst === undefined || isNonNegativeNumber(burst));
}

function isAccount(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.accountId === "string" &&
    /^\d{12}$/.test(a.accountId) &&
    (a.accountName === undefined || typeof a.accountName === "string") &&
    (a.emailAddress === undefined || typeof a.emailAddress === "string") &&
    Array.isArray(a.roles) &&
    a.roles.every((r) => typeof r === "string")
  );
}

// One checker per knob: POST /_emulator/config carries untrusted JSON from another process, and a
// typo there should fail loudly instead of silently leaving the default in place.
const KNOB_CHECKS: { [K in keyof EmulatorKnobs]: [check: (v: unknown) => boolean, expected: string] } = {
  startUrls: [(v) => Array.isArray(v) && v.every((u) => typeof u === "string"), "an array of strings"],
  registrationLifetimeSeconds: [isNonNegativeNumber, "a number of seconds"],
  deviceCodeExpiresIn: [isNonNegativeNumber, "a number of seconds"],
  interval: [isNonNegativeNumber, "a number of seconds"],
  enforceInterval: [(v) => typeof v === "boolean", "a boolean"],
  slowDownOnce: [(v) => typeof v === "boolean", "a boolean"],
  autoApproveAfterPolls: [(v) => v === null || (Number.isInteger(v) && (v as number) >= 0), "null or an integer ≥ 0"],
  accessTokenExpiresIn: [isNonNegativeNumber, "a number of seconds"],
  expireAccessTokenAfterCalls: [(v) => v === null || isPositiveInteger(v), "null or an integer ≥ 1"],
  issueRefreshToken: [(v) => v === "auto" || typeof v === "boolean", '"auto", true or false'],
  rotateRefreshTokens: [(v) => typeof v === "boolean", "a boolean"],
  authorizeMode: [(v) => v === "approve" || v === "deny" || v === "page" || v === "wrong-state", '"approve", "deny", "page" or "wrong-state"'],
  accounts: [(v) => Array.isArray(v) && v.every(isAccount), "an array of {accountId (12 digits), accountName?, emailAddress?, roles}"],
  defaultPageSize: [isPositiveInteger, "an integer ≥ 1"],
  roleCredentialsExpiresIn: [isNonNegativeNumber, "a number of seconds"],
  assumeRoleExpiresIn: [(v) => v === null || isNonNegativeNumber(v), "null or a number of seconds"],
  deniedRoleArns: [(v) => Array.isArray(v) && v.every((a) => typeof a === "string"), "an array of role ARNs"],
  maxSessionDuration: [isPositiveInteger, "an integer number of seconds ≥ 1"],
  throttle: [
    (v) => v === null || (typeof v === "object" && !Array.isArray(v) && Object.values(v as object).every(isRateLimit)),
    "null or {operation|all: {ratePerSecond > 0, burst?}}",
  ],
  userName: [(v) => typeof v === "string" && v.length > 0, "a non-empty string"],
  portalRegion: [(v) => typeof v === "string" && /^[a-z0-9-]{1,40}$/.test(v), "a region name such as eu-west-1"],
};

export const KNOB_NAMES = Object.keys(KNOB_CHECKS) as (keyof EmulatorKnobs)[];

function isKnobName(key: string): key is keyof EmulatorKnobs {
  return Object.hasOwn(KNOB_CHECKS, key);
}

/**
 * Shallow-merges `patch` into the knobs after checking every key; nothing is applied when any key
 * is wrong. Returns the problems found (empty on success).
 */
export function applyKnobs(state: EmulatorState, patch: unknown): string[] {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return ["knobs must be a JSON object"];
  const errors: string[] = [];
  const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
  for (const [key, value] of entries) {
    if (!isKnobName(key)) {
      errors.push(`unknown knob "${key}" (known: ${KNOB_NAMES.join(", ")})`);
      continue;
    }
    const [check, expected] = KNOB_CHECKS[key];
    if (!check(value)) errors.push(`knob "${key}" must be ${expected}`);
  }
  if (errors.length > 0) return errors;
  Object.assign(state, Object.fromEntries(entries));
  return [];
}

export function knobsOf(state: EmulatorState): EmulatorKnobs {
  return Object.fromEntries(KNOB_NAMES.map((name) => [name, state[name]])) as unknown as EmulatorKnobs;
}

export function countFor(state: EmulatorState, operation: string): OperationCount {
  let count = state.counts.get(operation);
  if (!count) {
    count = { calls: 0, throttled: 0, faults: 0 };
    state.counts.set(operation, count);
  }
  return count;
}
