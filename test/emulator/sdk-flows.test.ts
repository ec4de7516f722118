import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  SSOClient,
  paginateListAccounts,
} from "@aws-sdk/client-sso";
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
  type StartDeviceAuthorizationCommandOutput,
} from "@aws-sdk/client-sso-oidc";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type Credentials as StsCredentials } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { generateAccounts } from "../../emulator/accounts.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/server.js";

// Everything here goes through the real AWS SDK v3 clients, so it checks the wire format the
// SDK actually parses (error typing, epoch units, paging), not what we believe it parses.

const REGION = "us-east-1";
const START_URL = "https://d-1234567890.awsapps.com/start";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

let emulator: Emulator | undefined;
const clients: { destroy(): void }[] = [];
const envKeys = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_STS"];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const key of envKeys) delete process.env[key];
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator(options);
  return emulator;
}

function track<T extends { destroy(): void }>(client: T): T {
  clients.push(client);
  return client;
}

function oidcClient(emu: Emulator, maxAttempts = 3): SSOOIDCClient {
  return track(new SSOOIDCClient({ region: REGION, endpoint: emu.url, maxAttempts }));
}

function ssoClient(emu: Emulator, maxAttempts = 3): SSOClient {
  return track(new SSOClient({ region: REGION, endpoint: emu.url, maxAttempts }));
}

interface SdkError extends Error {
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
  error?: string;
  error_description?: string;
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error("expected the call to fail");
}

interface DeviceSession {
  oidc: SSOOIDCClient;
  clientId: string;
  clientSecret: string;
  auth: StartDeviceAuthorizationCommandOutput;
  poll(): Promise<import("@aws-sdk/client-sso-oidc").CreateTokenCommandOutput>;
}

async function startDeviceFlow(emu: Emulator, scopes: string[] | undefined = ["sso:account:access"]): Promise<DeviceSession> {
  const oidc = oidcClient(emu);
  const registration = await oidc.send(new RegisterClientCommand({ clientName: "sso-setup-test", clientType: "public", scopes }));
  const clientId = registration.clientId ?? "";
  const clientSecret = registration.clientSecret ?? "";
  const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: START_URL }));
  const poll = () => oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }));
  return { oidc, clientId, clientSecret, auth, poll };
}

async function login(emu: Emulator): Promise<string> {
  const session = await startDeviceFlow(emu);
  emu.approve(session.auth.userCode ?? "");
  const token = await session.poll();
  return token.accessToken ?? "";
}

describe("device authorization through the SDK, end to end", () => {
  it("registers, polls, lists, gets credentials, calls STS and logs out", async () => {
    const emu = await start({ accounts: generateAccounts(250, 2) });
    const before = Date.now();
    const oidc = oidcClient(emu);

    const registration = await oidc.send(
      new RegisterClientCommand({ clientName: "botocore-client-dev", clientType: "public", scopes: ["sso:account:access"] }),
    );
    expect(registration.clientId).toBeTruthy();
    // Epoch seconds, 90 days out by default.
    const issuedAt = registration.clientIdIssuedAt ?? 0;
    expect(Math.abs(issuedAt - before / 1000)).toBeLessThan(5);
    expect((registration.clientSecretExpiresAt ?? 0) - issuedAt).toBe(90 * 24 * 3600);

    const clientId = registration.clientId ?? "";
    const clientSecret = registration.clientSecret ?? "";
    const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: START_URL }));
    expect(auth.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(auth.verificationUri).toBe(`${emu.url}/device`);
    expect(auth.verificationUriComplete).toBe(`${emu.url}/device?user_code=${auth.userCode}`);
    expect(auth).toMatchObject({ expiresIn: 600, interval: 1 });

    const createToken = () =>
      oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }));
    const pending = await rejection(createToken());
    expect(pending.name).toBe("AuthorizationPendingException");
    expect(pending.error).toBe("authorization_pending");
    expect(pending.$metadata.httpStatusCode).toBe(400);
    expect(pending.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const approval = await fetch(`${emu.url}/_emulator/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userCode: auth.userCode }),
    });
    expect(approval.status).toBe(200);

    const token = await createToken();
    expect(token).toMatchObject({ tokenType: "Bearer", expiresIn: 28800 });
    expect(token.accessToken).toBeTruthy();
    expect(token.refreshToken).toBeTruthy();
    const accessToken = token.accessToken ?? "";

    // The device code is single-use.
    expect((await rejection(createToken())).name).toBe("InvalidGrantException");

    const sso = ssoClient(emu);
    const pages: number[] = [];
    const accountIds: string[] = [];
    for await (const page of paginateListAccounts({ client: sso, pageSize: 100 }, { accessToken })) {
      pages.push(page.accountList?.length ?? 0);
      accountIds.push(...(page.accountList ?? []).map((a) => a.accountId ?? ""));
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(new Set(accountIds).size).toBe(250);
    const listCalls = emu.requests.filter((r) => r.operation === "ListAccounts");
    expect(listCalls.map((r) => r.query.max_result)).toEqual(["100", "100", "100"]);
    expect(listCalls[0]?.query.next_token).toBeUndefined();
    expect(listCalls[2]?.query.next_token).toBeTruthy();
    expect(listCalls[0]?.headers["x-amz-sso_bearer_token"]).toBe(accessToken);

    const accountId = accountIds[0] ?? "";
    const roles = await sso.send(new ListAccountRolesCommand({ accessToken, accountId }));
    expect(roles.roleList).toEqual([
      { roleName: "AdministratorAccess", accountId },
      { roleName: "ReadOnlyAccess", accountId },
    ]);
    expect(roles.nextToken).toBeUndefined();

    const { roleCredentials } = await sso.send(
      new GetRoleCredentialsCommand({ accessToken, accountId, roleName: "ReadOnlyAccess" }),
    );
    expect(roleCredentials?.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    // Epoch milliseconds, one hour out by default.
    expect(Math.abs((roleCredentials?.expiration ?? 0) - (Date.now() + 3600_000))).toBeLessThan(10_000);

    const sts = track(
      new STSClient({
        region: REGION,
        endpoint: emu.url,
        credentials: {
          accessKeyId: roleCredentials?.accessKeyId ?? "",
          secretAccessKey: roleCredentials?.secretAccessKey ?? "",
          sessionToken: roleCredentials?.sessionToken ?? "",
        },
      }),
    );
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(accountId);
    expect(identity.Arn).toMatch(
      new RegExp(`^arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}/developer@example.com$`),
    );
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:developer@example.com$/);

    await sso.send(new LogoutCommand({ accessToken }));
    const afterLogout = await rejection(sso.send(new ListAccountsCommand({ accessToken })));
    expect(afterLogout.name).toBe("UnauthorizedException");
    expect(afterLogout.message).toBe("Session token not found or invalid");
    expect(afterLogout.$metadata.httpStatusCode).toBe(401);

    // Logout ends the session, so its refresh token is dead too.
    const refresh = await rejection(
      oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType: "refresh_token", refreshToken: token.refreshToken })),
    );
    expect(refresh.name).toBe("InvalidGrantException");

    expect(emu.counts()).toMatchObject({
      RegisterClient: { calls: 1, throttled: 0 },
      CreateToken: { calls: 4 },
      ListAccounts: { calls: 4 },
      GetCallerIdentity: { calls: 1 },
      Logout: { calls: 1 },
    });
  });

  it("serves all three services through AWS_ENDPOINT_URL and under a base path", async () => {
    const emu = await start();
    process.env.AWS_ENDPOINT_URL = `${emu.url}/prefix`;
    const oidc = track(new SSOOIDCClient({ region: REGION }));
    const registration = await oidc.send(new RegisterClientCommand({ clientName: "env", clientType: "public" }));
    const clientId = registration.clientId ?? "";
    const clientSecret = registration.clientSecret ?? "";
    const auth = await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: START_URL }));
    // Links stay under the same base path the client used.
    expect(auth.verificationUri).toBe(`${emu.url}/prefix/device`);
    emu.approve(auth.userCode ?? "");
    const token = await oidc.send(new CreateTokenCommand({ clientId, clientSecret, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode }));
    // No scopes and no refresh_token grant: no refresh token, as for legacy profiles.
    expect(token.refreshToken).toBeUndefined();

    const sso = track(new SSOClient({ region: REGION }));
    const creds = await sso.send(
      new GetRoleCredentialsCommand({ accessToken: token.accessToken, accountId: "444444444444", roleName: "SecurityAudit" }),
    );
    const sts = track(
      new STSClient({
        region: REGION,
        credentials: {
          accessKeyId: creds.roleCredentials?.accessKeyId ?? "",
          secretAccessKey: creds.roleCredentials?.secretAccessKey ?? "",
          sessionToken: creds.roleCredentials?.sessionToken,
        },
      }),
    );
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe("444444444444");
    expect(emu.requests.map((r) => r.path)).toEqual([
      "/prefix/client/register",
      "/prefix/device_authorization",
      "/prefix/token",
      "/prefix/federation/credentials",
      "/prefix/",
    ]);
  });

  it("honours the per-service variables AWS_ENDPOINT_URL_SSO_OIDC / _SSO / _STS", async () => {
    const emu = await start();
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
    process.env.AWS_ENDPOINT_URL_SSO_OIDC = emu.url;
    process.env.AWS_ENDPOINT_URL_SSO = emu.url;
    process.env.AWS_ENDPOINT_URL_STS = emu.url;
    const oidc = track(new SSOOIDCClient({ region: REGION }));
    await oidc.send(new RegisterClientCommand({ clientName: "env", clientType: "public" }));
    const sts = track(new STSClient({ region: REGION, credentials: { accessKeyId: "ASIAUNKNOWNUNKNOWN00", secretAccessKey: "x" } }));
    const error = await rejection(sts.send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe("InvalidClientTokenId");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(emu.requests.map((r) => r.operation)).toEqual(["RegisterClient", "GetCallerIdentity"]);
  });
});

describe("SSO OIDC errors", () => {
  it("rejects unknown clients with 401 InvalidClientException", async () => {
    const emu = await start();
    const error = await rejection(
      oidcClient(emu).send(new StartDeviceAuthorizationCommand({ clientId: "nope", clientSecret: "nope", startUrl: START_URL })),
    );
    expect(error.name).toBe("InvalidClientException");
    expect(error.$metadata.httpStatusCode).toBe(401);
    expect(error.error).toBe("invalid_client");
  });

  it("rejects a start URL the directory does not know when startUrls is set", async () => {
    const emu = await start({ startUrls: [START_URL] });
    const oidc = oidcClient(emu);
    const { clientId, clientSecret } = await oidc.send(new RegisterClientCommand({ clientName: "x", clientType: "public" }));
    const error = await rejection(
      oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: "https://d-typo.awsapps.com/start" })),
    );
    expect(error.name).toBe("InvalidRequestException");
    expect(error.error_description).toContain("d-typo");
    // A trailing slash is the same start URL.
    await oidc.send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl: `${START_URL}/` }));
  });

  it("checks the start URL of the browser-redirect flow (RegisterClient's issuerUrl) as it checks the device flow's", async () => {
    const emu = await start({ startUrls: [START_URL] });
    const oidc = oidcClient(emu);
    const register = (issuerUrl: string) =>
      oidc.send(
        new RegisterClientCommand({
          clientName: "x",
          clientType: "public",
          grantTypes: ["authorization_code", "refresh_token"],
          redirectUris: ["http://127.0.0.1/oauth/callback"],
          issuerUrl,
        }),
      );
    const error = await rejection(register("https://d-typo.awsapps.com/start"));
    expect(error.name).toBe("InvalidRequestException");
    expect(error.error_description).toBe("Invalid start URL: https://d-typo.awsapps.com/start");
    expect((await register(`${START_URL}/`)).clientId).toBeTruthy();
  });

  it("rejects a non-public client type and unknown grant types at registration", async () => {
    const emu = await start();
    const oidc = oidcClient(emu);
    const confidential = await rejection(oidc.send(new RegisterClientCommand({ clientName: "x", clientType: "confidential" })));
    expect(confidential.name).toBe("InvalidClientMetadataException");
    const grant = await rejection(oidc.send(new RegisterClientCommand({ clientName: "x", clientType: "public", grantTypes: ["password"] })));
    expect(grant.name).toBe("UnsupportedGrantTypeException");
  });

  it("answers SlowDownException once when slowDownOnce is set, then pending again", async () => {
    const emu = await start();
    const session = await startDeviceFlow(emu);
    emu.state.slowDownOnce = true;
    const slow = await rejection(session.poll());
    expect(slow.name).toBe("SlowDownException");
    expect(slow.error).toBe("slow_down");
    // SlowDown is a 400 the SDK must not retry: one attempt.
    expect(slow.$metadata.attempts).toBe(1);
    expect(emu.state.slowDownOnce).toBe(false);
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
  });

  it("enforces the polling interval, adding 5 s after each slow_down", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const emu = await start({ now: () => clock, enforceInterval: true, interval: 2 });
    const session = await startDeviceFlow(emu);
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
    clock += 1000;
    expect((await rejection(session.poll())).name).toBe("SlowDownException");
    clock += 3000; // 3 s is enough for the old 2 s interval but not for the new 7 s one
    expect((await rejection(session.poll())).name).toBe("SlowDownException");
    clock += 12_000;
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
  });

  it("answers AccessDeniedException after the user denies", async () => {
    const emu = await start();
    const session = await startDeviceFlow(emu);
    emu.deny(session.auth.userCode ?? "");
    const error = await rejection(session.poll());
    expect(error.name).toBe("AccessDeniedException");
    expect(error.error).toBe("access_denied");
  });

  it("expires device codes by the injected clock", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const emu = await start({ now: () => clock, deviceCodeExpiresIn: 300 });
    const session = await startDeviceFlow(emu);
    expect(session.auth.expiresIn).toBe(300);
    clock += 299_000;
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
    clock += 1000;
    const expired = await rejection(session.poll());
    expect(expired.name).toBe("ExpiredTokenException");
    expect(expired.error).toBe("expired_token");
    expect(() => emu.approve(session.auth.userCode ?? "")).toThrow(/expired/);
  });

  it("auto-approves after the configured number of pending polls", async () => {
    const emu = await start({ autoApproveAfterPolls: 2 });
    const session = await startDeviceFlow(emu);
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
    expect((await rejection(session.poll())).name).toBe("AuthorizationPendingException");
    expect((await session.poll()).accessToken).toBeTruthy();
  });

  it("refreshes tokens and rotates refresh tokens", async () => {
    const emu = await start({ accessTokenExpiresIn: 900 });
    const session = await startDeviceFlow(emu);
    emu.approve(session.auth.userCode ?? "");
    const first = await session.poll();
    const refresh = (refreshToken: string | undefined) =>
      session.oidc.send(
        new CreateTokenCommand({ clientId: session.clientId, clientSecret: session.clientSecret, grantType: "refresh_token", refreshToken }),
      );
    const second = await refresh(first.refreshToken);
    expect(second.expiresIn).toBe(900);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toBeTruthy();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // The rotated-out token is spent.
    const reused = await rejection(refresh(first.refreshToken));
    expect(reused.name).toBe("InvalidGrantException");
    expect(reused.error).toBe("invalid_grant");

    emu.state.rotateRefreshTokens = false;
    const third = await refresh(second.refreshToken);
    expect(third.refreshToken).toBeUndefined();
    expect((await refresh(second.refreshToken)).accessToken).toBeTruthy();
  });

  it("lets issueRefreshToken force refresh tokens on or off", async () => {
    const emu = await start({ issueRefreshToken: true });
    const noScopes = await startDeviceFlow(emu, undefined);
    emu.approve(noScopes.auth.userCode ?? "");
    expect((await noScopes.poll()).refreshToken).toBeTruthy();

    emu.state.issueRefreshToken = false;
    const withScopes = await startDeviceFlow(emu);
    emu.approve(withScopes.auth.userCode ?? "");
    expect((await withScopes.poll()).refreshToken).toBeUndefined();
  });

  it("rejects an unknown grant type and a refresh token of another client", async () => {
    const emu = await start();
    const a = await startDeviceFlow(emu);
    emu.approve(a.auth.userCode ?? "");
    const token = await a.poll();
    const b = await startDeviceFlow(emu);
    const unsupported = await rejection(
      b.oidc.send(new CreateTokenCommand({ clientId: b.clientId, clientSecret: b.clientSecret, grantType: "password" })),
    );
    expect(unsupported.name).toBe("UnsupportedGrantTypeException");
    const stolen = await rejection(
      b.oidc.send(
        new CreateTokenCommand({ clientId: b.clientId, clientSecret: b.clientSecret, grantType: "refresh_token", refreshToken: token.refreshToken }),
      ),
    );
    expect(stolen.name).toBe("InvalidGrantException");
  });
});

describe("SSO portal", () => {
  it("pages 20 at a time without max_result and clamps max_result to 100", async () => {
    const emu = await start({ accounts: generateAccounts(250) });
    const accessToken = await login(emu);
    const sso = ssoClient(emu);
    const firstPage = await sso.send(new ListAccountsCommand({ accessToken }));
    expect(firstPage.accountList).toHaveLength(20);
    expect(firstPage.nextToken).toBeTruthy();
    const big = await sso.send(new ListAccountsCommand({ accessToken, maxResults: 1000 }));
    expect(big.accountList).toHaveLength(100);
    const last = await sso.send(new ListAccountsCommand({ accessToken, maxResults: 100, nextToken: big.nextToken }));
    const tail = await sso.send(new ListAccountsCommand({ accessToken, maxResults: 100, nextToken: last.nextToken }));
    expect(tail.accountList).toHaveLength(50);
    expect(tail.nextToken).toBeUndefined();

    const bad = await rejection(sso.send(new ListAccountsCommand({ accessToken, nextToken: "garbage" })));
    expect(bad.name).toBe("InvalidRequestException");
    expect(bad.$metadata.httpStatusCode).toBe(400);
  });

  it("pages roles and refuses a token from another listing", async () => {
    const emu = await start({ accounts: generateAccounts(2, 5) });
    const accessToken = await login(emu);
    const sso = ssoClient(emu);
    const [a, b] = emu.state.accounts.map((account) => account.accountId);
    const page = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: a, maxResults: 3 }));
    expect(page.roleList).toHaveLength(3);
    const rest = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: a, maxResults: 3, nextToken: page.nextToken }));
    expect(rest.roleList).toHaveLength(2);
    expect(rest.nextToken).toBeUndefined();
    const crossed = await rejection(sso.send(new ListAccountRolesCommand({ accessToken, accountId: b, nextToken: page.nextToken })));
    expect(crossed.name).toBe("InvalidRequestException");
  });

  it("answers 404 ResourceNotFoundException for unknown accounts and roles", async () => {
    const emu = await start();
    const accessToken = await login(emu);
    const sso = ssoClient(emu);
    const account = await rejection(sso.send(new ListAccountRolesCommand({ accessToken, accountId: "999999999999" })));
    expect(account.name).toBe("ResourceNotFoundException");
    expect(account.$metadata.httpStatusCode).toBe(404);
    const role = await rejection(
      sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: "444444444444", roleName: "AdministratorAccess" })),
    );
    expect(role.name).toBe("ResourceNotFoundException");
    expect(role.message).toBe("No access");
  });

  it("treats expired and unknown bearer tokens as 401", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const emu = await start({ now: () => clock, accessTokenExpiresIn: 60 });
    const accessToken = await login(emu);
    const sso = ssoClient(emu);
    await sso.send(new ListAccountsCommand({ accessToken }));
    clock += 60_000;
    expect((await rejection(sso.send(new ListAccountsCommand({ accessToken })))).name).toBe("UnauthorizedException");
    expect((await rejection(sso.send(new ListAccountsCommand({ accessToken: "made-up" })))).name).toBe("UnauthorizedException");
  });

  it("issues a unique access key per GetRoleCredentials call and expires them for STS", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const emu = await start({ now: () => clock, roleCredentialsExpiresIn: 900 });
    const accessToken = await login(emu);
    const sso = ssoClient(emu);
    const request = { accessToken, accountId: "111111111111", roleName: "AdministratorAccess" };
    const one = (await sso.send(new GetRoleCredentialsCommand(request))).roleCredentials;
    const two = (await sso.send(new GetRoleCredentialsCommand(request))).roleCredentials;
    expect(one?.accessKeyId).not.toBe(two?.accessKeyId);
    expect(one?.expiration).toBe(clock + 900_000);

    const sts = track(
      new STSClient({
        region: REGION,
        endpoint: emu.url,
        credentials: { accessKeyId: one?.accessKeyId ?? "", secretAccessKey: one?.secretAccessKey ?? "", sessionToken: one?.sessionToken },
      }),
    );
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toContain("AWSReservedSSO_AdministratorAccess_");
    clock += 900_000;
    const expired = await rejection(sts.send(new GetCallerIdentityCommand({})));
    expect(expired.name).toBe("ExpiredToken");
  });
});

describe("STS AssumeRole", () => {
  const TARGET = "arn:aws:iam::222233334444:role/Target";

  function stsAs(emu: Emulator, creds: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string } | undefined): STSClient {
    const credentials = { accessKeyId: creds?.accessKeyId ?? "", secretAccessKey: creds?.secretAccessKey ?? "", sessionToken: creds?.sessionToken };
    return track(new STSClient({ region: REGION, endpoint: emu.url, credentials, maxAttempts: 1 }));
  }

  async function ssoRoleCredentials(emu: Emulator) {
    const accessToken = await login(emu);
    const request = { accessToken, accountId: "111111111111", roleName: "AdministratorAccess" };
    return (await ssoClient(emu).send(new GetRoleCredentialsCommand(request))).roleCredentials;
  }

  const asCreds = (c: StsCredentials | undefined) => ({ accessKeyId: c?.AccessKeyId, secretAccessKey: c?.SecretAccessKey, sessionToken: c?.SessionToken });

  it("assumes a role with SSO credentials; GetCallerIdentity shows the assumed role; the record says AssumeRole minted it", async () => {
    let clock = Date.UTC(2030, 0, 1, 0, 0, 0, 250);
    const emu = await start({ now: () => clock });
    const sts = stsAs(emu, await ssoRoleCredentials(emu));
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "alice" }));
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::222233334444:assumed-role/Target/alice");
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[0-9A-F]{17}:alice$/);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBe(Date.UTC(2030, 0, 1, 1, 0, 0));
    const record = emu.state.roleCredentials.get(out.Credentials?.AccessKeyId ?? "");
    expect(record).toMatchObject({ accountId: "222233334444", roleName: "Target", mintedByAssumeRole: true, sessionName: "alice" });

    const assumed = stsAs(emu, asCreds(out.Credentials));
    const identity = await assumed.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: "222233334444", Arn: "arn:aws:sts::222233334444:assumed-role/Target/alice" });
    expect(identity.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
    expect(emu.counts()).toMatchObject({ AssumeRole: { calls: 1 }, GetCallerIdentity: { calls: 1 } });
    clock += 3600_000;
    expect((await rejection(assumed.send(new GetCallerIdentityCommand({})))).name).toBe("ExpiredToken");
  });

  it("issues credentials for DurationSeconds, or for the assumeRoleExpiresIn knob when set", async () => {
    const clock = Date.UTC(2030, 0, 1);
    const emu = await start({ now: () => clock, maxSessionDuration: 43_200 });
    const sts = stsAs(emu, await ssoRoleCredentials(emu));
    const long = await sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "s1", DurationSeconds: 7200 }));
    expect(long.Credentials?.Expiration?.getTime()).toBe(clock + 7200_000);
    emu.state.assumeRoleExpiresIn = 5;
    const short = await sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "s2", DurationSeconds: 7200 }));
    expect(short.Credentials?.Expiration?.getTime()).toBe(clock + 5000);
  });

  it("answers AccessDenied for a denied role and a bad MFA code, ValidationError for bad input, in STS's words", async () => {
    const emu = await start({ deniedRoleArns: [TARGET] });
    const sts = stsAs(emu, await ssoRoleCredentials(emu));
    const denied = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "alice" })));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toMatch(/^User: arn:aws:sts::111111111111:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/.+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222233334444:role\/Target$/);

    const other = "arn:aws:iam::222233334444:role/Other";
    const mfa = { RoleArn: other, RoleSessionName: "alice", SerialNumber: "arn:aws:iam::111111111111:mfa/alice" };
    expect((await rejection(sts.send(new AssumeRoleCommand(mfa)))).name).toBe("AccessDenied");
    expect((await sts.send(new AssumeRoleCommand({ ...mfa, TokenCode: "123456" }))).Credentials?.AccessKeyId).toBeDefined();

    const cases: [Record<string, unknown>, RegExp][] = [
      [{ RoleArn: other, RoleSessionName: "a" }, /'roleSessionName' failed to satisfy constraint/],
      [{ RoleArn: other, RoleSessionName: "alice", DurationSeconds: 600 }, /'durationSeconds' failed to satisfy constraint/],
      [{ RoleArn: other, RoleSessionName: "alice", DurationSeconds: 7200 }, /exceeds the MaxSessionDuration set for this role/],
      [{ RoleArn: "arn:aws:iam::1:user/x", RoleSessionName: "alice" }, /is invalid: a role ARN looks like/],
    ];
    for (const [input, message] of cases) {
      const error = await rejection(sts.send(new AssumeRoleCommand(input as never)));
      expect(error.name).toBe("ValidationError");
      expect(error.message).toMatch(message);
    }
  });

  it("caps a role assumed with assumed-role credentials at one hour (role chaining)", async () => {
    const emu = await start({ maxSessionDuration: 43_200 });
    const sts = stsAs(emu, await ssoRoleCredentials(emu));
    const first = await sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "hop1", DurationSeconds: 7200 }));
    const chained = stsAs(emu, asCreds(first.Credentials));
    const error = await rejection(chained.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "hop2", DurationSeconds: 7200 })));
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    const ok = await chained.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "hop2", DurationSeconds: 3600 }));
    expect(ok.AssumedRoleUser?.Arn).toBe("arn:aws:sts::222233334444:assumed-role/Target/hop2");
  });

  it("refuses callers it never issued credentials to", async () => {
    const emu = await start();
    const sts = stsAs(emu, { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" });
    expect((await rejection(sts.send(new AssumeRoleCommand({ RoleArn: TARGET, RoleSessionName: "alice" })))).name).toBe("InvalidClientTokenId");
  });
});

describe("throttling and injected faults", () => {
  it("answers 429 TooManyRequestsException past the rate and counts it", async () => {
    const emu = await start({ now: () => 0 });
    const accessToken = await login(emu);
    emu.state.throttle = { ListAccounts: { ratePerSecond: 5, burst: 2 } };
    const sso = ssoClient(emu, 1);
    await sso.send(new ListAccountsCommand({ accessToken }));
    await sso.send(new ListAccountsCommand({ accessToken }));
    const error = await rejection(sso.send(new ListAccountsCommand({ accessToken })));
    expect(error.name).toBe("TooManyRequestsException");
    expect(error.message).toBe("Rate exceeded");
    expect(error.$metadata.httpStatusCode).toBe(429);
    const throttled = emu.requests.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(1);
    // Other operations have their own (absent) limit.
    await sso.send(new ListAccountRolesCommand({ accessToken, accountId: "111111111111" }));
    expect(emu.counts().ListAccounts).toEqual({ calls: 3, throttled: 1, faults: 0 });
  });

  it("refills the bucket with time, and the SDK's default retries show as 3 throttled calls", async () => {
    let clock = 0;
    const emu = await start({ now: () => clock });
    const accessToken = await login(emu);
    emu.state.throttle = { all: { ratePerSecond: 1, burst: 1 } };
    const sso = ssoClient(emu);
    await sso.send(new ListAccountsCommand({ accessToken }));
    const error = await rejection(sso.send(new ListAccountRolesCommand({ accessToken, accountId: "111111111111" })));
    expect(error.name).toBe("TooManyRequestsException");
    expect(error.$metadata.attempts).toBe(3);
    expect(emu.counts().ListAccountRoles).toMatchObject({ calls: 3, throttled: 3 });
    expect(emu.requests.find((r) => r.status === 429)).toBeDefined();
    clock += 1000;
    await sso.send(new ListAccountRolesCommand({ accessToken, accountId: "111111111111" }));
  });

  it("injects 500s that the SDK retries through", async () => {
    const emu = await start();
    const accessToken = await login(emu);
    emu.fail({ operation: "ListAccounts", status: 500, errorType: "InternalServerException", count: 2 });
    const page = await ssoClient(emu).send(new ListAccountsCommand({ accessToken }));
    expect(page.accountList).toHaveLength(5);
    expect(page.$metadata.attempts).toBe(3);
    expect(emu.counts().ListAccounts).toEqual({ calls: 3, throttled: 0, faults: 2 });

    emu.fail({ operation: "ListAccounts", status: 500, count: 1 });
    const error = await rejection(ssoClient(emu, 1).send(new ListAccountsCommand({ accessToken })));
    expect(error.name).toBe("InternalServerException");
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(emu.state.faults).toHaveLength(0);
  });

  it("injects OIDC errors in the OIDC body shape", async () => {
    const emu = await start();
    emu.fail({ operation: "RegisterClient", status: 500, errorType: "InternalServerException" });
    const error = await rejection(oidcClient(emu, 1).send(new RegisterClientCommand({ clientName: "x", clientType: "public" })));
    expect(error.name).toBe("InternalServerException");
    expect(error.error).toBe("server_error");
  });

  it("resets connections, sends malformed bodies and delays answers", async () => {
    const emu = await start();
    const accessToken = await login(emu);
    const sso = ssoClient(emu, 1);

    emu.fail({ operation: "ListAccounts", mode: "reset" });
    const reset = await rejection(sso.send(new ListAccountsCommand({ accessToken })));
    expect((reset as SdkError & { code?: string }).code).toBe("ECONNRESET");
    expect(emu.requests.at(-1)?.status).toBe(0);

    emu.fail({ operation: "ListAccounts", mode: "malformed" });
    const malformed = await rejection(sso.send(new ListAccountsCommand({ accessToken })));
    expect(malformed.$metadata.httpStatusCode).toBe(200);

    emu.fail({ operation: "*", mode: "delay", delayMs: 300 });
    const started = Date.now();
    await sso.send(new ListAccountsCommand({ accessToken }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(emu.counts().ListAccounts?.faults).toBe(3);
  });
});
