/**
 * Validators shared by prompts (which show the message and stay open) and flags (which fail with
 * it). Each returns true or the message.
 */

type Check = (value: string) => true | string;

const HOST_LABEL = /^(?!-)[a-z\d-]{1,63}(?<!-)$/i;

/** botocore's `is_valid_endpoint_url`, plus https: a start URL without it cannot work. */
export const checkStartUrl: Check = (value) => {
  if (!value) return "A value is required";
  if (/[\t\r\n]/.test(value)) return "Not a valid Start URL";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Not a valid Start URL (expected something like https://d-1234567890.awsapps.com/start)";
  }
  if (url.protocol !== "https:") return "Not a valid Start URL: it must start with https://";
  const host = url.hostname;
  if (!host || host.length > 255 || !host.split(".").every((label) => HOST_LABEL.test(label))) {
    return "Not a valid Start URL";
  }
  return true;
};

/** Every AWS region name has this shape: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1. */
export const checkRegion: Check = (value) => {
  if (!value) return "A value is required";
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value) ? true : `"${value}" does not look like an AWS region (for example us-east-1)`;
};

export const checkScopes: Check = (value) => {
  const pieces = value.split(",").map((s) => s.trim());
  return pieces.every((p) => !/\s/.test(p)) ? true : "Scope values must be separated by commas";
};

export const OUTPUT_FORMATS = ["json", "text", "table", "yaml", "yaml-stream", "off"] as const;

export const checkOutput: Check = (value) =>
  (OUTPUT_FORMATS as readonly string[]).includes(value) ? true : `The output format must be one of: ${OUTPUT_FORMATS.join(", ")}`;

/**
 * The characters the JS SDK accepts in a section name (`[\w\-@+.%:/]`). Botocore accepts more, but a
 * profile the JS SDK silently ignores is of no use to "every SDK", and newlines or brackets would
 * corrupt the file.
 */
const NAME = /^[A-Za-z0-9_\-@+.%:/]+$/;

function checkName(kind: string): Check {
  return (value) => {
    if (!value) return "A value is required";
    if (NAME.test(value)) return true;
    return `${kind} names may contain only letters, digits and _ - . @ + % : / (no spaces, brackets or control characters), so that every AWS SDK can read them`;
  };
}

export const checkProfileName = checkName("Profile");
export const checkSessionName = checkName("SSO session");

export const checkAccountId: Check = (value) => (/^\d{12}$/.test(value) ? true : "An AWS account ID is 12 digits");

export const checkRoleName: Check = (value) =>
  /^[\w+=,.@-]{1,64}$/.test(value) ? true : "Not a valid role name (letters, digits and + = , . @ _ -)";
