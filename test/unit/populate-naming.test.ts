import { describe, expect, it } from "vitest";
import { AwsConfig } from "../../src/config/aws-config.js";
import { planPopulate } from "../../src/config/populate-plan.js";
import {
  assignProfileNames,
  normaliseNamePart,
  parseProfileTemplate,
  renderProfileName,
  type ProfileSubject,
  type ProfileTemplate,
} from "../../src/config/profile-names.js";
import { checkProfileName } from "../../src/config/validate.js";
import { parseAccessFilter, type AccessFilter } from "../../src/sso/access-filter.js";

function template(source: string): ProfileTemplate {
  const t = parseProfileTemplate(source);
  if (typeof t === "string") throw new Error(t);
  return t;
}

function filter(include: string[], exclude: string[] = []): AccessFilter {
  const f = parseAccessFilter(include, exclude);
  if (typeof f === "string") throw new Error(f);
  return f;
}

const subject = (accountId: string, accountName: string | undefined, roleName: string): ProfileSubject => ({
  accountId,
  accountName,
  roleName,
});

describe("profile templates", () => {
  it("accepts the four placeholders and safe literal text", () => {
    const t = template("{session}/{account_name}@{account_id}:{role_name}");
    expect(renderProfileName(t, subject("111111111111", "Prod", "Admin"), "corp")).toBe("corp/Prod@111111111111:Admin");
  });

  it("refuses unknown placeholders, stray braces, unsafe literals and templates without a placeholder", () => {
    expect(parseProfileTemplate("{account}.{role_name}")).toMatch(/Unknown placeholder \{account\}.*\{account_name\}/);
    expect(parseProfileTemplate("{account_name}.{role_name")).toMatch(/Unbalanced/);
    expect(parseProfileTemplate("{account_name} {role_name}")).toMatch(/only letters, digits/);
    expect(parseProfileTemplate("[{account_name}]")).toMatch(/only letters, digits/);
    expect(parseProfileTemplate("admin")).toMatch(/no placeholder/);
  });

  it("normalises values to the SDK-safe characters", () => {
    expect(normaliseNamePart("Security Audit (old)")).toBe("Security-Audit-old");
    expect(normaliseNamePart(`Dev 'Team' [EU]`)).toBe("Dev-Team-EU");
    expect(normaliseNamePart("  Zürich  &  Genève ")).toBe("Zurich-Geneve");
    expect(normaliseNamePart("Ops=Admin,Read")).toBe("Ops-Admin-Read");
    expect(normaliseNamePart("-.weird--name.-")).toBe("weird-name");
    expect(normaliseNamePart("日本")).toBe("");
    for (const raw of ["a b", "x#y;z", 'q"u"o`t`e', "tab\tnew\nline", "é", "a\u0000b"]) {
      const name = renderProfileName(template("{account_name}.{role_name}"), subject("111111111111", raw, "R"), "s");
      expect(checkProfileName(name), name).toBe(true);
    }
  });

  it("falls back to the account ID for an account without a usable name", () => {
    const t = template("{account_name}.{role_name}");
    expect(renderProfileName(t, subject("555555555555", undefined, "Billing"), "s")).toBe("555555555555.Billing");
    expect(renderProfileName(t, subject("555555555555", "日本", "Billing"), "s")).toBe("555555555555.Billing");
  });
});

describe("assignProfileNames", () => {
  const t = template("{account_name}.{role_name}");
  const none = () => undefined;

  it("suffixes accounts that share a name with their account IDs, and reports it", () => {
    const { profiles, collisions } = assignProfileNames(
      [subject("333333333333", "Sandbox", "Admin"), subject("222222222222", "Sandbox", "Admin"), subject("111111111111", "Prod", "Admin")],
      t,
      "corp",
      none,
    );
    expect(profiles.map((p) => p.name)).toEqual(["Prod.Admin", "Sandbox.Admin-222222222222", "Sandbox.Admin-333333333333"]);
    expect(collisions).toHaveLength(1);
    expect(collisions[0]!.name).toBe("Sandbox.Admin");
    expect(collisions[0]!.resolved.map((p) => p.name)).toEqual(["Sandbox.Admin-222222222222", "Sandbox.Admin-333333333333"]);
  });

  it("tells two roles of one account apart by role name, when the template leaves the role out", () => {
    const { profiles } = assignProfileNames(
      [subject("111111111111", "Prod", "ReadOnly"), subject("111111111111", "Prod", "Admin")],
      template("{account_name}"),
      "corp",
      none,
    );
    expect(profiles.map((p) => p.name)).toEqual(["Prod-Admin", "Prod-ReadOnly"]);
  });

  it("gives the same names whatever order the service listed the accounts in", () => {
    const subjects = [
      subject("333333333333", "Sandbox", "Admin"),
      subject("222222222222", "Sandbox", "Admin"),
      subject("222222222222", "Sandbox", "Read"),
      subject("444444444444", "Sandbox.Admin-222222222222", "x"),
    ];
    const forward = assignProfileNames(subjects, t, "corp", none).profiles;
    const backward = assignProfileNames([...subjects].reverse(), t, "corp", none).profiles;
    expect(backward).toEqual(forward);
    expect(new Set(forward.map((p) => p.name)).size).toBe(subjects.length);
  });

  it("lets the profile that had the name in an earlier run keep it", () => {
    const { profiles } = assignProfileNames(
      [subject("222222222222", "Sandbox", "Admin"), subject("333333333333", "Sandbox", "Admin")],
      t,
      "corp",
      (name) => (name === "Sandbox.Admin" ? { accountId: "333333333333", roleName: "Admin" } : undefined),
    );
    expect(profiles.map((p) => [p.name, p.accountId])).toEqual([
      ["Sandbox.Admin", "333333333333"],
      ["Sandbox.Admin-222222222222", "222222222222"],
    ]);
  });

  it("never gives a suffixed name that another subject's template name already is", () => {
    const { profiles } = assignProfileNames(
      [subject("222222222222", "a", "r"), subject("333333333333", "a", "r"), subject("444444444444", "a", "r-222222222222")],
      t,
      "corp",
      none,
    );
    expect(profiles.map((p) => [p.name, p.accountId])).toEqual([
      ["a.r-222222222222", "444444444444"],
      ["a.r-222222222222-2", "222222222222"],
      ["a.r-333333333333", "333333333333"],
    ]);
  });
});

describe("access filters", () => {
  const prod = { accountId: "111111111111", accountName: "prod-payments", emailAddress: undefined };
  const dev = { accountId: "222222222222", accountName: "dev-payments", emailAddress: undefined };

  it("matches globs case-insensitively against account name, account ID and role", () => {
    expect(filter(["PROD-*"]).keeps(prod, "Admin")).toBe(true);
    expect(filter(["1111*"]).keeps(prod, "Admin")).toBe(true);
    expect(filter(["read?nly*"]).keeps(dev, "ReadOnlyAccess")).toBe(true);
    expect(filter(["prod-*"]).keeps(dev, "Admin")).toBe(false);
  });

  it("ORs includes of one kind, ANDs kinds, and lets excludes win", () => {
    const f = filter(["account:prod-*", "account:2222*", "role:ReadOnly*"], ["role:*Billing*"]);
    expect(f.keeps(prod, "ReadOnlyAccess")).toBe(true);
    expect(f.keeps(dev, "ReadOnlyAccess")).toBe(true);
    expect(f.keeps(prod, "Admin")).toBe(false);
    expect(filter([], ["role:*Billing*"]).keeps(prod, "ReadOnlyBilling")).toBe(false);
  });

  it("knows which accounts need no role listing at all", () => {
    expect(filter(["account:prod-*"]).mayKeepAccount(dev)).toBe(false);
    expect(filter([], ["account:dev-*"]).mayKeepAccount(dev)).toBe(false);
    // A pattern that may match a role must not skip an account.
    expect(filter(["prod-*"]).mayKeepAccount(dev)).toBe(true);
    expect(filter(["role:Admin"]).mayKeepAccount(dev)).toBe(true);
  });

  it("refuses an empty pattern", () => {
    expect(parseAccessFilter(["account:"], [])).toMatch(/--include needs a pattern/);
  });
});

describe("planPopulate", () => {
  // What the listing saw: account → roles; an account mapped to null was filtered out (roles not fetched).
  const access: Record<string, string[] | null> = {
    "111111111111": ["Admin", "New"],
    "222222222222": ["Admin"],
    "333333333333": ["Admin"],
    "444444444444": ["Admin"],
    "555555555555": ["Admin"],
    "999999999999": null,
  };
  const isGone = (accountId: string, roleName: string) => {
    if (!(accountId in access)) return true;
    const roles = access[accountId];
    return roles !== null && roles !== undefined && !roles.includes(roleName);
  };
  const settings = { session: "corp", regionGiven: true, output: undefined, prune: true, isGone };
  const named = (name: string, accountId: string, roleName: string) => ({ name, accountId, accountName: name, roleName, region: "eu-west-1" });
  const config = AwsConfig.fromText(
    "config",
    [
      "[profile kept]",
      "sso_session = corp",
      "sso_account_id = 111111111111",
      "sso_role_name = Admin",
      "region = eu-west-1",
      "sso_setup_generated_by = corp",
      "[profile moved]",
      "sso_session = corp",
      "sso_account_id = 111111111111",
      "sso_role_name = Old",
      "sso_setup_generated_by = corp",
      "[profile gone]",
      "sso_setup_generated_by = corp",
      "[profile mine]",
      "region = us-east-1",
      "[profile theirs]",
      "sso_setup_generated_by = other",
      "[profile other-gone]",
      "sso_setup_generated_by = other",
      "",
    ].join("\n"),
  );

  it("adds, updates, keeps, prunes only this session's profiles, and reports names it may not touch", () => {
    const plan = planPopulate(
      config,
      [
        named("kept", "111111111111", "Admin"),
        named("moved", "111111111111", "New"),
        named("new", "222222222222", "Admin"),
        named("mine", "333333333333", "Admin"),
        named("theirs", "444444444444", "Admin"),
        named("default", "555555555555", "Admin"),
      ],
      settings,
    );
    expect(plan.added.map((p) => p.name)).toEqual(["new"]);
    expect(plan.changed).toEqual([{ profile: named("moved", "111111111111", "New"), keys: ["sso_role_name", "region"] }]);
    expect(plan.unchanged.map((p) => p.name)).toEqual(["kept"]);
    expect(plan.stale).toEqual(["gone"]);
    expect(plan.removals).toEqual([{ kind: "profile", name: "gone" }]);
    expect(plan.clashes.map((c) => [c.profile.name, c.owner])).toEqual([
      ["mine", { kind: "hand-made" }],
      ["theirs", { kind: "other-session", session: "other" }],
      ["default", { kind: "default" }],
    ]);
    expect(plan.upserts.map((u) => u.ref.name)).toEqual(["moved", "new"]);
    expect(plan.upserts[1]!.values).toEqual([
      ["sso_session", "corp"],
      ["sso_account_id", "222222222222"],
      ["sso_role_name", "Admin"],
      ["region", "eu-west-1"],
      ["sso_setup_generated_by", "corp"],
    ]);
  });

  it("prunes a renamed profile, but never one whose account the filters kept out of this run", () => {
    const text = [
      "[profile old-name]",
      "sso_session = corp",
      "sso_account_id = 222222222222",
      "sso_role_name = Admin",
      "sso_setup_generated_by = corp",
      "[profile filtered-out]",
      "sso_session = corp",
      "sso_account_id = 999999999999",
      "sso_role_name = Admin",
      "sso_setup_generated_by = corp",
      "",
    ].join("\n");
    const plan = planPopulate(AwsConfig.fromText("config", text), [named("new-name", "222222222222", "Admin")], settings);
    expect(plan.stale).toEqual(["old-name"]);
    expect(plan.removals).toEqual([{ kind: "profile", name: "old-name" }]);
  });

  it("lists stale profiles without removing them unless asked to prune", () => {
    const plan = planPopulate(config, [named("kept", "111111111111", "Admin")], { ...settings, prune: false });
    expect(plan.stale).toEqual(["moved", "gone"]);
    expect(plan.removals).toEqual([]);
  });

  it("writes the default region (the session's) only where a profile has none; a given one everywhere", () => {
    const inUsEast = (name: string, accountId: string, roleName: string) => ({ ...named(name, accountId, roleName), region: "us-east-1" });
    const profiles = [inUsEast("kept", "111111111111", "Admin"), inUsEast("moved", "111111111111", "New")];
    const byDefault = planPopulate(config, profiles, { ...settings, regionGiven: false });
    expect(byDefault.unchanged.map((p) => p.name)).toEqual(["kept"]);
    expect(byDefault.changed.map((c) => [c.profile.name, c.keys])).toEqual([["moved", ["sso_role_name", "region"]]]);
    const given = planPopulate(config, profiles, settings);
    expect(given.changed.map((c) => [c.profile.name, c.keys])).toEqual([
      ["kept", ["region"]],
      ["moved", ["sso_role_name", "region"]],
    ]);
  });
});
