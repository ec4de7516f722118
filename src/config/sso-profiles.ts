/**
 * The SSO side of the config file as the credential providers see it: a profile's account, role and
 * sign-in (with botocore's SSOProvider rules and texts), and every sign-in the file refers to, with
 * the profiles that use it.
 */
import { ConfigError } from "../errors.js";
import type { SsoTarget } from "../sso/login-flow.js";
import { parseScopes } from "../sso/token.js";
import type { AwsConfig } from "./aws-config.js";
import { notInConfig } from "./sso-target.js";

export interface SsoProfile {
  profileName: string;
  accountId: string;
  roleName: string;
  target: SsoTarget;
}

/** botocore's SSOProvider: a profile with sso_account_id or sso_role_name, merged with its sso-session. */
export function resolveSsoProfile(config: AwsConfig, profileName: string): SsoProfile {
  const profile = config.profile(profileName);
  if (!profile) throw new ConfigError(`The config profile (${profileName}) could not be found. ${notInConfig(config, "profile", profileName)}`);
  if (!profile.sso_account_id && !profile.sso_role_name) {
    throw new ConfigError(
      `The profile "${profileName}" is not configured for IAM Identity Center (it has no sso_account_id or sso_role_name). Set it up with: sso-setup configure --profile ${profileName}`,
    );
  }
  const merged: Record<string, string | undefined> = { ...profile };
  const sessionName = profile.sso_session;
  if (sessionName) {
    const session = config.ssoSession(sessionName);
    if (!session) {
      throw new ConfigError(
        `The profile "${profileName}" is configured to use the SSO token provider but the "${sessionName}" sso_session configuration does not exist.`,
      );
    }
    for (const key of ["sso_start_url", "sso_region"]) {
      if (profile[key] !== undefined && session[key] !== undefined && profile[key] !== session[key]) {
        throw new ConfigError(`The value for ${key} is inconsistent between profile (${profile[key]}) and sso-session (${session[key]}).`);
      }
      merged[key] = session[key] ?? profile[key];
    }
  }
  const required = ["sso_start_url", "sso_region", "sso_account_id", "sso_role_name"];
  const missing = required.filter((k) => !merged[k]);
  if (missing.length > 0) {
    throw new ConfigError(`The profile "${profileName}" is configured to use SSO but is missing required configuration: ${missing.join(", ")}`);
  }
  return {
    profileName,
    accountId: merged.sso_account_id!,
    roleName: merged.sso_role_name!,
    target: {
      ...(sessionName ? { sessionName, scopes: parseScopes(config.ssoSession(sessionName)?.sso_registration_scopes) } : {}),
      startUrl: merged.sso_start_url!,
      region: merged.sso_region!,
    },
  };
}

/** A sign-in the config file refers to: an `[sso-session]`, or a start URL legacy profiles share. */
export interface SsoSignIn {
  sessionName?: string | undefined;
  /** Missing when an sso-session section lacks it (it is then reported, not used). */
  startUrl?: string | undefined;
  region?: string | undefined;
  scopes?: string[] | undefined;
  /** Profiles that sign in through it, in file order. */
  profiles: Array<{ name: string; accountId?: string | undefined; roleName?: string | undefined }>;
}

function roleOf(name: string, profile: Readonly<Record<string, string>>) {
  return { name, accountId: profile.sso_account_id, roleName: profile.sso_role_name };
}

/**
 * Every sso-session (in file order), then every distinct legacy start URL. One pass over the
 * profiles: a file after populate holds thousands, and `status` runs in shell prompts.
 */
export function listSignIns(config: AwsConfig): SsoSignIn[] {
  const sessions = new Map<string, SsoSignIn>();
  for (const sessionName of config.ssoSessionNames()) {
    const s = config.ssoSession(sessionName)!;
    sessions.set(sessionName, {
      sessionName,
      startUrl: s.sso_start_url,
      region: s.sso_region,
      scopes: parseScopes(s.sso_registration_scopes),
      profiles: [],
    });
  }
  const legacy = new Map<string, SsoSignIn>();
  for (const [name, p] of config.profileEntries()) {
    if (p.sso_session !== undefined) sessions.get(p.sso_session)?.profiles.push(roleOf(name, p));
    if (p.sso_session || !p.sso_start_url) continue;
    const entry = legacy.get(p.sso_start_url) ?? { startUrl: p.sso_start_url, region: p.sso_region, profiles: [] };
    entry.profiles.push(roleOf(name, p));
    legacy.set(p.sso_start_url, entry);
  }
  return [...sessions.values(), ...legacy.values()];
}

/** The entry of `signIns` (from listSignIns) a resolved target belongs to. */
export function signInFor(signIns: readonly SsoSignIn[], target: SsoTarget): SsoSignIn {
  const found = signIns.find((s) => (target.sessionName ? s.sessionName === target.sessionName : !s.sessionName && s.startUrl === target.startUrl));
  return found ?? { ...target, profiles: [] };
}
