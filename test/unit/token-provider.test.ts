import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { JsonFileCache } from "../../src/config/json-cache.js";
import { nodeFs } from "../../src/platform/fs.js";
import { nodeFileLocker } from "../../src/platform/lock.js";
import { createSdkApiFactory } from "../../src/sso/clients.js";
import { getUsableToken, LoginRequiredError } from "../../src/sso/token-provider.js";
import { formatTimestamp, tokenCacheKey } from "../../src/sso/token.js";
import { TOKEN_FILE_KEYS } from "../helpers/cli.js";
import { FakeClock } from "../helpers/fake-clock.js";

const target = { sessionName: "corp", startUrl: "https://d-1234567890.awsapps.com/start", region: "us-east-1" };
const LOGIN = "sso-setup login --sso-session corp";

let emu: Emulator;
let dir: string;
let cache: JsonFileCache;
let clock: FakeClock;

/** A real token pair from the emulator, through the real SDK: register, authorize, approve, create. */
async function issueTokens(scopes = ["sso:account:access"]) {
  const { oidc } = await createSdkApiFactory({ oidc: emu.url, portal: emu.url })("us-east-1");
  const reg = await oidc.registerClient({ clientName: "test", scopes });
  const auth = await oidc.startDeviceAuthorization({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: target.startUrl });
  emu.approve(auth.userCode);
  const token = await oidc.createToken({
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    grantType: "urn:ietf:params:oauth:grant-type:device_code",
    deviceCode: auth.deviceCode,
  });
  return { reg, token };
}

async function writeToken(minutesLeft: number, extra: Record<string, unknown> = {}) {
  const { reg, token } = await issueTokens();
  await cache.write(tokenCacheKey(target), {
    startUrl: target.startUrl,
    region: target.region,
    accessToken: token.accessToken,
    expiresAt: formatTimestamp(clock.now() + minutesLeft * 60_000),
    clientId: reg.clientId,
    clientSecret: reg.clientSecret,
    registrationExpiresAt: formatTimestamp(reg.clientSecretExpiresAt * 1000),
    refreshToken: token.refreshToken,
    ...extra,
  });
  return token;
}

const deps = () => ({ clock, ssoCache: cache, ssoApis: createSdkApiFactory({ oidc: emu.url, portal: emu.url }), locker: nodeFileLocker });

beforeEach(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(path.join(tmpdir(), "token-provider-"));
  cache = new JsonFileCache(nodeFs, dir);
  clock = new FakeClock(Date.now());
});

afterEach(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("getUsableToken", () => {
  it("returns a token with 15 minutes or more left as it is, without calling the service", async () => {
    const issued = await writeToken(60);
    const before = emu.requests.length;
    expect((await getUsableToken(target, LOGIN, deps())).accessToken).toBe(issued.accessToken);
    expect(emu.requests.length).toBe(before);
  });

  it("refreshes a token with less than 15 minutes left and writes it back in the AWS CLI format", async () => {
    const issued = await writeToken(10);
    const token = await getUsableToken(target, LOGIN, deps());
    expect(token.accessToken).not.toBe(issued.accessToken);
    const stored = await cache.read(tokenCacheKey(target));
    expect(stored?.accessToken).toBe(token.accessToken);
    expect(Object.keys(stored ?? {})).toEqual(TOKEN_FILE_KEYS);
    expect(stored?.expiresAt).toMatch(/Z$/);
    expect(emu.requests.at(-1)?.body).toContain('"grantType":"refresh_token"');
  });

  it("keeps the old refresh token when the service does not send a new one", async () => {
    emu.state.rotateRefreshTokens = false;
    const issued = await writeToken(-5);
    const token = await getUsableToken(target, LOGIN, deps());
    expect(token.refreshToken).toBe(issued.refreshToken);
  });

  it("falls back to the old token when a refresh is refused but the token still works", async () => {
    const issued = await writeToken(10, { refreshToken: "revoked" });
    expect((await getUsableToken(target, LOGIN, deps())).accessToken).toBe(issued.accessToken);
  });

  it("asks for a login, naming the command, when an expired token cannot be refreshed", async () => {
    await writeToken(-1, { refreshToken: "revoked" });
    await expect(getUsableToken(target, LOGIN, deps())).rejects.toThrow(
      /has expired and could not be refreshed \(InvalidGrantException\)\. To sign in again, run: sso-setup login --sso-session corp/,
    );
  });

  it("asks for a login when the registration has expired or there is no refresh token", async () => {
    await writeToken(-1, { registrationExpiresAt: formatTimestamp(clock.now() - 1000) });
    await expect(getUsableToken(target, LOGIN, deps())).rejects.toBeInstanceOf(LoginRequiredError);
    await writeToken(-1, { refreshToken: undefined });
    const error = await getUsableToken(target, LOGIN, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginRequiredError);
    expect((error as LoginRequiredError).exitCode).toBe(253);
  });

  it("refreshes once when several callers need a refresh at the same time; the others take its token", async () => {
    await writeToken(-1);
    const before = emu.requests.length;
    const tokens = await Promise.all([1, 2, 3, 4].map(() => getUsableToken(target, LOGIN, deps())));
    const refreshes = emu.requests.slice(before).filter((r) => r.operation === "CreateToken");
    expect(refreshes).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    // The lock is gone afterwards: nothing is left next to the token file.
    expect(readdirSync(dir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  it("refreshes a token the portal refused though the cache gives it an hour, and writes the new one", async () => {
    const issued = await writeToken(60);
    emu.expireToken(issued.accessToken);
    const before = emu.requests.length;
    const token = await getUsableToken(target, LOGIN, deps(), issued.accessToken);
    expect(token.accessToken).not.toBe(issued.accessToken);
    expect(emu.requests.slice(before).map((r) => r.operation)).toEqual(["CreateToken"]);
    expect((await cache.read(tokenCacheKey(target)))?.accessToken).toBe(token.accessToken);
    // Another caller refused with the same old token takes the new one, without a second refresh.
    expect((await getUsableToken(target, LOGIN, deps(), issued.accessToken)).accessToken).toBe(token.accessToken);
    expect(emu.requests.length).toBe(before + 1);
  });

  it("asks for a login, saying the portal refused the token, when a refused token cannot be refreshed", async () => {
    const issued = await writeToken(60, { refreshToken: "revoked" });
    await expect(getUsableToken(target, LOGIN, deps(), issued.accessToken)).rejects.toThrow(
      'The cached SSO token for sso-session "corp" was refused by the portal (UnauthorizedException) and could not be refreshed (InvalidGrantException). To sign in again, run: sso-setup login --sso-session corp',
    );
    const noRefreshToken = await writeToken(60, { refreshToken: undefined });
    await expect(getUsableToken(target, LOGIN, deps(), noRefreshToken.accessToken)).rejects.toThrow(/was refused by the portal \(UnauthorizedException\) and cannot be refreshed\./);
  });

  it("asks for a login when nothing is cached", async () => {
    await expect(getUsableToken(target, LOGIN, deps())).rejects.toThrow(/There is no cached SSO token for sso-session "corp"/);
  });
});
