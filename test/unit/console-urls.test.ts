import { describe, expect, it } from "vitest";
import { plainExcerpt, readSigninToken } from "../../src/console/federation.js";
import {
  checkDestination,
  consoleDestination,
  federationEndpoint,
  loginUrl,
  SERVICE_PATHS,
  sessionDurationSeconds,
  shortcutUrl,
} from "../../src/console/urls.js";
import { parseCredentialsFile } from "../../src/config/credentials-file.js";
import { ExitCode, ServiceError, UsageError } from "../../src/errors.js";

describe("sign-in host per partition and region", () => {
  // Golden URLs of daily-use.md §1.7 and the AWS Sign-In endpoint table (§1.2).
  it.each([
    ["us-east-1", "https://signin.aws.amazon.com/federation"],
    ["eu-west-1", "https://eu-west-1.signin.aws.amazon.com/federation"],
    ["ap-southeast-5", "https://ap-southeast-5.signin.aws.amazon.com/federation"],
    ["us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation"],
    ["us-gov-east-1", "https://us-gov-east-1.signin.amazonaws-us-gov.com/federation"],
    ["cn-north-1", "https://signin.amazonaws.cn/federation"],
    ["cn-northwest-1", "https://cn-northwest-1.signin.amazonaws.cn/federation"],
    ["eusc-de-east-1", "https://signin.amazonaws-eusc.eu/federation"],
  ])("%s → %s", (region, url) => {
    expect(federationEndpoint(region, undefined)).toBe(url);
  });

  it("AWS_ENDPOINT_URL_SIGNIN replaces the host for every region", () => {
    expect(federationEndpoint("eu-west-1", "http://127.0.0.1:4000/")).toBe("http://127.0.0.1:4000/federation");
    expect(federationEndpoint("cn-north-1", "https://signin.example.test")).toBe("https://signin.example.test/federation");
  });
});

describe("console destination", () => {
  it.each([
    ["us-east-1", "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"],
    ["eu-west-1", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"],
    ["us-gov-west-1", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"],
    ["cn-north-1", "https://console.amazonaws.cn/console/home?region=cn-north-1"],
    ["eusc-de-east-1", "https://console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1"],
  ])("home of %s always names the region (no landing in the last-used one)", (region, url) => {
    expect(consoleDestination(region)).toBe(url);
  });

  it.each([
    ["s3", "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"],
    ["ec2", "https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1"],
    ["ddb", "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1"],
    ["DynamoDB", "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1"],
    ["cfn", "https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1"],
    ["param", "https://eu-west-1.console.aws.amazon.com/systems-manager/parameters/home?region=eu-west-1"],
    ["iam", "https://console.aws.amazon.com/iamv2/home"],
    ["billing", "https://console.aws.amazon.com/billing/home"],
    ["appsync", "https://eu-west-1.console.aws.amazon.com/appsync/home?region=eu-west-1"],
  ])("--service %s", (service, url) => {
    expect(consoleDestination("eu-west-1", service)).toBe(url);
  });

  it("every alias the README's table promises exists", () => {
    for (const name of ["s3", "ec2", "lambda", "iam", "cloudwatch", "cloudformation", "dynamodb", "rds", "ecs", "eks", "sqs", "sns", "secretsmanager", "ssm", "billing"]) {
      expect(SERVICE_PATHS[name], name).toBeDefined();
    }
  });

  it("a service name that is not a path is refused (252)", () => {
    expect(() => consoleDestination("us-east-1", "s3?x=1&evil")).toThrow(UsageError);
    expect(() => consoleDestination("us-east-1", "../iam")).toThrow(UsageError);
  });

  it("--destination: https on a console host only", () => {
    expect(checkDestination("https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1")).toBe(
      "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1",
    );
    expect(checkDestination("https://123456789012-abcd1234.us-east-1.console.aws.amazon.com/ec2/home")).toContain("123456789012-abcd1234");
    expect(checkDestination("https://console.amazonaws.cn/ec2")).toBe("https://console.amazonaws.cn/ec2");
    for (const bad of [
      "http://console.aws.amazon.com/",
      "https://evil.example.com/",
      "https://console.aws.amazon.com.evil.example.com/",
      "https://notconsole.aws.amazon.com/",
      "https://user@console.aws.amazon.com/",
      "javascript:alert(1)",
      "console.aws.amazon.com",
    ]) {
      expect(() => checkDestination(bad), bad).toThrow(UsageError);
    }
  });
});

describe("SessionDuration", () => {
  it("is sent only when asked for, in seconds", () => {
    expect(sessionDurationSeconds(undefined, "sso")).toBeUndefined();
    expect(sessionDurationSeconds(15, "sso")).toBe(900);
    expect(sessionDurationSeconds(720, "sso")).toBe(43_200);
  });

  it("is refused outside 15-720 minutes", () => {
    for (const minutes of [14, 721, 0, 60.5]) expect(() => sessionDurationSeconds(minutes, "sso"), String(minutes)).toThrow(UsageError);
  });

  it("is never sent for role-chained credentials", () => {
    expect(sessionDurationSeconds(undefined, "assume-role")).toBeUndefined();
    const error = (() => {
      try {
        sessionDurationSeconds(60, "assume-role");
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error?.exitCode).toBe(ExitCode.usage);
    expect(error?.message).toMatch(/role-chained/);
  });
});

describe("links", () => {
  it("the login link encodes every parameter", () => {
    const url = new URL(loginUrl("https://signin.aws.amazon.com/federation", { issuer: "https://x.awsapps.com/start", destination: "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1&a=b", signinToken: "t+k/n=" }));
    expect(url.searchParams.get("Action")).toBe("login");
    expect(url.searchParams.get("Destination")).toBe("https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1&a=b");
    expect(url.searchParams.get("SigninToken")).toBe("t+k/n=");
    expect(url.searchParams.get("Issuer")).toBe("https://x.awsapps.com/start");
  });

  it("the portal shortcut link (start URL with or without a trailing slash or #/)", () => {
    const want =
      "https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnlyAccess&destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-1";
    for (const start of ["https://d-1234567890.awsapps.com/start", "https://d-1234567890.awsapps.com/start/", "https://d-1234567890.awsapps.com/start/#/"]) {
      expect(shortcutUrl(start, { accountId: "111111111111", roleName: "ReadOnlyAccess", destination: consoleDestination("us-east-1") })).toBe(want);
    }
  });
});

describe("the sign-in service's answer", () => {
  it("a token is taken only from a 200 with a plain SigninToken string", () => {
    expect(readSigninToken(200, '{"SigninToken":"abc-DEF_123"}')).toBe("abc-DEF_123");
    for (const body of ["", "<html>", '{"SigninToken":""}', '{"SigninToken":42}', '{"SigninToken":"a b"}', `{"SigninToken":"${"x".repeat(20_000)}"}`]) {
      expect(() => readSigninToken(200, body), body.slice(0, 30)).toThrow(ServiceError);
    }
  });

  it("a refusal is a service error (254) with the service's words, without markup or control characters", () => {
    let error: ServiceError | undefined;
    try {
      readSigninToken(400, "<html><body><h1>Bad\u001b[31m Request</h1><p>Invalid credentials parameter</p></body></html>");
    } catch (e) {
      error = e as ServiceError;
    }
    expect(error?.exitCode).toBe(ExitCode.service);
    expect(error?.message).toContain("(HTTP 400): Bad [31m Request Invalid credentials parameter");
    expect(plainExcerpt("x".repeat(400)).length).toBe(301);
  });
});

describe("credentials file sections", () => {
  it("are named by their bracketed text; [profile x] is not profile x there", () => {
    const sections = parseCredentialsFile(
      "[default]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\nsso_setup_source_profile = dev\nx_security_token_expires = 2026-12-02T10:00:00Z\n[profile other]\naws_access_key_id = C\n",
      "credentials",
    );
    expect([...sections.keys()]).toEqual(["default", "dev"]);
    expect(sections.get("default")?.owner).toBeUndefined();
    expect(sections.get("dev")?.owner).toBe("dev");
    expect(sections.get("dev")?.expires).toBe(Date.parse("2026-12-02T10:00:00Z"));
  });
});
