/** User-facing texts. Where the AWS CLI has a text for the same moment, we use its words. */

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

  waitingForApproval: "Waiting for the request to be approved in the browser (Ctrl-C to cancel)...\n",

  onlyAccount: (id: string) => `The only AWS account available to you is: ${id}\n`,
  accountCount: (n: number) => `There are ${n} AWS accounts available to you.\n`,
  usingAccount: (id: string) => `Using the account ID ${id}\n`,
  onlyRole: (role: string) => `The only role available to you is: ${role}\n`,
  roleCount: (n: number) => `There are ${n} roles available to you.\n`,
  usingRole: (role: string) => `Using the role name "${role}"\n`,

  conclusion: (profile: string) =>
    profile.toLowerCase() === "default"
      ? "The AWS CLI is now configured to use the default profile.\nRun the following command to verify your configuration:\n\naws sts get-caller-identity\n"
      : `To use this profile, specify the profile name using --profile, as shown:\n\naws sts get-caller-identity --profile ${profile}\n`,

  sessionConfigured: (name: string) =>
    `\nCompleted configuring SSO session: ${name}\nRun the following to login and refresh access token for this session:\n\nsso-setup login --sso-session ${name}\n`,

  loggedIn: (startUrl: string) => `Successfully logged into Start URL: ${startUrl}\n`,
};
