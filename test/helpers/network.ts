/**
 * Corporate-network stand-ins on 127.0.0.1: a forward proxy that counts what it forwards, and a TLS
 * front for the (plain http) emulator whose certificate no stock trust store accepts. Both only ever
 * connect to 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import * as path from "node:path";

export interface CountingProxy {
  url: string;
  /** Absolute-form requests forwarded (proxied http targets): "METHOD http://host:port/path". */
  forwarded: string[];
  /** CONNECT tunnels opened (https targets): "host:port". */
  tunnels: string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "proxy-connection", "keep-alive", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost";
}

/** Relays one request to `target` (an origin on 127.0.0.1) and its answer back. */
function relay(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  // The emulator's "reset" fault drops the connection: pass that on as a reset too.
  upstream.on("error", () => res.socket?.destroy());
  req.pipe(upstream);
}

export async function startCountingProxy(): Promise<CountingProxy> {
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute-form request expected");
      return;
    }
    if (target.protocol !== "http:" || !isLoopback(target.hostname)) {
      res.writeHead(403).end("this test proxy only forwards to 127.0.0.1");
      return;
    }
    forwarded.push(`${req.method} ${target.origin}${target.pathname}`);
    relay(req, res, target);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const [host = "", port = ""] = (req.url ?? "").split(":");
    if (!isLoopback(host)) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    tunnels.push(`${host}:${port}`);
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    sockets.add(client);
    const drop = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", drop).on("close", drop);
    client.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A throwaway certificate for 127.0.0.1 and localhost, made with the system's openssl (Node cannot make X.509). */
export function makeSelfSignedCertificate(dir: string): SelfSignedCertificate {
  const certFile = path.join(dir, "test-ca.pem");
  const keyFile = path.join(dir, "test-ca.key");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyFile, "-out", certFile, "-days", "1",
      "-subj", "/CN=sso-setup test endpoint",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "pipe" },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

export interface TlsFront {
  /** https://127.0.0.1:PORT, serving whatever the origin serves. */
  url: string;
  /** Requests that completed a TLS handshake and reached the origin. */
  requests: number;
  close(): Promise<void>;
}

/** An HTTPS reverse proxy in front of a plain-http origin on 127.0.0.1 (the emulator). */
export async function startTlsFront(origin: string, certificate: SelfSignedCertificate): Promise<TlsFront> {
  const originUrl = new URL(origin);
  const front: TlsFront = { url: "", requests: 0, close: async () => undefined };
  const server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    front.requests += 1;
    relay(req, res, new URL(req.url ?? "/", originUrl));
  });
  // A client that rejects the certificate drops the handshake; that is the expected failure, not noise.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return front;
}
