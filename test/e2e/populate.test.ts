/**
 * populate and list from the built CLI against the emulator: the profiles written (and what is never
 * touched), re-runs, filters, templates, prune and dry-run, failures that leave the file as it was,
 * and the JS SDK resolving credentials from what was written.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixtureAccounts, SESSION_SECTION, signedInSandbox, START_URL, type SignedIn } from "../helpers/populate.js";
import { sdkResolve } from "../helpers/sdk.js";

let s: SignedIn;

beforeAll(async () => {
  s = await signedInSandbox(fixtureAccounts());
});

afterAll(async () => {
  await s.close();
});

afterEach(() => {
  s.emu.state.accounts = fixtureAccounts();
  s.emu.state.faults.length = 0;
});

const read = (file: string) => readFileSync(file, "utf8");
const populate = (file: string, ...args: string[]) => s.cli(["populate", "--sso-session", "corp", ...args], { configFile: file });
const profileNames = (text: string) => [...text.matchAll(/^\[profile (.+)\]$/gm)].map((m) => m[1]);

const ALL_PROFILES = [
  "555555555555.Billing",
  "Dev-Team-EU.Ops-Admin",
  "Dev-Team-EU.PowerUserAccess",
  "Production.AdministratorAccess",
  "Production.ReadOnlyAccess",
  "Sandbox.AdministratorAccess-222222222222",
  "Sandbox.AdministratorAccess-333333333333",
  "Sandbox.ReadOnlyAccess",
  "Security-Audit-old.SecurityAudit",
];

describe("populate", () => {
  it("writes one native profile per account and role, with safe, distinct names, in one atomic write", async () => {
    const file = s.newConfig();
    const r = await populate(file, "--region", "eu-west-1", "--output", "json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const text = read(file);
    expect(text.startsWith(SESSION_SECTION)).toBe(true);
    expect(profileNames(text)).toEqual(ALL_PROFILES);
    expect(text).toContain(
      [
        "[profile Dev-Team-EU.Ops-Admin]",
        "sso_session = corp",
        "sso_account_id = 666666666666",
        "sso_role_name = Ops=Admin",
        "region = eu-west-1",
        "output = json",
        "sso_setup_generated_by = corp",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toContain(
      'The profile name "Sandbox.AdministratorAccess" fits 2 account/role pairs; they are named ' +
        "Sandbox.AdministratorAccess-222222222222 (222222222222 AdministratorAccess), " +
        "Sandbox.AdministratorAccess-333333333333 (333333333333 AdministratorAccess).",
    );
    expect(r.stderr).toMatch(
      /Profiles for sso-session "corp" in .*: 9 added, 0 updated, 0 pruned, 0 unchanged, 0 skipped\. 6 accounts listed in [\d.]+ s \(7 calls, 0 throttled\)\.\n$/,
    );

    // The SDK reads the generated profiles and gets credentials for exactly that account and role.
    const sample = ["Sandbox.AdministratorAccess-333333333333", "Dev-Team-EU.Ops-Admin", "555555555555.Billing"];
    const results = await Promise.all(sample.map((name) => sdkResolve({ configFile: file, home: s.box.home }, s.emu.url, name, "ini")));
    expect(results.map((x) => x.error)).toEqual([undefined, undefined, undefined]);
    expect(results.map((x) => x.identity?.Account)).toEqual(["333333333333", "666666666666", "555555555555"]);
    expect(results[1]!.identity?.Arn).toContain("assumed-role/AWSReservedSSO_Ops=Admin_");
  });

  it("changes nothing on a second run: not a byte, not even the file's timestamp", async () => {
    const file = s.newConfig();
    expect((await populate(file, "--region", "eu-west-1")).code).toBe(0);
    const before = read(file);
    const mtime = statSync(file).mtimeMs;
    const again = await populate(file, "--region", "eu-west-1");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(": 0 added, 0 updated, 0 pruned, 9 unchanged, 0 skipped.");
    expect(read(file)).toBe(before);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it("keeps keys and comments added to generated profiles, never touches hand-made ones, and reports the clash", async () => {
    const handMade = "# mine, hands off\n[profile Production.AdministratorAccess]\nregion = us-west-2\ncredential_process = my-tool\n";
    const file = s.newConfig(handMade);
    const first = await populate(file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      'Skipped "Production.AdministratorAccess" (111111111111 AdministratorAccess): that name belongs to a profile sso-setup did not generate',
    );
    expect(first.stderr).toContain("8 added, 0 updated, 0 pruned, 0 unchanged, 1 skipped");

    // A person customises a generated profile, changing the region it got by default (the session's).
    const customised = read(file)
      .replace("[profile Production.ReadOnlyAccess]\n", "[profile Production.ReadOnlyAccess]\n# colour for my prompt\ncolor = blue\n")
      .replace("sso_role_name = ReadOnlyAccess\nregion = us-east-1\n", "sso_role_name = ReadOnlyAccess\nregion = ap-south-1\n");
    writeFileSync(file, customised);
    const second = await populate(file, "--output", "text");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("0 added, 8 updated, 0 pruned, 0 unchanged, 1 skipped");
    const after = read(file);
    expect(after).toContain(handMade);
    expect(after).toContain(
      [
        "[profile Production.ReadOnlyAccess]",
        "# colour for my prompt",
        "color = blue",
        "sso_session = corp",
        "sso_account_id = 111111111111",
        "sso_role_name = ReadOnlyAccess",
        "region = ap-south-1",
        "sso_setup_generated_by = corp",
        "output = text",
        "",
      ].join("\n"),
    );
  });

  it("filters by account and role, names by template, and lists roles only for accounts a filter may keep", async () => {
    const file = s.newConfig();
    const mark = s.emu.requests.length;
    const r = await populate(
      file,
      "--profile-template",
      "{session}-{account_id}-{role_name}",
      "--include",
      "account:sand*",
      "--include",
      "role:*Admin*",
      "--exclude",
      "account:333*",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(profileNames(read(file))).toEqual(["corp-222222222222-AdministratorAccess"]);
    const roleCalls = s.emu.requests.slice(mark).filter((q) => q.operation === "ListAccountRoles");
    expect(roleCalls.map((q) => q.query.account_id)).toEqual(["222222222222"]);
  });

  it("refuses a bad template, filter or region before any call, with exit code 252", async () => {
    const file = s.newConfig();
    const mark = s.emu.requests.length;
    for (const [args, message] of [
      [["--profile-template", "{account}.{role_name}"], "Unknown placeholder {account}"],
      [["--include", "role:"], "--include needs a pattern"],
      [["--region", "Europe"], 'Invalid value for --region: "Europe" does not look like an AWS region'],
    ] as const) {
      const r = await populate(file, ...args);
      expect(r.code).toBe(252);
      expect(r.stderr).toContain(message);
    }
    expect(s.emu.requests.length).toBe(mark);
    expect(read(file)).toBe(SESSION_SECTION);
  });

  it("shows with --dry-run what would change and writes nothing; prunes only this session's stale profiles", async () => {
    const other = "[profile other.Admin]\nsso_session = other\nsso_setup_generated_by = other\n";
    const file = s.newConfig(other);
    expect((await populate(file)).code).toBe(0);

    // Access changes: an account goes away, a role is withdrawn, a new account appears.
    s.emu.state.accounts = fixtureAccounts().filter((a) => a.accountId !== "666666666666");
    s.emu.state.accounts[0] = { ...s.emu.state.accounts[0]!, roles: ["AdministratorAccess"] };
    s.emu.state.accounts.push({ accountId: "777777777777", accountName: "New", roles: ["ReadOnlyAccess"] });
    const before = read(file);

    const dry = await populate(file, "--prune", "--dry-run", "--region", "eu-west-1");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "+ New.ReadOnlyAccess",
      ...ALL_PROFILES.filter((n) => !n.startsWith("Dev-") && n !== "Production.ReadOnlyAccess").map((n) => `~ ${n} (region)`),
      "- Dev-Team-EU.Ops-Admin",
      "- Dev-Team-EU.PowerUserAccess",
      "- Production.ReadOnlyAccess",
    ].sort());
    expect(dry.stderr).toMatch(/Dry run for sso-session "corp": 1 added, 6 updated, 3 pruned, 0 unchanged, 0 skipped; nothing was written to /);
    expect(read(file)).toBe(before);

    const noPrune = await populate(file);
    expect(noPrune.stderr).toContain("3 profiles generated earlier for this sso-session are no longer accessible or renamed; --prune removes them.");
    expect(profileNames(read(file))).toContain("Dev-Team-EU.Ops-Admin");

    const pruned = await populate(file, "--prune");
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toContain("0 added, 0 updated, 3 pruned, 7 unchanged, 0 skipped");
    const names = profileNames(read(file));
    expect(names).not.toContain("Dev-Team-EU.Ops-Admin");
    expect(names).not.toContain("Production.ReadOnlyAccess");
    expect(names).toContain("other.Admin");
    expect(read(file)).toContain(other);

    // A narrower run must not delete what a wider one wrote: filtered-out accounts are not "gone".
    const afterPrune = read(file);
    const narrow = await populate(file, "--prune", "--include", "account:New");
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(narrow.stderr).toContain("0 added, 0 updated, 0 pruned, 1 unchanged, 0 skipped");
    expect(read(file)).toBe(afterPrune);
  });

  it("leaves the file as it was when the portal fails for good, and asks for a login when it refuses the token", async () => {
    const file = s.newConfig("[profile keep]\nregion = eu-west-1\n");
    const before = read(file);
    s.emu.fail({ operation: "ListAccountRoles", status: 400, errorType: "InvalidRequestException", message: "Bad account" });
    const bad = await populate(file);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain("An error occurred (InvalidRequestException) when calling the ListAccountRoles operation: Bad account");
    // It says how far the listing got before it stopped.
    expect(bad.stderr).toMatch(/\nThe listing stopped with the roles of \d+ of \d+ accounts listed; nothing was written\.\n/);
    expect(read(file)).toBe(before);

    // A refused token is refreshed once (see populate-refresh.test.ts); refused again, it takes a login.
    s.emu.fail({ operation: "ListAccountRoles", status: 401, errorType: "UnauthorizedException", message: "Session token not found or invalid", count: 100 });
    const refused = await populate(file);
    expect(refused.code).toBe(253);
    expect(refused.stderr).toContain('The portal refused the cached SSO token for sso-session "corp" (UnauthorizedException), even after refreshing it.');
    expect(refused.stderr).toContain("To sign in again, run: sso-setup login --sso-session corp");
    expect(read(file)).toBe(before);
    s.emu.state.faults.length = 0;

    // Server errors are retried, not fatal.
    s.emu.fail({ operation: "ListAccountRoles", status: 503, count: 3 });
    const flaky = await populate(file);
    expect(flaky.code, flaky.stderr).toBe(0);
    expect(profileNames(read(file))).toHaveLength(10);
  });

  it("needs a cached token and never signs in by itself", async () => {
    const file = s.newConfig(SESSION_SECTION.replaceAll("corp", "fresh"));
    const r = await s.cli(["populate", "--sso-session", "fresh"], { configFile: file, env: { BROWSER: "/bin/false" } });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain('There is no cached SSO token for sso-session "fresh".');
    expect(r.stderr).toContain("sso-setup login --sso-session fresh");
    expect(r.stdout).toBe("");
  });
});

describe("list", () => {
  it("prints a line per account and role (a row never grows with the roles), sorted like the AWS CLI (by name, else email)", async () => {
    const file = s.newConfig("[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnlyAccess\n");
    const r = await s.cli(["list", "--profile", "dev"], { configFile: file });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        "ACCOUNT NAME          ACCOUNT ID    EMAIL                  ROLE",
        "-                     555555555555  billing@example.com    Billing",
        "Dev 'Team' [EU]       666666666666  dev@example.com        Ops=Admin",
        "Dev 'Team' [EU]       666666666666  dev@example.com        PowerUserAccess",
        "Production            111111111111  prod@example.com       AdministratorAccess",
        "Production            111111111111  prod@example.com       ReadOnlyAccess",
        "Sandbox               222222222222  sandbox-a@example.com  AdministratorAccess",
        "Sandbox               333333333333  sandbox-b@example.com  AdministratorAccess",
        "Sandbox               333333333333  sandbox-b@example.com  ReadOnlyAccess",
        "Security Audit (old)  444444444444  audit@example.com      SecurityAudit",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe("6 accounts, 9 roles.\n");
  });

  it("prints one JSON document with --json", async () => {
    const r = await s.cli(["list", "--sso-session", "corp", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ssoSession: string; startUrl: string; accounts: Array<Record<string, unknown>> };
    expect(doc.ssoSession).toBe("corp");
    expect(doc.startUrl).toBe(START_URL);
    expect(doc.accounts.map((a) => a.accountId)).toEqual([
      "555555555555",
      "666666666666",
      "111111111111",
      "222222222222",
      "333333333333",
      "444444444444",
    ]);
    expect(doc.accounts[0]).toEqual({ accountId: "555555555555", accountName: null, emailAddress: "billing@example.com", roles: ["Billing"] });
  });

  it("fails with 253 and names the login command when there is no token", async () => {
    const file = s.newConfig(
      SESSION_SECTION.replaceAll("corp", "fresh") + "[profile dev]\nsso_session = fresh\nsso_account_id = 111111111111\nsso_role_name = Admin\n",
    );
    const r = await s.cli(["list"], { configFile: file, env: { AWS_PROFILE: "dev" } });
    expect(r.code).toBe(253);
    expect(r.stderr).toContain("To sign in, run: sso-setup login --profile dev");
    expect(r.stdout).toBe("");
  });
});

describe("populate regions", () => {
  it("gives every profile the session's sso_region by default, so the SDK can call a regional service at once", async () => {
    const file = s.newConfig();
    const r = await populate(file, "--include", "role:Billing");
    expect(r.code, r.stderr).toBe(0);
    expect(read(file)).toContain(
      "[profile 555555555555.Billing]\nsso_session = corp\nsso_account_id = 555555555555\nsso_role_name = Billing\nregion = us-east-1\nsso_setup_generated_by = corp\n",
    );
    const resolved = await sdkResolve({ configFile: file, home: s.box.home }, s.emu.url, "555555555555.Billing", "ini");
    expect(resolved.error).toBeUndefined();
    expect(resolved.identity?.Account).toBe("555555555555");
  });

  it("makes one profile per region of a comma-separated --region, named with {region}", async () => {
    const file = s.newConfig();
    const r = await populate(file, "--include", "role:Billing", "--include", "role:SecurityAudit", "--region", "eu-west-1,us-west-2");
    expect(r.code, r.stderr).toBe(0);
    expect(profileNames(read(file))).toEqual([
      "555555555555.Billing.eu-west-1",
      "555555555555.Billing.us-west-2",
      "Security-Audit-old.SecurityAudit.eu-west-1",
      "Security-Audit-old.SecurityAudit.us-west-2",
    ]);
    expect(read(file)).toContain("[profile 555555555555.Billing.us-west-2]\nsso_session = corp\nsso_account_id = 555555555555\nsso_role_name = Billing\nregion = us-west-2\n");

    const templated = await populate(s.newConfig(), "--include", "role:Billing", "--region", "eu-west-1,us-west-2", "--profile-template", "{region}/{account_id}");
    expect(templated.code, templated.stderr).toBe(0);
    expect(templated.stderr).toContain("2 added");

    // Dropping a region leaves its profiles stale, for --prune to remove.
    const fewer = await populate(file, "--include", "role:Billing", "--include", "role:SecurityAudit", "--region", "eu-west-1", "--profile-template", "{account_name}.{role_name}.{region}", "--prune");
    expect(fewer.code, fewer.stderr).toBe(0);
    expect(profileNames(read(file))).toEqual(["555555555555.Billing.eu-west-1", "Security-Audit-old.SecurityAudit.eu-west-1"]);
  });

  it.each([
    [["--region", "eu-west-1,Europe"], 'Invalid value for --region: "Europe" does not look like an AWS region'],
    [["--region", "eu-west-1,us-east-1", "--profile-template", "{account_id}"], "the profile template needs {region}: for example --profile-template '{account_id}.{region}'"],
  ])("refuses %j before any call (252)", async (args, message) => {
    const file = s.newConfig();
    const mark = s.emu.requests.length;
    const r = await populate(file, ...args);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain(message);
    expect(s.emu.requests.length).toBe(mark);
  });
});
