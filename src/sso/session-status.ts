/**
 * `status`' action, apart from its flags (commands/status.ts) because it is a hot path: shell prompts
 * run it at every prompt, and hot-paths.ts runs it without loading commander. It reads only local
 * files (the config, or its summary, and the token and registration caches) and writes only the
 * config's summary (config/config-summary.ts), so a run never hands over.
 */
import { AwsConfig } from "../config/aws-config.js";
import { JsonFileCache } from "../config/json-cache.js";
import { awsPaths } from "../config/paths.js";
import { summarize, type ConfigSummary } from "../config/config-summary.js";
import { signInFor, type SignInGroup } from "../config/sso-profiles.js";
import { profileFromEnv, resolveTarget, sessionTarget } from "../config/sso-target.js";
import type { Deps } from "../deps.js";
import { ConfigError } from "../errors.js";
import { formatTable } from "../ui/table.js";
import { describeSignIn, LoginRequiredError, loginCommandFor, noUsableTokenReason } from "./login-required.js";
import { canRefresh, classifyToken, type TokenState } from "./token-provider.js";
import { formatTimestamp, parseTimestamp, registrationCacheKey, tokenCacheKey } from "./token.js";

export interface StatusOptions {
  profile: string | undefined;
  ssoSession: string | undefined;
  json: boolean;
  /** Every column and every profile's name, however wide. */
  wide: boolean;
  configFile: string | undefined;
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

async function sessionStatus(signIn: SignInGroup, profileNames: readonly string[], ssoCache: JsonFileCache, now: number): Promise<SessionStatus> {
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
    profiles: signIn.profiles.map((i) => profileNames[i]!),
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

/**
 * What resolveTarget would answer, found in the summary without the config: the sign-in of an
 * sso-session it accepts as it is (one with a start URL and a region), by name or as a profile's;
 * "nothing" for a profile the file does not have when none was named (see runStatus). Undefined
 * where only the config can say (a legacy profile, an error to report, which it owns the words of).
 */
function judgedFromSummary(summary: ConfigSummary, ask: Asked): { signIn: SignInGroup } | "nothing" | undefined {
  if (ask.ssoSession !== undefined) {
    const signIn = summary.signIns.find((s) => s.sessionName === ask.ssoSession);
    return signIn?.startUrl && signIn.region ? { signIn } : undefined;
  }
  const index = summary.profileNames.indexOf(ask.profileName);
  if (index === -1) return ask.named ? undefined : "nothing";
  const signIn = summary.signIns.find((s) => s.sessionName && s.startUrl && s.region && s.profiles.includes(index));
  return signIn ? { signIn } : undefined;
}

/** The same question put to the config itself, with resolveTarget's rules and messages. */
function judgedFromConfig(config: AwsConfig, signIns: readonly SignInGroup[], ask: Asked, env: Deps["env"]): { signIn: SignInGroup } | "nothing" {
  if (ask.ssoSession !== undefined) return { signIn: signInFor(signIns, sessionTarget(config, ask.ssoSession)) };
  try {
    return { signIn: signInFor(signIns, resolveTarget(config, { profile: ask.profileName }, env).target) };
  } catch (error) {
    // Without --profile, a default profile that is missing or not an SSO profile just means that
    // nothing in particular was asked about.
    if (ask.named || !(error instanceof ConfigError)) throw error;
    return "nothing";
  }
}

type Asked = { ssoSession: string; profileName?: undefined; named: true } | { ssoSession?: undefined; profileName: string; named: boolean };

/** Here rather than in ui/messages.ts, like login-required.ts's texts: see there. */
function noSignInsConfigured(configFile: string): string {
  return `No IAM Identity Center sign-in is configured in ${configFile}. Set one up with: sso-setup configure\n`;
}

export async function runStatus(opts: StatusOptions, deps: Deps): Promise<void> {
  const paths = awsPaths(deps, opts.configFile);
  let { summary, config } = await deps.configSummaries.load(paths.configFile);

  // The session whose token decides the exit status, and the command that would sign in to it.
  const ask: Asked = opts.ssoSession
    ? { ssoSession: opts.ssoSession, named: true }
    : { profileName: profileFromEnv(opts.profile, deps.env) ?? "default", named: Boolean(opts.profile) };
  let answer = judgedFromSummary(summary, ask);
  if (answer === undefined) {
    if (!config) {
      // Summarised again from what is read now: the file may have changed since the kept summary.
      config = await AwsConfig.load(deps.fs, paths.configFile);
      summary = summarize(config);
    }
    answer = judgedFromSummary(summary, ask) ?? judgedFromConfig(config, summary.signIns, ask, deps.env);
  }
  const judged =
    answer === "nothing"
      ? undefined
      : { signIn: answer.signIn, loginCommand: loginCommandFor(ask.ssoSession !== undefined ? { sessionName: ask.ssoSession } : { profileName: ask.profileName }) };

  const signIns = opts.profile || opts.ssoSession ? [judged!.signIn] : summary.signIns;
  const ssoCache = new JsonFileCache(deps.fs, paths.ssoCacheDir);
  const now = deps.clock.now();
  const sessions = await Promise.all(signIns.map((s) => sessionStatus(s, summary.profileNames, ssoCache, now)));

  if (opts.json) deps.io.out.write(`${JSON.stringify({ sessions }, null, 2)}\n`);
  else if (sessions.length === 0) deps.io.err.write(noSignInsConfigured(paths.configFile));
  else deps.io.out.write(opts.wide ? wideTable(sessions) : table(sessions));

  if (!judged) return;
  const verdict = sessions.find((s) => s.name === (judged.signIn.sessionName ?? null) && s.startUrl === (judged.signIn.startUrl ?? null));
  if (verdict && !verdict.usable) {
    const what = describeSignIn({ sessionName: verdict.name, startUrl: verdict.startUrl });
    const cached = verdict.token.state !== "none";
    throw new LoginRequiredError(noUsableTokenReason(what, cached), judged.loginCommand, { neverSignedIn: !cached });
  }
}
