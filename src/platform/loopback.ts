/**
 * The loopback HTTP listeners: the one that receives the browser's redirect in the
 * authorization-code flow, and the container credential endpoint of `exec --server`. The only module
 * that imports node:http. Both bind 127.0.0.1 alone (the AWS CLI binds every interface, which lets
 * anyone on the network knock on the port), on a port the OS picks.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackRequest {
  path: string;
  query: URLSearchParams;
}

export interface LoopbackResponse {
  status: number;
  /** A complete HTML document. */
  html: string;
}

export type LoopbackHandler = (request: LoopbackRequest) => Promise<LoopbackResponse>;

export interface LoopbackServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface Loopback {
  /** Rejects with the OS error when no port can be bound. */
  listen(handler: LoopbackHandler): Promise<LoopbackServer>;
}

const HOST = "127.0.0.1";

// The callback URL carries a one-time code: the page must not be cached, framed, or leak the URL
// through a Referer, and it needs no script at all.
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  Connection: "close",
};

function plainPage(title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><p>${title}</p></body></html>`;
}

export const nodeLoopback: Loopback = {
  async listen(handler) {
    // Loaded on first use: only a browser sign-in needs an HTTP server.
    const { createServer } = await import("node:http");
    let port = 0;
    const answer = (res: ServerResponse, response: LoopbackResponse) => {
      res.writeHead(response.status, PAGE_HEADERS);
      res.end(response.html);
    };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      // A page on another site that points a name at 127.0.0.1 (DNS rebinding) sends its own Host.
      if (req.headers.host !== `${HOST}:${port}`) return answer(res, { status: 400, html: plainPage("Bad request") });
      if (req.method !== "GET") return answer(res, { status: 405, html: plainPage("Method not allowed") });
      // Whatever knocks on the port (a browser extension, a port scanner, a page) may send a request
      // target no URL parser accepts (`GET http://[::1 HTTP/1.1`): that gets a 400, the sign-in waits on.
      let url: URL;
      try {
        url = new URL(req.url ?? "/", `http://${HOST}:${port}`);
      } catch {
        return answer(res, { status: 400, html: plainPage("Bad request") });
      }
      handler({ path: url.pathname, query: url.searchParams }).then(
        (response) => answer(res, response),
        () => answer(res, { status: 500, html: plainPage("Internal error") }),
      );
    });
    return bind(server, (bound) => (port = bound), () => {
      server.closeIdleConnections();
      // A browser may hold a spare connection open; give the last page a moment to flush, then
      // drop whatever is left so the process can exit.
      setTimeout(() => server.closeAllConnections(), 500).unref();
    });
  },
};

/** Listens on 127.0.0.1 at a port the OS picks; `close` stops listening, then `dropConnections`. */
function bind(server: Server, onPort: (port: number) => void, dropConnections: () => void): Promise<LoopbackServer> {
  return new Promise<LoopbackServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      onPort(port);
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            dropConnections();
          }),
      });
    });
  });
}

export interface EndpointRequest {
  method: string;
  path: string;
  /** The raw Authorization header (the container credential protocol sends the token without a scheme). */
  authorization: string | undefined;
}

export interface EndpointResponse {
  status: number;
  /** Sent as JSON. */
  body: unknown;
}

export type EndpointHandler = (request: EndpointRequest) => Promise<EndpointResponse>;

export interface JsonEndpoint {
  /** Rejects with the OS error when no port can be bound. */
  listen(handler: EndpointHandler): Promise<LoopbackServer>;
}

export const nodeJsonEndpoint: JsonEndpoint = {
  async listen(handler) {
    const { createServer } = await import("node:http");
    const answer = (res: ServerResponse, response: EndpointResponse) => {
      res.writeHead(response.status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify(response.body));
    };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const request = { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0] ?? "/", authorization: req.headers.authorization };
      handler(request).then(
        (response) => answer(res, response),
        () => answer(res, { status: 500, body: { Code: "InternalError", Message: "internal error" } }),
      );
    });
    // SDKs keep connections alive between refreshes; once the child is gone nobody may use them.
    return bind(server, () => undefined, () => server.closeAllConnections());
  },
};
