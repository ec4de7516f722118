import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";

// The sign-in service's federation endpoint as the emulator serves it, by GET and by form POST.

let emu: Emulator;
const KEY = { accessKeyId: "ASIAFEDERATIONTEST01", secretAccessKey: "secret", sessionToken: "token" };
const SESSION = JSON.stringify({ sessionId: KEY.accessKeyId, sessionKey: KEY.secretAccessKey, sessionToken: KEY.sessionToken });

beforeEach(async () => {
  emu = await startEmulator();
  emu.state.roleCredentials.set(KEY.accessKeyId, { ...KEY, accountId: "111111111111", roleName: "ReadOnlyAccess", expiration: Date.now() + 3_600_000 });
});

afterEach(async () => {
  await emu.close();
});

const get = (params: Record<string, string>) => fetch(`${emu.url}/federation?${new URLSearchParams(params).toString()}`, { redirect: "manual" });
const post = (params: Record<string, string>) =>
  fetch(`${emu.url}/federation`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params).toString() });

describe("getSigninToken", () => {
  it("answers GET and POST with a SigninToken for issued credentials", async () => {
    for (const send of [get, post]) {
      const answer = await send({ Action: "getSigninToken", Session: SESSION });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { SigninToken: string }).SigninToken).toMatch(/^[\w-]{100,}$/);
    }
  });

  it("refuses credentials that were not issued, do not match or have expired", async () => {
    for (const session of [
      { ...JSON.parse(SESSION), sessionKey: "wrong" },
      { ...JSON.parse(SESSION), sessionId: "ASIAUNKNOWN" },
      { sessionId: KEY.accessKeyId },
    ]) {
      expect((await post({ Action: "getSigninToken", Session: JSON.stringify(session) })).status).toBe(400);
    }
    expect((await post({ Action: "getSigninToken", Session: "not json" })).status).toBe(400);
    emu.state.roleCredentials.get(KEY.accessKeyId)!.expiration = Date.now() - 1;
    expect((await post({ Action: "getSigninToken", Session: SESSION })).status).toBe(400);
  });

  it("takes SessionDuration from 900 to 43200 seconds only", async () => {
    expect((await post({ Action: "getSigninToken", Session: SESSION, SessionDuration: "900" })).status).toBe(200);
    expect((await post({ Action: "getSigninToken", Session: SESSION, SessionDuration: "43200" })).status).toBe(200);
    for (const bad of ["899", "43201", "1h", ""]) {
      expect((await post({ Action: "getSigninToken", Session: SESSION, SessionDuration: bad })).status, bad).toBe(400);
    }
  });
  it("refuses SessionDuration for credentials minted by AssumeRole, and takes them without it", async () => {
    emu.state.roleCredentials.get(KEY.accessKeyId)!.mintedByAssumeRole = true;
    const refused = await post({ Action: "getSigninToken", Session: SESSION, SessionDuration: "3600" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/AssumeRole/);
    expect((await post({ Action: "getSigninToken", Session: SESSION })).status).toBe(200);
  });
});

describe("Action=login", () => {
  it("redirects a fresh token to the emulator's console page for the destination", async () => {
    const { SigninToken } = (await (await post({ Action: "getSigninToken", Session: SESSION })).json()) as { SigninToken: string };
    const destination = "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1";
    const login = await get({ Action: "login", Issuer: "https://d-1234567890.awsapps.com/start", Destination: destination, SigninToken });
    expect(login.status).toBe(302);
    const landing = new URL(login.headers.get("location") ?? "");
    expect(landing.pathname).toBe("/console-landing");
    const page = await (await fetch(landing)).text();
    expect(page).toContain(`<strong id="destination">${destination.replaceAll("&", "&#38;")}</strong>`);
    expect(page).toContain('<strong id="account">111111111111</strong>');
  });

  it("refuses an unknown token and a destination that is not https", async () => {
    expect((await get({ Action: "login", Destination: "https://console.aws.amazon.com/", SigninToken: "nope" })).status).toBe(400);
    const { SigninToken } = (await (await post({ Action: "getSigninToken", Session: SESSION })).json()) as { SigninToken: string };
    expect((await get({ Action: "login", Destination: "http://console.aws.amazon.com/", SigninToken })).status).toBe(400);
  });
});
