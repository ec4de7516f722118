/** What the login-capable commands (configure, login) share: how an authorization is shown and run. */
import { JsonFileCache } from "../../config/json-cache.js";
import { resolveAwsPaths, type AwsPaths } from "../../config/paths.js";
import type { Deps } from "../../deps.js";
import { ensureToken, type PendingAuthorization, type SsoTarget, type TokenResult } from "../../sso/login-flow.js";
import { messages } from "../../ui/messages.js";

export function awsPaths(deps: Pick<Deps, "env" | "homedir">, configFileFlag: string | undefined): AwsPaths {
  return resolveAwsPaths({ env: deps.env, homedir: deps.homedir, configFileFlag });
}

/** Prints the URL and code first, then tries the browser, so a browser failure costs nothing. */
export function announceAuthorization(deps: Pick<Deps, "io" | "browser">, noBrowser: boolean) {
  return async (pending: PendingAuthorization) => {
    if (noBrowser) {
      deps.io.err.write(messages.deviceCodeNoBrowser(pending.verificationUri, pending.userCode, pending.verificationUriComplete));
    } else {
      deps.io.err.write(messages.deviceCodeOpening(pending.verificationUri, pending.userCode));
      await deps.browser.open(pending.verificationUriComplete);
    }
    deps.io.err.write(`\n${messages.waitingForApproval}`);
  };
}

export async function authorize(
  deps: Deps,
  paths: AwsPaths,
  target: SsoTarget,
  options: { force: boolean; noBrowser: boolean },
): Promise<TokenResult> {
  return ensureToken(
    target,
    { force: options.force, onPending: announceAuthorization(deps, options.noBrowser) },
    { clock: deps.clock, ssoCache: new JsonFileCache(deps.fs, paths.ssoCacheDir), ssoApis: deps.ssoApis, signal: deps.signal },
  );
}
