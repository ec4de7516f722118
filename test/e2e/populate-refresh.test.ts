/**
 * populate when the access token expires in the middle of a throttled listing: the built CLI
 * refreshes it once with the cached refresh token (written back in the AWS CLI's format) and every
 * profile is still written; when the refresh cannot help, nothing is written and the message says
 * how far the listing got and which login to run.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { generateAccounts } from "../../emulator/server.js";
import { defaultKnobs } from "../../emulator/state.js";
import { TOKEN_FILE_KEYS } from "../helpers/cli.js";
import { signedInSandbox, type SignedIn } from "../helpers/populate.js";
import { tokenCacheKey } from "../../src/sso/token.js";

let s: SignedIn;

beforeAll(async () => {
  s = await signedInSandbox(generateAccounts(60, 3));
});

afterAll(async () => {
  await s.close();
});

// Each test starts from a sign-in of its own: a failed refresh leaves the session unusable.
beforeEach(async () => {
  const login = await s.cli(["login", "--sso-session", "corp"]);
  expect(login.code, login.stderr).toBe(0);
  // A throttled portal: calls queue in the limiter while the token lapses.
  s.emu.state.throttle = { all: { ratePerSecond: 30, burst: 10 } };
});

afterEach(() => {
  const { throttle, expireAccessTokenAfterCalls } = defaultKnobs();
  Object.assign(s.emu.state, { throttle, expireAccessTokenAfterCalls });
  s.emu.state.faults.length = 0;
});

const tokenFile = () => path.join(s.box.ssoCacheDir, `${tokenCacheKey({ sessionName: "corp", startUrl: "" })}.json`);
const readToken = () => JSON.parse(readFileSync(tokenFile(), "utf8")) as Record<string, string>;
const refreshCalls = (from: number) =>
  s.emu.requests.slice(from).filter((r) => r.operation === "CreateToken" && JSON.parse(r.body).grantType === "refresh_token");
const refusedCalls = (from: number) => s.emu.requests.slice(from).filter((r) => r.status === 401);

it("refreshes the token once when it expires mid-run, retries the refused calls and writes every profile", async () => {
  const before = readToken();
  const mark = s.emu.requests.length;
  s.emu.state.expireAccessTokenAfterCalls = 25;
  const file = s.newConfig();
  const r = await s.cli(["populate", "--sso-session", "corp"], { configFile: file });
  expect(r.code, r.stderr).toBe(0);

  const text = readFileSync(file, "utf8");
  expect(text.match(/^\[profile /gm)).toHaveLength(180);
  for (const account of s.emu.state.accounts) {
    for (const role of account.roles) expect(text).toContain(`[profile ${account.accountName}.${role}]\nsso_session = corp\nsso_account_id = ${account.accountId}\n`);
  }

  // The portal refused calls, and exactly one refresh answered them all.
  expect(refusedCalls(mark).length).toBeGreaterThan(0);
  expect(refusedCalls(mark).every((q) => q.headers["x-amz-sso_bearer_token"] === before.accessToken)).toBe(true);
  expect(refreshCalls(mark)).toHaveLength(1);
  expect(JSON.parse(refreshCalls(mark)[0]!.body).refreshToken).toBe(before.refreshToken);

  // The cache holds the refreshed token (and the rotated refresh token), in the AWS CLI's format.
  const after = readToken();
  const issued = [...s.emu.state.accessTokens.values()].filter((t) => t.grantType === "refresh_token").at(-1)!;
  expect(after.accessToken).toBe(issued.accessToken);
  expect(after.accessToken).not.toBe(before.accessToken);
  expect(after.refreshToken).toBe(issued.refreshToken);
  expect(Object.keys(after)).toEqual(TOKEN_FILE_KEYS);
  expect(Date.parse(after.expiresAt!)).toBeGreaterThan(Date.now());
  // The retried calls went out with the new token, and the summary says a refresh happened.
  const roleCalls = s.emu.requests.slice(mark).filter((q) => q.operation === "ListAccountRoles" && q.status === 200);
  expect(new Set(roleCalls.map((q) => q.headers["x-amz-sso_bearer_token"]))).toEqual(new Set([before.accessToken, after.accessToken]));
  expect(r.stderr).toMatch(/: 180 added, .* 60 accounts listed in [\d.]+ s \(\d+ calls, \d+ throttled, the SSO token refreshed once\)\.\n$/);
});

it("writes nothing and asks for a login, saying how far it got, when the refresh is refused", async () => {
  const file = s.newConfig("[profile keep]\nregion = eu-west-1\n");
  const before = readFileSync(file, "utf8");
  const tokenBefore = readFileSync(tokenFile(), "utf8");
  // The session ended at the service: its refresh tokens no longer work.
  for (const record of s.emu.state.refreshTokens.values()) record.revoked = true;
  s.emu.state.expireAccessTokenAfterCalls = 25;
  const mark = s.emu.requests.length;
  const r = await s.cli(["populate", "--sso-session", "corp"], { configFile: file });

  expect(r.code).toBe(253);
  expect(r.stderr).toContain(
    'The cached SSO token for sso-session "corp" was refused by the portal (UnauthorizedException) and could not be refreshed (InvalidGrantException).',
  );
  const howFar = /\nThe listing stopped with the roles of (\d+) of 60 accounts listed; nothing was written\. To sign in again, run: sso-setup login --sso-session corp\n$/.exec(r.stderr);
  expect(howFar, r.stderr).not.toBeNull();
  expect(Number(howFar![1])).toBeGreaterThan(0);
  expect(Number(howFar![1])).toBeLessThan(60);
  expect(refreshCalls(mark)).toHaveLength(1);
  expect(readFileSync(file, "utf8")).toBe(before);
  expect(readFileSync(tokenFile(), "utf8")).toBe(tokenBefore);
});

it("stops the same way when the portal refuses the refreshed token too, without refreshing again", async () => {
  const file = s.newConfig();
  const before = readFileSync(file, "utf8");
  // The portal refuses every role listing, whatever the token: the refresh succeeds and does not help.
  s.emu.fail({ operation: "ListAccountRoles", status: 401, errorType: "UnauthorizedException", message: "Session token not found or invalid", count: 10_000 });
  const mark = s.emu.requests.length;
  const r = await s.cli(["populate", "--sso-session", "corp"], { configFile: file });

  expect(r.code).toBe(253);
  expect(r.stderr).toMatch(
    /The portal refused the cached SSO token for sso-session "corp" \(UnauthorizedException\), even after refreshing it\.\nThe listing stopped with the roles of \d+ of 60 accounts listed; nothing was written\. To sign in again, run: sso-setup login --sso-session corp\n$/,
  );
  expect(refreshCalls(mark)).toHaveLength(1);
  expect(readFileSync(file, "utf8")).toBe(before);
});
