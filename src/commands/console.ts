import { Command, Option } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { profileFromEnv } from "../config/sso-target.js";
import { resolveSsoProfile } from "../config/sso-profiles.js";
import {
  checkDestination,
  checkRegion,
  consoleDestination,
  federationEndpoint,
  loginUrl,
  sessionDurationSeconds,
  shortcutUrl,
} from "../console/urls.js";
import { resolveCredentials } from "../credentials/resolver.js";
import type { Deps } from "../deps.js";
import { epilogue } from "../ui/help-text.js";
import { UsageError } from "../errors.js";
import { describeEnvironment, readHostFacts } from "../platform/environment.js";
import { chooseAuthFlow } from "../sso/flow-choice.js";
import { awsPaths } from "../config/paths.js";

export interface ConsoleOptions {
  profile: string | undefined;
  configFile: string | undefined;
  region: string | undefined;
  service: string | undefined;
  destination: string | undefined;
  print: boolean;
  /** Minutes. */
  duration: number | undefined;
  portal: boolean;
}

export function consoleCommand(deps: Deps, run: (opts: ConsoleOptions, deps: Deps) => Promise<void> = runConsole): Command {
  return new Command("console")
    .description("Open the AWS Management Console as a profile's account and role")
    .option("--profile <name>", "the profile (default: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then default)")
    .option("--region <region>", "the console's region (default: the profile's region, else its SSO region)")
    .option("-s, --service <name>", "open this service's console: s3, ec2, lambda, iam, ... (see the README's table)")
    .option("--destination <url>", "open this console URL (https, AWS console hosts only)")
    .option("--print", "print the sign-in URL on stdout instead of opening a browser")
    .addOption(new Option("--duration <minutes>", "how long the console session lasts, 15-720 minutes (SSO role credentials only)").argParser(parseMinutes))
    .option("--portal", "open the access portal's shortcut link instead (no credentials pass through; works with multi-session)")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .addHelpText(
      "after",
      epilogue(`
Exchanges the profile's role credentials for a console sign-in token at the AWS sign-in service
(federation) and opens the resulting link. The link signs in whoever opens it for 15 minutes: with
--print, or where no browser can be opened (SSH, containers, CI), it goes to stdout with a warning.
Without --duration the console session lasts as long as the credentials do.

--portal opens https://<start URL>/#/console?account_id=...&role_name=... instead: the browser's
own IAM Identity Center session signs in, which keeps the console's multi-session mode working.

Examples:
  sso-setup console --profile dev
  sso-setup console --profile dev --service lambda --region eu-west-1
  sso-setup console --profile dev --print --duration 60
  sso-setup console --profile dev --portal`),
    )
    .action(
      async (flags: {
        profile?: string;
        configFile?: string;
        region?: string;
        service?: string;
        destination?: string;
        print?: boolean;
        duration?: number;
        portal?: boolean;
      }) => {
        if (flags.service !== undefined && flags.destination !== undefined) throw new UsageError("Use either --service or --destination, not both.");
        if (flags.portal && flags.duration !== undefined) {
          throw new UsageError("--duration does not apply to --portal: the portal decides how long its console session lasts.");
        }
        await run(
          {
            profile: flags.profile,
            configFile: flags.configFile,
            region: flags.region === undefined ? undefined : checkRegion(flags.region),
            service: flags.service,
            destination: flags.destination === undefined ? undefined : checkDestination(flags.destination),
            print: Boolean(flags.print),
            duration: flags.duration,
            portal: Boolean(flags.portal),
          },
          deps,
        );
      },
    );
}

function parseMinutes(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--duration must be a whole number of minutes from 15 to 720; got "${value}".`);
  const minutes = Number(value);
  sessionDurationSeconds(minutes, "sso");
  return minutes;
}

export async function runConsole(opts: ConsoleOptions, deps: Deps): Promise<void> {
  if (opts.portal) return openPortalShortcut(opts, deps);

  const resolved = await resolveCredentials({ profile: opts.profile, configFile: opts.configFile, allowSignIn: true }, deps);
  const duration = sessionDurationSeconds(opts.duration, resolved.kind);
  const region = opts.region ?? resolved.region ?? resolved.sso?.target.region ?? "us-east-1";
  const destination = opts.destination ?? consoleDestination(region, opts.service);
  const endpoint = federationEndpoint(region, signinOverride(deps.env));
  const signinToken = await deps.signin.getSigninToken(endpoint, { credentials: resolved.credentials, sessionDurationSeconds: duration });
  // Where "sign in again" leads once the session ends: the access portal, where the user can.
  const issuer = resolved.sso?.target.startUrl ?? "";
  await deliver(loginUrl(endpoint, { issuer, destination, signinToken }), { print: opts.print, secret: true, profile: resolved.profileName }, deps);
}

/** The shortcut link needs no credentials, only the profile's start URL, account and role. */
async function openPortalShortcut(opts: ConsoleOptions, deps: Deps): Promise<void> {
  const config = await AwsConfig.load(deps.fs, awsPaths(deps, opts.configFile).configFile);
  const profileName = profileFromEnv(opts.profile, deps.env) ?? "default";
  if (config.profile(profileName)?.role_arn) {
    throw new UsageError(
      `--portal needs an IAM Identity Center profile, and "${profileName}" assumes a role (role_arn) on top of another profile: the portal has no shortcut for that role. Leave out --portal to sign in with the chained credentials.`,
    );
  }
  const sso = resolveSsoProfile(config, profileName);
  const region = opts.region ?? config.profile(profileName)?.region ?? sso.target.region;
  const destination = opts.destination ?? consoleDestination(region, opts.service);
  const url = shortcutUrl(sso.target.startUrl, { accountId: sso.accountId, roleName: sso.roleName, destination });
  await deliver(url, { print: opts.print, secret: false, profile: profileName }, deps);
}

/** AWS_ENDPOINT_URL_SIGNIN, unless configured endpoints are switched off as for the SDK clients. */
function signinOverride(env: Deps["env"]): string | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return undefined;
  const value = env.AWS_ENDPOINT_URL_SIGNIN?.trim();
  return value ? value : undefined;
}

/** Where a sign-in would open a local browser, so does the console; elsewhere the URL is printed. */
async function browserCanOpen(deps: Deps): Promise<boolean> {
  const environment = describeEnvironment(deps.env, await readHostFacts(deps.fs));
  return chooseAuthFlow({ legacy: false, useDeviceCode: false, browserConfigured: Boolean(deps.env.BROWSER), environment }).flow === "pkce";
}

async function deliver(url: string, how: { print: boolean; secret: boolean; profile: string }, deps: Deps): Promise<void> {
  if (!how.print) {
    if (await browserCanOpen(deps)) {
      if (await deps.browser.open(url)) {
        deps.io.err.write(`Opened the AWS console for profile ${JSON.stringify(how.profile)} in your browser.\n`);
        return;
      }
      deps.io.err.write("No browser could be started; open this URL yourself:\n");
    } else {
      deps.io.err.write("No browser can be opened here; open this URL in your browser:\n");
    }
  }
  deps.io.out.write(`${url}\n`);
  if (how.secret) deps.io.err.write("Warning: this URL signs in whoever opens it, for 15 minutes. Do not share it.\n");
}
