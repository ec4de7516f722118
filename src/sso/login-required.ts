/**
 * "Sign in again" as an error: what commands that need a token but must not start a sign-in throw.
 * A module of its own so that the fast path of export-credentials can recognise it without loading
 * the token provider, and so that status can say it without ui/messages.ts (its texts are the
 * sign-in's and the wizard's, which the fast bundle would otherwise parse at every start).
 */
import { ConfigError } from "../errors.js";

/**
 * No usable token and no way to get one without a person: exit 253 with the command to run. "Sign in
 * again" only where there was a sign-in before (a token, expired or refused); a session nobody signed
 * in to yet needs its first.
 */
export class LoginRequiredError extends ConfigError {
  constructor(
    readonly reason: string,
    loginCommand: string,
    options: { neverSignedIn?: boolean } = {},
  ) {
    super(`${reason} To sign in${options.neverSignedIn ? "" : " again"}, run: ${loginCommand}`);
  }
}

/** Why there is no usable token for a sign-in (status, and the token provider's "missing"): none was ever cached, or the cached one cannot be refreshed. */
export function noUsableTokenReason(what: string, cached: boolean): string {
  return cached ? `The SSO token for ${what} has expired and cannot be refreshed without signing in.` : `There is no cached SSO token for ${what}.`;
}

/** How messages name a sign-in: `sso-session "corp"`, or `start URL https://…` for legacy profiles. */
export function describeSignIn(signIn: { sessionName?: string | null | undefined; startUrl?: string | null | undefined }): string {
  return signIn.sessionName ? `sso-session "${signIn.sessionName}"` : `start URL ${signIn.startUrl}`;
}

/** The command that signs in to what a profile or session refers to, for error messages. */
export function loginCommandFor(selector: { profileName?: string | undefined; sessionName?: string | undefined }): string {
  if (selector.profileName) return `sso-setup login --profile ${selector.profileName}`;
  if (selector.sessionName) return `sso-setup login --sso-session ${selector.sessionName}`;
  return "sso-setup login";
}
