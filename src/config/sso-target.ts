/**
 * Which IAM Identity Center sign-in a profile or `--sso-session` refers to, resolved from the config
 * with the AWS CLI's rules and error texts.
 */
import { ConfigError } from "../errors.js";
import { parseScopes } from "../sso/token.js";
import type { SsoTarget } from "../sso/login-flow.js";
import type { AwsConfig } from "./aws-config.js";

export interface TargetSelector {
  profile?: string | undefined;
  ssoSession?: string | undefined;
}

/** `--profile`, then AWS_PROFILE, then AWS_DEFAULT_PROFILE (as the AWS CLI reads them), else undefined. */
export function profileFromEnv(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return flag || env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || undefined;
}

export function sessionTarget(config: Pick<AwsConfig, "file" | "ssoSession">, sessionName: string): SsoTarget {
  const session = config.ssoSession(sessionName);
  if (!session) {
    throw new ConfigError(
      `The specified sso-session does not exist: "${sessionName}". Create it with: sso-setup configure sso-session --sso-session ${sessionName}`,
    );
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
    throw new ConfigError(
      `The config profile (${profileName}) could not be found in ${config.file}. Create it with: sso-setup configure --profile ${profileName}`,
    );
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
