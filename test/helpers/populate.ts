/** A signed-in sandbox for list and populate: an emulator with awkward account names and a cached token. */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { startEmulator, type Emulator, type EmulatorAccount } from "../../emulator/server.js";
import { makeSandbox, runCli, type CliResult, type Sandbox } from "./cli.js";

export const START_URL = "https://d-1234567890.awsapps.com/start";

export const SESSION_SECTION = `[sso-session corp]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

/** Two accounts share a name, one has none, and two names and a role need cleaning up. */
export function fixtureAccounts(): EmulatorAccount[] {
  return [
    { accountId: "111111111111", accountName: "Production", emailAddress: "prod@example.com", roles: ["AdministratorAccess", "ReadOnlyAccess"] },
    { accountId: "222222222222", accountName: "Sandbox", emailAddress: "sandbox-a@example.com", roles: ["AdministratorAccess"] },
    { accountId: "333333333333", accountName: "Sandbox", emailAddress: "sandbox-b@example.com", roles: ["ReadOnlyAccess", "AdministratorAccess"] },
    { accountId: "444444444444", accountName: "Security Audit (old)", emailAddress: "audit@example.com", roles: ["SecurityAudit"] },
    { accountId: "555555555555", emailAddress: "billing@example.com", roles: ["Billing"] },
    { accountId: "666666666666", accountName: "Dev 'Team' [EU]", emailAddress: "dev@example.com", roles: ["PowerUserAccess", "Ops=Admin"] },
  ];
}

export interface SignedIn {
  emu: Emulator;
  box: Sandbox;
  /** A fresh config file holding the corp sso-session (plus `extra`), for one test. */
  newConfig(extra?: string): string;
  cli(args: string[], options?: { configFile?: string; env?: Record<string, string | undefined> }): Promise<CliResult>;
  close(): Promise<void>;
}

/** One emulator and one sign-in (to sso-session corp) shared by a file's tests; each test gets its own config file. */
export async function signedInSandbox(accounts: EmulatorAccount[]): Promise<SignedIn> {
  const emu = await startEmulator({ accounts });
  const box = makeSandbox(emu.url);
  mkdirSync(path.dirname(box.configFile), { recursive: true });
  writeFileSync(box.configFile, SESSION_SECTION);
  const login = await runCli(["login", "--sso-session", "corp"], { env: box.env() });
  expect(login.code, login.stderr).toBe(0);
  let configs = 0;
  return {
    emu,
    box,
    newConfig(extra = "") {
      const file = path.join(box.dir, `config-${++configs}`);
      writeFileSync(file, SESSION_SECTION + extra);
      return file;
    },
    cli(args, options = {}) {
      return runCli(args, { env: box.env({ AWS_CONFIG_FILE: options.configFile ?? box.configFile, ...options.env }), timeoutMs: 60_000 });
    },
    async close() {
      await emu.close();
      box.cleanup();
    },
  };
}
