import { createHash, randomUUID } from "node:crypto";
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from "@aws-sdk/client-sso-oidc";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/server.js";

// The pages a person (or, later, Playwright) sees: device verification and the PKCE /authorize hop.
// Tokens are still fetched with the real SDK so the browser side is checked against the API side.

const REGION = "us-east-1";
const START_URL = "https://d-1234567890.awsapps.com/start";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

let emulator: Emulator | undefined;
let oidc: SSOOIDCClient | undefined;

afterEach(async () => {
  oidc?.destroy();
  oidc = undefined;
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<{ emu: Emulator; client: SSOOIDCClient }> {
  emulator = await startEmulator(options);
  oidc = new SSOOIDCClient({ region: REGION, endpoint: emulator.url, maxAttempts: 1 });
  return { emu: emulator, client: oidc };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { error?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

async function deviceFlow(client: SSOOIDCClient) {
  const { clientId, clientSecret } = await client.send(
    new RegisterClientCommand({ clientName: "botocore-client-my-sso", clientType: "public", scopes: ["sso:account:access"] }),
  );
  const auth = await client.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: START_URL }));
  const poll = () => client.send(new CreateTokenCommand({ clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }));
  return { auth, poll, userCode: auth.userCode ?? "" };
}

describe("device verification page", () => {
  it("shows the code and the client, and Allow lets the token through", async () => {
    const { emu, client } = await start();
    const flow = await deviceFlow(client);
    const page = await fetch(flow.auth.verificationUriComplete ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain("Authorize request");
    expect(html).toContain(`<div class="code" id="user-code">${flow.userCode}</div>`);
    expect(html).toContain("botocore-client-my-sso");
    expect(html).toMatch(/<button[^>]*id="allow"[^>]*>Allow<\/button>/);
    expect(html).toMatch(/<button[^>]*id="deny"[^>]*formaction="\/device\/deny"[^>]*>Deny<\/button>/);
    expect(html).toContain('<form method="post" action="/device/approve">');

    expect((await rejection(flow.poll())).name).toBe("AuthorizationPendingException");
    const result = await postForm(`${emu.url}/device/approve`, { user_code: flow.userCode });
    expect(result.status).toBe(200);
    expect(await result.text()).toContain("Request approved. You can close this window.");
    expect((await flow.poll()).accessToken).toBeTruthy();

    // Coming back to the page afterwards says so instead of offering the buttons again.
    const again = await (await fetch(flow.auth.verificationUriComplete ?? "")).text();
    expect(again).toContain("already approved");
    expect(again).not.toContain('id="allow"');
    expect(emu.requests.map((r) => r.operation)).toContain("DeviceApprove");
  });

  it("Deny turns the next poll into AccessDeniedException", async () => {
    const { emu, client } = await start();
    const flow = await deviceFlow(client);
    const result = await postForm(`${emu.url}/device/deny`, { user_code: flow.userCode });
    expect(await result.text()).toContain("Request denied.");
    expect((await rejection(flow.poll())).name).toBe("AccessDeniedException");
  });

  it("asks for the code when none is given, and accepts it typed loosely", async () => {
    const { emu, client } = await start();
    const flow = await deviceFlow(client);
    const entry = await (await fetch(`${emu.url}/device`)).text();
    expect(entry).toContain('name="user_code"');
    expect(entry).toContain('action="/device"');

    const typed = flow.userCode.replace("-", " ").toLowerCase();
    const consent = await fetch(`${emu.url}/device?user_code=${encodeURIComponent(typed)}`);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain(flow.userCode);

    const unknown = await fetch(`${emu.url}/device?user_code=BBBB-CCCC`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("That code is not valid");
  });

  it("keeps form actions under the base path the client used", async () => {
    const { emu, client } = await start();
    const flow = await deviceFlow(client);
    const html = await (await fetch(`${emu.url}/idc/device?user_code=${flow.userCode}`)).text();
    expect(html).toContain('action="/idc/device/approve"');
    const result = await postForm(`${emu.url}/idc/device/approve`, { user_code: flow.userCode });
    expect(result.status).toBe(200);
  });

  it("refuses an expired code", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const { emu, client } = await start({ now: () => clock });
    const flow = await deviceFlow(client);
    clock += 601_000;
    const page = await fetch(flow.auth.verificationUriComplete ?? "");
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("expired");
    expect((await postForm(`${emu.url}/device/approve`, { user_code: flow.userCode })).status).toBe(400);
  });
});

// PKCE exactly as the AWS CLI does it: 64-character verifier, S256 challenge with the padding cut.
function pkce() {
  const verifier = Array.from({ length: 64 }, (_, i) => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"[(i * 7) % 66]).join("");
  const challenge = createHash("sha256").update(verifier).digest("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=$/, "");
  return { verifier, challenge };
}

async function registerPkceClient(client: SSOOIDCClient) {
  const registration = await client.send(
    new RegisterClientCommand({
      clientName: "botocore-client-my-sso",
      clientType: "public",
      scopes: ["sso:account:access"],
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: START_URL,
    }),
  );
  return { clientId: registration.clientId ?? "", clientSecret: registration.clientSecret ?? "" };
}

function authorizeUrl(emu: Emulator, clientId: string, redirectUri: string, state: string, challenge: string): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge_method: "S256",
    scopes: "sso:account:access",
  });
  return `${emu.url}/authorize?${q.toString()}&code_challenge=${challenge}`;
}

describe("GET /authorize with PKCE", () => {
  const redirectUri = "http://127.0.0.1:55555/oauth/callback";

  it("redirects with a code that CreateToken exchanges only with the right verifier and redirect URI", async () => {
    const { emu, client } = await start();
    const { clientId, clientSecret } = await registerPkceClient(client);
    const { verifier, challenge } = pkce();
    const state = randomUUID();

    const authorize = async () => {
      const response = await fetch(authorizeUrl(emu, clientId, redirectUri, state, challenge), { redirect: "manual" });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get("state")).toBe(state);
      return location.searchParams.get("code") ?? "";
    };
    const exchange = (code: string, codeVerifier: string, uri = redirectUri) =>
      client.send(new CreateTokenCommand({ clientId, clientSecret, grantType: "authorization_code", code, redirectUri: uri, codeVerifier }));

    const code = await authorize();
    const wrongVerifier = await rejection(exchange(code, `${verifier.slice(1)}x`));
    expect(wrongVerifier.name).toBe("InvalidGrantException");
    expect(wrongVerifier.error).toBe("invalid_grant");
    const wrongPort = await rejection(exchange(code, verifier, "http://127.0.0.1:55556/oauth/callback"));
    expect(wrongPort.name).toBe("InvalidGrantException");

    const token = await exchange(code, verifier);
    expect(token.accessToken).toBeTruthy();
    expect(token.refreshToken).toBeTruthy();
    expect((await rejection(exchange(code, verifier))).name).toBe("InvalidGrantException");

    const refreshed = await client.send(
      new CreateTokenCommand({ clientId, clientSecret, grantType: "refresh_token", refreshToken: token.refreshToken }),
    );
    expect(refreshed.accessToken).toBeTruthy();
  });

  it("redirects with error=access_denied in deny mode and with a different state in wrong-state mode", async () => {
    const { emu, client } = await start({ authorizeMode: "deny" });
    const { clientId } = await registerPkceClient(client);
    const { challenge } = pkce();
    const state = randomUUID();
    const denied = await fetch(authorizeUrl(emu, clientId, redirectUri, state, challenge), { redirect: "manual" });
    const deniedAt = new URL(denied.headers.get("location") ?? "");
    expect(deniedAt.searchParams.get("error")).toBe("access_denied");
    expect(deniedAt.searchParams.get("state")).toBe(state);
    expect(deniedAt.searchParams.has("code")).toBe(false);

    emu.state.authorizeMode = "wrong-state";
    const tampered = await fetch(authorizeUrl(emu, clientId, redirectUri, state, challenge), { redirect: "manual" });
    const tamperedAt = new URL(tampered.headers.get("location") ?? "");
    expect(tamperedAt.searchParams.get("code")).toBeTruthy();
    expect(tamperedAt.searchParams.get("state")).not.toBe(state);
  });

  it("serves an Allow/Deny page in page mode", async () => {
    const { emu, client } = await start({ authorizeMode: "page" });
    const { clientId, clientSecret } = await registerPkceClient(client);
    const { verifier, challenge } = pkce();
    const state = randomUUID();
    const page = await fetch(authorizeUrl(emu, clientId, redirectUri, state, challenge), { redirect: "manual" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/id="allow"/);
    expect(html).toMatch(/id="deny"/);
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1] ?? "";

    const allowed = await postForm(`${emu.url}/authorize/approve`, { request_id: requestId });
    expect(allowed.status).toBe(302);
    const location = new URL(allowed.headers.get("location") ?? "");
    expect(location.searchParams.get("state")).toBe(state);
    const token = await client.send(
      new CreateTokenCommand({
        clientId,
        clientSecret,
        grantType: "authorization_code",
        code: location.searchParams.get("code") ?? "",
        redirectUri,
        codeVerifier: verifier,
      }),
    );
    expect(token.accessToken).toBeTruthy();
    // The parked request is used up.
    expect((await postForm(`${emu.url}/authorize/deny`, { request_id: requestId })).status).toBe(400);
  });

  it("shows an error page for an unknown client or an unregistered redirect URI", async () => {
    const { emu, client } = await start();
    const { challenge } = pkce();
    const unknown = await fetch(authorizeUrl(emu, "no-such-client", redirectUri, "s", challenge), { redirect: "manual" });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toContain("text/html");
    expect(await unknown.text()).toContain("Unknown or expired client");

    const { clientId } = await registerPkceClient(client);
    const elsewhere = await fetch(authorizeUrl(emu, clientId, "http://evil.example/oauth/callback", "s", challenge), { redirect: "manual" });
    expect(elsewhere.status).toBe(400);
  });

  it("redirects with unauthorized_client for a device-flow registration", async () => {
    const { emu, client } = await start();
    const { clientId } = await client.send(
      new RegisterClientCommand({ clientName: "device-only", clientType: "public", redirectUris: ["http://127.0.0.1/oauth/callback"] }),
    );
    const { challenge } = pkce();
    const response = await fetch(authorizeUrl(emu, clientId ?? "", redirectUri, "s", challenge), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location") ?? "").searchParams.get("error")).toBe("unauthorized_client");
  });
});
