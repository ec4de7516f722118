import { describe, expect, it } from "vitest";
import { formatCredentials, formatExpiration, type Credentials } from "../../src/credentials/formatters.js";
import { roleCacheEntry, roleCredentialsCacheKey, usableCachedCredentials } from "../../src/credentials/role-cache.js";
import { pythonJsonDumps } from "../../src/sso/token.js";

const EXPIRES = Date.parse("2025-01-01T12:00:00.789Z");
const FULL: Credentials = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "se/cr+et", sessionToken: "to/ken==", expiration: EXPIRES };
const STATIC: Credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" };

// Expected bytes from awscli/customizations/configure/exportcreds.py (aws-cli-sso-behavior.md §7).
describe("export-credentials formats, byte for byte", () => {
  it("process: json.dumps(indent=2) with Version first, no AccountId, +00:00 expiry", () => {
    expect(formatCredentials(FULL, "process")).toBe(
      '{\n  "Version": 1,\n  "AccessKeyId": "ASIAEXAMPLE",\n  "SecretAccessKey": "se/cr+et",\n  "SessionToken": "to/ken==",\n  "Expiration": "2025-01-01T12:00:00+00:00"\n}\n',
    );
    expect(formatCredentials(STATIC, "process")).toBe('{\n  "Version": 1,\n  "AccessKeyId": "AKIAEXAMPLE",\n  "SecretAccessKey": "secret"\n}\n');
  });

  it.each([
    [
      "env",
      "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=se/cr+et\nexport AWS_SESSION_TOKEN=to/ken==\nexport AWS_CREDENTIAL_EXPIRATION=2025-01-01T12:00:00+00:00\n",
    ],
    [
      "env-no-export",
      "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=se/cr+et\nAWS_SESSION_TOKEN=to/ken==\nAWS_CREDENTIAL_EXPIRATION=2025-01-01T12:00:00+00:00\n",
    ],
    [
      "powershell",
      '$Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLE"\n$Env:AWS_SECRET_ACCESS_KEY="se/cr+et"\n$Env:AWS_SESSION_TOKEN="to/ken=="\n$Env:AWS_CREDENTIAL_EXPIRATION="2025-01-01T12:00:00+00:00"\n',
    ],
    [
      "windows-cmd",
      "set AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nset AWS_SECRET_ACCESS_KEY=se/cr+et\nset AWS_SESSION_TOKEN=to/ken==\nset AWS_CREDENTIAL_EXPIRATION=2025-01-01T12:00:00+00:00\n",
    ],
    [
      "fish",
      'set -gx AWS_ACCESS_KEY_ID "ASIAEXAMPLE"\nset -gx AWS_SECRET_ACCESS_KEY "se/cr+et"\nset -gx AWS_SESSION_TOKEN "to/ken=="\nset -gx AWS_CREDENTIAL_EXPIRATION "2025-01-01T12:00:00+00:00"\n',
    ],
  ] as const)("%s", (format, expected) => {
    expect(formatCredentials(FULL, format)).toBe(expected);
  });

  it("leaves out the token and expiry lines of credentials that have none", () => {
    expect(formatCredentials(STATIC, "env")).toBe("export AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=secret\n");
  });

  it("drops the fraction of a second, as the AWS CLI's cached ...Z value has none", () => {
    expect(formatExpiration(Date.parse("2030-06-30T23:59:59.999Z"))).toBe("2030-06-30T23:59:59+00:00");
  });
});

describe("the AWS CLI's role-credential cache", () => {
  it("keys entries like botocore (both published vectors)", () => {
    expect(roleCredentialsCacheKey({ accountId: "111122223333", roleName: "ReadOnly", sessionName: "my-sso", startUrl: "ignored" })).toBe(
      "0521d1f6a6c4e68f9e18540309367cc3cccb6305",
    );
    expect(roleCredentialsCacheKey({ accountId: "111122223333", roleName: "ReadOnly", startUrl: "https://d-1234.awsapps.com/start" })).toBe(
      "b48463c8f15f03696cc338e75deffaa14f57cc4c",
    );
  });

  it("writes the entry as one line of json.dumps, key order and ...Z expiry included", () => {
    const entry = roleCacheEntry({ accessKeyId: "ASIA1", secretAccessKey: "s", sessionToken: "t", expiration: EXPIRES }, "111122223333");
    expect(pythonJsonDumps(entry)).toBe(
      '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2025-01-01T12:00:00Z", "AccountId": "111122223333"}}',
    );
  });

  it("reuses cached credentials only while they have 15 minutes left", () => {
    const entry = roleCacheEntry({ accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "s", sessionToken: "t", expiration: EXPIRES }, "1");
    const at = (minutesBefore: number) => Date.parse("2025-01-01T12:00:00Z") - minutesBefore * 60_000;
    expect(usableCachedCredentials(entry, at(15))).toEqual({
      accessKeyId: "ASIAEXAMPLEEXAMPLE01",
      secretAccessKey: "s",
      sessionToken: "t",
      expiration: Date.parse("2025-01-01T12:00:00Z"),
    });
    expect(usableCachedCredentials(entry, at(14.9))).toBeNull();
    expect(usableCachedCredentials({ Credentials: { AccessKeyId: "a" } }, at(60))).toBeNull();
    expect(usableCachedCredentials(null, at(60))).toBeNull();
  });
});
