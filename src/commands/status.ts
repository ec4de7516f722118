import { Command } from "commander";
import { AwsConfig } from "../config/aws-config.js";
import { JsonFileCache } from "../config/json-cache.js";
import { listSignIns, signInFor, type SsoSignIn } from "../config/sso-profiles.js";
import { profileFromEnv, resolveTarget, sessionTarget } from "../config/sso-target.js";
import type { Deps } from "../deps.js";
import { ConfigError, UsageError } from "../errors.js";
import { describeSignIn } from "../sso/login-required.js";
import { canRefresh, classifyToken, LoginRequiredError, loginCommandFor, type TokenState } from "../sso/token-provider.js";
import { formatTimestamp, parseTimestamp, registrationCacheKey, tokenCacheKey } from "../sso/token.js";
import { messages } from "../ui/messages.js";
import { formatTable } from "../ui/table.js";
import { epilogue } from "../ui/help-text.js";
import { awsPaths } from "../config/paths.js";

export interface StatusOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  json: boolean;
  /** Every column and every profile's name, however wide. */
  wide: boolean;
  configFile: string | undefined;
}

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

export interface SessionStatus {
  type: "sso-session" | "legacy";
  name: string | null;
  startUrl: string | null;
  region: string | null;
  profiles: string[];
  tokenFile: string;
  token: {
    state: "valid" | "expiring" | "expired" | "none";
    expiresAt: string | null;
    expiresInSeconds: number | null;
    refreshable: boolean;
  };
  registrationExpiresAt: string | null;
  /** A command can get a token from this without a person: valid, or refreshable. */
  usable: boolean;
}

const STATE_NAMES: Record<TokenState["kind"], SessionStatus["token"]["state"]> = {
  fresh: "valid",
  expiring: "expiring",
  expired: "expired",
  missing: "none",
};

/** Timestamps are shown the AWS CLI's way (`...Z`) whichever form the writer used. */
function normalized(text: unknown): string | null {
  const ms = parseTimestamp(text);
  return Number.isFinite(ms) ? formatTimestamp(ms) : null;
}

async function sessionStatus(signIn: SsoSignIn, ssoCache: JsonFileCache, now: number): Promise<SessionStatus> {
  const key = tokenCacheKey({ sessionName: signIn.sessionName, startUrl: signIn.startUrl ?? "" });
  const state = classifyToken(await ssoCache.read(key), now);
  const token = state.kind === "missing" ? undefined : state.token;
  const refreshable = token ? canRefresh(token, now) : false;
  let registrationExpiresAt = normalized(token?.registrationExpiresAt);
  if (!registrationExpiresAt && signIn.startUrl && signIn.region) {
    const registration = await ssoCache.read(
      registrationCacheKey({ startUrl: signIn.startUrl, region: signIn.region, scopes: signIn.scopes, sessionName: signIn.sessionName }),
    );
    registrationExpiresAt = normalized(registration?.expiresAt);
  }
  const expiry = parseTimestamp(token?.expiresAt);
  return {
    type: signIn.sessionName ? "sso-session" : "legacy",
    name: signIn.sessionName ?? null,
    startUrl: signIn.startUrl ?? null,
    region: signIn.region ?? null,
    profiles: signIn.profiles.map((p) => p.name),
    tokenFile: ssoCache.fileFor(key),
    token: {
      state: STATE_NAMES[state.kind],
      expiresAt: normalized(token?.expiresAt),
      expiresInSeconds: Number.isFinite(expiry) ? Math.floor((expiry - now) / 1000) : null,
      refreshable,
    },
    registrationExpiresAt,
    usable: state.kind === "fresh" || state.kind === "expiring" || (state.kind === "expired" && state.refreshable),
  };
}

function relative(seconds: number): string {
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const span = h > 0 ? `${h}h ${m}m` : abs >= 60 ? `${m}m` : `${abs}s`;
  return seconds >= 0 ? `in ${span}` : `${span} ago`;
}

/**
 * The default table fits 80 columns: times are relative, profiles are counted (a populated session
 * has hundreds), and a legacy sign-in is named by its start URL's host. `--wide` shows everything.
 */
function table(sessions: SessionStatus[]): string {
  return formatTable(
    ["SESSION", "TOKEN", "EXPIRES", "REFRESHABLE", "PROFILES"],
    sessions.map((s) => [
      s.name ?? legacyName(s.startUrl),
      s.token.state,
      s.token.expiresInSeconds !== null && s.token.expiresAt ? relative(s.token.expiresInSeconds) : "-",
      s.token.state === "none" ? "-" : s.token.refreshable ? "yes" : "no",
      String(s.profiles.length),
    ]),
  );
}

function legacyName(startUrl: string | null): string {
  try {
    return `${new URL(startUrl ?? "").host} (legacy)`;
  } catch {
    return "(legacy)";
  }
}

function wideTable(sessions: SessionStatus[]): string {
  return formatTable(
    ["SESSION", "TOKEN", "EXPIRES (UTC)", "REFRESHABLE", "REGISTRATION EXPIRES", "PROFILES", "START URL"],
    sessions.map((s) => [
      s.name ?? "(legacy)",
      s.token.state,
      s.token.expiresAt ? `${s.token.expiresAt} (${relative(s.token.expiresInSeconds!)})` : "-",
      s.token.state === "none" ? "-" : s.token.refreshable ? "yes" : "no",
      s.registrationExpiresAt ?? "-",
      s.profiles.join(",") || "-",
      s.startUrl ?? "(missing sso_start_url)",
    ]),
  );
}

export async function runStatus(opts: StatusOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  const config = await AwsConfig.load(deps.fs, paths.configFile);

  const allSignIns = listSignIns(config);
  // The session whose token decides the exit status, and the command that would sign in to it.
  let judged: { signIn: SsoSignIn; loginCommand: string } | undefined;
  if (opts.ssoSession) {
    judged = {
      signIn: signInFor(allSignIns, sessionTarget(config, opts.ssoSession)),
      loginCommand: loginCommandFor({ sessionName: opts.ssoSession }),
    };
  } else {
    const profileName = profileFromEnv(opts.profile, deps.env) ?? "default";
    try {
      const { target } = resolveTarget(config, { profile: profileName }, deps.env);
      judged = { signIn: signInFor(allSignIns, target), loginCommand: loginCommandFor({ profileName }) };
    } catch (error) {
      // Without --profile, a default profile that is missing or not an SSO profile just means that
      // nothing in particular was asked about.
      if (opts.profile || !(error instanceof ConfigError)) throw error;
    }
  }

  const signIns = opts.profile || opts.ssoSession ? [judged!.signIn] : allSignIns;
  const ssoCache = new JsonFileCache(deps.fs, paths.ssoCacheDir);
  const now = deps.clock.now();
  const sessions = await Promise.all(signIns.map((s) => sessionStatus(s, ssoCache, now)));

  if (opts.json) deps.io.out.write(`${JSON.stringify({ sessions }, null, 2)}\n`);
  else if (sessions.length === 0) deps.io.err.write(messages.noSignInsConfigured(paths.configFile));
  else deps.io.out.write(opts.wide ? wideTable(sessions) : table(sessions));

  if (!judged) return;
  const verdict = sessions.find((s) => s.name === (judged.signIn.sessionName ?? null) && s.startUrl === (judged.signIn.startUrl ?? null));
  if (verdict && !verdict.usable) {
    const what = describeSignIn({ sessionName: verdict.name, startUrl: verdict.startUrl });
    const cached = verdict.token.state !== "none";
    throw new LoginRequiredError(messages.noUsableToken(what, cached), judged.loginCommand, { neverSignedIn: !cached });
  }
}
