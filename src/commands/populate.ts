import { Command } from "commander";
import { setFlagsFromString } from "node:v8";
import { readConfigText } from "../config/aws-config.js";
import { generatedFor, planPopulate, POPULATE_KEYS, type PopulatePlan } from "../config/populate-plan.js";
import {
  assignProfileNames,
  DEFAULT_PROFILE_TEMPLATE,
  parseProfileTemplate,
  PLACEHOLDERS,
  type NameCollision,
  type NamedProfile,
  type ProfileSubject,
} from "../config/profile-names.js";
import { readConfigView, updateConfigInSegments, type ConfigView } from "../config/segmented-config.js";
import { sessionTarget } from "../config/sso-target.js";
import { checkAccountId, checkOutput, checkProfileName, checkRegion, checkRoleName, checkSessionName } from "../config/validate.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { parseAccessFilter } from "../sso/access-filter.js";
import { loginCommandFor } from "../sso/token-provider.js";
import { messages } from "../ui/messages.js";
import { listAccess, type AccessListing } from "./shared/access-listing.js";
import { epilogue } from "../ui/help-text.js";
import { awsPaths } from "../config/paths.js";

export interface PopulateOptions {
  ssoSession: string;
  profileTemplate: string;
  include: string[];
  exclude: string[];
  region: string | undefined;
  output: string | undefined;
  prune: boolean;
  dryRun: boolean;
  configFile: string | undefined;
}

interface PopulateFlags {
  ssoSession: string;
  profileTemplate: string;
  include?: string[];
  exclude?: string[];
  region?: string;
  output?: string;
  prune?: boolean;
  dryRun?: boolean;
  configFile?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const placeholderHelp = Object.entries(PLACEHOLDERS)
  .map(([name, text]) => `  {${name}}`.padEnd(18) + text)
  .join("\n");

export function populateCommand(deps: Deps, run: (opts: PopulateOptions, deps: Deps) => Promise<void> = runPopulate): Command {
  return new Command("populate")
    .description("Write a profile for every account and role an sso-session can access")
    .requiredOption("--sso-session <name>", "the [sso-session] whose accounts and roles to write profiles for")
    .option("--profile-template <template>", "how to name the profiles", DEFAULT_PROFILE_TEMPLATE)
    .option("--include <pattern>", "keep only matching account names, account IDs or role names (repeatable)", collect)
    .option("--exclude <pattern>", "leave out matching account names, account IDs or role names (repeatable)", collect)
    .option("--region <regions>", "the profiles' region (default: the session's sso_region); a comma-separated list makes one profile per region")
    .option("--output <format>", "the profiles' default output format (json, text, table, yaml, yaml-stream, off)")
    .option("--prune", "remove profiles generated earlier for this sso-session whose access is gone, or that a new template renamed")
    .option("--dry-run", "print what would be added, changed and pruned, and write nothing")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Placeholders for --profile-template:
${placeholderHelp}
Values are cleaned up to the characters every AWS SDK accepts in a profile name (letters, digits and
_ - . @ + % : /): spaces become "-", quotes and brackets are dropped. Accounts that end up with the
same name get "-<account_id>" (and "-<role_name>" for two roles of one account) appended.

Every profile gets a region, so it works at once: the sso-session's sso_region unless --region says
otherwise (a region set by hand on a generated profile is then kept). Several regions, such as
--region eu-west-1,us-east-1, make one profile per region; the template must then use {region}, and
the default template becomes "${DEFAULT_PROFILE_TEMPLATE}.{region}".

Patterns are globs (* and ?), case-insensitive, matched against the account name, account ID and role
name; "account:" or "role:" narrows a pattern to one of them. Includes of different kinds must all
match: --include 'account:prod-*' --include role:ReadOnlyAccess keeps ReadOnlyAccess in prod accounts.

Generated profiles carry "sso_setup_generated_by = <sso-session>". A later run updates them in place
and keeps keys you added to them; profiles without that key are never changed. Needs a cached token:
run "sso-setup login --sso-session <name>" first. Prints nothing on stdout, except the planned
changes with --dry-run ("+ name", "~ name (keys)", "- name").

Examples:
  sso-setup populate --sso-session corp --region eu-west-1
  sso-setup populate --sso-session corp --prune \\
    --profile-template '{session}-{account_name}-{role_name}'
  sso-setup populate --sso-session corp --dry-run \\
    --include 'account:prod-*' --exclude role:Billing
  sso-setup populate --sso-session corp --region eu-west-1,us-east-1`),
    )
    .action(async (flags: PopulateFlags) => {
      await run(
        {
          ssoSession: flags.ssoSession,
          profileTemplate: flags.profileTemplate,
          include: flags.include ?? [],
          exclude: flags.exclude ?? [],
          region: flags.region,
          output: flags.output,
          prune: Boolean(flags.prune),
          dryRun: Boolean(flags.dryRun),
          configFile: flags.configFile,
        },
        deps,
      );
    });
}

function usable<T>(flag: string, verdict: T | string): T {
  if (typeof verdict === "string") throw new UsageError(`Invalid value for ${flag}: ${verdict}`);
  return verdict;
}

function checkFlags(opts: PopulateOptions) {
  const regions = opts.region === undefined ? undefined : [...new Set(opts.region.split(",").map((r) => r.trim()))];
  const checks: Array<[string, string | undefined, (v: string) => true | string]> = [
    ["--sso-session", opts.ssoSession, checkSessionName],
    ...(regions ?? []).map((region): [string, string, (v: string) => true | string] => ["--region", region, checkRegion]),
    ["--output", opts.output, checkOutput],
  ];
  for (const [flag, value, check] of checks) {
    const verdict = value === undefined ? true : check(value);
    if (verdict !== true) throw new UsageError(`Invalid value for ${flag}: ${verdict}`);
  }
  let source = opts.profileTemplate;
  if (regions && regions.length > 1 && !source.includes("{region}")) {
    if (source !== DEFAULT_PROFILE_TEMPLATE) {
      throw new UsageError(
        `Several regions make one profile per region, so the profile template needs {region}: for example --profile-template '${source}.{region}'.`,
      );
    }
    source = `${DEFAULT_PROFILE_TEMPLATE}.{region}`;
  }
  return {
    regions,
    template: usable("--profile-template", parseProfileTemplate(source)),
    filter: usable("--include/--exclude", parseAccessFilter(opts.include, opts.exclude)),
  };
}

/**
 * Account × role pairs the filters keep, each once per region. An account ID or role name that could
 * not be written to the config file as it is (the service's answer is odd, or hostile) is skipped
 * with a warning, and the other accounts are still written.
 */
function subjectsOf(
  listing: AccessListing,
  regions: readonly string[],
  keeps: (account: AccessListing["accounts"][number], role: string) => boolean,
  warn: (text: string) => void,
): { subjects: ProfileSubject[]; skipped: number } {
  const seen = new Set<string>();
  const subjects: ProfileSubject[] = [];
  let skipped = 0;
  for (const account of listing.accounts) {
    const idVerdict = checkAccountId(account.accountId);
    if (idVerdict !== true) {
      warn(messages.skippedFromService("the account ID", account.accountId, idVerdict));
      skipped++;
      continue;
    }
    for (const roleName of account.roles) {
      const key = `${account.accountId}\u0000${roleName}`;
      if (seen.has(key) || !keeps(account, roleName)) continue;
      seen.add(key);
      const roleVerdict = checkRoleName(roleName);
      if (roleVerdict !== true) {
        warn(messages.skippedFromService(`the role name (account ${account.accountId})`, roleName, roleVerdict));
        skipped++;
        continue;
      }
      for (const region of regions) subjects.push({ accountId: account.accountId, accountName: account.accountName, roleName, region });
    }
  }
  return { subjects, skipped };
}

/** Gone: the account is no longer listed, or its roles were fetched and the role is not among them. */
function goneFrom(listing: AccessListing, rolesFetched: (account: AccessListing["accounts"][number]) => boolean) {
  const accounts = new Map(listing.accounts.map((a) => [a.accountId, a]));
  return (accountId: string, roleName: string): boolean => {
    const account = accounts.get(accountId);
    if (!account) return true;
    return rolesFetched(account) && !account.roles.includes(roleName);
  };
}

export async function runPopulate(opts: PopulateOptions, deps: Deps): Promise<void> {
  // Every flag is checked before the listing, which can take minutes for a large organisation.
  const { regions, template, filter } = checkFlags(opts);
  // The listing makes thousands of calls whose short-lived state outlives a young-generation
  // collection under load; V8 then lets the old generation grow to up to 4x what is live before it
  // collects (about 300 MB at 10,000 accounts on Node 24, for 20-30 MB live). Asking V8 to favour
  // memory over speed caps that growth; the listing is bound by the network, not by the collector.
  setFlagsFromString("--optimize-for-size");
  // From V8 13 (Node 24) on, the young generation grows under the listing's load to two semi-spaces
  // of up to ~11 MB each, and stays that large through the config phase: 10-25 MB of the peak, the
  // most of what one 10,000-account run differs from the next by. Kept at its starting size it costs
  // no time there; on V8 11 and 12 (Node 20, 22) it does (15-40% more CPU), so they are left as they are.
  if (Number(process.versions.v8.split(".")[0]) >= 13) setFlagsFromString("--semi-space-growth-factor=1");
  const paths = awsPaths(deps, opts.configFile);
  // The file is read a segment at a time: parsed whole, a file of 30,000 profiles costs ~57 MB.
  const load = async (keys: readonly string[] = POPULATE_KEYS) => readConfigView(paths.configFile, await readConfigText(deps.fs, paths.configFile), keys);
  // Only the session is needed before the listing: what is kept now stays in the heap's old space, and
  // V8 sizes the heap the listing grows into from it.
  const target = sessionTarget(await load([]), opts.ssoSession);
  const listing = await listAccess(deps, target, {
    configFile: opts.configFile,
    loginCommand: loginCommandFor({ sessionName: opts.ssoSession }),
    wantRoles: (account) => checkAccountId(account.accountId) === true && filter.mayKeepAccount(account),
  });
  const warn = (text: string) => deps.io.err.write(text);
  // As other generators do, a generated profile works at once: its region defaults to the session's.
  const { subjects, skipped } = subjectsOf(listing, regions ?? [target.region], (account, role) => filter.keeps(account, role), warn);
  const settings = {
    session: opts.ssoSession,
    regionGiven: regions !== undefined,
    output: opts.output,
    prune: opts.prune,
    isGone: goneFrom(listing, (account) => filter.mayKeepAccount(account)),
  };

  const decide = (config: ConfigView): PopulatePlan & { collisions: NameCollision[]; unnamed: NamedProfile[] } => {
    const { profiles, collisions } = assignProfileNames(subjects, template, opts.ssoSession, (name) =>
      generatedFor(config.profile(name), opts.ssoSession),
    );
    // Names made from service data pass the same check as names people type.
    const named: typeof profiles = [];
    const unnamed: typeof profiles = [];
    for (const p of profiles) (checkProfileName(p.name) === true ? named : unnamed).push(p);
    return { ...planPopulate(config, named, settings), collisions, unnamed };
  };

  // Ctrl-C during the listing must leave the file as it was: nothing is written before this point.
  deps.signal.throwIfAborted();
  let plan: ReturnType<typeof decide>;
  if (opts.dryRun) {
    plan = decide(await load());
    for (const p of plan.added) deps.io.out.write(`+ ${p.name}\n`);
    for (const c of plan.changed) deps.io.out.write(`~ ${c.profile.name} (${c.keys.join(", ")})\n`);
    for (const ref of plan.removals) deps.io.out.write(`- ${ref.name}\n`);
  } else {
    plan = (await updateConfigInSegments(deps, paths.configFile, POPULATE_KEYS, decide)).changes;
  }

  for (const collision of plan.collisions) deps.io.err.write(messages.populateCollision(collision));
  for (const clash of plan.clashes) deps.io.err.write(messages.populateClash(clash, opts.ssoSession));
  for (const p of plan.unnamed) {
    warn(messages.skippedFromService(`the profile name for ${p.accountId} ${p.roleName}`, p.name, "not a usable profile name"));
  }
  if (!opts.prune && plan.stale.length > 0) deps.io.err.write(messages.populateStale(plan.stale.length));
  deps.io.err.write(
    messages.populateSummary({
      session: opts.ssoSession,
      configFile: paths.configFile,
      dryRun: opts.dryRun,
      added: plan.added.length,
      changed: plan.changed.length,
      unchanged: plan.unchanged.length,
      pruned: plan.removals.length,
      skipped: plan.clashes.length + plan.unnamed.length + skipped,
      accounts: listing.accounts.length,
      calls: listing.stats.calls,
      throttled: listing.stats.throttled,
      refreshes: listing.stats.reauthorized,
      seconds: listing.elapsedMs / 1000,
    }),
  );
}
