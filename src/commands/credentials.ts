import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import {
  credentialsFilePath,
  loadCredentialsFile,
  updateCredentialsFile,
  type CredentialsSection,
  type SectionWrite,
} from "../config/credentials-file.js";
import { resolveSsoProfile } from "../config/sso-profiles.js";
import { profileFromEnv } from "../config/sso-target.js";
import { resolveCredentials } from "../credentials/resolver.js";
import type { Deps } from "../deps.js";
import { epilogue } from "../ui/help-text.js";
import { ConfigError, SsoSetupError, UsageError, exitCodeFor, type ExitCode } from "../errors.js";
import { LoginRequiredError } from "../sso/login-required.js";
import { EXPIRY_WINDOW_MS, formatTimestamp } from "../sso/token.js";
import { awsPaths } from "../config/paths.js";

export interface CredentialsWriteOptions {
  profile: string | undefined;
  as: string | undefined;
  force: boolean;
  configFile: string | undefined;
}

export interface CredentialsRefreshOptions {
  configFile: string | undefined;
}

export interface CredentialsRemoveOptions {
  name: string | undefined;
  all: boolean;
}

export interface CredentialsRunners {
  write: (opts: CredentialsWriteOptions, deps: Deps) => Promise<void>;
  refresh: (opts: CredentialsRefreshOptions, deps: Deps) => Promise<void>;
  remove: (opts: CredentialsRemoveOptions, deps: Deps) => Promise<void>;
}

const CONFIG_FILE_HELP = "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)";

export function credentialsCommand(
  deps: Deps,
  run: CredentialsRunners = { write: runCredentialsWrite, refresh: runCredentialsRefresh, remove: runCredentialsRemove },
): Command {
  const command = new Command("credentials")
    .description("Write short-term role credentials into the shared credentials file, for tools that read nothing else")
    .addHelpText(
      "after",
      epilogue(`
The file is AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. Each section written carries
sso_setup_source_profile (the profile it came from) and x_security_token_expires; only sections with
that key are ever rewritten or removed, and nothing else in the file changes. Prefer SSO profiles
(every current SDK reads them) or \`sso-setup exec\`/credential_process: keys in a file expire and
anyone who can read the file can use them until then.

Examples:
  sso-setup credentials write --profile dev      # [111111111111_ReadOnlyAccess]
  sso-setup credentials write --profile dev --as dev-keys
  sso-setup credentials refresh                        # from cron: */10 * * * *
  sso-setup credentials remove dev-keys`),
    );

  command.addCommand(
    new Command("write")
      .description("Write a profile's role credentials as a section of the credentials file")
      .option("--profile <name>", "the profile to take credentials from (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
      .option("--as <name>", "the section to write (default: <account id>_<role name>, as the access portal names it)")
      .option("--force", "also overwrite a section sso-setup did not write, or one named like an SSO profile of the config")
      .option("--config-file <path>", CONFIG_FILE_HELP)
      .action(async (flags: { profile?: string; as?: string; force?: boolean; configFile?: string }) => {
        await run.write({ profile: flags.profile, as: flags.as, force: Boolean(flags.force), configFile: flags.configFile }, deps);
      }),
  );
  command.addCommand(
    new Command("refresh")
      .description("Rewrite every section sso-setup wrote whose keys expire within 15 minutes (never prompts; for cron)")
      .option("--config-file <path>", CONFIG_FILE_HELP)
      .action(async (flags: { configFile?: string }) => {
        await run.refresh({ configFile: flags.configFile }, deps);
      }),
  );
  command.addCommand(
    new Command("remove")
      .description("Remove sections sso-setup wrote (never others)")
      .argument("[name]", "the section to remove")
      .option("--all", "every section sso-setup wrote")
      .action(async (name: string | undefined, flags: { all?: boolean }) => {
        if (Boolean(name) === Boolean(flags.all)) throw new UsageError("Name one section to remove, or give --all.");
        await run.remove({ name, all: Boolean(flags.all) }, deps);
      }),
  );
  return command;
}

/** The account and role of the credentials a profile ends with: its role_arn's, else its SSO role's. */
function finalRole(config: AwsConfig, profileName: string): { accountId: string; roleName: string } {
  const roleArn = config.profile(profileName)?.role_arn;
  if (roleArn) {
    const match = /^arn:[\w-]+:iam::(\d{12}):role\/(?:[^/]*\/)*([^/]+)$/.exec(roleArn.trim());
    if (!match) throw new ConfigError(`The role_arn of profile "${profileName}" is not a role ARN: ${roleArn}`);
    return { accountId: match[1]!, roleName: match[2]! };
  }
  const sso = resolveSsoProfile(config, profileName);
  return { accountId: sso.accountId, roleName: sso.roleName };
}

/** Keys that make the config's own profile of that name win in the AWS CLI but lose in the JS SDK (daily-use.md §3.4). */
const SHADOWING_KEYS = ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "credential_process"];

function refuseToClobber(section: CredentialsSection | undefined, name: string, file: string): void {
  if (section && section.owner === undefined) {
    throw new ConfigError(
      `The section [${name}] in ${file} was not written by sso-setup; it is left as it is. Choose another name with --as, or overwrite it with --force.`,
    );
  }
}

export async function runCredentialsWrite(opts: CredentialsWriteOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const profileName = profileFromEnv(opts.profile, deps.env) ?? "default";
  const role = finalRole(config, profileName);
  const name = opts.as ?? `${role.accountId}_${role.roleName}`;
  // The same rule the editor applies, checked before any sign-in so a bad name costs nothing.
  if (!/^[^\s[\]'"\\#;\u0000-\u001f\u007f]+$/.test(name)) {
    throw new UsageError(`"${name}" cannot be a section name: use no spaces, quotes, backslashes, "#", ";", "[" or "]".`);
  }
  const file = credentialsFilePath(deps.env, deps.homedir);
  if (!opts.force) {
    const shadowing = SHADOWING_KEYS.filter((key) => config.profile(name)?.[key] !== undefined);
    if (shadowing.length > 0) {
      throw new ConfigError(
        `The config file has a profile "${name}" with ${shadowing.join(", ")}: the AWS CLI would keep using that and ignore the keys, while the JS SDK would use the keys. Choose another name with --as, or use --force.`,
      );
    }
    refuseToClobber((await loadCredentialsFile(deps.fs, file)).get(name), name, file);
  }

  const resolved = await resolveCredentials({ profile: profileName, configFile: opts.configFile, allowSignIn: true }, deps);
  await updateCredentialsFile(deps, file, (sections) => {
    if (!opts.force) refuseToClobber(sections.get(name), name, file);
    return { writes: [{ name, sourceProfile: resolved.profileName, credentials: resolved.credentials }], removals: [], result: undefined };
  });
  const expires = resolved.credentials.expiration === undefined ? "" : `, expires ${formatTimestamp(resolved.credentials.expiration)}`;
  deps.io.err.write(`Wrote [${name}] to ${file} from profile "${resolved.profileName}"${expires}. Use it with --profile ${name}.\n`);
  deps.io.out.write(`${name}\n`);
}

/** Several failures of one run: the exit status is that of the most serious one. */
class RefreshFailed extends SsoSetupError {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export async function runCredentialsRefresh(opts: CredentialsRefreshOptions, deps: Deps): Promise<void> {
  const file = credentialsFilePath(deps.env, deps.homedir);
  const due = [...(await loadCredentialsFile(deps.fs, file)).values()].filter(
    (s) => s.owner !== undefined && !(s.expires - deps.clock.now() > EXPIRY_WINDOW_MS),
  );
  const writes: SectionWrite[] = [];
  const failures: Array<{ section: string; profile: string; error: unknown }> = [];
  // One resolution per profile, however many sections were written from it.
  const byProfile = new Map<string, Promise<Awaited<ReturnType<typeof resolveCredentials>>>>();
  for (const section of due) {
    const profile = section.owner!;
    let pending = byProfile.get(profile);
    if (!pending) {
      pending = resolveCredentials({ profile, configFile: opts.configFile, allowSignIn: false }, deps);
      byProfile.set(profile, pending);
    }
    try {
      writes.push({ name: section.name, sourceProfile: profile, credentials: (await pending).credentials });
    } catch (error) {
      failures.push({ section: section.name, profile, error });
    }
  }

  if (writes.length > 0) {
    const { result: written } = await updateCredentialsFile(deps, file, (sections) => {
      // A section removed or taken over by hand in the meantime is left alone.
      const still = writes.filter((w) => sections.get(w.name)?.owner === w.sourceProfile);
      return { writes: still, removals: [], result: still };
    });
    for (const w of written) {
      const expires = w.credentials.expiration === undefined ? "" : `, expires ${formatTimestamp(w.credentials.expiration)}`;
      deps.io.err.write(`Refreshed [${w.name}] from profile "${w.sourceProfile}"${expires}.\n`);
    }
  }
  if (failures.length === 0) return;
  const lines = failures.map((f) => `Could not refresh [${f.section}] from profile "${f.profile}": ${f.error instanceof Error ? f.error.message.trim() : String(f.error)}`);
  const others = failures.filter((f) => !(f.error instanceof LoginRequiredError));
  throw new RefreshFailed(lines.join("\n"), others.length > 0 ? exitCodeFor(others[0]!.error) : 253);
}

export async function runCredentialsRemove(opts: CredentialsRemoveOptions, deps: Deps): Promise<void> {
  const file = credentialsFilePath(deps.env, deps.homedir);
  const existing = await loadCredentialsFile(deps.fs, file);
  if (opts.name !== undefined) {
    const section = existing.get(opts.name);
    if (!section) {
      deps.io.err.write(`There is no section [${opts.name}] in ${file}; nothing to remove.\n`);
      return;
    }
    if (section.owner === undefined) {
      throw new ConfigError(`The section [${opts.name}] in ${file} was not written by sso-setup; remove it by hand if you mean to.`);
    }
  }
  const { result: removed } = await updateCredentialsFile(deps, file, (sections) => {
    const names = [...sections.values()]
      .filter((s) => s.owner !== undefined && (opts.all || s.name === opts.name))
      .map((s) => s.name);
    return { writes: [], removals: names, result: names };
  });
  deps.io.err.write(
    removed.length === 0 ? `No section written by sso-setup in ${file}; nothing to remove.\n` : `Removed ${removed.map((n) => `[${n}]`).join(", ")} from ${file}.\n`,
  );
}
