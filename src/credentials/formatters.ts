/**
 * The output formats of `aws configure export-credentials`, byte for byte (exportcreds.py). Pure:
 * credentials in, text out. This text holds secrets, so it only ever goes to stdout.
 */
import { ServiceError } from "../errors.js";
import { utcDateTime } from "../sso/token.js";

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
  return `${utcDateTime(epochMs)}+00:00`;
}

const VARIABLES: ReadonlyArray<[keyof Credentials, string]> = [
  ["accessKeyId", "AWS_ACCESS_KEY_ID"],
  ["secretAccessKey", "AWS_SECRET_ACCESS_KEY"],
  ["sessionToken", "AWS_SESSION_TOKEN"],
  ["expiration", "AWS_CREDENTIAL_EXPIRATION"],
];

/**
 * Characters that mean nothing special to any of the five shells. The AWS CLI prints values bare (or
 * in plain double quotes); so does sso-setup while a value holds only these, which every credential
 * AWS issues does. Anything else is quoted the way each shell reads literally: this is the second
 * line of defence behind the check of the values themselves (validate.ts).
 */
const PLAIN = /^[A-Za-z0-9/+=:._@,-]*$/;

/** A value no quoting can make literal for the shell: the service's fault, like an invalid value. */
export class UnquotableValueError extends ServiceError {
  constructor(problem: string) {
    super(`Unable to print the credentials: ${problem}.`, "InvalidCredentials");
  }
}

function refuseLineBreaks(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new UnquotableValueError("a credential value contains control characters");
  return value;
}

/** POSIX sh: single quotes, each ' written as '\''. */
const shQuote = (v: string) => (PLAIN.test(v) ? v : `'${refuseLineBreaks(v).replaceAll("'", "'\\''")}'`);
/** fish: double quotes still expand $var and (since 3.4) $(…); single quotes only know \\ and \'. */
const fishQuote = (v: string) => (PLAIN.test(v) ? `"${v}"` : `'${refuseLineBreaks(v).replace(/[\\']/g, "\\$&")}'`);
/** PowerShell: double quotes expand $(…) and `; single quotes double their own quote only. */
const powershellQuote = (v: string) => (PLAIN.test(v) ? `"${v}"` : `'${refuseLineBreaks(v).replace(/['\u2018\u2019\u201a\u201b]/g, "$&$&")}'`);
/**
 * cmd.exe: `set "N=v"` keeps & | < > ^ literal, but nothing keeps % or ! literal on every command
 * line (interactive or batch, delayed expansion on or off), nor a ", so those are refused.
 */
function cmdSet(name: string, v: string): string {
  if (PLAIN.test(v)) return `set ${name}=${v}`;
  if (/[%!"]/.test(refuseLineBreaks(v))) throw new UnquotableValueError(`${name} cannot be written safely for cmd.exe`);
  return `set "${name}=${v}"`;
}

const LINE: Record<Exclude<CredentialFormat, "process">, (name: string, value: string) => string> = {
  env: (n, v) => `export ${n}=${shQuote(v)}`,
  "env-no-export": (n, v) => `${n}=${shQuote(v)}`,
  powershell: (n, v) => `$Env:${n}=${powershellQuote(v)}`,
  "windows-cmd": cmdSet,
  fish: (n, v) => `set -gx ${n} ${fishQuote(v)}`,
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
