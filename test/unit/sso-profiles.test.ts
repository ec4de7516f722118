import { describe, expect, it } from "vitest";
import { AwsConfig } from "../../src/config/aws-config.js";
import { listSignIns, resolveSsoProfile } from "../../src/config/sso-profiles.js";
import type { Fs } from "../../src/platform/fs.js";

const URL_A = "https://d-1111111111.awsapps.com/start";
const URL_B = "https://d-2222222222.awsapps.com/start";

function load(text: string): Promise<AwsConfig> {
  const fs = { readText: async () => text } as unknown as Fs;
  return AwsConfig.load(fs, "/home/me/.aws/config");
}

const CONFIG = `[default]
region = eu-west-1
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin
[profile old]
sso_start_url = ${URL_B}
sso_region = eu-central-1
sso_account_id = 333333333333
sso_role_name = Audit
[profile old2]
sso_start_url = ${URL_B}
sso_region = eu-central-1
sso_account_id = 444444444444
sso_role_name = Audit
[profile keys]
aws_access_key_id = AKIAEXAMPLE
[sso-session corp]
sso_start_url = ${URL_A}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[sso-session unused]
sso_start_url = ${URL_A}
sso_region = us-east-1
`;

describe("resolveSsoProfile", () => {
  it("merges the sso-session into the profile", async () => {
    expect(resolveSsoProfile(await load(CONFIG), "dev")).toEqual({
      profileName: "dev",
      accountId: "111111111111",
      roleName: "ReadOnly",
      target: { sessionName: "corp", scopes: ["sso:account:access"], startUrl: URL_A, region: "us-east-1" },
    });
    expect(resolveSsoProfile(await load(CONFIG), "old").target).toEqual({ startUrl: URL_B, region: "eu-central-1" });
  });

  it.each([
    ["nope", CONFIG, "The config profile (nope) could not be found"],
    ["keys", CONFIG, 'The profile "keys" is not configured for IAM Identity Center'],
    ["p", "[profile p]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = r\n", 'the "gone" sso_session configuration does not exist'],
    [
      "p",
      `[profile p]\nsso_session = s\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = r\n[sso-session s]\nsso_start_url = ${URL_A}\nsso_region = us-east-1\n`,
      "The value for sso_region is inconsistent between profile (eu-west-1) and sso-session (us-east-1).",
    ],
    ["p", "[profile p]\nsso_account_id = 1\nsso_start_url = x\n", 'The profile "p" is configured to use SSO but is missing required configuration: sso_region, sso_role_name'],
  ])("refuses %s with botocore's message", async (name, text, message) => {
    const config = await load(text);
    expect(() => resolveSsoProfile(config, name)).toThrow(message);
  });
});

describe("listSignIns", () => {
  it("lists every sso-session, then each legacy start URL once, with the profiles that use them", async () => {
    expect(listSignIns(await load(CONFIG))).toEqual([
      {
        sessionName: "corp",
        startUrl: URL_A,
        region: "us-east-1",
        scopes: ["sso:account:access"],
        profiles: [
          { name: "dev", accountId: "111111111111", roleName: "ReadOnly" },
          { name: "prod", accountId: "222222222222", roleName: "Admin" },
        ],
      },
      { sessionName: "unused", startUrl: URL_A, region: "us-east-1", scopes: undefined, profiles: [] },
      {
        startUrl: URL_B,
        region: "eu-central-1",
        profiles: [
          { name: "old", accountId: "333333333333", roleName: "Audit" },
          { name: "old2", accountId: "444444444444", roleName: "Audit" },
        ],
      },
    ]);
  });

  it("gives each sign-in its profiles in file order however they are interleaved, and none to a missing sso-session", async () => {
    const profiles = Array.from({ length: 300 }, (_, i) => {
      const signIn = ["sso_session = corp", "sso_session = lab", `sso_start_url = ${URL_B}\nsso_region = eu-central-1`, "sso_session = gone"][i % 4];
      return `[profile p${i}]\n${signIn}\nsso_account_id = ${String(i).padStart(12, "0")}\nsso_role_name = Role${i}\n`;
    });
    const text = `${profiles.join("")}[sso-session lab]\nsso_start_url = ${URL_A}\nsso_region = us-east-1\n[sso-session corp]\nsso_start_url = ${URL_A}\nsso_region = us-west-2\n`;
    const signIns = listSignIns(await load(text));
    const names = (of: number) => Array.from({ length: 75 }, (_, k) => `p${4 * k + of}`);
    expect(signIns.map((s) => [s.sessionName ?? s.startUrl, s.profiles.map((p) => p.name)])).toEqual([
      ["lab", names(1)],
      ["corp", names(0)],
      [URL_B, names(2)],
    ]);
    expect(signIns[1]?.profiles[1]).toEqual({ name: "p4", accountId: "000000000004", roleName: "Role4" });
  });
});
