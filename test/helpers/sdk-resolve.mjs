// Resolves SSO credentials for a profile with the real AWS SDK for JavaScript v3, then proves them
// with STS GetCallerIdentity. An independent consumer of the files sso-setup writes.
//
// Usage: node sdk-resolve.mjs <configFile> <home> <emulatorUrl> <profile> <ini|sso> [credentialsFile]
// Prints exactly one JSON line on stdout: {"ok":true,credentials,identity} or {"ok":false,error}; exit 0 / 1.
//
// Run it as a child process, once per check: the SDK caches the config file per path, configured
// endpoints per client and refresh attempts per session in module state, and reads env vars lazily.
// Only a fresh process with a clean environment gives a trustworthy answer.
const [configFile, home, emulatorUrl, profile, which, credentialsFile] = process.argv.slice(2);

function fail(name, message) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: { name, message } })}\n`);
  process.exitCode = 1;
}

if (!configFile || !home || !emulatorUrl || !profile || (which !== "ini" && which !== "sso")) {
  fail("UsageError", "usage: node sdk-resolve.mjs <configFile> <home> <emulatorUrl> <profile> <ini|sso>");
} else {
  // Whatever the parent passed, only these decide what the SDK reads.
  for (const key of Object.keys(process.env)) if (key.startsWith("AWS_")) delete process.env[key];
  // AWS_CONFIG_FILE, not the configFilepath option: fromIni does not hand that option on to fromSSO.
  process.env.AWS_CONFIG_FILE = configFile;
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile ?? `${configFile}.no-credentials`;
  // The token cache has no override: it is always $HOME/.aws/sso/cache/<sha1>.json.
  process.env.HOME = home;
  process.env.USERPROFILE = home;
  process.env.AWS_ENDPOINT_URL_SSO = emulatorUrl; // GetRoleCredentials
  process.env.AWS_ENDPOINT_URL_SSO_OIDC = emulatorUrl; // CreateToken(refresh_token) with < 5 min left
  process.env.AWS_ENDPOINT_URL_STS = emulatorUrl; // GetCallerIdentity
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

  const { fromIni, fromSSO } = await import("@aws-sdk/credential-providers");
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  let sts;
  try {
    // One attempt everywhere: a wrong file should fail the test at once, not after retries.
    const clientConfig = { maxAttempts: 1 };
    const provider = which === "sso" ? fromSSO({ profile, clientConfig }) : fromIni({ profile, clientConfig });
    const credentials = await provider();
    sts = new STSClient({ region: "us-east-1", credentials, maxAttempts: 1 });
    const { Account, Arn, UserId } = await sts.send(new GetCallerIdentityCommand({}));
    const { accessKeyId, expiration, accountId, credentialScope } = credentials;
    process.stdout.write(
      `${JSON.stringify({
        ok: true,
        credentials: {
          accessKeyId,
          hasSecret: Boolean(credentials.secretAccessKey),
          hasSessionToken: Boolean(credentials.sessionToken),
          expiration: expiration?.toISOString(),
          accountId,
          credentialScope,
          source: credentials.$source ?? {},
        },
        identity: { Account, Arn, UserId },
      })}\n`,
    );
  } catch (error) {
    fail(error?.name ?? "Error", error?.message ?? String(error));
  } finally {
    sts?.destroy();
  }
}
