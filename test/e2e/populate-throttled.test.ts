/**
 * populate against a portal that throttles, as IAM Identity Center does: every profile still
 * written, and a Ctrl-C in the middle of the listing leaves the config file exactly as it was.
 */
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { generateAccounts } from "../../emulator/server.js";
import { runCli } from "../helpers/cli.js";
import { signedInSandbox, type SignedIn } from "../helpers/populate.js";

let s: SignedIn;

beforeAll(async () => {
  s = await signedInSandbox(generateAccounts(60, 3));
});

afterAll(async () => {
  await s.close();
});

afterEach(() => {
  s.emu.state.throttle = null;
});

it("finishes with every profile written while the portal answers 429 beyond 10 requests per second", async () => {
  s.emu.state.throttle = { all: { ratePerSecond: 10, burst: 5 } };
  const before = s.emu.counts();
  const file = s.newConfig();
  const r = await s.cli(["populate", "--sso-session", "corp"], { configFile: file });
  expect(r.code, r.stderr).toBe(0);

  const after = s.emu.counts();
  const throttled = after.ListAccountRoles!.throttled - (before.ListAccountRoles?.throttled ?? 0);
  expect(throttled).toBeGreaterThan(0);
  const text = readFileSync(file, "utf8");
  expect(text.match(/^\[profile /gm)).toHaveLength(180);
  for (const account of s.emu.state.accounts) {
    for (const role of account.roles) expect(text).toContain(`[profile ${account.accountName}.${role}]\nsso_session = corp\nsso_account_id = ${account.accountId}\n`);
  }
  expect(r.stderr).toMatch(new RegExp(`: 180 added, .* 60 accounts listed in [\\d.]+ s \\(\\d+ calls, ${throttled} throttled\\)\\.\\n$`));
});

it("leaves the config file untouched when interrupted with Ctrl-C in the middle of the listing", async () => {
  s.emu.state.throttle = { all: { ratePerSecond: 4, burst: 2 } };
  const file = s.newConfig("[profile keep]\nregion = eu-west-1\n");
  const before = readFileSync(file, "utf8");
  const roleCalls = () => s.emu.counts().ListAccountRoles?.calls ?? 0;
  const start = roleCalls();

  let child: ChildProcess | undefined;
  const run = runCli(["populate", "--sso-session", "corp"], {
    env: s.box.env({ AWS_CONFIG_FILE: file }),
    onSpawn: (c) => (child = c),
  });
  // Interrupt once the role listing is well under way (a 60-account listing takes 15 s at this rate).
  while (roleCalls() - start < 5) await new Promise((resolve) => setTimeout(resolve, 20));
  child!.kill("SIGINT");
  const r = await run;
  expect(r.code).toBe(130);
  // It says how far it got.
  expect(r.stderr).toMatch(/Cancelled with the roles of (\d+) of 60 accounts listed\. Nothing was written\.\n/);
  expect(Number(/of (\d+) of 60/.exec(r.stderr)![1])).toBeGreaterThanOrEqual(1);
  expect(readFileSync(file, "utf8")).toBe(before);
});
