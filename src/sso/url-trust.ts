/**
 * Which URLs from the service sso-setup hands to a browser. The device flow's verification URL comes
 * from the service's answer (or whoever answers in its place: a mistyped AWS_ENDPOINT_URL, a proxy
 * trusted through a CA bundle), and a browser launcher is a program that reads options: a value such
 * as `--renderer-cmd-prefix=…` makes Chromium run a command, `file:` and `javascript:` URLs read or
 * run things locally. Only an https page on the OIDC endpoint's own host or on an AWS-owned domain is
 * opened; http only to a loopback host (the local emulator). Anything else is printed, not opened.
 */

/** Domains AWS serves IAM Identity Center pages from (the device page, the access portal, sign-in). */
const AWS_DOMAINS = ["amazonaws.com", "amazonaws.com.cn", "awsapps.com", "awsapps.cn", "aws", "amazon.com", "amazonaws-us-gov.com"];

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function isAwsHost(host: string): boolean {
  return AWS_DOMAINS.some((domain) => host.endsWith(`.${domain}`));
}

/** True when the URL may be opened, else the reason it is not. */
export function checkOpenableUrl(value: string, oidcEndpoint: string): true | string {
  if (value.startsWith("-")) return "it starts with \"-\", which a browser would read as an option";
  // The URL parser would quietly drop tabs and line breaks; a URL that needs them is not one AWS sends.
  if (/[\u0000-\u0020\u007f-\u009f]/.test(value)) return "it contains spaces or control characters";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "it is not a valid URL";
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol === "http:") {
    if (!LOOPBACK_HOSTS.has(host)) return "it is not an https URL";
  } else if (url.protocol !== "https:") {
    return `its scheme is ${url.protocol.replace(/:$/, "")}, not https`;
  }
  if (url.username || url.password) return "it carries a user name or password";
  let endpointHost: string | undefined;
  try {
    endpointHost = new URL(oidcEndpoint).hostname.toLowerCase();
  } catch {
    endpointHost = undefined;
  }
  // 127.0.0.1, localhost and [::1] are all this machine: an emulator behind a local TLS front may
  // name itself differently from the name the endpoint was given by.
  const sameMachine = LOOPBACK_HOSTS.has(host) && endpointHost !== undefined && LOOPBACK_HOSTS.has(endpointHost);
  if (host !== endpointHost && !sameMachine && !isAwsHost(host)) return `its host ${host} is neither the SSO OIDC endpoint's host nor an AWS domain`;
  return true;
}
