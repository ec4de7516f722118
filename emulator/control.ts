import { generateAccounts } from "./accounts.js";
import { parseJsonObject, sendJson, type Exchange, type HandlerContext, type RequestLogEntry } from "./http.js";
import { decideDeviceAuthorization, type DeviceDecision } from "./oidc.js";
import { applyKnobs, knobsOf, type EmulatorState, type OperationCount } from "./state.js";
import { toFaultRule } from "./traffic.js";

// The /_emulator/* endpoints: the same levers tests pull on `emulator.state`, for a demo or a
// benchmark that runs the emulator as a separate process.

export interface ControlContext extends HandlerContext {
  readonly requests: RequestLogEntry[];
}

export type ControlHandler = (ex: Exchange, ctx: ControlContext) => void;

function body(ex: Exchange): Record<string, unknown> | undefined {
  const parsed = parseJsonObject(ex.body);
  if (!parsed) sendJson(ex, 400, { message: "The request body must be a JSON object" });
  return parsed;
}

export function countsOf(state: EmulatorState): Record<string, OperationCount> {
  return Object.fromEntries([...state.counts].map(([operation, count]) => [operation, { ...count }]));
}

export interface DecisionProblem {
  /** The HTTP status the control endpoint answers with. */
  status: 404 | 409;
  message: string;
}

/** Applies an approve/deny; shared by the in-process helpers and the HTTP knobs. Null on success. */
export function deviceDecisionProblem(state: EmulatorState, now: number, userCode: string, decision: DeviceDecision): DecisionProblem | null {
  const result = decideDeviceAuthorization(state, now, userCode, decision);
  if (result.ok) return null;
  switch (result.reason) {
    case "unknown":
      return { status: 404, message: `No device authorization has user code "${userCode}"` };
    case "expired":
      return { status: 409, message: `The device code for user code "${userCode}" has expired` };
    case "already-decided":
      return { status: 409, message: `User code "${userCode}" was already ${result.auth?.status === "denied" ? "denied" : "approved"}` };
  }
}

function decide(decision: DeviceDecision): ControlHandler {
  return (ex, ctx) => {
    const b = body(ex);
    if (!b) return;
    if (typeof b.userCode !== "string" || b.userCode === "") {
      sendJson(ex, 400, { message: 'Expected {"userCode": "ABCD-EFGH"}' });
      return;
    }
    const problem = deviceDecisionProblem(ctx.state, ctx.now(), b.userCode, decision);
    if (problem === null) sendJson(ex, 200, { userCode: b.userCode, status: decision === "approve" ? "approved" : "denied" });
    else sendJson(ex, problem.status, { message: problem.message });
  };
}

export const controlApprove = decide("approve");
export const controlDeny = decide("deny");

export const controlConfig: ControlHandler = (ex, ctx) => {
  if (ex.method === "GET") {
    sendJson(ex, 200, knobsOf(ctx.state));
    return;
  }
  const b = body(ex);
  if (!b) return;
  // Sending 5,000 accounts as JSON is slow and pointless when the generator is deterministic.
  const { generateAccounts: generate, ...knobs } = b;
  if (generate !== undefined) {
    const g = generate as { count?: unknown; rolesPerAccount?: unknown } | null;
    if (typeof g !== "object" || g === null || !Number.isInteger(g.count) || (g.rolesPerAccount !== undefined && !Number.isInteger(g.rolesPerAccount))) {
      sendJson(ex, 400, { message: 'generateAccounts must be {"count": N, "rolesPerAccount"?: M}' });
      return;
    }
    if ("accounts" in knobs) {
      sendJson(ex, 400, { message: "Send either accounts or generateAccounts, not both" });
      return;
    }
    knobs.accounts = generateAccounts(g.count as number, (g.rolesPerAccount as number | undefined) ?? 3);
  }
  const errors = applyKnobs(ctx.state, knobs);
  if (errors.length > 0) {
    sendJson(ex, 400, { message: errors.join("; ") });
    return;
  }
  const { accounts, ...rest } = knobsOf(ctx.state);
  sendJson(ex, 200, { ...rest, accountCount: accounts.length });
};

export const controlState: ControlHandler = (ex, ctx) => {
  const { state } = ctx;
  const now = ctx.now();
  const { accounts, ...knobs } = knobsOf(state);
  sendJson(ex, 200, {
    now,
    knobs: { ...knobs, accountCount: accounts.length },
    counts: countsOf(state),
    pendingDeviceCodes: [...state.deviceAuthorizations.values()]
      .filter((auth) => auth.status === "pending" && now < auth.expiresAt)
      .map((auth) => ({
        userCode: auth.userCode,
        clientId: auth.clientId,
        clientName: state.registrations.get(auth.clientId)?.clientName ?? null,
        startUrl: auth.startUrl,
        polls: auth.polls,
        expiresAt: auth.expiresAt,
      })),
    registrations: [...state.registrations.values()].map(({ clientSecret: _secret, ...registration }) => registration),
    accessTokens: [...state.accessTokens.values()].map((token) => ({
      ...token,
      live: !token.revoked && now < token.expiresAt,
    })),
    refreshTokens: [...state.refreshTokens.values()],
    roleCredentials: [...state.roleCredentials.values()],
    faults: state.faults,
  });
};

export const controlFail: ControlHandler = (ex, ctx) => {
  const b = body(ex);
  if (!b) return;
  if (b.clear === true) {
    ctx.state.faults.length = 0;
    sendJson(ex, 200, { faults: ctx.state.faults });
    return;
  }
  const rule = toFaultRule(b);
  if (typeof rule === "string") {
    sendJson(ex, 400, { message: rule });
    return;
  }
  ctx.state.faults.push(rule);
  sendJson(ex, 200, { faults: ctx.state.faults });
};

/** Marks an access token expired (refresh still works), as if its lifetime had run out. */
export function expireAccessToken(state: EmulatorState, now: number, accessToken: string): boolean {
  const record = state.accessTokens.get(accessToken);
  if (!record) return false;
  record.expiresAt = Math.min(record.expiresAt, now - 1);
  return true;
}

export const controlExpireToken: ControlHandler = (ex, ctx) => {
  const b = body(ex);
  if (!b) return;
  if (typeof b.accessToken !== "string") {
    sendJson(ex, 400, { message: 'Expected {"accessToken": "..."}' });
    return;
  }
  if (!expireAccessToken(ctx.state, ctx.now(), b.accessToken)) {
    sendJson(ex, 404, { message: "Unknown access token" });
    return;
  }
  sendJson(ex, 200, { accessToken: b.accessToken, expired: true });
};

export const controlRequests: ControlHandler = (ex, ctx) => {
  const operation = ex.query.get("operation");
  sendJson(ex, 200, operation === null ? ctx.requests : ctx.requests.filter((r) => r.operation === operation));
};
