/**
 * The pure guards of issue 12: which URLs are opened, what a terminal is shown, which credentials are
 * accepted, and how values are quoted for each shell (evaluated by real shells where they exist).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatCredentials, type Credentials } from "../../src/credentials/formatters.js";
import { usableCachedCredentials } from "../../src/credentials/role-cache.js";
import { assertValidCredentials, InvalidCredentialsError } from "../../src/credentials/validate.js";
import { checkOpenableUrl } from "../../src/sso/url-trust.js";
import { browserCommands } from "../../src/ui/browser.js";
import { hasControlCharacters, jsonForTerminal, sanitizeForTerminal, sanitizeMessage } from "../../src/ui/sanitize.js";

const OIDC = "https://oidc.us-east-1.amazonaws.com";

describe("checkOpenableUrl", () => {
  it.each([
    "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
    "https://d-1234567890.awsapps.com/start/#/device?user_code=ABCD-EFGH",
    "https://oidc.us-east-1.amazonaws.com/authorize?x=1",
    "https://device.sso.cn-north-1.amazonaws.com.cn/",
  ])("opens %s", (url) => expect(checkOpenableUrl(url, OIDC)).toBe(true));

  it("opens http only on a loopback host that is the OIDC endpoint's (the emulator)", () => {
    expect(checkOpenableUrl("http://127.0.0.1:4000/device", "http://127.0.0.1:4000")).toBe(true);
    expect(checkOpenableUrl("http://127.0.0.1:4000/device", OIDC)).toMatch(/neither/);
    expect(checkOpenableUrl("http://127.0.0.1:4000/device", "https://localhost:4443")).toBe(true);
    expect(checkOpenableUrl("http://example.com/device", "http://example.com")).toMatch(/not an https URL/);
  });

  it.each([
    ["--renderer-cmd-prefix=/bin/sh", /starts with "-"/],
    ["-https://device.sso.us-east-1.amazonaws.com/", /starts with "-"/],
    ["file:///etc/passwd", /scheme is file/],
    ["javascript:alert(1)", /scheme is javascript/],
    ["https://amazonaws.com.evil.example/", /neither/],
    ["https://evilamazonaws.com/", /neither/],
    ["https://user@device.sso.us-east-1.amazonaws.com/", /user name or password/],
    ["https://device.sso.us-east-1.amazonaws.com/\n--x", /control characters/],
    ["https://device.sso.us-east-1.amazonaws.com/ -x", /spaces/],
    ["not a url", /spaces|not a valid URL/],
  ])("refuses %j", (url, reason) => expect(checkOpenableUrl(url, OIDC)).toMatch(reason));
});

describe("BROWSER commands", () => {
  it("substitutes %s literally, whatever $ patterns the URL holds", () => {
    const url = "https://x.amazonaws.com/?a=$&b=$`c=$'d=$$";
    expect(browserCommands("firefox --new-tab %s", url, ":")).toEqual([["firefox", ["--new-tab", url]]]);
  });
});

describe("terminal text", () => {
  it("replaces C0, DEL, C1, line separators and bidi controls in values", () => {
    expect(sanitizeForTerminal("a\u001b]0;t\u0007b\u001b[2Jc\u009b1md\u007fe\u202ef\u2028g\nh")).toBe("a\uFFFD]0;t\uFFFDb\uFFFD[2Jc\uFFFD1md\uFFFDe\uFFFDf\uFFFDg\uFFFDh");
    expect(hasControlCharacters("plain ünïcode ✓")).toBe(false);
    expect(hasControlCharacters("x\u0085")).toBe(true);
  });

  it("keeps a message's own line breaks and tabs", () => {
    expect(sanitizeMessage("line 1\n\tline 2\u001b[2J")).toBe("line 1\n\tline 2\uFFFD[2J");
  });

  it("escapes in JSON what JSON.stringify leaves raw, and the values read back unchanged", () => {
    const value = { name: "a\u009b31m\u001b]0;x\u0007\u2028b" };
    const text = jsonForTerminal(value);
    expect(hasControlCharacters(text.replaceAll("\n", ""))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe("credential values", () => {
  const good: Credentials = { accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "wJalr/K7+MDENG=", sessionToken: "IQo+/=", expiration: 1 };

  it("accepts what AWS issues", () => expect(() => assertValidCredentials(good, "GetRoleCredentials")).not.toThrow());

  it.each([
    ["accessKeyId", { accessKeyId: "asiaexampleexample01" }],
    ["accessKeyId", { accessKeyId: "ASIA" }],
    ["secretAccessKey", { secretAccessKey: "a b" }],
    ["sessionToken", { sessionToken: "x$(id)" }],
    ["sessionToken", { sessionToken: "A".repeat(20_000) }],
    ["expiration", { expiration: Number.NaN }],
  ])("refuses a bad %s, naming the field and exiting 254", (field, bad) => {
    let error: unknown;
    try {
      assertValidCredentials({ ...good, ...bad }, "GetRoleCredentials");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).field).toBe(field);
    expect((error as InvalidCredentialsError).exitCode).toBe(254);
  });

  it("a planted cache entry with shell syntax is not used", () => {
    const entry = { Credentials: { AccessKeyId: "ASIA$(touch /tmp/x)AAAA", SecretAccessKey: "s", SessionToken: "t", Expiration: "2099-01-01T00:00:00Z" } };
    expect(usableCachedCredentials(entry, Date.parse("2025-01-01T00:00:00Z"))).toBeNull();
  });
});

// The quoting is the second line of defence (the values are checked first), so it is tested directly:
// each shell reads back exactly the value, and runs nothing.
describe("quoting for each shell, evaluated by the shell", () => {
  const hostile = `it's "$(touch /tmp/sso-setup-owned)"; \`id\` $HOME & | < > ^ \\ $'x' {a,b} *`;
  const creds: Credentials = { accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: hostile };
  const shells = ["/bin/sh", "/bin/bash", "/bin/dash"].filter((s) => existsSync(s));

  it.each(shells)("env and env-no-export read back literally in %s", (shell) => {
    for (const format of ["env", "env-no-export"] as const) {
      const script = `${formatCredentials(creds, format)}printf '%s' "$AWS_SECRET_ACCESS_KEY"`;
      expect(execFileSync(shell, ["-c", script], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } })).toBe(hostile);
    }
    expect(existsSync("/tmp/sso-setup-owned")).toBe(false);
  });

  it("keeps the AWS CLI's bytes for values that need no quoting", () => {
    expect(formatCredentials({ accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "a/b+c=" }, "env")).toBe(
      "export AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE01\nexport AWS_SECRET_ACCESS_KEY=a/b+c=\n",
    );
  });

  it("fish and PowerShell get single quotes with their own escapes; cmd.exe refuses what it cannot quote", () => {
    expect(formatCredentials({ accessKeyId: "A", secretAccessKey: "it's $(x)\\" }, "fish")).toContain(`set -gx AWS_SECRET_ACCESS_KEY 'it\\'s $(x)\\\\'`);
    expect(formatCredentials({ accessKeyId: "A", secretAccessKey: "it's $(x)" }, "powershell")).toContain(`$Env:AWS_SECRET_ACCESS_KEY='it''s $(x)'`);
    expect(formatCredentials({ accessKeyId: "A", secretAccessKey: "a&b" }, "windows-cmd")).toContain(`set "AWS_SECRET_ACCESS_KEY=a&b"`);
    expect(() => formatCredentials({ accessKeyId: "A", secretAccessKey: "%PATH%" }, "windows-cmd")).toThrow(/cmd\.exe/);
    expect(() => formatCredentials({ accessKeyId: "A", secretAccessKey: "a\nb" }, "env")).toThrow(/control characters/);
  });
});
