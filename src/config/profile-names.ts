/**
 * Names for generated profiles: a template with placeholders, values normalised to the characters
 * every SDK accepts in a profile name, and deterministic names for accounts that would share one.
 * Peers that skip the normalisation write names the JS SDK cannot read (aws-sso-util#21) or the AWS
 * CLI refuses (granted#825).
 */

export const PLACEHOLDERS = {
  account_name: "the account's name (its ID when it has none)",
  account_id: "the 12-digit account ID",
  role_name: "the role (permission set) name",
  session: "the sso-session name",
  region: "the profile's region (one profile per region of --region)",
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;

export const DEFAULT_PROFILE_TEMPLATE = "{account_name}.{role_name}";

/** The JS SDK's profile-name characters (see checkProfileName), which the other SDKs accept too. */
const SAFE = /^[A-Za-z0-9_\-@+.%:/]*$/;
const UNSAFE_CHAR = /[^A-Za-z0-9_\-@+.%:/]/g;

type TemplatePart = { literal: string } | { placeholder: Placeholder };

export interface ProfileTemplate {
  source: string;
  parts: readonly TemplatePart[];
}

/** Returns the parsed template, or the reason it cannot be used. */
export function parseProfileTemplate(source: string): ProfileTemplate | string {
  const parts: TemplatePart[] = [];
  const known = Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(", ");
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    if (match.index > last) parts.push({ literal: source.slice(last, match.index) });
    const name = match[1] ?? "";
    if (!(name in PLACEHOLDERS)) return `Unknown placeholder {${name}} in the profile template. Use ${known}.`;
    parts.push({ placeholder: name as Placeholder });
    last = pattern.lastIndex;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });

  const literals = parts.flatMap((p) => ("literal" in p ? [p.literal] : []));
  if (literals.some((l) => /[{}]/.test(l))) return `Unbalanced "{" or "}" in the profile template. Use ${known}.`;
  if (literals.some((l) => !SAFE.test(l))) {
    return "The profile template's own text may contain only letters, digits and _ - . @ + % : / (placeholder values are cleaned up automatically).";
  }
  if (!parts.some((p) => "placeholder" in p)) return `The profile template has no placeholder, so every profile would get the same name. Use ${known}.`;
  return { source, parts };
}

/**
 * A value made fit for a profile name: accents dropped, whitespace to "-", quotes and brackets
 * removed, any other unsafe character to "-", runs of "-" collapsed, and no "-" or "." at either end.
 */
export function normaliseNamePart(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/['"`‘’“”()[\]{}<>]/g, "")
    .replace(/\s+/g, "-")
    .replace(UNSAFE_CHAR, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

export interface ProfileSubject {
  accountId: string;
  accountName: string | undefined;
  roleName: string;
  /** The profile's `region`; populate makes one profile per region it is given. */
  region?: string | undefined;
}

export function renderProfileName(
  template: ProfileTemplate,
  subject: ProfileSubject,
  session: string,
  normalise: (value: string) => string = normaliseNamePart,
): string {
  // Each value made only where the template uses it: populate names tens of thousands of profiles.
  const value = (placeholder: Placeholder): string => {
    switch (placeholder) {
      case "account_name":
        return normalise(subject.accountName ?? "") || subject.accountId;
      case "account_id":
        return subject.accountId;
      case "role_name":
        return normalise(subject.roleName) || "role";
      case "session":
        return normalise(session) || "session";
      case "region":
        return subject.region ?? "";
    }
  };
  let name = "";
  for (const part of template.parts) name += "literal" in part ? part.literal : value(part.placeholder);
  return name;
}

/** normaliseNamePart remembering its answers: an organisation has few role names and many repeats. */
function memoisedNormalise(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    let normalised = seen.get(value);
    if (normalised === undefined) {
      normalised = normaliseNamePart(value);
      seen.set(value, normalised);
    }
    return normalised;
  };
}

export interface NamedProfile extends ProfileSubject {
  name: string;
}

export interface NameCollision {
  /** The name the template gave all of them. */
  name: string;
  /** Each subject with the name it got instead (or kept). */
  resolved: NamedProfile[];
}

/**
 * The subject with its name. A literal rather than `{ ...subject, name }`: on Node 20 every copy made
 * by a spread gets a hidden class of its own, which at 30,000 profiles is ~8 MB more of live heap.
 */
function named(subject: ProfileSubject, name: string): NamedProfile {
  return { accountId: subject.accountId, accountName: subject.accountName, roleName: subject.roleName, region: subject.region, name };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const bySubject = (a: ProfileSubject, b: ProfileSubject) =>
  compare(a.accountId, b.accountId) || compare(a.roleName, b.roleName) || compare(a.region ?? "", b.region ?? "");

/**
 * One distinct name per subject. Subjects whose template names coincide are told apart by
 * `-<account_id>` (when their accounts differ) and `-<role_name>` (when their roles do), in account
 * ID then role order. A subject that already owns the name from an earlier run (`incumbent`) keeps
 * it, so adding an account never renames the profiles people already use.
 */
export function assignProfileNames(
  subjects: readonly ProfileSubject[],
  template: ProfileTemplate,
  session: string,
  incumbent: (name: string) => { accountId: string; roleName: string } | undefined,
): { profiles: NamedProfile[]; collisions: NameCollision[] } {
  // A lone subject is stored as itself, not in an array: tens of thousands of names, few clashes.
  const groups = new Map<string, ProfileSubject | ProfileSubject[]>();
  const normalise = memoisedNormalise();
  for (const subject of [...subjects].sort(bySubject)) {
    const name = renderProfileName(template, subject, session, normalise);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, subject);
    else if (Array.isArray(group)) group.push(subject);
    else groups.set(name, [group, subject]);
  }

  const profiles: NamedProfile[] = [];
  const clashing: [string, ProfileSubject[]][] = [];
  for (const [name, group] of groups) {
    if (Array.isArray(group)) clashing.push([name, group]);
    else profiles.push(named(group, name));
  }
  // Names given to clashing subjects; every other name in use is a key of `groups`.
  const taken = new Set<string>();

  const collisions: NameCollision[] = [];
  for (const [name, group] of clashing) {
    const owner = incumbent(name);
    const keeper = owner && group.find((s) => s.accountId === owner.accountId && s.roleName === owner.roleName);
    const accountIds = new Set(group.map((s) => s.accountId));
    const resolved: NamedProfile[] = [];
    for (const subject of group) {
      let candidate = name;
      if (subject !== keeper) {
        if (accountIds.size > 1) candidate += `-${subject.accountId}`;
        if (group.filter((s) => s.accountId === subject.accountId).length > 1) {
          candidate += `-${normalise(subject.roleName) || "role"}`;
        }
      }
      // Only a contrived set of names can still clash (an account named "x-<another account's id>").
      let unique = candidate;
      for (let n = 2; taken.has(unique) || (groups.has(unique) && unique !== name); n++) unique = `${candidate}-${n}`;
      taken.add(unique);
      resolved.push(named(subject, unique));
    }
    profiles.push(...resolved);
    collisions.push({ name, resolved });
  }
  profiles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { profiles, collisions };
}
