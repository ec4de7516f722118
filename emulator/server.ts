import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  handleAuthorize,
  handleAuthorizeApprove,
  handleAuthorizeDeny,
  handleDeviceApprove,
  handleDeviceDeny,
  handleDevicePage,
} from "./browser.js";
import {
  controlApprove,
  controlConfig,
  controlDeny,
  controlExpireToken,
  controlFail,
  controlRequests,
  controlState,
  countsOf,
  deviceDecisionProblem,
  type DecisionProblem,
  expireAccessToken,
  type ControlHandler,
} from "./control.js";
import { sendServiceError, sendStsError, STS_OPERATIONS } from "./errors.js";
import { federationAction, handleConsoleLanding, handleFederatedLogin, handleGetSigninToken } from "./federation.js";
import {
  flattenHeaders,
  send,
  sendTypedError,
  type Exchange,
  type Handler,
  type RequestLogEntry,
} from "./http.js";
import { handleCreateToken, handleCreateTokenWithIam, handleRegisterClient, handleStartDeviceAuthorization } from "./oidc.js";
import { handleGetRoleCredentials, handleListAccountRoles, handleListAccounts, handleLogout, handlePortalPage } from "./portal.js";
import { countFor, createState, type EmulatorKnobs, type EmulatorState, type FaultRule, type OperationCount } from "./state.js";
import { handleAssumeRole, handleGetCallerIdentity, handleUnsupportedStsAction, isStsRequest, stsAction } from "./sts.js";
import { takeFault, Throttler, toFaultRule, type FaultSpec } from "./traffic.js";

// One import for callers: the fixtures and types that go with startEmulator.
export { generateAccounts, sampleAccounts, type EmulatorAccount } from "./accounts.js";
export type { RequestLogEntry } from "./http.js";
export type { AuthorizeMode, EmulatorKnobs, EmulatorState, OperationCount, RateLimit, ThrottleConfig } from "./state.js";
export type { FaultSpec } from "./traffic.js";

export interface EmulatorOptions extends Partial<EmulatorKnobs> {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Emulator clock in epoch ms; inject one to expire codes and tokens without waiting. */
  now?: () => number;
  /** Keep only the newest N request log entries (default: all), so long benchmark runs stay flat in memory. */
  requestLogLimit?: number;
}

export interface Emulator {
  /** http://127.0.0.1:PORT; serves SSO OIDC, the SSO portal and STS on the same port. */
  readonly url: string;
  readonly port: number;
  /** Live state: knobs can be changed between (or during) requests. */
  readonly state: EmulatorState;
  /** Every request received, in arrival order, control requests included. */
  readonly requests: RequestLogEntry[];
  /** Does what clicking Allow on the verification page does; throws if the code is unknown, expired or decided. */
  approve(userCode: string): void;
  deny(userCode: string): void;
  /** Per operation: calls received, throttling answers and injected faults served. */
  counts(): Record<string, OperationCount>;
  fail(fault: FaultSpec): void;
  /** Makes an access token expired now (its refresh token keeps working). */
  expireToken(accessToken: string): void;
  close(): Promise<void>;
}

interface Operation {
  name: string;
  handler: Handler;
}

interface ControlOperation {
  name: string;
  control: ControlHandler;
}

type RouteTarget = Operation | ControlOperation;

/** Routes by path suffix, so a base path in the endpoint URL (http://host/prefix) is simply ignored. */
const ROUTES: [suffix: string, methods: Record<string, RouteTarget>][] = [
  ["/client/register", { POST: { name: "RegisterClient", handler: handleRegisterClient } }],
  ["/device_authorization", { POST: { name: "StartDeviceAuthorization", handler: handleStartDeviceAuthorization } }],
  ["/token", { POST: { name: "CreateToken", handler: handleCreateToken } }],
  ["/authorize", { GET: { name: "Authorize", handler: handleAuthorize } }],
  ["/authorize/approve", { POST: { name: "AuthorizeApprove", handler: handleAuthorizeApprove } }],
  ["/authorize/deny", { POST: { name: "AuthorizeDeny", handler: handleAuthorizeDeny } }],
  ["/device", { GET: { name: "DevicePage", handler: handleDevicePage } }],
  ["/device/approve", { POST: { name: "DeviceApprove", handler: handleDeviceApprove } }],
  ["/device/deny", { POST: { name: "DeviceDeny", handler: handleDeviceDeny } }],
  ["/assignment/accounts", { GET: { name: "ListAccounts", handler: handleListAccounts } }],
  ["/assignment/roles", { GET: { name: "ListAccountRoles", handler: handleListAccountRoles } }],
  ["/federation/credentials", { GET: { name: "GetRoleCredentials", handler: handleGetRoleCredentials } }],
  ["/logout", { POST: { name: "Logout", handler: handleLogout } }],
  ["/federation", { GET: { name: "GetSigninToken", handler: handleGetSigninToken }, POST: { name: "GetSigninToken", handler: handleGetSigninToken } }],
  ["/console-landing", { GET: { name: "ConsoleLanding", handler: handleConsoleLanding } }],
  ["/start", { GET: { name: "PortalPage", handler: handlePortalPage } }],
  ["/_emulator/approve", { POST: { name: "Emulator:approve", control: controlApprove } }],
  ["/_emulator/deny", { POST: { name: "Emulator:deny", control: controlDeny } }],
  [
    "/_emulator/config",
    { GET: { name: "Emulator:config", control: controlConfig }, POST: { name: "Emulator:config", control: controlConfig } },
  ],
  ["/_emulator/state", { GET: { name: "Emulator:state", control: controlState } }],
  ["/_emulator/requests", { GET: { name: "Emulator:requests", control: controlRequests } }],
  ["/_emulator/fail", { POST: { name: "Emulator:fail", control: controlFail } }],
  ["/_emulator/expire-token", { POST: { name: "Emulator:expire-token", control: controlExpireToken } }],
];
// Longest first, so "/device/approve" wins over "/device".
ROUTES.sort(([a], [b]) => b.length - a.length);

type Dispatch =
  | { kind: "operation"; operation: Operation; prefix: string }
  | { kind: "control"; operation: ControlOperation; prefix: string }
  | { kind: "wrong-method"; name: "MethodNotAllowed"; allowed: string[] }
  | { kind: "unknown"; name: "Unknown" };

function dispatch(method: string, url: URL, contentType: string | undefined, body: string): Dispatch {
  for (const [suffix, methods] of ROUTES) {
    if (!url.pathname.endsWith(suffix)) continue;
    const prefix = url.pathname.slice(0, url.pathname.length - suffix.length);
    const target = methods[method];
    if (!target) return { kind: "wrong-method", name: "MethodNotAllowed", allowed: Object.keys(methods) };
    if ("control" in target) return { kind: "control", operation: target, prefix };
    if (target.name === "GetSigninToken" && federationAction({ method, body, query: url.searchParams }) === "login") {
      return { kind: "operation", operation: { name: "FederatedLogin", handler: handleFederatedLogin }, prefix };
    }
    if (target.name === "CreateToken" && url.searchParams.has("aws_iam")) {
      return { kind: "operation", operation: { name: "CreateTokenWithIAM", handler: handleCreateTokenWithIam }, prefix };
    }
    return { kind: "operation", operation: target, prefix };
  }
  // awsQuery (STS) posts a form to the endpoint root, which after a base path can be any path.
  if (isStsRequest(method, contentType, url.searchParams)) {
    const action = stsAction({ body, query: url.searchParams });
    const handler = action === "GetCallerIdentity" ? handleGetCallerIdentity : action === "AssumeRole" ? handleAssumeRole : undefined;
    const operation = handler && action ? { name: action, handler } : { name: action ?? "UnknownStsAction", handler: handleUnsupportedStsAction };
    return { kind: "operation", operation, prefix: "" };
  }
  return { kind: "unknown", name: "Unknown" };
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const MALFORMED_JSON = '{"accountList":[{"accountId":"1111';
const MALFORMED_XML = '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityRes';

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { port = 0, now = Date.now, requestLogLimit = Infinity, ...knobs } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`invalid port ${port}`);
  if (!(requestLogLimit >= 0)) throw new RangeError(`invalid requestLogLimit ${requestLogLimit}`);
  const state = createState(knobs);
  const requests: RequestLogEntry[] = [];
  const throttler = new Throttler();
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = "";

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** Applies an injected fault; returns true when the response has been dealt with. */
  async function applyFault(ex: Exchange, fault: FaultRule, count: OperationCount): Promise<boolean> {
    count.faults += 1;
    switch (fault.mode) {
      case "delay":
        await sleep(fault.delayMs);
        return false;
      case "reset":
        ex.log.status = 0;
        ex.req.socket.destroy();
        return true;
      case "malformed":
        if (STS_OPERATIONS.has(ex.operation)) send(ex, 200, { "Content-Type": "text/xml" }, MALFORMED_XML);
        else send(ex, 200, { "Content-Type": "application/json" }, MALFORMED_JSON);
        return true;
      case "error":
        if (fault.status === 429) count.throttled += 1;
        if (fault.status === 429) ex.res.setHeader("Retry-After", "1");
        sendServiceError(ex, fault.status, fault.errorType, fault.message);
        return true;
    }
  }

  async function serveOperation(ex: Exchange, operation: Operation): Promise<void> {
    const count = countFor(state, operation.name);
    count.calls += 1;
    if (!throttler.admit(state, operation.name, now())) {
      count.throttled += 1;
      // STS throttles in its own dialect (400 Throttling); the restJson services use 429.
      if (STS_OPERATIONS.has(operation.name)) sendStsError(ex, 400, "Throttling", "Rate exceeded");
      else sendTypedError(ex, 429, "TooManyRequestsException", { message: "Rate exceeded" }, { "Retry-After": "1" });
      return;
    }
    const fault = takeFault(state, operation.name);
    if (fault && (await applyFault(ex, fault, count))) return;
    await operation.handler(ex, { state, now, baseUrl });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);
    const route = dispatch(method, url, req.headers["content-type"], body ?? "");
    const operation = route.kind === "operation" || route.kind === "control" ? route.operation.name : route.name;

    const log: RequestLogEntry = {
      operation,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      headers: flattenHeaders(req.headers),
      body: body ?? "",
      requestId: randomUUID(),
      receivedAt,
    };
    requests.push(log);
    if (requests.length > requestLogLimit) requests.splice(0, requests.length - requestLogLimit);
    const ex: Exchange = {
      req,
      res,
      method,
      operation,
      prefix: route.kind === "operation" || route.kind === "control" ? route.prefix : "",
      query: url.searchParams,
      body: body ?? "",
      requestId: log.requestId,
      log,
    };

    if (body === null) {
      sendTypedError(ex, 413, "RequestEntityTooLargeException", { message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes` });
      return;
    }
    switch (route.kind) {
      case "operation":
        await serveOperation(ex, route.operation);
        return;
      case "control":
        route.operation.control(ex, { state, now, baseUrl, requests });
        return;
      case "wrong-method":
        sendTypedError(
          ex,
          405,
          "MethodNotAllowedException",
          { message: `${method} is not allowed on ${url.pathname}; use ${route.allowed.join(" or ")}` },
          { Allow: route.allowed.join(", ") },
        );
        return;
      case "unknown":
        sendTypedError(ex, 404, "UnknownOperationException", {
          message:
            `The emulator has no operation for ${method} ${url.pathname}. ` +
            "SSO OIDC: POST /client/register, /device_authorization, /token; GET /authorize. " +
            "Portal: GET /assignment/accounts, /assignment/roles, /federation/credentials; POST /logout; GET /start (the portal page). " +
            "STS: form POST to /. Sign-in: GET|POST /federation. Control: /_emulator/*.",
        });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A handler bug must not take the emulator down mid-test; report it the way AWS would.
      process.stderr.write(`sso-setup emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": "InternalServerException",
        "x-amzn-RequestId": randomUUID(),
      });
      res.end(JSON.stringify({ message: "Internal emulator error" }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only, always: the emulator hands out tokens to whoever asks.
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${boundPort}`;

  const mustSucceed = (problem: DecisionProblem | null) => {
    if (problem !== null) throw new Error(problem.message);
  };
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: boundPort,
    state,
    requests,
    approve: (userCode) => mustSucceed(deviceDecisionProblem(state, now(), userCode, "approve")),
    deny: (userCode) => mustSucceed(deviceDecisionProblem(state, now(), userCode, "deny")),
    counts: () => countsOf(state),
    fail(fault) {
      const rule = toFaultRule(fault);
      if (typeof rule === "string") throw new TypeError(rule);
      state.faults.push(rule);
    },
    expireToken(accessToken) {
      if (!expireAccessToken(state, now(), accessToken)) throw new Error("Unknown access token");
    },
    close() {
      // Idempotent, so an afterEach hook can close an emulator a test already closed.
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // close() alone waits for idle keep-alive sockets, which SDK clients hold open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
