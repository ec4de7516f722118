import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { resolveTarget } from "../config/sso-target.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { sortAccounts, sortRoles } from "../sso/accounts.js";
import { loginCommandFor } from "../sso/token-provider.js";
import { messages } from "../ui/messages.js";
import { jsonForTerminal, sanitizeForTerminal } from "../ui/sanitize.js";
import { formatTable } from "../ui/table.js";
import { listAccess } from "./shared/access-listing.js";
import { epilogue } from "../ui/help-text.js";
import { awsPaths } from "../config/paths.js";

export interface ListOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  json: boolean;
  configFile: string | undefined;
}

export function listCommand(deps: Deps, run: (opts: ListOptions, deps: Deps) => Promise<void> = runList): Command {
  return new Command("list")
    .description("List every AWS account and role an IAM Identity Center session gives you")
    .option("--profile <name>", "list what this profile's SSO session can access (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--sso-session <name>", "list what this [sso-session] can access, instead of a profile's")
    .option("--json", "print one JSON document instead of a table")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Uses the cached token (refreshed if it can be); it never signs in. Accounts are sorted as
\`aws configure sso\` sorts them, roles by name. The JSON document is
{"ssoSession", "startUrl", "accounts": [{"accountId", "accountName", "emailAddress", "roles": [...]}]}.

Examples:
  sso-setup list --sso-session corp
  sso-setup list --profile dev --json |
    jq -r '.accounts[] | select(.roles | index("ReadOnlyAccess")) | .accountId'`),
    )
    .action(async (flags: { profile?: string; ssoSession?: string; json?: boolean; configFile?: string }) => {
      if (flags.profile && flags.ssoSession) throw new UsageError("Use either --profile or --sso-session, not both.");
      await run({ profile: flags.profile, ssoSession: flags.ssoSession, json: Boolean(flags.json), configFile: flags.configFile }, deps);
    });
}

export async function runList(opts: ListOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const { target, profileName } = resolveTarget(config, { profile: opts.profile, ssoSession: opts.ssoSession }, deps.env);
  const listing = await listAccess(deps, target, {
    configFile: opts.configFile,
    loginCommand: loginCommandFor({ profileName, sessionName: opts.ssoSession }),
  });
  const accounts = sortAccounts(listing.accounts).map((a) => ({
    accountId: a.accountId,
    accountName: a.accountName ?? null,
    emailAddress: a.emailAddress ?? null,
    roles: sortRoles([...new Set(a.roles)]),
  }));

  if (opts.json) {
    const document = { ssoSession: target.sessionName ?? null, startUrl: target.startUrl, accounts };
    deps.io.out.write(`${jsonForTerminal(document)}\n`);
    return;
  }
  // One line per account and role: a row never grows with an account's roles (so it does not wrap),
  // and `grep ROLE` shows every account that has it. The service's text is shown on a terminal
  // without control characters (JSON escapes its own).
  const rows = accounts.flatMap((a) =>
    (a.roles.length > 0 ? a.roles : ["-"]).map((role) => [a.accountName ?? "-", a.accountId, a.emailAddress ?? "-", role].map(sanitizeForTerminal)),
  );
  deps.io.out.write(formatTable(["ACCOUNT NAME", "ACCOUNT ID", "EMAIL", "ROLE"], rows));
  deps.io.err.write(messages.listed(accounts.length, accounts.reduce((n, a) => n + a.roles.length, 0)));
}
