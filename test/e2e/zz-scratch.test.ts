import { afterEach, it, expect } from "vitest";
import { startEmulator, sampleAccounts } from "../../emulator/server.js";
import { makeSandbox } from "../helpers/cli.js";
import { spawnCliPty, KEYS } from "../helpers/pty.js";
it("paste race", async () => {
  const emu = await startEmulator({ accounts: sampleAccounts() });
  const box = makeSandbox(emu.url);
  const c = spawnCliPty(["configure"], box.env());
  await c.waitFor("SSO session name"); c.write("x\r");
  await c.waitFor("SSO start URL"); c.write("https://d-1234567890.awsapps.com/start\r");
  await c.waitFor("SSO region"); c.write("us-east-1\r");
  await c.waitFor("SSO registration scopes"); c.write("\r");
  await c.waitFor(/❯ Development/);
  c.write("staging\r");
  await c.waitFor("Using the account ID");
  console.log(c.text().split("\n").filter(l => l.includes("Using")).join("\n"));
  c.write("\x03"); const r = await Promise.race([c.exit, new Promise(r=>setTimeout(()=>r("TIMEOUT"),4000))]); console.log("RESULT", JSON.stringify(r)); console.log(JSON.stringify(c.raw.slice(-1500))); c.kill();
  await emu.close(); box.cleanup();
});
