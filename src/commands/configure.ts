import { Command } from "commander";
import { applyConfigEdits, AwsConfig, type SectionEdit } from "../config/aws-config.js";
import { quoted } from "../config/ini.js";
import { profileFromEnv, sessionTarget } from "../config/sso-target.js";
import {
  checkAccountId,
  checkOutput,
  checkProfileName,
  checkRegion,
  checkRoleName,
  checkScopes,
  checkSessionName,
  checkStartUrl,
} from "../config/validate.js";
import type { Deps } from "../deps.js";
import { FlowError, ServiceError, UsageError } from "../errors.js";
import { accountLabel, listAllAccounts, listAllRoles, sortAccounts, sortRoles } from "../sso/accounts.js";
import { ApiError, type AccountInfo } from "../sso/clients.js";
import type { SsoTarget, TokenResult } from "../sso/login-flow.js";
import { describeSignIn } from "../sso/login-required.js";
import { parseScopes } from "../sso/token.js";
import { bold, canPrompt } from "../ui/io.js";
import { messages } from "../ui/messages.js";
import { configureSsoSessionCommand } from "./configure-sso-session.js";
import { createAsk, type Ask } from "./shared/ask.js";
import { authorize } from "./shared/authorize.js";
import { DEFAULT_SCOPES, scopesQuestion, startUrlQuestion } from "./shared/session-questions.js";
import { askSsoRegion } from "./shared/sso-region.js";
import { epilogue } from "../ui/help-text.js";
import { awsPaths } from "../config/paths.js";

export interface ConfigureOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  legacy: boolean;
  startUrl: string | undefined;
  ssoRegion: string | undefined;
  scopes: string | undefined;
  accountId: string | undefined;
  roleName: string | undefined;
  region: string | undefined;
  output: string | undefined;
  noBrowser: boolean;
  useDeviceCode: boolean;
  nonInteractive: boolean;
  login: boolean;
  configFile: string | undefined;
}

interface ConfigureFlags {
  profile?: string;
  ssoSession?: string;
  legacy?: boolean;
  startUrl?: string;
  ssoRegion?: string;
  scopes?: string;
  accountId?: string;
  roleName?: string;
  region?: string;
  output?: string;
  browser: boolean;
  useDeviceCode?: boolean;
  nonInteractive?: boolean;
  login: boolean;
  configFile?: string;
}

export function configureCommand(
  deps: Deps,
  run: (opts: ConfigureOptions, deps: Deps) => Promise<void> = runConfigure,
): Command {
  const command = new Command("configure")
    .description("Create or update a profile that signs in through IAM Identity Center (the wizard)")
    .option("--profile <name>", "the profile to write (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, else asked; [<role>-<account>])")
    .option("--sso-session <name>", "the [sso-session] to use or create")
    .option("--legacy", "write the legacy format (sso_start_url and sso_region on the profile, no sso-session)")
    .option("--start-url <url>", "the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start")
    .option("--sso-region <region>", "the region of the IAM Identity Center instance")
    .option("--scopes <list>", "comma-separated registration scopes [sso:account:access]")
    .option("--account-id <id>", "the AWS account to use")
    .option("--role-name <name>", "the role (permission set) to use")
    .option("--region <region>", "the profile's default region for AWS calls")
    .option("--output <format>", "the profile's default output format (json, text, table, yaml, yaml-stream, off)")
    .option("--no-browser", "print the URL (and code) instead of opening a browser")
    .option("--use-device-code", "sign in with the device code flow instead of the browser redirect (authorization code + PKCE)")
    .option("--non-interactive", "never prompt: a missing value is an error that names its flag")
    .option("--no-login", "write the profile without signing in (needs --account-id and --role-name)")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Without a terminal (or with --non-interactive) nothing is asked: values come from flags and defaults,
and a missing one fails with exit code 252.

Examples:
  sso-setup configure
  sso-setup configure --profile dev --sso-session corp \\
    --start-url https://d-1234567890.awsapps.com/start --sso-region us-east-1 \\
    --account-id 111122223333 --role-name ReadOnly --region eu-west-1 \\
    --non-interactive`),
    )
    .action(async (flags: ConfigureFlags) => {
      await run(
        {
          profile: flags.profile,
          ssoSession: flags.ssoSession,
          legacy: Boolean(flags.legacy),
          startUrl: flags.startUrl,
          ssoRegion: flags.ssoRegion,
          scopes: flags.scopes,
          accountId: flags.accountId,
          roleName: flags.roleName,
          region: flags.region,
          output: flags.output,
          noBrowser: !flags.browser,
          useDeviceCode: Boolean(flags.useDeviceCode),
          nonInteractive: Boolean(flags.nonInteractive),
          login: flags.login,
          configFile: flags.configFile,
        },
        deps,
      );
    });
  command.enablePositionalOptions().addCommand(configureSsoSessionCommand(deps));
  return command;
}

function checkFlagCombinations(opts: ConfigureOptions): void {
  if (opts.legacy && opts.ssoSession) throw new UsageError("--legacy and --sso-session cannot be used together.");
  if (opts.legacy && opts.scopes) throw new UsageError("--scopes needs an SSO session; the legacy format has no scopes.");
  if (!opts.login && (!opts.accountId || !opts.roleName)) {
    throw new UsageError("--no-login needs --account-id and --role-name: without signing in there is nothing to choose from.");
  }
  // Every flag is checked before anything happens, so a typo never costs a browser sign-in.
  const checks: Array<[string, string | undefined, (v: string) => true | string]> = [
    ["--profile", opts.profile, checkProfileName],
    ["--sso-session", opts.ssoSession, checkSessionName],
    ["--start-url", opts.startUrl, checkStartUrl],
    ["--sso-region", opts.ssoRegion, checkRegion],
    ["--scopes", opts.scopes, checkScopes],
    ["--region", opts.region, checkRegion],
    ["--output", opts.output, checkOutput],
    ["--account-id", opts.accountId, checkAccountId],
    ["--role-name", opts.roleName, checkRoleName],
  ];
  for (const [flag, value, check] of checks) {
    if (value === undefined) continue;
    const verdict = check(value);
    if (verdict !== true) throw new UsageError(`Invalid value for ${flag}: ${verdict}`);
  }
}

/** A value from the file offered as a default only if it would pass as a flag: others stay as they are, unwritten. */
function validDefault(value: string | undefined, check: (value: string) => true | string): string | undefined {
  return value !== undefined && check(value) === true ? value : undefined;
}

/**
 * botocore gives [DEFAULT]'s settings to every profile that lacks them; an sso_start_url/sso_region
 * there that differs from the session just written makes the AWS CLI use the wrong one, or refuse
 * the profile as inconsistent. The JS SDK ignores [DEFAULT], so the two would disagree.
 */
function warnInheritedDefaults(
  config: AwsConfig,
  profileName: string,
  target: { startUrl: string; region: string },
  deps: Deps,
): void {
  const defaults = config.defaults();
  const own = config.profile(profileName) ?? {};
  for (const [key, wanted] of [
    ["sso_start_url", target.startUrl],
    ["sso_region", target.region],
  ] as const) {
    const inherited = defaults[key];
    if (inherited === undefined || inherited === wanted || own[key] !== undefined) continue;
    deps.io.err.write(
      `Warning: the [DEFAULT] section of ${config.file} sets ${key} = ${quoted(inherited)}, which the AWS CLI applies to every profile, ` +
        `including ${profileName} (which uses ${quoted(wanted)}); the AWS CLI will use or refuse it as inconsistent. Remove ${key} from [DEFAULT].\n`,
    );
  }
}

export async function runConfigure(opts: ConfigureOptions, deps: Deps): Promise<void> {
  checkFlagCombinations(opts);
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const interactive = canPrompt(deps.io, opts.nonInteractive);
  const ask = createAsk(deps.prompter, interactive);

  const fixedProfile = profileFromEnv(opts.profile, deps.env);
  if (fixedProfile !== undefined && opts.profile === undefined) {
    const verdict = checkProfileName(fixedProfile);
    if (verdict !== true) throw new UsageError(`Invalid profile name in AWS_PROFILE: ${verdict}`);
  }
  // As in the AWS CLI, the profile being configured (or [default]) supplies the prompts' defaults.
  const existing = config.profile(fixedProfile ?? "default") ?? {};

  const sessionName = await chooseSessionName(opts, existing, ask, interactive);
  const { target, newSession, scopesRaw } = await chooseTarget(opts, config, existing, sessionName, ask, interactive, deps);

  const { accountId, roleName } = opts.login
    ? await chooseAccountAndRole(opts, target, newSession, interactive, deps, existing)
    : { accountId: opts.accountId!, roleName: opts.roleName! };

  const region = await ask({
    name: "region",
    message: "Default client Region",
    flag: "--region",
    given: opts.region,
    default: validDefault(existing.region, checkRegion),
    validate: checkRegion,
    required: false,
  });
  const output = await ask({
    name: "output",
    // The prompt shows a default in brackets itself; the hint is for when there is none.
    message: existing.output ? "CLI default output format" : "CLI default output format (json if not specified)",
    flag: "--output",
    given: opts.output,
    default: validDefault(existing.output, checkOutput),
    validate: checkOutput,
    required: false,
  });
  const profileName =
    fixedProfile ??
    (await ask({
      name: "profile",
      message: "Profile name",
      flag: "--profile",
      default: `${roleName}-${accountId}`,
      validate: checkProfileName,
      required: true,
    }))!;

  const written = config.profile(profileName) ?? {};
  const profileValues: Array<[string, string | null]> = target.sessionName
    ? [
        ["sso_session", target.sessionName],
        ["sso_account_id", accountId],
        ["sso_role_name", roleName],
        // Legacy keys that disagree with the session make botocore refuse the profile ("inconsistent").
        ...staleLegacyKey(written, "sso_start_url", target.startUrl),
        ...staleLegacyKey(written, "sso_region", target.region),
      ]
    : [
        ["sso_start_url", target.startUrl],
        ["sso_region", target.region],
        ["sso_account_id", accountId],
        ["sso_role_name", roleName],
        ["sso_session", null],
      ];
  // Only keys being written change: a value equal to the profile's own is not written, so it is
  // neither copied into another spelling of the section nor rewritten in the file's style.
  if (region && region !== written.region) profileValues.push(["region", region]);
  if (output && output !== written.output) profileValues.push(["output", output]);

  const edits: SectionEdit[] = [{ ref: { kind: "profile", name: profileName }, values: profileValues }];
  // The flow chosen with --use-device-code is remembered for the session (the AWS CLI's key, PR #10635),
  // so later sign-ins, ours and the AWS CLI's, use it without the flag.
  const rememberDeviceCode: Array<[string, string]> = opts.useDeviceCode && !target.useDeviceCode ? [["sso_use_device_code", "true"]] : [];
  if (newSession && target.sessionName) {
    edits.push({
      ref: { kind: "sso-session", name: target.sessionName },
      values: [
        ["sso_start_url", target.startUrl],
        ["sso_region", target.region],
        ["sso_registration_scopes", scopesRaw ?? DEFAULT_SCOPES],
        ...rememberDeviceCode,
      ],
    });
  } else if (target.sessionName && rememberDeviceCode.length > 0) {
    edits.push({ ref: { kind: "sso-session", name: target.sessionName }, values: rememberDeviceCode });
  }
  const { warnings } = await applyConfigEdits(deps, paths.configFile, edits);
  for (const warning of warnings) deps.io.err.write(`${warning}\n`);
  warnInheritedDefaults(config, profileName, target, deps);

  const shadowing = ["aws_access_key_id", "credential_process", "role_arn", "web_identity_token_file"].filter((k) => written[k]);
  if (shadowing.length > 0) {
    deps.io.err.write(
      `Note: profile ${profileName} also has ${shadowing.join(", ")}; the AWS CLI and SDKs use ${shadowing.length > 1 ? "those" : "that"} before the SSO settings.\n`,
    );
  }
  deps.io.err.write(messages.conclusion(profileName, opts.login));
}

function staleLegacyKey(profile: Readonly<Record<string, string>>, key: string, sessionValue: string): Array<[string, null]> {
  return profile[key] !== undefined && profile[key] !== sessionValue ? [[key, null]] : [];
}

async function chooseSessionName(
  opts: ConfigureOptions,
  existing: Readonly<Record<string, string>>,
  ask: Ask,
  interactive: boolean,
): Promise<string | undefined> {
  if (opts.legacy) return undefined;
  if (opts.ssoSession) return opts.ssoSession;
  if (!interactive && !existing.sso_session) {
    throw new UsageError(
      "Missing a value for the SSO session: pass --sso-session NAME (or --legacy for the legacy format without an SSO session).",
    );
  }
  // An empty answer selects the legacy format, as in the AWS CLI.
  return ask({
    name: "ssoSession",
    message: existing.sso_session ? "SSO session name" : "SSO session name (Recommended)",
    flag: "--sso-session",
    default: existing.sso_session,
    validate: checkSessionName,
    required: false,
  });
}

async function chooseTarget(
  opts: ConfigureOptions,
  config: AwsConfig,
  existing: Readonly<Record<string, string>>,
  sessionName: string | undefined,
  ask: Ask,
  interactive: boolean,
  deps: Deps,
): Promise<{ target: SsoTarget; newSession: boolean; scopesRaw: string | undefined }> {
  if (sessionName && config.ssoSession(sessionName)) {
    const target = sessionTarget(config, sessionName);
    const conflicts: Array<[string, string | undefined, string | undefined]> = [
      ["--start-url", opts.startUrl, target.startUrl],
      ["--sso-region", opts.ssoRegion, target.region],
      ["--scopes", opts.scopes, config.ssoSession(sessionName)?.sso_registration_scopes],
    ];
    for (const [flag, given, current] of conflicts) {
      if (given !== undefined && given !== current) {
        throw new UsageError(
          `The sso-session "${sessionName}" already exists with ${flag.slice(2)} ${current ?? "(unset)"}, not ${given}. ` +
            `Change it with "sso-setup configure sso-session --sso-session ${sessionName}", or choose another --sso-session name.`,
        );
      }
    }
    return { target, newSession: false, scopesRaw: undefined };
  }

  if (!sessionName) deps.io.err.write(bold(deps.io, messages.legacyWarning));
  const startUrl = (await ask(startUrlQuestion(opts.startUrl, existing.sso_start_url)))!;
  const { region, serviceStartUrl } = await askSsoRegion(deps, ask, {
    startUrl,
    given: opts.ssoRegion,
    fallback: existing.sso_region,
    interactive,
  });
  if (!sessionName) return { target: { startUrl, region, serviceStartUrl }, newSession: false, scopesRaw: undefined };

  const scopesRaw = (await ask(scopesQuestion(opts.scopes, undefined))) ?? DEFAULT_SCOPES;
  return { target: { sessionName, startUrl, region, scopes: parseScopes(scopesRaw), serviceStartUrl }, newSession: true, scopesRaw };
}

async function chooseAccountAndRole(
  opts: ConfigureOptions,
  target: SsoTarget,
  newSession: boolean,
  interactive: boolean,
  deps: Deps,
  current: Readonly<Record<string, string>>,
): Promise<{ accountId: string; roleName: string }> {
  // A new session must be authorized (unless a run for this very session signed in moments ago and
  // then failed on a missing flag); an existing one may reuse a token with 15 minutes left.
  let login: TokenResult = await authorize(deps, awsPaths(deps, opts.configFile), target, {
    force: newSession,
    reuseSameSignIn: newSession,
    noBrowser: opts.noBrowser,
    useDeviceCode: opts.useDeviceCode,
  });
  if (newSession && login.reused) deps.io.err.write(messages.reusingToken(describeSignIn(target), login.token.expiresAt));
  const apis = await deps.ssoApis(target.region);

  const withToken = async <T>(call: (accessToken: string) => Promise<T>): Promise<T> => {
    try {
      return await call(login.token.accessToken);
    } catch (error) {
      // A cached token can be revoked before it expires; one fresh sign-in is better than a dead end.
      if (!(error instanceof ApiError && error.code === "UnauthorizedException" && login.reused)) throw error;
      login = await authorize(deps, awsPaths(deps, opts.configFile), target, {
        force: true,
        noBrowser: opts.noBrowser,
        useDeviceCode: opts.useDeviceCode,
      });
      return call(login.token.accessToken);
    }
  };

  const listed = sortAccounts(await withToken((t) => listAllAccounts(apis.portal, t)));
  const accounts = writableOnly(listed, (a) => a.accountId, checkAccountId, "the account ID", deps);
  const account = await pickAccount(accounts, opts.accountId, interactive, deps, listed.length - accounts.length, current.sso_account_id);
  const listedRoles = sortRoles(await withToken((t) => listAllRoles(apis.portal, t, account.accountId)));
  const roles = writableOnly(listedRoles, (r) => r, checkRoleName, `the role name (account ${account.accountId})`, deps);
  const roleName = await pickRole(roles, account.accountId, opts.roleName, interactive, deps, listedRoles.length - roles.length, current.sso_role_name);
  return { accountId: account.accountId, roleName };
}

/**
 * Account IDs and role names the service sent that could not be written to the config file as they
 * are (odd or hostile answers) are left out of the choice, each with a warning.
 */
function writableOnly<T>(items: T[], value: (item: T) => string, check: (v: string) => true | string, what: string, deps: Deps): T[] {
  return items.filter((item) => {
    const verdict = check(value(item));
    if (verdict !== true) deps.io.err.write(messages.skippedFromService(what, value(item), verdict));
    return verdict === true;
  });
}

/** Everything the service offered was unwritable: the service's answer is at fault (254). */
function refuseUnwritable(what: string, count: number): never {
  throw new ServiceError(
    `The service offered ${count} ${what}, and none of them can be written to a config file safely (see the warnings above). Nothing was written.`,
    "UnsafeName",
  );
}

async function pickAccount(
  accounts: AccountInfo[],
  given: string | undefined,
  interactive: boolean,
  deps: Deps,
  unwritable: number,
  currentId: string | undefined,
): Promise<AccountInfo> {
  if (accounts.length === 0 && unwritable > 0) refuseUnwritable(unwritable === 1 ? "account" : "accounts", unwritable);
  if (accounts.length === 0) {
    throw new FlowError("No AWS accounts are available to you. Ask your administrator to assign you to an account; nothing was written.");
  }
  let account: AccountInfo;
  if (given !== undefined) {
    const found = accounts.find((a) => a.accountId === given);
    if (!found) {
      throw new UsageError(
        `The account ${given} (--account-id) is not available to you; you can access ${accounts.length} account${accounts.length === 1 ? "" : "s"}: ${accounts
          .slice(0, 5)
          .map(accountLabel)
          .join("; ")}${accounts.length > 5 ? "; ..." : ""}. Nothing was written.`,
      );
    }
    account = found;
  } else if (accounts.length === 1) {
    account = accounts[0]!;
    deps.io.err.write(messages.onlyAccount(account.accountId));
  } else {
    deps.io.err.write(messages.accountCount(accounts.length));
    if (!interactive) {
      throw new UsageError(`Choose one of the ${accounts.length} accounts with --account-id (for example --account-id ${accounts[0]!.accountId}).`);
    }
    account = await deps.prompter.pick({
      name: "account",
      message: "Choose an account (type to filter)",
      initial: accounts.findIndex((a) => a.accountId === currentId),
      choices: accounts.map((a) => ({
        label: accountLabel(a),
        value: a,
        searchText: [a.accountName, a.emailAddress, a.accountId].filter(Boolean).join(" "),
      })),
    });
  }
  deps.io.err.write(messages.usingAccount(account.accountId));
  return account;
}

async function pickRole(
  roles: string[],
  accountId: string,
  given: string | undefined,
  interactive: boolean,
  deps: Deps,
  unwritable: number,
  currentRole: string | undefined,
): Promise<string> {
  if (roles.length === 0 && unwritable > 0) refuseUnwritable(`role${unwritable === 1 ? "" : "s"} for the account ${accountId}`, unwritable);
  if (roles.length === 0) {
    throw new FlowError(`No roles are available for the account ${accountId}. Nothing was written.`);
  }
  let role: string;
  if (given !== undefined) {
    if (!roles.includes(given)) {
      throw new UsageError(
        `The role ${given} (--role-name) is not available in account ${accountId}; available roles: ${roles.join(", ")}. Nothing was written.`,
      );
    }
    role = given;
  } else if (roles.length === 1) {
    role = roles[0]!;
    deps.io.err.write(messages.onlyRole(role));
  } else {
    deps.io.err.write(messages.roleCount(roles.length));
    if (!interactive) throw new UsageError(`Choose one of the roles with --role-name: ${roles.join(", ")}.`);
    role = await deps.prompter.pick({
      name: "role",
      message: "Choose a role (type to filter)",
      initial: roles.indexOf(currentRole ?? ""),
      choices: roles.map((r) => ({ label: r, value: r, searchText: r })),
    });
  }
  deps.io.err.write(messages.usingRole(role));
  return role;
}
