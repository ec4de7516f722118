/** User-facing texts. Where the AWS CLI has a text for the same moment, we use its words. */
import { sanitizeForTerminal } from "./sanitize.js";

export const messages = {
  legacyWarning:
    'WARNING: Configuring using legacy format (e.g. without an SSO session).\nConsider re-running "configure" and providing a session name.\n',

  deviceCodeOpening: (verificationUri: string, userCode: string) =>
    "Attempting to open your default browser.\n" +
    "If the browser does not open or you wish to use a different device to authorize this request, open the following URL:\n\n" +
    `${verificationUri}\n\nThen enter the code:\n\n${userCode}\n`,

  deviceCodeNoBrowser: (verificationUri: string, userCode: string, verificationUriComplete: string) =>
    "Browser will not be automatically opened.\nPlease visit the following URL:\n\n" +
    `${verificationUri}\n\nThen enter the code:\n\n${userCode}\n\n` +
    `Alternatively, you may visit the following URL which will autofill the code upon loading:\n${verificationUriComplete}\n`,

  waitingForApproval: (browserOpened: boolean) =>
    `Waiting for the request to be approved${browserOpened ? " in the browser" : ""} (Ctrl-C to cancel)...\n`,

  onlyAccount: (id: string) => `The only AWS account available to you is: ${id}\n`,
  accountCount: (n: number) => `There are ${n} AWS accounts available to you.\n`,
  usingAccount: (id: string) => `Using the account ID ${id}\n`,
  onlyRole: (role: string) => `The only role available to you is: ${role}\n`,
  roleCount: (n: number) => `There are ${n} roles available to you.\n`,
  usingRole: (role: string) => `Using the role name "${role}"\n`,

  // After `configure --no-login` nobody has signed in: the AWS CLI's "verify with sts" would fail.
  conclusion: (profile: string, signedIn: boolean) =>
    !signedIn
      ? `The profile ${profile} was written without signing in. Sign in before using it:\n\nsso-setup login --profile ${profile}\n`
      : profile.toLowerCase() === "default"
      ? "The AWS CLI is now configured to use the default profile.\nRun the following command to verify your configuration:\n\naws sts get-caller-identity\n"
      : `To use this profile, specify the profile name using --profile, as shown:\n\naws sts get-caller-identity --profile ${profile}\n`,

  sessionConfigured: (name: string) =>
    `\nCompleted configuring SSO session: ${name}\nRun the following to login and refresh access token for this session:\n\nsso-setup login --sso-session ${name}\n`,

  reusingToken: (what: string, expiresAt: string) =>
    `Using the SSO token cached for ${what} by an earlier sign-in (valid until ${expiresAt}); no new sign-in needed.\n`,

  stillSignedIn: (what: string, expiresAt: string) => `Still signed in to ${what}: the SSO token is valid until ${expiresAt}; nothing to do.\n`,

  sessionEnded: (what: string, ended: boolean) =>
    ended
      ? `Ended the current session of ${what} at the service; signing in to a new one.\n`
      : `No live session of ${what} to end at the service; signing in to a new one.\n`,

  newSessionFailed: (what: string, reason: string) =>
    `Could not end the current session of ${what} at the service, so a sign-in now would continue it: ${reason} Nothing was changed; try again, or sign in without --new-session.`,

  derivedSsoRegion: (region: string, host: string, startUrl: string) => `Derived sso_region ${region} from ${host}, where ${startUrl} leads.\n`,

  loggedIn: (startUrl: string) => `Successfully logged into Start URL: ${startUrl}\n`,

  // The authorization-code (PKCE) flow: the AWS CLI's 2.34.22+ wording, URL followed by a blank line.
  browserOpening: (authorizeUrl: string) =>
    "Attempting to open your default browser. If the browser does not open, open the following URL.\n" +
    "If you are unable to open the URL on this device, run this command again with the '--use-device-code' option.\n\n" +
    `${authorizeUrl}\n\n`,

  browserNoBrowser: (authorizeUrl: string) =>
    "Browser will not be automatically opened.\nPlease visit the following URL in a browser on this machine:\n\n" +
    `${authorizeUrl}\n\n` +
    "If no browser here can open it, run this command again with the '--use-device-code' option.\n",

  deviceFlowBecause: (reason: "ci" | "ssh" | "container" | "codespaces") =>
    ({
      ci: "Using the device code flow: CI is set, so the request has to be approved from a browser on another device.\n",
      ssh: "Using the device code flow: this is an SSH session without a display, so a browser here could not reach the sign-in callback.\n",
      container: "Using the device code flow: this is a container without a display, so a browser here could not reach the sign-in callback.\n",
      codespaces: "Using the device code flow: in a codespace, a browser could not reach the sign-in callback.\n",
    })[reason],

  waitingForOtherSignIn: (what: string) =>
    `Another sso-setup process is signing in to (or refreshing) ${what}; waiting for it to finish (Ctrl-C to stop)...\n`,

  signingInNow: (reason: string) => `${reason} Signing in now.\n`,

  loggedOut: (what: string, r: { ended: boolean; failed: boolean; tokenRemoved: boolean; credentialsRemoved: number }) => {
    const service = r.ended ? "ended the session at the service" : r.failed ? "could not end the session at the service" : "no live session to end at the service";
    const files = [r.tokenRemoved ? "its cached token" : "", r.credentialsRemoved > 0 ? `${r.credentialsRemoved} cached role credential file${r.credentialsRemoved === 1 ? "" : "s"}` : ""]
      .filter(Boolean)
      .join(" and ");
    return `Signed out of ${what}: ${service}; ${files ? `removed ${files}` : "no cached files to remove"}.\n`;
  },

  loggedOutAll: (r: { ended: number; tokens: number; credentials: number }) =>
    `Signed out of every cached SSO session: ended ${r.ended} at the service; removed ${r.tokens} token file${r.tokens === 1 ? "" : "s"} and ${r.credentials} cached role credential file${r.credentials === 1 ? "" : "s"}.\n`,

  logoutServiceFailed: (what: string, reason: string) =>
    `Signed out of ${what} on this machine, but the service could not be told to end the session: ${reason} The session stays valid at the service until it expires.`,

  populateCollision: (c: { name: string; resolved: ReadonlyArray<{ name: string; accountId: string; roleName: string }> }) =>
    `The profile name "${c.name}" fits ${c.resolved.length} account/role pairs; they are named ` +
    `${c.resolved.map((p) => `${p.name} (${p.accountId} ${p.roleName})`).join(", ")}.\n`,

  populateClash: (
    clash: {
      profile: { name: string; accountId: string; roleName: string };
      owner: { kind: "hand-made" } | { kind: "other-session"; session: string } | { kind: "default" };
    },
    session: string,
  ) => {
    const owner =
      clash.owner.kind === "hand-made"
        ? "a profile sso-setup did not generate"
        : clash.owner.kind === "other-session"
          ? `a profile generated for sso-session "${clash.owner.session}"`
          : "the default profile";
    return (
      `Skipped "${clash.profile.name}" (${clash.profile.accountId} ${clash.profile.roleName}): that name belongs to ${owner}, ` +
      `which populate for "${session}" never changes. A different --profile-template gives this role a profile.\n`
    );
  },

  populateStale: (n: number) =>
    `${n} profile${n === 1 ? "" : "s"} generated earlier for this sso-session ${n === 1 ? "is" : "are"} no longer accessible or renamed; --prune removes ${n === 1 ? "it" : "them"}.\n`,

  populateSummary: (s: {
    session: string;
    configFile: string;
    dryRun: boolean;
    added: number;
    changed: number;
    unchanged: number;
    pruned: number;
    skipped: number;
    accounts: number;
    calls: number;
    throttled: number;
    /** Token refreshes during the listing: said only when there were some. */
    refreshes: number;
    seconds: number;
  }) => {
    const counts = `${s.added} added, ${s.changed} updated, ${s.pruned} pruned, ${s.unchanged} unchanged, ${s.skipped} skipped`;
    const refreshed = s.refreshes === 0 ? "" : `, the SSO token refreshed ${s.refreshes === 1 ? "once" : `${s.refreshes} times`}`;
    const listing = `${s.accounts} accounts listed in ${s.seconds.toFixed(1)} s (${s.calls} calls, ${s.throttled} throttled${refreshed})`;
    return s.dryRun
      ? `Dry run for sso-session "${s.session}": ${counts}; nothing was written to ${s.configFile}. ${listing}.\n`
      : `Profiles for sso-session "${s.session}" in ${s.configFile}: ${counts}. ${listing}.\n`;
  },

  listed: (accounts: number, roles: number) => `${accounts} account${accounts === 1 ? "" : "s"}, ${roles} role${roles === 1 ? "" : "s"}.\n`,

  urlNotOpened: (reason: string) =>
    `The sign-in URL in the service's answer was not opened in a browser: ${reason}. Open it yourself only if you trust it.\n`,

  skippedFromService: (what: string, value: string, reason: string) =>
    `Skipped ${what} "${sanitizeForTerminal(value)}" from the service: ${reason}. It cannot be written to a config file safely.\n`,
};
