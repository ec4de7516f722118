import { Command } from "commander";
import type { Deps } from "../deps.js";
import { epilogue } from "../ui/help-text.js";
import { runExec, type ExecOptions } from "../exec/run.js";

export type { ExecOptions };


export function execCommand(deps: Deps, run: (opts: ExecOptions, deps: Deps) => Promise<void> = runExec): Command {
  return new Command("exec")
    .description("Run a command (default: your shell) with a profile's credentials")
    .argument("[command...]", "the command and its arguments; put -- before them when they have flags")
    .option("--profile <name>", "the profile (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--region <region>", "AWS_REGION and AWS_DEFAULT_REGION for the command (default: the profile's region)")
    .option("--server", "serve refreshed credentials on a local container credential endpoint while the command runs, instead of keys in its environment")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    // Everything after the command's name is the command's, flags included.
    .passThroughOptions()
    .addHelpText(
      "after",
      epilogue(`
The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION,
AWS_ACCOUNT_ID, AWS_REGION and AWS_DEFAULT_REGION (when a region is known) and SSO_SETUP_PROFILE.
AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN, AWS_CONTAINER_CREDENTIALS_*,
AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE), AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are removed:
each would make an SDK ignore or override the keys.

With --server, the keys are not in its environment: AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN point every SDK at an endpoint on 127.0.0.1 that hands out fresh
credentials (at least 15 minutes left) for as long as the command runs, and closes when it exits.
Use it for anything that may outlive the credentials' hour: terraform apply, a dev server, an agent.

Signs in first when needed and a terminal is there; otherwise fails (exit 253) naming the login
command. Exits with the command's exit code (128 + the signal's number when a signal killed it;
127 when it is not found, 126 when it cannot be run). Refuses to run inside another exec (252).

Examples:
  sso-setup exec --profile dev -- aws s3 ls
  sso-setup exec --profile dev --server -- terraform apply
  sso-setup exec --profile dev -- kubectl get pods
  sso-setup exec --profile dev            # a subshell; leave it with exit`),
    )
    .action(async (command: string[], flags: { profile?: string; region?: string; server?: boolean; configFile?: string }) => {
      await run(
        { profile: flags.profile, region: flags.region, server: Boolean(flags.server), configFile: flags.configFile, command },
        deps,
      );
    });
}
