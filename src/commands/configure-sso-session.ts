import { Command } from "commander";
import { applyConfigEdits, AwsConfig } from "../config/aws-config.js";
import { checkSessionName } from "../config/validate.js";
import type { Deps } from "../deps.js";
import { canPrompt } from "../ui/io.js";
import { messages } from "../ui/messages.js";
import { createAsk } from "./shared/ask.js";
import { DEFAULT_SCOPES, scopesQuestion, startUrlQuestion } from "./shared/session-questions.js";
import { askSsoRegion } from "./shared/sso-region.js";
import { awsPaths } from "../config/paths.js";

export interface ConfigureSsoSessionOptions {
  ssoSession: string | undefined;
  startUrl: string | undefined;
  ssoRegion: string | undefined;
  scopes: string | undefined;
  nonInteractive: boolean;
  configFile: string | undefined;
}

export function configureSsoSessionCommand(
  deps: Deps,
  run: (opts: ConfigureSsoSessionOptions, deps: Deps) => Promise<void> = runConfigureSsoSession,
): Command {
  return new Command("sso-session")
    .description("Create or update an [sso-session] section only (no sign-in)")
    .option("--sso-session <name>", "the session's name")
    .option("--start-url <url>", "the AWS access portal URL")
    .option("--sso-region <region>", "the region of the IAM Identity Center instance")
    .option("--scopes <list>", "comma-separated registration scopes [sso:account:access]")
    .option("--non-interactive", "never prompt: a missing value is an error that names its flag")
    .option("--config-file <path>", "the AWS config file (default: AWS_CONFIG_FILE, else ~/.aws/config)")
    .action(
      async (flags: {
        ssoSession?: string;
        startUrl?: string;
        ssoRegion?: string;
        scopes?: string;
        nonInteractive?: boolean;
        configFile?: string;
      }) => {
        await run(
          {
            ssoSession: flags.ssoSession,
            startUrl: flags.startUrl,
            ssoRegion: flags.ssoRegion,
            scopes: flags.scopes,
            nonInteractive: Boolean(flags.nonInteractive),
            configFile: flags.configFile,
          },
          deps,
        );
      },
    );
}

export async function runConfigureSsoSession(opts: ConfigureSsoSessionOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);
  const interactive = canPrompt(deps.io, opts.nonInteractive);
  const ask = createAsk(deps.prompter, interactive);

  const name = (await ask({
    name: "ssoSession",
    message: "SSO session name",
    flag: "--sso-session",
    given: opts.ssoSession,
    validate: checkSessionName,
    required: true,
  }))!;
  const current = config.ssoSession(name) ?? {};
  const startUrl = (await ask(startUrlQuestion(opts.startUrl, current.sso_start_url)))!;
  const { region } = await askSsoRegion(deps, ask, { startUrl, given: opts.ssoRegion, fallback: current.sso_region, interactive });
  const scopes = (await ask(scopesQuestion(opts.scopes, current.sso_registration_scopes))) ?? DEFAULT_SCOPES;

  const { warnings } = await applyConfigEdits(deps, paths.configFile, [
    {
      ref: { kind: "sso-session", name },
      values: [
        ["sso_start_url", startUrl],
        ["sso_region", region],
        ["sso_registration_scopes", scopes],
      ],
    },
  ]);
  for (const warning of warnings) deps.io.err.write(`${warning}\n`);
  deps.io.err.write(messages.sessionConfigured(name));
}
