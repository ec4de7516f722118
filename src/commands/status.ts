import { Command } from "commander";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { runStatus, type StatusOptions } from "../sso/session-status.js";
import { epilogue } from "../ui/help-text.js";

export type { StatusOptions };

export function statusCommand(deps: Deps, run: (opts: StatusOptions, deps: Deps) => Promise<void> = runStatus): Command {
  return new Command("status")
    .description("Show each SSO session's cached token: whether it is valid, until when, and whether it can be refreshed")
    .option("--profile <name>", "show only the session this profile signs in through")
    .option("--sso-session <name>", "show only this [sso-session]")
    .option("--json", "print one JSON document instead of a table")
    .option("--wide", "every column (expiry times, client registration, start URL) and every profile's name, however wide")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Reads only local files: no network call, no refresh. A token is usable when it is valid, or when a
command can refresh it without a person (a refresh token and a live client registration). The table
fits 80 columns (expiry relative, profiles counted); --wide adds the expiry time, the client
registration's expiry, the start URL and every profile's name, and --json has all of it.

Exit status: 0 when the session asked for (with --profile or --sso-session; otherwise the session of
AWS_PROFILE, else AWS_DEFAULT_PROFILE, else the default profile, if that is an SSO profile) has a
usable token, or when nothing was asked for; 253 when it has none (the message names the login command), or for a config error.

Examples:
  sso-setup status
  sso-setup status --profile dev || sso-setup login --profile dev
  sso-setup status --json | jq '.sessions[] | select(.usable | not) | .name'`),
    )
    .action(async (flags: { profile?: string; ssoSession?: string; json?: boolean; wide?: boolean; configFile?: string }) => {
      if (flags.profile && flags.ssoSession) throw new UsageError("Use either --profile or --sso-session, not both.");
      if (flags.json && flags.wide) throw new UsageError("Use either --json or --wide, not both.");
      const { profile, ssoSession, configFile } = flags;
      await run({ profile, ssoSession, json: Boolean(flags.json), wide: Boolean(flags.wide), configFile }, deps);
    });
}
