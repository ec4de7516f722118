/**
 * Corporate networks (issue 5 §7), end to end: every SDK call of the built CLI goes through the proxy
 * that HTTP(S)_PROXY names unless NO_PROXY exempts the host, and TLS is checked against AWS_CA_BUNDLE
 * or the config's ca_bundle. The proxy and the TLS endpoint are local stand-ins (test/helpers/network).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { DEV_CONFIG as CONFIG, makeSandbox, runCli, type Sandbox } from "../helpers/cli.js";
import { makeSelfSignedCertificate, startCountingProxy, startTlsFront, type CountingProxy, type SelfSignedCertificate, type TlsFront } from "../helpers/network.js";

// The SDK-facing paths of the emulator: what sso-setup itself sends (the stand-in browser's page
// loads are not sso-setup's and may or may not use a proxy, depending on the Node version).
const API_PATHS = /\/(client\/register|device_authorization|token|assignment\/accounts|assignment\/roles|federation\/credentials|logout)$/;
const API_OPERATIONS = new Set(["RegisterClient", "StartDeviceAuthorization", "CreateToken", "ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout"]);

let emu: Emulator;
let box: Sandbox;
let proxy: CountingProxy;

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  proxy = await startCountingProxy();
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
});

afterEach(async () => {
  await proxy.close();
  await emu.close();
  box.cleanup();
});

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: box.env(env) });
const apiRequestsAtEmulator = () => emu.requests.filter((r) => API_OPERATIONS.has(r.operation)).length;
const forwardedApiCalls = () => proxy.forwarded.filter((line) => API_PATHS.test(line));

describe("HTTP_PROXY / HTTPS_PROXY / NO_PROXY", () => {
  it("sends every API call of configure, login and export-credentials through the proxy", async () => {
    const viaProxy = { HTTP_PROXY: proxy.url };
    const configure = await cli(
      ["configure", "--profile", "ops", "--sso-session", "corp", "--account-id", "222222222222", "--role-name", "PowerUserAccess", "--non-interactive"],
      viaProxy,
    );
    expect(configure.code, configure.stderr).toBe(0);
    expect(configure.stderr).not.toContain("error");
    const login = await cli(["login", "--profile", "dev", "--use-device-code"], viaProxy);
    expect(login.code).toBe(0);
    // The lower-case spelling is honoured too (and wins over the upper-case one, as in curl).
    const exported = await cli(["export-credentials", "--profile", "dev"], { http_proxy: proxy.url, HTTP_PROXY: "http://127.0.0.1:9" });
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ Version: 1 });

    const forwarded = forwardedApiCalls();
    for (const operationPath of ["/client/register", "/token", "/device_authorization", "/assignment/accounts", "/assignment/roles", "/federation/credentials"]) {
      expect(forwarded.some((line) => line.endsWith(operationPath)), operationPath).toBe(true);
    }
    // Every API request the emulator saw came through the proxy: none went around it.
    expect(forwarded.length).toBe(apiRequestsAtEmulator());
  });

  it("NO_PROXY=127.0.0.1 bypasses the proxy", async () => {
    const env = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: "127.0.0.1" };
    const login = await cli(["login", "--profile", "dev"], env);
    expect(login.code).toBe(0);
    const exported = await cli(["export-credentials", "--profile", "dev"], env);
    expect(exported.code).toBe(0);
    expect(apiRequestsAtEmulator()).toBeGreaterThan(0);
    expect(proxy.forwarded).toEqual([]);
    expect(proxy.tunnels).toEqual([]);
  });

  it("an unreachable proxy fails with exit 255 and a message that names that proxy and the variable that set it", async () => {
    const r = await cli(["login", "--profile", "dev", "--use-device-code"], { HTTP_PROXY: "http://127.0.0.1:9" });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(
      `\nsso-setup: error: Could not reach the proxy http://127.0.0.1:9 (from HTTP_PROXY) for ${emu.url} (RegisterClient): ` +
        "the connection was refused (ECONNREFUSED), after 3 attempts. Check HTTP_PROXY, or list the host in NO_PROXY to bypass the proxy.\n",
    );
  });

  it("an https endpoint names HTTPS_PROXY (lower case too), not HTTP_PROXY", async () => {
    const r = await cli(["login", "--profile", "dev", "--use-device-code"], {
      AWS_ENDPOINT_URL_SSO_OIDC: "https://oidc.example.test",
      https_proxy: "http://127.0.0.1:9",
      HTTP_PROXY: proxy.url,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain("Could not reach the proxy http://127.0.0.1:9 (from https_proxy) for https://oidc.example.test (RegisterClient)");
    expect(r.stderr).toContain("Check https_proxy, or list the host in NO_PROXY");
  });

  it("a proxy that refuses the tunnel is named as the one that refused", async () => {
    const r = await cli(["login", "--profile", "dev", "--use-device-code"], {
      AWS_ENDPOINT_URL_SSO_OIDC: "https://oidc.example.test",
      HTTPS_PROXY: proxy.url,
    });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(
      `\nsso-setup: error: Could not reach https://oidc.example.test (RegisterClient): the proxy ${proxy.url} (from HTTPS_PROXY) refused ` +
        "to open a tunnel to it (HTTP 403 Forbidden). Ask whoever runs the proxy to allow oidc.example.test, or list the host in NO_PROXY if it can be reached directly.\n",
    );
  });
});

describe("AWS_CA_BUNDLE and ca_bundle", () => {
  let certificate: SelfSignedCertificate;
  let front: TlsFront;

  beforeEach(async () => {
    certificate = makeSelfSignedCertificate(box.dir);
    front = await startTlsFront(emu.url, certificate);
  });

  afterEach(async () => {
    await front.close();
  });

  // The CLI talks TLS to the front; the device flow's verification page (opened by the stand-in
  // browser) is the emulator's own plain-http URL, so only sso-setup needs to trust the certificate.
  const overTls = (extra: Record<string, string | undefined> = {}) => ({
    AWS_ENDPOINT_URL_SSO_OIDC: front.url,
    AWS_ENDPOINT_URL_SSO: front.url,
    ...extra,
  });
  const login = (env: Record<string, string | undefined>) => cli(["login", "--profile", "dev", "--use-device-code"], overTls(env));

  it("without a CA bundle the self-signed endpoint is refused: exit 255 and a message that names AWS_CA_BUNDLE", async () => {
    const r = await login({});
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Could not reach https:\/\/127\.0\.0\.1:\d+ \(RegisterClient\): the server's TLS certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(r.stderr).toContain("AWS_CA_BUNDLE");
    expect(front.requests).toBe(0);
    expect(box.cacheFiles()).toEqual({});
  });

  it("with AWS_CA_BUNDLE the same endpoint is trusted and the sign-in completes", async () => {
    const r = await login({ AWS_CA_BUNDLE: certificate.certFile });
    expect(r.code).toBe(0);
    expect(front.requests).toBeGreaterThanOrEqual(3);
    const exported = await cli(["export-credentials", "--profile", "dev"], overTls({ AWS_CA_BUNDLE: certificate.certFile }));
    expect(exported.code).toBe(0);
  });

  it("ca_bundle of the command's profile, or of [default], is honoured; AWS_CA_BUNDLE wins over both", async () => {
    writeFileSync(box.configFile, CONFIG.replace("[profile dev]\n", `[profile dev]\nca_bundle = ${certificate.certFile}\n`));
    expect((await login({})).code).toBe(0);

    writeFileSync(box.configFile, `[default]\nca_bundle = ${certificate.certFile}\n${CONFIG}`);
    expect((await login({})).code).toBe(0);

    const missing = path.join(box.dir, "no-such-bundle.pem");
    const r = await login({ AWS_CA_BUNDLE: missing });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain(`The CA bundle ${missing} (from AWS_CA_BUNDLE) does not exist.`);
  });

  it("through an HTTPS_PROXY CONNECT tunnel, checked against the CA bundle", async () => {
    // A host name, as AWS endpoints have: through a tunnel the certificate is checked against the
    // name (https-proxy-agent sends no SNI for an IP address, so an IP would be checked as "localhost").
    const byName = front.url.replace("127.0.0.1", "localhost");
    const r = await cli(["login", "--profile", "dev", "--use-device-code"], {
      AWS_ENDPOINT_URL_SSO_OIDC: byName,
      AWS_ENDPOINT_URL_SSO: byName,
      // Scheme-less, as people often write it: taken as an http:// proxy (curl's reading), not as TLS to the proxy.
      HTTPS_PROXY: new URL(proxy.url).host,
      AWS_CA_BUNDLE: certificate.certFile,
    });
    expect(r.code).toBe(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(byName).host]));
    expect(front.requests).toBeGreaterThanOrEqual(3);
  });
});
