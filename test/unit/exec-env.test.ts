import { describe, expect, it } from "vitest";
import { childEnvironment } from "../../src/exec/run.js";

const keys = { accessKeyId: "ASIAKEY", secretAccessKey: "secret", sessionToken: "token", expiration: Date.UTC(2026, 11, 2, 3, 4, 5, 678) };

describe("childEnvironment", () => {
  it("keeps the parent's other variables, drops the overriding ones whatever their case, and sets ours", () => {
    const env = childEnvironment(
      { PATH: "/bin", Path: "C:\\Windows", aws_profile: "x", Aws_Role_Arn: "y", AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/z", AWS_REGION: "ap-south-1", KEEP: undefined },
      { profileName: "dev", region: undefined, accountId: undefined, credentials: { keys } },
    );
    expect(env).toEqual({
      PATH: "/bin",
      Path: "C:\\Windows",
      // No region known: the parent's stays.
      AWS_REGION: "ap-south-1",
      AWS_ACCESS_KEY_ID: "ASIAKEY",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "token",
      AWS_CREDENTIAL_EXPIRATION: "2026-12-02T03:04:05Z",
      SSO_SETUP_PROFILE: "dev",
    });
  });

  it("with the endpoint: its URL and token, and no keys or expiry at all", () => {
    const env = childEnvironment(
      { AWS_ACCESS_KEY_ID: "AKIAPARENT", AWS_SESSION_TOKEN: "parent", AWS_CREDENTIAL_EXPIRATION: "x" },
      { profileName: "dev", region: "eu-west-1", accountId: "111111111111", credentials: { endpoint: { url: "http://127.0.0.1:1/p", token: "t" } } },
    );
    expect(env).toEqual({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/p",
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "t",
      AWS_ACCOUNT_ID: "111111111111",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "eu-west-1",
      SSO_SETUP_PROFILE: "dev",
    });
  });

  it("leaves out a session token the credentials do not have (static keys)", () => {
    const env = childEnvironment({}, { profileName: "p", region: undefined, accountId: undefined, credentials: { keys: { accessKeyId: "AKIA", secretAccessKey: "s" } } });
    expect(env).toEqual({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s", SSO_SETUP_PROFILE: "p" });
  });
});
