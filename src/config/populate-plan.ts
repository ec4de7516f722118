/**
 * What populate does to the config file, decided from the file as it is: which generated profiles
 * to add, update and prune, and which names belong to someone else. Pure, so the dry run and the
 * real run print the same plan, and the real run can decide again on the file it is about to write.
 */
import type { AwsConfig, ConfigChanges, SectionEdit, SectionRef } from "./aws-config.js";
import type { NamedProfile } from "./profile-names.js";

/** The one key populate adds beyond what `aws configure sso` writes; SDKs ignore unknown keys. */
export const GENERATED_MARKER = "sso_setup_generated_by";

/** The keys of a profile that populate reads: all it needs to keep of a file of thousands of profiles. */
export const POPULATE_KEYS = [GENERATED_MARKER, "sso_session", "sso_account_id", "sso_role_name", "region", "output"] as const;

export interface PopulateSettings {
  session: string;
  /**
   * Whether the regions were asked for (--region). Each profile carries its region; a default one
   * (the session's sso_region) is only written to a profile that has no region yet, so a region set
   * by hand on a generated profile stays.
   */
  regionGiven: boolean;
  output: string | undefined;
  prune: boolean;
  /**
   * Whether the listing proves the account × role is no longer accessible. An account the filters
   * kept out was not asked for its roles, so its profiles are never judged gone: running populate
   * with different filters must not delete what an earlier run with other filters wrote.
   */
  isGone: (accountId: string, roleName: string) => boolean;
}

export interface ProfileUpdate {
  profile: NamedProfile;
  /** The keys whose values change. */
  keys: string[];
}

export interface NameClash {
  profile: NamedProfile;
  /** Who owns the name: a hand-made profile, another session's generated one, or the default profile. */
  owner: { kind: "hand-made" } | { kind: "other-session"; session: string } | { kind: "default" };
}

export interface PopulatePlan extends ConfigChanges {
  added: NamedProfile[];
  changed: ProfileUpdate[];
  unchanged: NamedProfile[];
  /**
   * Profiles generated earlier for the session whose account × role is no longer accessible, or is
   * now written under another name (a new template); removed with prune.
   */
  stale: string[];
  clashes: NameClash[];
}

/** The generated profile's account and role, if `values` is a profile generated for `session`. */
export function generatedFor(
  values: Readonly<Record<string, string>> | undefined,
  session: string,
): { accountId: string; roleName: string } | undefined {
  if (!values || values[GENERATED_MARKER] !== session) return undefined;
  return { accountId: values.sso_account_id ?? "", roleName: values.sso_role_name ?? "" };
}

type Entry = readonly [string, string];

/** The entries every profile of a run shares, made once: a run can write tens of thousands of keys. */
function sharedEntries(settings: PopulateSettings): { session: Entry; tail: Entry[] } {
  const tail: Entry[] = [];
  // Only what was asked for: an output added by hand to a generated profile stays.
  if (settings.output) tail.push(["output", settings.output]);
  tail.push([GENERATED_MARKER, settings.session]);
  return { session: ["sso_session", settings.session], tail };
}

function desiredValues(
  profile: NamedProfile,
  shared: ReturnType<typeof sharedEntries>,
  current: Readonly<Record<string, string>> | undefined,
  regionGiven: boolean,
): Entry[] {
  const region: Entry[] = profile.region && (regionGiven || !current?.region) ? [["region", profile.region]] : [];
  return [shared.session, ["sso_account_id", profile.accountId], ["sso_role_name", profile.roleName], ...region, ...shared.tail];
}

export function planPopulate(config: Pick<AwsConfig, "profile" | "profileNames">, profiles: readonly NamedProfile[], settings: PopulateSettings): PopulatePlan {
  const plan: PopulatePlan = { added: [], changed: [], unchanged: [], stale: [], clashes: [], upserts: [], removals: [] };
  const written = new Set<string>();
  const writtenPairs = new Set<string>();
  const pair = (accountId: string, roleName: string) => `${accountId}\u0000${roleName}`;
  const upserts: SectionEdit[] = [];
  const shared = sharedEntries(settings);

  for (const profile of profiles) {
    const current = config.profile(profile.name);
    if (profile.name === "default") {
      plan.clashes.push({ profile, owner: { kind: "default" } });
      continue;
    }
    if (current && current[GENERATED_MARKER] !== settings.session) {
      const other = current[GENERATED_MARKER];
      plan.clashes.push({ profile, owner: other ? { kind: "other-session", session: other } : { kind: "hand-made" } });
      continue;
    }
    written.add(profile.name);
    writtenPairs.add(pair(profile.accountId, profile.roleName));
    const values = desiredValues(profile, shared, current, settings.regionGiven);
    const ref: SectionRef = { kind: "profile", name: profile.name };
    if (!current) {
      plan.added.push(profile);
      upserts.push({ ref, values });
      continue;
    }
    const keys = values.filter(([key, value]) => current[key] !== value).map(([key]) => key);
    if (keys.length === 0) {
      plan.unchanged.push(profile);
      continue;
    }
    plan.changed.push({ profile, keys });
    upserts.push({ ref, values });
  }

  for (const name of config.profileNames()) {
    if (written.has(name)) continue;
    const subject = generatedFor(config.profile(name), settings.session);
    if (!subject) continue;
    if (writtenPairs.has(pair(subject.accountId, subject.roleName)) || settings.isGone(subject.accountId, subject.roleName)) {
      plan.stale.push(name);
    }
  }
  const removals: SectionRef[] = settings.prune ? plan.stale.map((name) => ({ kind: "profile", name })) : [];
  return { ...plan, upserts, removals };
}
