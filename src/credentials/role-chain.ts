/**
 * Role-chained profiles (`role_arn` + `source_profile`), planned the way botocore's
 * AssumeRoleProvider walks them: from the profile asked for down to the credentials the chain starts
 * from (an SSO profile or static keys), checking loops and missing profiles before anything is called.
 */
import { parseConfig } from "../config/ini.js";
import type { AwsConfig } from "../config/aws-config.js";
import { resolveSsoProfile, type SsoProfile } from "../config/sso-profiles.js";
import { notInConfig } from "../config/sso-target.js";
import { ConfigError } from "../errors.js";
import type { Credentials } from "./formatters.js";
import type { AssumeRoleArgs } from "./role-cache.js";

/** One AssumeRole of the chain, with the profile that asks for it. */
export interface RoleHop extends AssumeRoleArgs {
  profileName: string;
  /** The profile's own `region`, for its STS call. */
  region?: string | undefined;
}

export type ChainRoot = { kind: "sso"; profile: SsoProfile } | { kind: "static"; profileName: string; credentials: Credentials };

export interface ChainPlan {
  root: ChainRoot;
  /** In call order: hops[0] is assumed with the root's credentials, the last one gives the result. */
  hops: RoleHop[];
}

type ProfileValues = Readonly<Record<string, string>>;

/** Profiles of the shared credentials file (`[name]` sections), which botocore lays over the config's. */
export function parseCredentialsFile(text: string): Map<string, ProfileValues> {
  const profiles = new Map<string, ProfileValues>();
  for (const section of parseConfig(text).sections) {
    // In this file a section is named by its whole header: `[dev]`, and `[default]`.
    if (section.kind === "other") profiles.set(section.name, section.values);
    else if (section.kind === "profile" && section.name === "default") profiles.set("default", section.values);
  }
  return profiles;
}

const hasSso = (p: ProfileValues) => Boolean(p.sso_account_id || p.sso_role_name);
const hasStatic = (p: ProfileValues) => p.aws_access_key_id !== undefined || p.aws_secret_access_key !== undefined;

/**
 * The profile's chain. `credentialsFile` holds the shared credentials file's profiles (its values
 * win over the config's, as in botocore). Every problem is a ConfigError (253) that names the
 * profile and, for a hop, its role.
 */
export function planChain(config: AwsConfig, credentialsFile: ReadonlyMap<string, ProfileValues>, profileName: string): ChainPlan {
  const lookup = (name: string): ProfileValues | undefined => {
    const fromConfig = config.profile(name);
    const fromCredentials = credentialsFile.get(name);
    return fromConfig || fromCredentials ? { ...fromConfig, ...fromCredentials } : undefined;
  };
  const hops: RoleHop[] = [];
  const visited: string[] = [];
  let name = profileName;
  for (;;) {
    const profile = lookup(name);
    if (!profile) throw new ConfigError(`The config profile (${name}) could not be found. ${notInConfig(config, "profile", name)}`);
    const top = visited.length === 0;
    // role_arn rules the profile asked for; in a source profile, static keys come first (botocore).
    if (!profile.role_arn || (!top && hasStatic(profile))) {
      return { root: rootOf(config, name, profile, top), hops };
    }
    const roleArn = profile.role_arn;
    const role = `profile "${name}" (role_arn ${roleArn})`;
    if (profile.credential_source !== undefined && profile.source_profile !== undefined) {
      throw new ConfigError(`The ${role} has both source_profile and credential_source; keep only one of them.`);
    }
    if (profile.credential_source !== undefined) {
      throw new ConfigError(
        `The ${role} uses credential_source = ${profile.credential_source}, which sso-setup does not support. sso-setup assumes roles on top of an SSO profile or static keys: name one of them in source_profile, or use the AWS CLI for this profile.`,
      );
    }
    if (profile.source_profile === undefined) {
      if (profile.web_identity_token_file !== undefined) {
        throw new ConfigError(
          `The ${role} uses web_identity_token_file, which sso-setup does not support. sso-setup assumes roles on top of an SSO profile or static keys named in source_profile.`,
        );
      }
      throw new ConfigError(`The ${role} has neither source_profile nor credential_source: set source_profile to the profile whose credentials assume the role.`);
    }
    hops.unshift(hopOf(name, profile));
    visited.push(name);
    const source = profile.source_profile;
    const sourceProfile = lookup(source);
    if (!sourceProfile) {
      throw new ConfigError(`The source_profile "${source}" referenced in the ${role} does not exist. Add [profile ${source}] to ${config.file}, or fix source_profile.`);
    }
    // A profile may name itself to take its own static keys (botocore allows that one loop).
    if (visited.includes(source) && !(source === name && hasStatic(sourceProfile))) {
      throw new ConfigError(
        `Infinite loop in the source_profile chain of profile "${profileName}": the ${role} names source_profile "${source}", which is already in the chain (${[...visited, source].join(" -> ")}).`,
      );
    }
    name = source;
  }
}

function hopOf(profileName: string, p: ProfileValues): RoleHop {
  let durationSeconds: number | undefined;
  if (p.duration_seconds !== undefined) {
    if (!/^\s*\d+\s*$/.test(p.duration_seconds)) {
      throw new ConfigError(`duration_seconds of profile "${profileName}" must be a whole number of seconds, not "${p.duration_seconds}".`);
    }
    durationSeconds = Number(p.duration_seconds);
  }
  const value = (key: string) => (p[key] === undefined || p[key] === "" ? undefined : p[key]);
  return {
    profileName,
    roleArn: p.role_arn!,
    roleSessionName: value("role_session_name"),
    externalId: value("external_id"),
    serialNumber: value("mfa_serial"),
    durationSeconds,
    region: value("region"),
  };
}

/** Where the chain starts: SSO before static keys, as in botocore's provider order. */
function rootOf(config: AwsConfig, name: string, profile: ProfileValues, top: boolean): ChainRoot {
  if (hasSso(profile)) return { kind: "sso", profile: resolveSsoProfile(config, name) };
  if (hasStatic(profile)) {
    const { aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey } = profile;
    if (!accessKeyId || !secretAccessKey) {
      throw new ConfigError(`The profile "${name}" has only one of aws_access_key_id and aws_secret_access_key; it needs both.`);
    }
    return { kind: "static", profileName: name, credentials: { accessKeyId, secretAccessKey, sessionToken: profile.aws_session_token || undefined } };
  }
  // The profile asked for: the SSO message, which says how to set it up.
  if (top) return { kind: "sso", profile: resolveSsoProfile(config, name) };
  const what = profile.credential_process !== undefined ? "credential_process" : profile.web_identity_token_file !== undefined ? "web_identity_token_file" : undefined;
  throw new ConfigError(
    `The source profile "${name}" must have credentials: sso-setup starts role chains at an SSO profile or static keys${what ? `, and "${name}" has ${what}, which it does not support` : ""}.`,
  );
}
