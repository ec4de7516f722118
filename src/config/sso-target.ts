/**
 * Which IAM Identity Center sign-in a profile or `--sso-session` refers to, resolved from the config
 * with the AWS CLI's rules and error texts.
 */
import { ConfigError } from "../errors.js";
import { parseScopes } from "../sso/token.js";
import type { SsoTarget } from "../sso/target.js";
import type { AwsConfig } from "./aws-config.js";

export interface TargetSelector {
  profile?: string | undefined;
  ssoSession?: string | undefined;
}

/** `--profile`, then AWS_PROFILE, then AWS_DEFAULT_PROFILE (as the AWS CLI reads them), else undefined. */
export function profileFromEnv(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return flag || env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || undefined;
}

/** Names for a message, never a wall of them: a config after populate can hold thousands. */
function someNames(names: readonly string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

/**
 * What to do when a name is not in the config: use one that is (they are named), or, in a config
 * with nothing to use yet, start with the wizard.
 */
export function notInConfig(
  config: Pick<AwsConfig, "file" | "profileNames"> & Partial<Pick<AwsConfig, "ssoSessionNames">>,
  kind: "profile" | "sso-session",
  name: string,
): string {
  const profiles = config.profileNames();
  // A partial view of the file (populate reads it a segment at a time) may not list its sessions.
  const sessions = config.ssoSessionNames?.() ?? [];
  if (profiles.length === 0 && sessions.length === 0) {
    return `${config.file} has no profiles or sso-sessions yet; set one up with: sso-setup configure`;
  }
  const create = kind === "profile" ? `sso-setup configure --profile ${name}` : `sso-setup configure sso-session --sso-session ${name}`;
  const names = kind === "profile" ? profiles : sessions;
  if (names.length === 0) return `${config.file} has no ${kind}s yet; create it with: ${create}`;
  const others = kind === "profile" ? (sessions.length > 0 ? ` (and the sso-sessions ${someNames(sessions)})` : "") : "";
  return `${config.file} has the ${kind}s ${someNames(names)}${others}. Use one of them with --${kind}, or create it with: ${create}`;
}

export function sessionTarget(config: Pick<AwsConfig, "file" | "ssoSession" | "profileNames"> & Partial<Pick<AwsConfig, "ssoSessionNames">>, sessionName: string): SsoTarget {
  const session = config.ssoSession(sessionName);
  if (!session) {
    throw new ConfigError(`The specified sso-session does not exist: "${sessionName}". ${notInConfig(config, "sso-session", sessionName)}`);
  }
  const missing = ["sso_start_url", "sso_region"].filter((k) => !session[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing the following required SSO configuration values: ${missing.join(", ")} in [sso-session ${sessionName}] of ${config.file}. Set them with: sso-setup configure sso-session --sso-session ${sessionName}`,
    );
  }
  return {
    sessionName,
    startUrl: session.sso_start_url!,
    region: session.sso_region!,
    scopes: parseScopes(session.sso_registration_scopes),
    // The key the AWS CLI is adding (aws-cli PR #10635): read from [sso-session] only, "true" in any case.
    ...(session.sso_use_device_code?.trim().toLowerCase() === "true" ? { useDeviceCode: true } : {}),
  };
}

export function resolveTarget(
  config: AwsConfig,
  selector: TargetSelector,
  env: Readonly<Record<string, string | undefined>>,
): { target: SsoTarget; profileName: string | undefined } {
  if (selector.ssoSession) return { target: sessionTarget(config, selector.ssoSession), profileName: undefined };

  const profileName = profileFromEnv(selector.profile, env) ?? "default";
  const profile = config.profile(profileName);
  if (!profile) {
    throw new ConfigError(`The config profile (${profileName}) could not be found. ${notInConfig(config, "profile", profileName)}`);
  }
  if (profile.sso_session) return { target: sessionTarget(config, profile.sso_session), profileName };

  const missing = ["sso_start_url", "sso_region"].filter((k) => !profile[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing the following required SSO configuration values: ${missing.join(", ")}. To make sure this profile is properly configured to use SSO, please run: sso-setup configure --profile ${profileName}`,
    );
  }
  return { target: { startUrl: profile.sso_start_url!, region: profile.sso_region! }, profileName };
}
