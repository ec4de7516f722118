import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { resolveTarget } from "../config/sso-target.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { messages } from "../ui/messages.js";
import { authorize, awsPaths } from "./shared/authorize.js";
import { epilogue } from "../ui/help-text.js";

export interface LoginOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  noBrowser: boolean;
  useDeviceCode: boolean;
  configFile: string | undefined;
}

export function loginCommand(deps: Deps, run: (opts: LoginOptions, deps: Deps) => Promise<void> = runLogin): Command {
  return new Command("login")
    .description("Sign in again to an IAM Identity Center session and cache a fresh access token")
    .option("--profile <name>", "the profile whose SSO session to sign in to (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--sso-session <name>", "the [sso-session] to sign in to, instead of a profile's")
    .option("--no-browser", "print the URL (and code) instead of opening a browser")
    .option("--use-device-code", "sign in with the device code flow instead of the browser redirect (authorization code + PKCE)")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Always runs a new authorization, like \`aws sso login\`. The token is cached in ~/.aws/sso/cache,
where the AWS CLI and every SDK find it. An sso-session signs in with the authorization-code flow
(PKCE; the browser returns to a listener on 127.0.0.1) unless --use-device-code is given or no local
browser can reach that listener (CI, SSH without a display, containers); legacy profiles always use
the device code flow. Concurrent sign-ins to one session run once: the others wait and share it.

Examples:
  sso-setup login --profile dev
  sso-setup login --sso-session my-sso --no-browser`),
    )
    .action(async (flags: { profile?: string; ssoSession?: string; browser: boolean; useDeviceCode?: boolean; configFile?: string }) => {
      if (flags.profile && flags.ssoSession) throw new UsageError("Use either --profile or --sso-session, not both.");
      await run(
        {
          profile: flags.profile,
          ssoSession: flags.ssoSession,
          noBrowser: !flags.browser,
          useDeviceCode: Boolean(flags.useDeviceCode),
          configFile: flags.configFile,
        },
        deps,
      );
    });
}

export async function runLogin(opts: LoginOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const { target } = resolveTarget(config, { profile: opts.profile, ssoSession: opts.ssoSession }, deps.env);
  await authorize(deps, paths, target, { force: true, noBrowser: opts.noBrowser, useDeviceCode: opts.useDeviceCode });
  deps.io.err.write(messages.loggedIn(target.startUrl));
}
