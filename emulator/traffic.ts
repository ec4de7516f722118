import type { EmulatorState, FaultMode, FaultRule, RateLimit, ThrottleConfig } from "./state.js";

/** The SDK-facing operations. "all" throttling and "*" faults cover these, never the browser pages. */
export const API_OPERATIONS: ReadonlySet<string> = new Set([
  "RegisterClient",
  "StartDeviceAuthorization",
  "CreateToken",
  "CreateTokenWithIAM",
  "ListAccounts",
  "ListAccountRoles",
  "GetRoleCredentials",
  "Logout",
  "GetCallerIdentity",
  "AssumeRole",
]);

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets, one per throttled operation plus one shared "all" bucket. Time comes from the
 * emulator clock, so a test with a frozen clock gets exactly `burst` calls through, deterministically.
 */
export class Throttler {
  private buckets = new Map<string, Bucket>();
  private config: ThrottleConfig | null = null;

  /** Returns false when the call must be answered with a throttling error. */
  admit(state: EmulatorState, operation: string, now: number): boolean {
    // Replacing the knob (tests assign a new object) starts every bucket full again.
    if (state.throttle !== this.config) {
      this.config = state.throttle;
      this.buckets.clear();
    }
    const throttle = state.throttle;
    if (!throttle) return true;
    const limits: [string, RateLimit][] = [];
    const own = throttle[operation];
    if (own) limits.push([operation, own]);
    const shared = throttle.all;
    if (shared && API_OPERATIONS.has(operation)) limits.push(["all", shared]);
    // Check every bucket before taking from any, so a refusal by one does not drain the other.
    const buckets = limits.map(([key, limit]) => this.refill(key, limit, now));
    if (buckets.some((bucket) => bucket.tokens < 1)) return false;
    for (const bucket of buckets) bucket.tokens -= 1;
    return true;
  }

  private refill(key: string, limit: RateLimit, now: number): Bucket {
    const capacity = Math.max(1, limit.burst ?? limit.ratePerSecond);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * limit.ratePerSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}

export interface FaultSpec {
  /** Operation name (e.g. "ListAccounts"), or "*" for every API operation. */
  operation: string;
  /** "error" (default): an error response; "reset": drop the connection; "malformed": 200 with a broken body; "delay": answer late. */
  mode?: FaultMode;
  /** For "error"; default 500. */
  status?: number;
  /** For "error"; default InternalServerException (TooManyRequestsException for 429). */
  errorType?: string;
  message?: string;
  /** For "delay"; default 1000. */
  delayMs?: number;
  /** How many requests to hit; default 1. */
  count?: number;
}

const FAULT_MODES = new Set<FaultMode>(["error", "reset", "malformed", "delay"]);

/** Validates a fault from tests or from JSON, returning the rule or a reason it is unusable. */
export function toFaultRule(spec: unknown): FaultRule | string {
  if (typeof spec !== "object" || spec === null) return "fault must be a JSON object";
  const s = spec as Record<string, unknown>;
  if (typeof s.operation !== "string" || s.operation === "") return 'fault needs "operation" (an operation name or "*")';
  const mode = s.mode ?? "error";
  if (typeof mode !== "string" || !FAULT_MODES.has(mode as FaultMode)) return `fault "mode" must be one of ${[...FAULT_MODES].join(", ")}`;
  const status = s.status ?? 500;
  if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) return 'fault "status" must be an HTTP error status (400-599)';
  const count = s.count ?? 1;
  if (!Number.isInteger(count) || (count as number) < 1) return 'fault "count" must be an integer ≥ 1';
  const delayMs = s.delayMs ?? 1000;
  if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) return 'fault "delayMs" must be a number ≥ 0';
  const errorType = s.errorType ?? (status === 429 ? "TooManyRequestsException" : status === 503 ? "ServiceUnavailableException" : "InternalServerException");
  if (typeof errorType !== "string" || errorType === "") return 'fault "errorType" must be a non-empty string';
  const message = s.message ?? (status === 429 ? "Rate exceeded" : "Injected fault from the sso-setup emulator");
  if (typeof message !== "string") return 'fault "message" must be a string';
  return {
    operation: s.operation,
    mode: mode as FaultMode,
    status: status as number,
    errorType,
    message,
    delayMs,
    remaining: count as number,
  };
}

/** Takes one hit from the first rule matching the operation; spent rules are removed. */
export function takeFault(state: EmulatorState, operation: string): FaultRule | undefined {
  const index = state.faults.findIndex(
    (rule) => rule.remaining > 0 && (rule.operation === operation || (rule.operation === "*" && API_OPERATIONS.has(operation))),
  );
  if (index < 0) return undefined;
  const rule = state.faults[index];
  if (!rule) return undefined;
  rule.remaining -= 1;
  if (rule.remaining <= 0) state.faults.splice(index, 1);
  return rule;
}
