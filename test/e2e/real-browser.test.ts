/**
 * Headless Chromium as the person's browser: the built CLI signs in against the emulator and opens
 * the URL it would open for a person; Chromium loads that URL, shows the page, and the test clicks
 * what a person would click. Screenshots of each page land in test-output/screenshots/.
 *
 * One Chromium serves every test (it takes about a second to start); each test gets its own context,
 * so no cookie or page state carries over. A flow's test needs only `signIn` and its own clicks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.js";
import { launchChromium, screenshot, urlRecorder } from "../helpers/browser.js";
import { makeSandbox, runCli, type CliResult, type Sandbox } from "../helpers/cli.js";

const START_URL = "https://d-1234567890.awsapps.com/start";
const CORP_TOKEN_FILE = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"; // sha1("corp")
const CONFIG = `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = us-east-1\n`;
const DEVICE_LOGIN = ["login", "--sso-session", "corp", "--use-device-code"];
const PKCE_LOGIN = ["login", "--sso-session", "corp"];
/**
 * The browser sign-in is the default for an sso-session, but CI=true (as CI runs) would switch to the
 * device flow: the child must not see it. A short wait for the redirect keeps a broken run from
 * hanging for the AWS CLI's ten minutes.
 */
const PKCE_ENV = { CI: undefined, SSO_SETUP_AUTH_TIMEOUT_SECONDS: "15" };

let browser: Browser;
let context: BrowserContext;
let emu: Emulator;
let box: Sandbox;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  emu = await startEmulator();
  box = makeSandbox(emu.url);
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, CONFIG);
  context = await browser.newContext({ viewport: { width: 800, height: 640 } });
});

afterEach(async () => {
  await context?.close();
  await emu.close();
  box.cleanup();
});

/**
 * Starts `sso-setup <args>` with BROWSER recording the URL it opens, and opens that URL in Chromium.
 * Returns the page and the CLI's pending result.
 */
async function signIn(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ page: Page; url: URL; result: Promise<CliResult> }> {
  const recorder = urlRecorder(box.dir);
  const result = runCli(args, { env: box.env({ BROWSER: recorder.command, ...env }), timeoutMs: 20_000 });
  const url = new URL(await recorder.url(result));
  const page = await context.newPage();
  const response = await page.goto(url.href);
  expect(response?.status()).toBe(200);
  return { page, url, result };
}

/** The code the terminal told the person to look for (the AWS CLI's wording: "Then enter the code:"). */
function codeShown(stderr: string): string | undefined {
  return /Then enter the code:\n\n([A-Z0-9]{4}-[A-Z0-9]{4})\n/.exec(stderr)?.[1];
}

describe("device code flow in a real browser", () => {
  it("shows the code the terminal shows; Allow signs the CLI in", async () => {
    const { page, url, result } = await signIn(DEVICE_LOGIN);
    expect(`${url.origin}${url.pathname}`).toBe(`${emu.url}/device`);

    const userCode = url.searchParams.get("user_code");
    await expect(page.title()).resolves.toBe("Authorize request");
    expect(await page.locator("#user-code").textContent()).toBe(userCode);
    expect(await page.locator("#client-name").textContent()).toBe("botocore-client-corp");
    expect(await page.locator("#allow").isVisible()).toBe(true);
    await screenshot(page, "device-verification");

    await page.locator("#allow").click();
    await page.waitForSelector("#result");
    expect(await page.title()).toBe("Request approved");
    expect(await page.locator("#result").textContent()).toBe("Request approved. You can close this window.");
    await screenshot(page, "device-approved");

    const r = await result;
    expect(r.code, r.stderr).toBe(0);
    expect(codeShown(r.stderr)).toBe(userCode);
    expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
    const token = box.cacheFiles()[CORP_TOKEN_FILE];
    expect(token).toMatchObject({ startUrl: START_URL, region: "us-east-1" });
    expect(typeof token?.accessToken).toBe("string");
  });

  it("Deny fails the sign-in with the service-error exit code and caches nothing", async () => {
    const { page, url, result } = await signIn(DEVICE_LOGIN);
    expect(await page.locator("#user-code").textContent()).toBe(url.searchParams.get("user_code"));

    await page.locator("#deny").click();
    await page.waitForSelector("#result");
    expect(await page.title()).toBe("Request denied");
    expect(await page.locator("#result").textContent()).toBe("Request denied.");
    await screenshot(page, "device-denied");

    const r = await result;
    expect(r.code, r.stderr).toBe(254);
    expect(r.stderr).toMatch(/denied/);
    expect(box.cacheFiles()[CORP_TOKEN_FILE]).toBeUndefined();
  });
});

describe("authorization-code flow (PKCE) in a real browser", () => {
  it("follows the redirect to sso-setup's loopback page, which says the person is signed in", async () => {
    const { page, url, result } = await signIn(PKCE_LOGIN, PKCE_ENV);
    expect(`${url.origin}${url.pathname}`).toBe(`${emu.url}/authorize`);
    const redirectUri = url.searchParams.get("redirect_uri")!;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);

    // The emulator approved at once (its default) and redirected to the listener, which answered
    // after exchanging the code: the page the person is left on is sso-setup's own.
    const landed = new URL(page.url());
    expect(`${landed.origin}${landed.pathname}`).toBe(redirectUri);
    expect(landed.searchParams.get("code")).toBeTruthy();
    expect(landed.searchParams.get("state")).toBe(url.searchParams.get("state"));
    expect(await page.title()).toBe("Signed in - sso-setup");
    expect(await page.locator("#result").getAttribute("data-result")).toBe("ok");
    expect(await page.locator("#result").textContent()).toBe("You are signed in");
    const text = await page.locator("main").innerText();
    expect(text).toContain(`sso-session "corp" (${START_URL}) and exchanged it for an access token.`);
    expect(text).toContain("You can close this tab and return to the terminal.");
    await screenshot(page, "pkce-signed-in");

    const r = await result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`\n${url.href}\n`);
    expect(r.stderr).toContain(`Successfully logged into Start URL: ${START_URL}`);
    expect(r.stderr).not.toContain("device code");
    const token = box.cacheFiles()[CORP_TOKEN_FILE];
    expect(token).toMatchObject({ startUrl: START_URL, region: "us-east-1" });
    expect(typeof token?.accessToken).toBe("string");
    expect(emu.requests.map((q) => q.operation)).toEqual(["RegisterClient", "Authorize", "CreateToken"]);
  });

  it("Deny on the consent page: the loopback page says the sign-in failed; the CLI exits 255 and caches nothing", async () => {
    emu.state.authorizeMode = "page";
    const { page, url, result } = await signIn(PKCE_LOGIN, PKCE_ENV);
    expect(`${url.origin}${url.pathname}`).toBe(`${emu.url}/authorize`);
    expect(await page.title()).toBe("Allow access");
    expect(await page.locator("#client-name").textContent()).toBe("botocore-client-corp");
    expect(await page.locator("main").innerText()).toContain("sso:account:access");
    await screenshot(page, "pkce-consent");

    await page.locator("#deny").click();
    await page.waitForURL((u) => u.pathname === "/oauth/callback");
    expect(new URL(page.url()).searchParams.get("error")).toBe("access_denied");
    expect(await page.title()).toBe("Sign-in failed - sso-setup");
    expect(await page.locator("#result").getAttribute("data-result")).toBe("error");
    expect(await page.locator("#result").textContent()).toBe("Sign-in failed");
    const text = await page.locator("main").innerText();
    expect(text).toContain("The authentication redirect failed with the following error: access_denied (The user denied the request)");
    expect(text).toContain("Nothing was saved.");
    await screenshot(page, "pkce-denied");

    const r = await result;
    expect(r.code, r.stderr).toBe(255);
    expect(r.stderr).toContain(
      'Error loading authorization code: Failed to retrieve an authorization code. The browser was redirected with the error "access_denied" (The user denied the request).',
    );
    expect(r.stderr).not.toContain("Successfully logged into");
    expect(box.cacheFiles()[CORP_TOKEN_FILE]).toBeUndefined();
    expect(emu.requests.map((q) => q.operation)).not.toContain("CreateToken");
  });
});
