/**
 * The client settings the AWS SDK would otherwise look up in the config file itself: FIPS and
 * dual-stack endpoints, retries, the defaults mode, the app ID in the User-Agent and the auth scheme
 * preference. sso-setup reads them from the config it has already parsed, by botocore's rules, and
 * hands them to every client explicitly.
 *
 * Why not let the SDK read them: it parses the whole config file (and the credentials file) once
 * per setting per client, six times for one client, and keeps the text for the life of the process.
 * On a config of 30,000 profiles that was seconds of CPU in every populate re-run. It also reads
 * them from `AWS_PROFILE`'s profile only, where the AWS CLI reads the profile the command works with.
 *
 * Precedence, as botocore: the environment variable, then the profile the command works with
 * (network.ts's rule, `[default]` last), then the SDK's default.
 *
 * Endpoints (`resolveEndpoints`) follow botocore's configured-endpoint rules, with one difference:
 * they come from the profile the command works with only, never from `[default]` in its place. An
 * `endpoint_url` in `[default]` (LocalStack's usual set-up) must not send sign-ins elsewhere.
 */
import { pySplitLines, pyStrip } from "../config/py-text.js";
import { ConfigError } from "../errors.js";

export type RetryMode = "standard" | "adaptive" | "legacy";
export type DefaultsMode = "legacy" | "standard" | "in-region" | "cross-region" | "mobile" | "auto";

export interface SdkSettings {
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  retryMode: RetryMode;
  defaultsMode: DefaultsMode;
  userAgentAppId: string | undefined;
  authSchemePreference: string[];
  /** The SDK for JavaScript's own setting (STS signing); botocore has none. */
  disableClockSkewCorrection: boolean;
}

export const SDK_DEFAULTS: SdkSettings = {
  useFipsEndpoint: false,
  useDualstackEndpoint: false,
  maxAttempts: 3,
  retryMode: "standard",
  defaultsMode: "legacy",
  userAgentAppId: undefined,
  authSchemePreference: [],
  disableClockSkewCorrection: false,
};

/** A profile's keys, and where they were found (for messages). */
export interface SettingsSource {
  values: Readonly<Record<string, string>>;
  /** e.g. `profile "dev" in /home/me/.aws/config` */
  where: string;
  /** `[default]`, standing in for a named profile that lacks the setting or does not exist. */
  fallback?: boolean;
}

/** Endpoints that replace AWS's for the three services sso-setup calls. */
export interface EndpointOverrides {
  oidc?: string;
  portal?: string;
  sts?: string;
}

/** Each service's botocore names: the environment variable's suffix and the `[services]` key. */
const SERVICE_NAMES = [
  ["oidc", "SSO_OIDC", "sso_oidc"],
  ["portal", "SSO", "sso"],
  ["sts", "STS", "sts"],
] as const;

/**
 * botocore's order (ConfiguredEndpointProvider), first found wins: AWS_ENDPOINT_URL_<SERVICE>;
 * AWS_ENDPOINT_URL; the service's `endpoint_url` in the `[services NAME]` section the profile names;
 * the profile's `endpoint_url`.
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's `ignore_configured_endpoint_urls` turns them
 * all off.
 */
export function resolveEndpoints(
  env: Readonly<Record<string, string | undefined>>,
  profiles: readonly SettingsSource[],
  servicesSection: (name: string) => Readonly<Record<string, string>> | undefined,
): EndpointOverrides {
  const profile = profiles.find((p) => !p.fallback);
  const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== "" ? value.trim() : undefined);
  const ignoreFromEnv = nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
  const ignore = ignoreFromEnv ?? nonEmpty(profile?.values.ignore_configured_endpoint_urls);
  if (ignore?.toLowerCase() === "true") return {};

  const servicesName = profile?.values.services?.trim();
  let services: Readonly<Record<string, string>> | undefined;
  if (profile && servicesName !== undefined) {
    services = servicesName === "" ? undefined : servicesSection(servicesName);
    // As botocore: an empty section is as missing as one that is not there.
    if (!services || Object.keys(services).length === 0) {
      throw new ConfigError(
        `The ${profile.where} uses the services section "${servicesName}" (services = ${servicesName}), but the config has no [services ${servicesName}]. Add it, or remove the services line.`,
      );
    }
  }
  const overrides: EndpointOverrides = {};
  for (const [service, envSuffix, configKey] of SERVICE_NAMES) {
    const nested = services?.[configKey];
    const endpoint =
      nonEmpty(env[`AWS_ENDPOINT_URL_${envSuffix}`]) ??
      nonEmpty(env.AWS_ENDPOINT_URL) ??
      // botocore reads a service's settings only as a nested value (one that starts on the next line).
      nonEmpty(nested?.startsWith("\n") ? nestedValues(nested, `${configKey} in [services ${servicesName}]`).endpoint_url : undefined) ??
      nonEmpty(profile?.values.endpoint_url);
    if (endpoint !== undefined) overrides[service] = endpoint;
  }
  return overrides;
}

/** botocore's reading of a nested value (`sso_oidc =` followed by indented `key = value` lines). */
function nestedValues(value: string, where: string): Record<string, string> {
  const values: Record<string, string> = {};
  // Python's str.splitlines() and str.strip(): their line ends and white space are wider than JavaScript's.
  for (const raw of pySplitLines(value)) {
    const line = pyStrip(raw);
    if (line === "") continue;
    const equals = line.indexOf("=");
    if (equals < 0) throw new ConfigError(`The line "${line}" of ${where} is not a "key = value" setting. Correct it by hand.`);
    values[pyStrip(line.slice(0, equals))] = pyStrip(line.slice(equals + 1));
  }
  return values;
}

interface Found {
  value: string;
  where: string;
}

const RETRY_MODES: readonly RetryMode[] = ["standard", "adaptive", "legacy"];
const DEFAULTS_MODES: readonly DefaultsMode[] = ["legacy", "standard", "in-region", "cross-region", "mobile", "auto"];

/**
 * `profiles`: the profile the command works with first, then `[default]`; each setting is taken from
 * the first that has it.
 */
export function resolveSdkSettings(env: Readonly<Record<string, string | undefined>>, profiles: readonly SettingsSource[]): SdkSettings {
  const find = (variable: string, key: string): Found | undefined => {
    const fromEnv = env[variable];
    // An empty variable is taken as unset (botocore would read "" as an invalid number, or as false).
    if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv.trim(), where: `${variable}="${fromEnv}"` };
    for (const profile of profiles) {
      const value = profile.values[key];
      if (value !== undefined) return { value: value.trim(), where: `${key} = ${value} (in ${profile.where})` };
    }
    return undefined;
  };
  const invalid = (found: Found, expected: string): never => {
    throw new ConfigError(`${found.where} is not a valid value: expected ${expected}. Correct it, or remove it to use the default.`);
  };
  // botocore's ensure_boolean: "true" in any case is true, anything else false.
  const bool = (found: Found | undefined, fallback: boolean) => (found ? found.value.toLowerCase() === "true" : fallback);
  const oneOf = <T extends string>(found: Found | undefined, allowed: readonly T[], fallback: T): T => {
    if (!found) return fallback;
    return (allowed as readonly string[]).includes(found.value) ? (found.value as T) : invalid(found, `one of ${allowed.join(", ")}`);
  };

  const lowerCased = (found: Found | undefined): Found | undefined => found && { ...found, value: found.value.toLowerCase() };
  const attempts = find("AWS_MAX_ATTEMPTS", "max_attempts");
  let maxAttempts = SDK_DEFAULTS.maxAttempts;
  if (attempts) {
    maxAttempts = /^\+?\d{1,6}$/.test(attempts.value) ? Number(attempts.value) : 0;
    if (maxAttempts < 1) invalid(attempts, "a whole number of attempts, 1 or more, such as 3");
  }
  const appId = find("AWS_SDK_UA_APP_ID", "sdk_ua_app_id");
  const authSchemes = find("AWS_AUTH_SCHEME_PREFERENCE", "auth_scheme_preference");
  return {
    useFipsEndpoint: bool(find("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"), SDK_DEFAULTS.useFipsEndpoint),
    useDualstackEndpoint: bool(find("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"), SDK_DEFAULTS.useDualstackEndpoint),
    maxAttempts,
    retryMode: oneOf(find("AWS_RETRY_MODE", "retry_mode"), RETRY_MODES, SDK_DEFAULTS.retryMode),
    // botocore and the SDK lower-case the defaults mode, not the retry mode.
    defaultsMode: oneOf(lowerCased(find("AWS_DEFAULTS_MODE", "defaults_mode")), DEFAULTS_MODES, SDK_DEFAULTS.defaultsMode),
    disableClockSkewCorrection: bool(find("AWS_DISABLE_CLOCK_SKEW_CORRECTION", "disable_clock_skew_correction"), SDK_DEFAULTS.disableClockSkewCorrection),
    userAgentAppId: appId && appId.value !== "" ? appId.value : undefined,
    authSchemePreference: authSchemes
      ? authSchemes.value
          .split(",")
          .map((name) => name.replace(/\s+/g, ""))
          .filter((name) => name !== "")
      : [],
  };
}
