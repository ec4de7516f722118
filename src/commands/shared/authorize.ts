/**
 * What the commands that need a token share: how an authorization is chosen, shown and run, and how
 * a token is obtained without one (refresh) for commands that must not sign in on their own.
 */
import { JsonFileCache } from "../../config/json-cache.js";
import { resolveAwsPaths, type AwsPaths } from "../../config/paths.js";
import type { Deps } from "../../deps.js";
import { describeEnvironment, readHostFacts } from "../../platform/environment.js";
import type { DeviceFlowReason } from "../../sso/flow-choice.js";
import type { PendingAuthorization, SsoTarget, TokenResult } from "../../sso/login-flow.js";
import { describeSignIn } from "../../sso/login-required.js";
import type { CachedToken } from "../../sso/token.js";
import { messages } from "../../ui/messages.js";

// The sign-in and refresh machinery is loaded when a token is actually needed: every command
// imports this module, and export-credentials' warm path (cached role credentials) never gets here.

export function awsPaths(deps: Pick<Deps, "env" | "homedir">, configFileFlag: string | undefined): AwsPaths {
  return resolveAwsPaths({ env: deps.env, homedir: deps.homedir, configFileFlag });
}

export interface AuthorizeOptions {
  force: boolean;
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
    let opened = false;
    if (noBrowser || reason) {
      deps.io.err.write(messages.deviceCodeNoBrowser(pending.verificationUri, pending.userCode, pending.verificationUriComplete));
    } else {
      deps.io.err.write(messages.deviceCodeOpening(pending.verificationUri, pending.userCode));
      opened = await deps.browser.open(pending.verificationUriComplete);
    }
    deps.io.err.write(`\n${messages.waitingForApproval(opened)}`);
  };
}

function announceBrowserAuthorization(deps: Pick<Deps, "io" | "browser">, noBrowser: boolean) {
  return async (authorizeUrl: string) => {
    let opened = false;
    if (noBrowser) {
      deps.io.err.write(messages.browserNoBrowser(authorizeUrl));
    } else {
      deps.io.err.write(messages.browserOpening(authorizeUrl));
      opened = await deps.browser.open(authorizeUrl);
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

/** Signs in (or reuses the cached token unless forced), with the flow that can work here. */
export async function authorize(deps: Deps, paths: AwsPaths, target: SsoTarget, options: AuthorizeOptions): Promise<TokenResult> {
  const [{ chooseAuthFlow }, { ensureToken }] = await Promise.all([import("../../sso/flow-choice.js"), import("../../sso/login-flow.js")]);
  const choice = chooseAuthFlow({
    legacy: !target.sessionName,
    useDeviceCode: options.useDeviceCode,
    browserConfigured: Boolean(deps.env.BROWSER),
    environment: describeEnvironment(deps.env, await readHostFacts(deps.fs)),
  });
  return ensureToken(
    target,
    {
      force: options.force,
      flow: choice.flow,
      onPending: announceAuthorization(deps, options.noBrowser, choice.reason),
      onBrowserPending: announceBrowserAuthorization(deps, options.noBrowser),
      onWaitForOther: () => deps.io.err.write(messages.waitingForOtherSignIn(describeSignIn(target))),
      authTimeoutMs: authTimeoutMs(deps.env),
    },
    tokenDeps(deps, paths),
  );
}

/** The cached token, refreshed if it needs to be; never a sign-in (LoginRequiredError instead). */
export async function usableToken(deps: Deps, paths: AwsPaths, target: SsoTarget, loginCommand: string): Promise<CachedToken> {
  const { getUsableToken } = await import("../../sso/token-provider.js");
  return getUsableToken(target, loginCommand, {
    ...tokenDeps(deps, paths),
    onWaitForOther: () => deps.io.err.write(messages.waitingForOtherSignIn(describeSignIn(target))),
  });
}
