#!/usr/bin/env node
/**
 * A stand-in for the person at the browser, for the demo and the end-to-end tests: used as the
 * `BROWSER` command, it receives the verification URL that sso-setup opens, loads the emulator's
 * verification page like a browser would, and presses Allow (or Deny, with PERSON_ACTION=deny).
 * PERSON_DELAY_MS makes it take its time, like a person reading the page.
 */
const [target] = process.argv.slice(2);
const action = process.env.PERSON_ACTION === "deny" ? "deny" : "approve";
const delay = Number(process.env.PERSON_DELAY_MS ?? "300");

async function main(): Promise<void> {
  if (!target) throw new Error("usage: person <verification-url>");
  const url = new URL(target);
  const page = await fetch(url);
  if (!page.ok) throw new Error(`verification page answered ${page.status}`);
  await page.text();
  await new Promise((resolve) => setTimeout(resolve, delay));
  const userCode = url.searchParams.get("user_code") ?? "";
  const form = new URL(`${url.pathname.replace(/\/$/, "")}/${action}`, url);
  const answer = await fetch(form, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ user_code: userCode }).toString(),
  });
  if (!answer.ok) throw new Error(`${action} answered ${answer.status}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`person: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
