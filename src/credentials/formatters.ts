/**
 * The output formats of `aws configure export-credentials`, byte for byte (exportcreds.py). Pure:
 * credentials in, text out. This text holds secrets, so it only ever goes to stdout.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  /** Epoch milliseconds. */
  expiration?: number | undefined;
}

export const CREDENTIAL_FORMATS = ["process", "env", "env-no-export", "powershell", "windows-cmd", "fish"] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

/**
 * Python's `datetime.isoformat()` of the tz-aware expiry the AWS CLI holds: `+00:00`, and no
 * fraction because the cached `...Z` value it was parsed from has none.
 */
export function formatExpiration(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.000Z$/, "+00:00");
}

const VARIABLES: ReadonlyArray<[keyof Credentials, string]> = [
  ["accessKeyId", "AWS_ACCESS_KEY_ID"],
  ["secretAccessKey", "AWS_SECRET_ACCESS_KEY"],
  ["sessionToken", "AWS_SESSION_TOKEN"],
  ["expiration", "AWS_CREDENTIAL_EXPIRATION"],
];

const LINE: Record<Exclude<CredentialFormat, "process">, (name: string, value: string) => string> = {
  // No quoting at all, exactly like the AWS CLI: none of these values contains shell syntax.
  env: (n, v) => `export ${n}=${v}`,
  "env-no-export": (n, v) => `${n}=${v}`,
  powershell: (n, v) => `$Env:${n}="${v}"`,
  "windows-cmd": (n, v) => `set ${n}=${v}`,
  fish: (n, v) => `set -gx ${n} "${v}"`,
};

export function formatCredentials(creds: Credentials, format: CredentialFormat): string {
  if (format === "process") {
    // json.dumps(indent=2): the key order is the credential_process contract's; AccountId is never sent.
    const document: Record<string, string | number> = {
      Version: 1,
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
    };
    if (creds.sessionToken) document.SessionToken = creds.sessionToken;
    if (creds.expiration !== undefined) document.Expiration = formatExpiration(creds.expiration);
    return `${JSON.stringify(document, null, 2)}\n`;
  }
  const line = LINE[format];
  let text = "";
  for (const [field, name] of VARIABLES) {
    const value = creds[field];
    if (value === undefined || value === "") continue;
    text += `${line(name, field === "expiration" ? formatExpiration(value as number) : String(value))}\n`;
  }
  return text;
}
