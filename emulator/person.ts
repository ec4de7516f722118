#!/usr/bin/env node
/**
 * A stand-in for the person at the browser, for the demo and the end-to-end tests: used as the
 * `BROWSER` command, it receives the URL that sso-setup opens and does what a browser and a person
 * would.
 *
 * - A device verification URL (…/device?user_code=…): loads the page and presses Allow (or Deny,
 *   with PERSON_ACTION=deny).
 * - An authorization-code URL (…/authorize?…): loads it like a browser, without following the
 *   redirect by itself; on the emulator's consent page ("page" mode) it presses Allow or Deny; then it
 *   follows the redirect to sso-setup's loopback listener and reads the page it answers.
 *
 * PERSON_DELAY_MS makes it take its time, like a person reading the page. PERSON_LOG names a file
 * that gets one JSON line per sign-in, with the moment the redirect to the loopback was requested
 * and the moment its page arrived (for timing the code exchange).
 */
import { appendFileSync } from "node:fs";

const [target] = process.argv.slice(2);
const action = process.env.PERSON_ACTION === "deny" ? "deny" : "approve";
const delay = Number(process.env.PERSON_DELAY_MS ?? "300");
const log = process.env.PERSON_LOG;

const pause = () => new Promise((resolve) => setTimeout(resolve, delay));

async function approveDeviceCode(url: URL): Promise<void> {
  const page = await fetch(url);
  if (!page.ok) throw new Error(`verification page answered ${page.status}`);
  await page.text();
  await pause();
  const userCode = url.searchParams.get("user_code") ?? "";
  const form = new URL(`${url.pathname.replace(/\/$/, "")}/${action}`, url);
  const answer = await fetch(form, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ user_code: userCode }).toString(),
  });
  if (!answer.ok) throw new Error(`${action} answered ${answer.status}`);
}

/** The Location of a redirect answer; fails on anything else. */
async function redirectTarget(response: Response, what: string): Promise<string> {
  await response.text();
  const location = response.headers.get("location");
  if (response.status < 300 || response.status > 399 || !location) throw new Error(`${what} answered ${response.status} without a redirect`);
  return location;
}

async function authorizeInBrowser(url: URL): Promise<void> {
  let response = await fetch(url, { redirect: "manual" });
  if (response.status === 200) {
    // The emulator's consent page: read the request id from its form and press a button.
    const html = await response.text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
    if (!requestId) throw new Error("the consent page has no request_id");
    await pause();
    response = await fetch(new URL(`${url.pathname}/${action}`, url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request_id: requestId }).toString(),
      redirect: "manual",
    });
  } else {
    // The emulator approved at once; a person would still take a moment to sign in.
    await pause();
  }
  const callback = await redirectTarget(response, "the authorize endpoint");
  const redirectAt = Date.now();
  const page = await fetch(callback, { redirect: "manual" });
  const body = await page.text();
  const pageAt = Date.now();
  const result = /data-result="(\w+)"/.exec(body)?.[1] ?? "unknown";
  if (log) appendFileSync(log, `${JSON.stringify({ redirectAt, pageAt, status: page.status, result })}\n`);
}

async function main(): Promise<void> {
  if (!target) throw new Error("usage: person <url>");
  const url = new URL(target);
  if (url.pathname.endsWith("/authorize")) await authorizeInBrowser(url);
  else await approveDeviceCode(url);
}

main().catch((error: unknown) => {
  process.stderr.write(`person: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
