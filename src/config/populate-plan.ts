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

/**
 * What populate writes to a profile, key by key, in the order it writes them: one definition for the
 * entries of an upsert and for the comparison with what the file says.
 */
function forEachDesired(profile: NamedProfile, settings: PopulateSettings, withRegion: boolean, visit: (key: string, value: string) => void): void {
  visit("sso_session", settings.session);
  visit("sso_account_id", profile.accountId);
  visit("sso_role_name", profile.roleName);
  if (withRegion && profile.region) visit("region", profile.region);
  // Only what was asked for: an output added by hand to a generated profile stays.
  if (settings.output) visit("output", settings.output);
  visit(GENERATED_MARKER, settings.session);
}

/**
 * A profile's upsert, its entries made when they are read. A run can write tens of thousands of
 * profiles, and the file is written a batch of them at a time: entries made up front (an array and
 * a pair per key) would all be alive until the write, ~300 bytes a profile.
 */
class ProfileUpsert implements SectionEdit {
  readonly ref: SectionRef;

  constructor(
    private readonly profile: NamedProfile,
    private readonly settings: PopulateSettings,
    private readonly withRegion: boolean,
  ) {
    this.ref = { kind: "profile", name: profile.name };
  }

  get values(): Entry[] {
    const entries: Entry[] = [];
    forEachDesired(this.profile, this.settings, this.withRegion, (key, value) => entries.push([key, value]));
    return entries;
  }
}

export function planPopulate(config: Pick<AwsConfig, "profile" | "profileNames">, profiles: readonly NamedProfile[], settings: PopulateSettings): PopulatePlan {
  const plan: PopulatePlan = { added: [], changed: [], unchanged: [], stale: [], clashes: [], upserts: [], removals: [] };
  const written = new Set<string>();
  const upserts: SectionEdit[] = [];

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
    const withRegion = settings.regionGiven || !current?.region;
    if (!current) {
      plan.added.push(profile);
      upserts.push(new ProfileUpsert(profile, settings, withRegion));
      continue;
    }
    // Compared key by key, without making the entries: a re-run finds most profiles unchanged.
    let keys: string[] | undefined;
    forEachDesired(profile, settings, withRegion, (key, value) => {
      if (current[key] !== value) (keys ??= []).push(key);
    });
    if (keys === undefined) {
      plan.unchanged.push(profile);
      continue;
    }
    plan.changed.push({ profile, keys });
    upserts.push(new ProfileUpsert(profile, settings, withRegion));
  }

  // Made only when an earlier profile of the session was not written again (rare): a set of 30,000
  // pairs is a few MB.
  let writtenPairs: Set<string> | undefined;
  const pair = (accountId: string, roleName: string) => `${accountId}\u0000${roleName}`;
  for (const name of config.profileNames()) {
    if (written.has(name)) continue;
    const subject = generatedFor(config.profile(name), settings.session);
    if (!subject) continue;
    writtenPairs ??= new Set([...plan.added, ...plan.changed.map((c) => c.profile), ...plan.unchanged].map((p) => pair(p.accountId, p.roleName)));
    if (writtenPairs.has(pair(subject.accountId, subject.roleName)) || settings.isGone(subject.accountId, subject.roleName)) {
      plan.stale.push(name);
    }
  }
  const removals: SectionRef[] = settings.prune ? plan.stale.map((name) => ({ kind: "profile", name })) : [];
  return { ...plan, upserts, removals };
}
