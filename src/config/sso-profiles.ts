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
export interface SignInGroup {
  sessionName?: string | undefined;
  /** Missing when an sso-session section lacks it (it is then reported, not used). */
  startUrl?: string | undefined;
  region?: string | undefined;
  scopes?: string[] | undefined;
  /** Profiles that sign in through it, in file order, as indices into config.profileNames(). */
  profiles: number[];
}

/**
 * Every sso-session (in file order), then every distinct legacy start URL. One pass over the
 * profiles: a file after populate holds thousands, and `status` runs in shell prompts.
 */
export function signInGroups(config: AwsConfig): SignInGroup[] {
  const sessions = new Map<string, SignInGroup>();
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
  const legacy = new Map<string, SignInGroup>();
  let index = 0;
  for (const [, p] of config.profileEntries()) {
    const at = index++;
    if (p.sso_session !== undefined) sessions.get(p.sso_session)?.profiles.push(at);
    if (p.sso_session || !p.sso_start_url) continue;
    const entry = legacy.get(p.sso_start_url) ?? { startUrl: p.sso_start_url, region: p.sso_region, profiles: [] };
    entry.profiles.push(at);
    legacy.set(p.sso_start_url, entry);
  }
  return [...sessions.values(), ...legacy.values()];
}

/** A sign-in with its profiles' accounts and roles (logout removes their cached credentials). */
export interface SsoSignIn extends Omit<SignInGroup, "profiles"> {
  profiles: Array<{ name: string; accountId?: string | undefined; roleName?: string | undefined }>;
}

export function listSignIns(config: AwsConfig): SsoSignIn[] {
  const names = config.profileNames();
  return signInGroups(config).map(({ profiles, ...signIn }) => ({
    ...signIn,
    profiles: profiles.map((i) => {
      const profile = config.profile(names[i]!)!;
      return { name: names[i]!, accountId: profile.sso_account_id, roleName: profile.sso_role_name };
    }),
  }));
}

/** The entry of `signIns` (from listSignIns) a resolved target belongs to. */
export function signInFor<T extends SignInGroup | SsoSignIn>(signIns: readonly T[], target: SsoTarget): T {
  const found = signIns.find((s) => (target.sessionName ? s.sessionName === target.sessionName : !s.sessionName && s.startUrl === target.startUrl));
  // No profile of the file signs in there: an empty list is either kind's.
  return found ?? ({ ...target, profiles: [] } as SignInGroup & SsoSignIn as T);
}
