/**
 * What the commands that need a token share: how an authorization is chosen, shown and run, and how
 * a token is obtained without one (refresh) for commands that must not sign in on their own.
 */
import { JsonFileCache } from "../../config/json-cache.js";
import type { AwsPaths } from "../../config/paths.js";
import type { Deps } from "../../deps.js";
import { describeEnvironment, readHostFacts } from "../../platform/environment.js";
import type { DeviceFlowReason } from "../../sso/flow-choice.js";
import type { PendingAuthorization, SsoTarget, TokenResult } from "../../sso/login-flow.js";
import { describeSignIn } from "../../sso/login-required.js";
import type { CachedToken } from "../../sso/token.js";
import { ConfigError } from "../../errors.js";
import { messages } from "../../ui/messages.js";
import { sanitizeForTerminal } from "../../ui/sanitize.js";

// The sign-in and refresh machinery is loaded when a token is actually needed: every command
// imports this module, and export-credentials' warm path (cached role credentials) never gets here.

export interface AuthorizeOptions {
  force: boolean;
  /** See LoginOptions.reuseSameSignIn. */
  reuseSameSignIn?: boolean;
  noBrowser: boolean;
  useDeviceCode: boolean;
}

/**
 * A test knob, documented in the README: end-to-end tests cannot wait the real ten minutes for an
 * authorization-code redirect that is never coming.
 */
export const AUTH_TIMEOUT_ENV = "SSO_SETUP_AUTH_TIMEOUT_SECONDS";

function authTimeoutMs(env: Deps["env"]): number | undefined {
  const seconds = Number(env[AUTH_TIMEOUT_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Prints the URL and code first, then tries the browser, so a browser failure costs nothing. When the
 * device flow was chosen because no browser here can be used (CI, SSH, a container), none is tried,
 * and the wait mentions a browser only when one was opened.
 */
export function announceAuthorization(deps: Pick<Deps, "io" | "browser">, noBrowser: boolean, reason?: DeviceFlowReason) {
  return async (pending: PendingAuthorization) => {
    if (reason) deps.io.err.write(messages.deviceFlowBecause(reason));
    // The URLs and the code come from the service's answer: shown without control characters.
    const [uri, code, complete] = [pending.verificationUri, pending.userCode, pending.verificationUriComplete].map(sanitizeForTerminal) as [
      string,
      string,
      string,
    ];
    let opened = false;
    if (noBrowser || reason || pending.notOpenable) {
      if (pending.notOpenable && !noBrowser && !reason) deps.io.err.write(messages.urlNotOpened(pending.notOpenable));
      deps.io.err.write(messages.deviceCodeNoBrowser(uri, code, complete));
    } else {
      deps.io.err.write(messages.deviceCodeOpening(uri, code));
      opened = await deps.browser.open(pending.verificationUriComplete);
    }
    deps.io.err.write(`\n${messages.waitingForApproval(opened)}`);
  };
}

function announceBrowserAuthorization(deps: Pick<Deps, "io" | "browser">, noBrowser: boolean) {
  return async (rawUrl: string, notOpenable?: string) => {
    const authorizeUrl = sanitizeForTerminal(rawUrl);
    let opened = false;
    if (noBrowser || notOpenable) {
      if (notOpenable && !noBrowser) deps.io.err.write(messages.urlNotOpened(notOpenable));
      deps.io.err.write(messages.browserNoBrowser(authorizeUrl));
    } else {
      deps.io.err.write(messages.browserOpening(authorizeUrl));
      opened = await deps.browser.open(rawUrl);
    }
    deps.io.err.write(messages.waitingForApproval(opened));
  };
}

function tokenDeps(deps: Deps, paths: AwsPaths) {
  return {
    clock: deps.clock,
    ssoCache: new JsonFileCache(deps.fs, paths.ssoCacheDir),
    ssoApis: deps.ssoApis,
    locker: deps.locker,
    loopback: deps.loopback,
    signal: deps.signal,
  };
}

/**
 * The target with the portal URL a vanity start URL redirects to, which the service must be given
 * (resolved once per sign-in, as the AWS CLI does); errors are configuration errors (253) there too.
 */
async function withServiceStartUrl(deps: Deps, target: SsoTarget): Promise<SsoTarget> {
  const { isVanityStartUrl, resolveVanityStartUrl, StartUrlError } = await import("../../sso/start-url.js");
  if (target.serviceStartUrl || !isVanityStartUrl(target.startUrl)) return target;
  try {
    const resolved = await resolveVanityStartUrl(target.startUrl, deps.web);
    deps.debug.log("net", `start URL ${target.startUrl} resolves to ${resolved.resolvedUrl}`);
    return { ...target, serviceStartUrl: resolved.resolvedUrl };
  } catch (error) {
    if (error instanceof StartUrlError) throw new ConfigError(error.message, { cause: error });
    throw error;
  }
}

/** Signs in (or reuses the cached token unless forced), with the flow that can work here. */
export async function authorize(deps: Deps, paths: AwsPaths, target: SsoTarget, options: AuthorizeOptions): Promise<TokenResult> {
  const [{ chooseAuthFlow }, { ensureToken }] = await Promise.all([import("../../sso/flow-choice.js"), import("../../sso/login-flow.js")]);
  const choice = chooseAuthFlow({
    legacy: !target.sessionName,
    useDeviceCode: options.useDeviceCode || Boolean(target.useDeviceCode),
    browserConfigured: Boolean(deps.env.BROWSER),
    environment: describeEnvironment(deps.env, await readHostFacts(deps.fs)),
  });
  return ensureToken(
    target,
    {
      force: options.force,
      reuseSameSignIn: options.reuseSameSignIn,
      beforeSignIn: (t) => withServiceStartUrl(deps, t),
      flow: choice.flow,
      onPending: announceAuthorization(deps, options.noBrowser, choice.reason),
      onBrowserPending: announceBrowserAuthorization(deps, options.noBrowser),
      onWaitForOther: () => deps.io.err.write(messages.waitingForOtherSignIn(describeSignIn(target))),
      authTimeoutMs: authTimeoutMs(deps.env),
    },
    tokenDeps(deps, paths),
  );
}

/**
 * The cached token, refreshed if it needs to be, or if it is `refused` (the access token the service
 * just answered UnauthorizedException to); never a sign-in (LoginRequiredError instead).
 */
export async function usableToken(deps: Deps, paths: AwsPaths, target: SsoTarget, loginCommand: string, refused?: string): Promise<CachedToken> {
  const { getUsableToken } = await import("../../sso/token-provider.js");
  return getUsableToken(
    target,
    loginCommand,
    {
      ...tokenDeps(deps, paths),
      onWaitForOther: () => deps.io.err.write(messages.waitingForOtherSignIn(describeSignIn(target))),
    },
    refused,
  );
}
