/**
 * A small hostile stand-in for SSO OIDC and the access portal (issue 12), for tests only: it answers
 * every call well-formed by default, and each operation's answer can be replaced by whatever a broken
 * or malicious service (or whoever answers in its place) might send: odd shapes, control characters,
 * shell syntax in credentials, a body that never ends. The real SDK clients reach it through
 * AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO. It lives here, not in the emulator people run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Operation =
  | "RegisterClient"
  | "StartDeviceAuthorization"
  | "CreateToken"
  | "ListAccounts"
  | "ListAccountRoles"
  | "GetRoleCredentials"
  | "Logout";

const ROUTES: Array<[string, string, Operation]> = [
  ["POST", "/client/register", "RegisterClient"],
  ["POST", "/device_authorization", "StartDeviceAuthorization"],
  ["POST", "/token", "CreateToken"],
  ["GET", "/assignment/accounts", "ListAccounts"],
  ["GET", "/assignment/roles", "ListAccountRoles"],
  ["GET", "/federation/credentials", "GetRoleCredentials"],
  ["POST", "/logout", "Logout"],
];

/** What one call is answered with. `body` is sent as JSON unless it is a string; `endless` streams forever. */
export interface Answer {
  status?: number;
  body?: unknown;
  endless?: boolean;
  /** Extra headers, e.g. x-amzn-errortype for an error answer. */
  headers?: Record<string, string>;
}

export interface CallInfo {
  /** How many times this operation was called before, this call excluded. */
  previousCalls: number;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** This stub's own base URL (http://127.0.0.1:port). */
  baseUrl: string;
}

export type Responder = (call: CallInfo) => Answer;

export interface HostileService {
  url: string;
  /** Replaces an operation's answer (a fixed one, or one computed per call). */
  answer(operation: Operation, answer: Answer | Responder): void;
  calls(operation: Operation): number;
  /** Bytes sent in endless bodies so far. */
  endlessBytesSent(): number;
  close(): Promise<void>;
}

export const ACCOUNT_ID = "111111111111";
export const GOOD_CREDENTIALS = {
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE+/=",
};

/** The well-formed answers. The device flow needs one "pending" poll so that the URL is shown. */
export function defaultAnswer(operation: Operation, call: CallInfo): Answer {
  const now = Date.now();
  switch (operation) {
    case "RegisterClient":
      return { body: { clientId: "client-1", clientSecret: "secret-1", clientIdIssuedAt: Math.floor(now / 1000), clientSecretExpiresAt: Math.floor(now / 1000) + 86_400 } };
    case "StartDeviceAuthorization":
      return {
        body: {
          deviceCode: "device-1",
          userCode: "ABCD-EFGH",
          verificationUri: `${call.baseUrl}/device`,
          verificationUriComplete: `${call.baseUrl}/device?user_code=ABCD-EFGH`,
          expiresIn: 600,
          interval: 1,
        },
      };
    case "CreateToken":
      if (call.body.grantType === "urn:ietf:params:oauth:grant-type:device_code" && call.previousCalls === 0) {
        return { status: 400, body: { error: "authorization_pending" }, headers: { "x-amzn-errortype": "AuthorizationPendingException" } };
      }
      return { body: { accessToken: "access-token-1", tokenType: "Bearer", expiresIn: 3600, refreshToken: "refresh-1" } };
    case "ListAccounts":
      return { body: { accountList: [{ accountId: ACCOUNT_ID, accountName: "dev", emailAddress: "dev@example.com" }] } };
    case "ListAccountRoles":
      return { body: { roleList: [{ roleName: "ReadOnlyAccess", accountId: call.query.get("account_id") }] } };
    case "GetRoleCredentials":
      return { body: { roleCredentials: { ...GOOD_CREDENTIALS, expiration: now + 3_600_000 } } };
    case "Logout":
      return { body: {} };
  }
}

export async function startHostileService(): Promise<HostileService> {
  const answers = new Map<Operation, Answer | Responder>();
  const counts = new Map<Operation, number>();
  const sockets = new Set<Socket>();
  let endlessBytes = 0;
  let baseUrl = "";

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.setEncoding("utf8").on("data", (d: string) => (raw += d));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", baseUrl);
      const route = ROUTES.find(([method, suffix]) => method === req.method && url.pathname.endsWith(suffix));
      if (!route) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: `no route ${req.method} ${url.pathname}` }));
        return;
      }
      const operation = route[2];
      const previousCalls = counts.get(operation) ?? 0;
      counts.set(operation, previousCalls + 1);
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      const call: CallInfo = { previousCalls, query: url.searchParams, body, baseUrl };
      const configured = answers.get(operation);
      const answer = typeof configured === "function" ? configured(call) : (configured ?? defaultAnswer(operation, call));
      const headers = { "content-type": "application/json", ...answer.headers };
      if (answer.endless) {
        res.writeHead(answer.status ?? 200, headers);
        // `{"accountList":[` and then objects without end, as fast as the client takes them.
        const chunk = Buffer.from(`{"accountId":"${ACCOUNT_ID}","accountName":"${"x".repeat(900)}"},`);
        res.write('{"accountList":[');
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) endlessBytes += chunk.length;
          if (!res.destroyed) res.once("drain", pump);
        };
        res.on("close", () => res.removeAllListeners("drain"));
        pump();
        return;
      }
      const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status ?? 200, { ...headers, "content-length": Buffer.byteLength(text) }).end(text);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    answer: (operation, answer) => answers.set(operation, answer),
    calls: (operation) => counts.get(operation) ?? 0,
    endlessBytesSent: () => endlessBytes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
