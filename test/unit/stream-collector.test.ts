/**
 * The body collector the SDK clients read every answer through: real HTTP answers from a real server
 * on 127.0.0.1, read by `http.get`, as the SDK's Node handler reads them.
 */
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cappedStreamCollector } from "../../src/sso/clients.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let handler: Handler;
let url: string;

beforeEach(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function answer(): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on("error", reject));
}

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");

describe("cappedStreamCollector", () => {
  it("returns the whole body, in one piece or in many", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"accountList":[');
      setTimeout(() => res.end('{"accountId":"111111111111"}]}'), 20);
    };
    expect(text(await cappedStreamCollector(1024)(await answer()))).toBe('{"accountList":[{"accountId":"111111111111"}]}');

    handler = (_req, res) => res.end("");
    expect((await cappedStreamCollector(1024)(await answer())).byteLength).toBe(0);
  });

  it("refuses a body that says it is larger than the cap, before reading it", async () => {
    let finished = false;
    handler = (_req, res) => {
      res.writeHead(200, { "content-length": String(2048) });
      res.on("close", () => (finished = res.writableFinished));
      res.write("x".repeat(100));
    };
    const response = await answer();
    await expect(cappedStreamCollector(1024)(response)).rejects.toThrow("the body is larger than");
    expect(response.destroyed).toBe(true);
    expect(finished).toBe(false);
  });

  it("cuts off a body without a length once it passes the cap, and drops the connection", async () => {
    let sent = 0;
    let closed = false;
    handler = (_req, res) => {
      res.writeHead(200);
      const chunk = "y".repeat(16 * 1024);
      const pump = () => {
        while (!closed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
      };
      res.on("close", () => (closed = true));
      pump();
    };
    await expect(cappedStreamCollector(256 * 1024)(await answer())).rejects.toThrow("the body is larger than");
    await expect.poll(() => closed).toBe(true);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it("fails when the connection closes half-way through the body", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("{");
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await expect(cappedStreamCollector(1024)(await answer())).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("fails when the stream is closed before its end without an error of its own", async () => {
    const { PassThrough } = await import("node:stream");
    const body = new PassThrough();
    const collected = cappedStreamCollector(1024)(body);
    body.write("{");
    body.destroy();
    await expect(collected).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("refuses anything that is not a stream", async () => {
    await expect(cappedStreamCollector(1024)(undefined)).rejects.toThrow("not a stream");
    await expect(cappedStreamCollector(1024)("{}")).rejects.toThrow("not a stream");
  });
});
