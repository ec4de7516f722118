import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { resolveEndpoints, resolveSdkSettings, SDK_DEFAULTS, type SettingsSource } from "../../src/sso/sdk-settings.js";

const profile = (name: string, values: Record<string, string>): SettingsSource => ({ values, where: `profile "${name}" in /c` });

describe("resolveSdkSettings", () => {
  it("is the SDK's defaults when nothing is set", () => {
    expect(resolveSdkSettings({}, [])).toEqual(SDK_DEFAULTS);
    expect(resolveSdkSettings({}, [profile("dev", { region: "eu-west-1" })])).toEqual(SDK_DEFAULTS);
  });

  it("takes each setting from the environment first, then the first profile that has it", () => {
    const dev = profile("dev", { max_attempts: "5", use_fips_endpoint: "true" });
    const fallback = profile("default", { max_attempts: "9", retry_mode: "adaptive", use_dualstack_endpoint: "TRUE", sdk_ua_app_id: "team" });
    expect(resolveSdkSettings({}, [dev, fallback])).toEqual({
      ...SDK_DEFAULTS,
      maxAttempts: 5,
      useFipsEndpoint: true,
      useDualstackEndpoint: true,
      retryMode: "adaptive",
      userAgentAppId: "team",
    });
    const env = { AWS_MAX_ATTEMPTS: "2", AWS_USE_FIPS_ENDPOINT: "false", AWS_RETRY_MODE: "standard", AWS_SDK_UA_APP_ID: "ci" };
    expect(resolveSdkSettings(env, [dev, fallback])).toMatchObject({ maxAttempts: 2, useFipsEndpoint: false, retryMode: "standard", userAgentAppId: "ci" });
  });

  it("takes an empty variable as unset", () => {
    expect(resolveSdkSettings({ AWS_MAX_ATTEMPTS: " " }, [profile("dev", { max_attempts: "4" })]).maxAttempts).toBe(4);
  });

  it("reads booleans as botocore does: true in any case, anything else false", () => {
    for (const [value, expected] of [["True", true], ["true ", true], ["yes", false], ["1", false], ["false", false]] as const) {
      expect(resolveSdkSettings({}, [profile("dev", { use_fips_endpoint: value })]).useFipsEndpoint).toBe(expected);
    }
  });

  it("splits the auth scheme preference at commas, dropping blanks", () => {
    const settings = resolveSdkSettings({ AWS_AUTH_SCHEME_PREFERENCE: " sigv4a , sigv4,, " }, []);
    expect(settings.authSchemePreference).toEqual(["sigv4a", "sigv4"]);
  });

  it("reads the defaults mode in any case, as botocore does, but not the retry mode", () => {
    expect(resolveSdkSettings({ AWS_DEFAULTS_MODE: "In-Region" }, []).defaultsMode).toBe("in-region");
    expect(() => resolveSdkSettings({ AWS_RETRY_MODE: "Adaptive" }, [])).toThrow("is not a valid value");
  });

  it("reads the SDK for JavaScript's disable_clock_skew_correction", () => {
    expect(resolveSdkSettings({}, []).disableClockSkewCorrection).toBe(false);
    expect(resolveSdkSettings({}, [profile("dev", { disable_clock_skew_correction: "true" })]).disableClockSkewCorrection).toBe(true);
    expect(resolveSdkSettings({ AWS_DISABLE_CLOCK_SKEW_CORRECTION: "false" }, [profile("dev", { disable_clock_skew_correction: "true" })]).disableClockSkewCorrection).toBe(false);
  });

  it("accepts every defaults mode and retry mode botocore knows", () => {
    for (const mode of ["legacy", "standard", "in-region", "cross-region", "mobile", "auto"]) {
      expect(resolveSdkSettings({ AWS_DEFAULTS_MODE: mode }, []).defaultsMode).toBe(mode);
    }
    for (const mode of ["legacy", "standard", "adaptive"]) expect(resolveSdkSettings({ AWS_RETRY_MODE: mode }, []).retryMode).toBe(mode);
  });

  it.each([
    [{ AWS_MAX_ATTEMPTS: "0" }, [], 'AWS_MAX_ATTEMPTS="0" is not a valid value: expected a whole number of attempts, 1 or more'],
    [{ AWS_MAX_ATTEMPTS: "3.5" }, [], 'AWS_MAX_ATTEMPTS="3.5" is not a valid value'],
    [{}, [profile("dev", { max_attempts: "many" })], 'max_attempts = many (in profile "dev" in /c) is not a valid value'],
    [{ AWS_RETRY_MODE: "Standard" }, [], 'AWS_RETRY_MODE="Standard" is not a valid value: expected one of standard, adaptive, legacy'],
    [{}, [profile("dev", { defaults_mode: "fast" })], 'defaults_mode = fast (in profile "dev" in /c) is not a valid value: expected one of legacy, standard'],
  ] as const)("refuses %j %j with a ConfigError that names it", (env, profiles, message) => {
    const run = () => resolveSdkSettings(env, profiles);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });
});

describe("resolveEndpoints", () => {
  const none = () => undefined;
  const dev = (values: Record<string, string>) => profile("dev", values);
  const fallback = (values: Record<string, string>): SettingsSource => ({ values, where: 'profile "default" in /c', fallback: true });

  it("follows botocore's order: the service's variable, AWS_ENDPOINT_URL, [services], the profile's endpoint_url", () => {
    const services = { sso_oidc: "\nendpoint_url = https://oidc.example", sts: "\n  endpoint_url=https://sts.example  \n  other = x", sso: "https://not-nested.example" };
    const section = (name: string) => (name === "corp" ? services : undefined);
    const profiles = [dev({ services: "corp", endpoint_url: "https://profile.example" })];
    // sso's value is not nested (it does not start on the next line): botocore reads no endpoint from it.
    expect(resolveEndpoints({}, profiles, section)).toEqual({ oidc: "https://oidc.example", portal: "https://profile.example", sts: "https://sts.example" });
    expect(resolveEndpoints({ AWS_ENDPOINT_URL: "https://global.example" }, profiles, section)).toEqual({
      oidc: "https://global.example",
      portal: "https://global.example",
      sts: "https://global.example",
    });
    expect(resolveEndpoints({ AWS_ENDPOINT_URL_SSO_OIDC: " https://env.example ", AWS_ENDPOINT_URL_SSO: "" }, profiles, section)).toMatchObject({
      oidc: "https://env.example",
      portal: "https://profile.example",
    });
  });

  it("is off with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls; the variable wins", () => {
    const env = { AWS_ENDPOINT_URL: "https://global.example" };
    expect(resolveEndpoints({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "TRUE" }, [], none)).toEqual({});
    expect(resolveEndpoints(env, [dev({ ignore_configured_endpoint_urls: "true" })], none)).toEqual({});
    expect(resolveEndpoints({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false" }, [dev({ ignore_configured_endpoint_urls: "true" })], none)).toMatchObject({
      oidc: "https://global.example",
    });
  });

  it("never takes [default]'s settings in place of the named profile's", () => {
    expect(resolveEndpoints({}, [fallback({ endpoint_url: "http://localhost:4566" })], none)).toEqual({});
    expect(resolveEndpoints({}, [profile("default", { endpoint_url: "http://localhost:4566" })], none)).toMatchObject({ oidc: "http://localhost:4566" });
  });

  it("refuses a services section that is missing or empty, an empty services value, or a nested line without =", () => {
    expect(() => resolveEndpoints({}, [dev({ services: "gone" })], none)).toThrow('uses the services section "gone" (services = gone), but the config has no [services gone]');
    expect(() => resolveEndpoints({}, [dev({ services: "empty" })], () => ({}))).toThrow("but the config has no [services empty]");
    expect(() => resolveEndpoints({}, [dev({ services: " " })], none)).toThrow('uses the services section "" (services = )');
    const broken = () => ({ sso: "\nendpoint_url https://x" });
    expect(() => resolveEndpoints({}, [dev({ services: "b" })], broken)).toThrow('The line "endpoint_url https://x" of sso in [services b] is not a "key = value" setting');
  });
});
