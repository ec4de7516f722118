/**
 * A stand-in for a company's vanity start URL host (aws.mycompany.com): a loopback HTTP server whose
 * answer to each request the test decides, recording every request. sso-setup reaches it through the
 * SSO_SETUP_WEB_ENDPOINT_URL test knob.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface VanityAnswer {
  status: number;
  location?: string;
}

export interface VanityHost {
  url: string;
  /** "METHOD /path" of every request, in order. */
  requests: string[];
  answer: (method: string) => VanityAnswer;
  close(): Promise<void>;
}

export async function startVanityHost(answer: (method: string) => VanityAnswer): Promise<VanityHost> {
  const host: VanityHost = {
    url: "",
    requests: [],
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    host.requests.push(`${req.method} ${req.url}`);
    const { status, location } = host.answer(req.method ?? "GET");
    res.writeHead(status, location === undefined ? {} : { Location: location });
    res.end(req.method === "HEAD" ? undefined : "<html><body>Company portal</body></html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return host;
}
