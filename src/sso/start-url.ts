/**
 * What a start URL says about its IAM Identity Center instance's region.
 *
 * Vanity start URLs (a company's own domain that redirects to the regional portal) are resolved the
 * way AWS CLI 2.35.13+ does (`awscli/customizations/sso/resolve.py`): AWS-owned hosts are never
 * asked; any other host gets one HEAD (GET when HEAD is refused with 405/501), one redirect is read
 * from Location and not fetched, and the region comes from the target host, which must be an https,
 * AWS-owned portal host. Same allow-list, same single hop, same messages.
 *
 * For `*.awsapps.com` portals the AWS CLI derives nothing. The portal page declares its region in a
 * `<meta name="region">` tag (Granted reads it); sso-setup offers it as the wizard's default only,
 * and only when it arrives within two seconds.
 */
import { UsageError } from "../errors.js";
import type { WebClient } from "./web.js";

const AWS_OWNED_HOSTS = new Set([
  "identitycenter.amazonaws.com",
  "identitycenter.amazonaws.com.cn",
  "identitycenter.amazonaws.eu",
  "identitycenter.us-gov.amazonaws.com",
]);
const AWS_OWNED_SUFFIXES = [
  ".app.aws",
  ".portal.amazonaws.com",
  ".portal.amazonaws.com.cn",
  ".app.amazonwebservices.com.cn",
  ".portal.amazonaws.eu",
  ".api.amazonwebservices.eu",
  ".awsapps.com",
  ".awsapps.cn",
];

const REGION_FROM_HOST = [
  /^[^.]+\.portal\.([^.]+)\.app\.aws$/,
  /^[^.]+\.([^.]+)\.portal\.amazonaws\.com(?:\.cn)?$/,
  /^[^.]+\.portal\.([^.]+)\.app\.amazonwebservices\.com\.cn$/,
  /^[^.]+\.([^.]+)\.portal\.amazonaws\.eu$/,
  /^[^.]+\.portal\.([^.]+)\.api\.amazonwebservices\.eu$/,
];

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Region names: us-east-1, us-gov-west-1, cn-north-1, and the European Sovereign Cloud's eusc-de-east-1. */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const isRegion = (value: string) => REGION.test(value);

/** The AWS CLI's --cli-connect-timeout default, which it uses for the HEAD. */
export const RESOLVE_TIMEOUT_MS = 10_000;
/** The portal page is a convenience: the wizard waits this long for it, no longer. */
export const PORTAL_PAGE_TIMEOUT_MS = 2_000;
const PORTAL_PAGE_MAX_BYTES = 256 * 1024;

function hostOf(url: string): string {
  return new URL(url).hostname.toLowerCase().replace(/\.$/, "");
}

export function isAwsOwnedHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return AWS_OWNED_HOSTS.has(h) || AWS_OWNED_SUFFIXES.some((suffix) => h.endsWith(suffix));
}

export function isVanityStartUrl(startUrl: string): boolean {
  return !isAwsOwnedHost(hostOf(startUrl));
}

export function isAwsappsStartUrl(startUrl: string): boolean {
  const host = hostOf(startUrl);
  return host.endsWith(".awsapps.com") || host.endsWith(".awsapps.cn");
}

/** The region a portal host names, if it names one that looks like a region. */
export function regionFromPortalHost(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, "");
  for (const pattern of REGION_FROM_HOST) {
    const region = pattern.exec(h)?.[1];
    if (region !== undefined) return isRegion(region) ? region : undefined;
  }
  return undefined;
}

/** Lower-case host, non-default port kept, no trailing "/", no query or fragment (as resolve.py). */
function normalise(url: URL): string {
  const port = url.port ? `:${url.port}` : "";
  return `${url.protocol}//${url.hostname.toLowerCase().replace(/\.$/, "")}${port}${url.pathname.replace(/\/+$/, "")}`;
}

export class StartUrlError extends Error {}

export interface ResolvedStartUrl {
  /** The AWS-owned portal URL the vanity URL redirects to: what the OIDC service is given. */
  resolvedUrl: string;
  region: string;
  host: string;
}

/** Resolves a vanity start URL; throws StartUrlError with the AWS CLI's wording when it cannot. */
export async function resolveVanityStartUrl(startUrl: string, web: WebClient): Promise<ResolvedStartUrl> {
  let answer;
  try {
    answer = await web.request(startUrl, { method: "HEAD", timeoutMs: RESOLVE_TIMEOUT_MS });
    if (answer.status === 405 || answer.status === 501) answer = await web.request(startUrl, { method: "GET", timeoutMs: RESOLVE_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new StartUrlError(`Failed to resolve start URL: ${(error as Error).message}`, { cause: error });
  }
  let final: URL;
  if (answer.status >= 200 && answer.status < 300) {
    final = new URL(startUrl);
  } else if (REDIRECTS.has(answer.status)) {
    if (!answer.location) throw new StartUrlError("Redirect response missing Location header.");
    try {
      final = new URL(answer.location, startUrl);
    } catch {
      throw new StartUrlError(`Could not resolve start URL '${startUrl}' to an AWS-owned endpoint. Final URL: '${answer.location}'`);
    }
  } else {
    throw new StartUrlError(`Failed to resolve start URL: HTTP ${answer.status}`);
  }
  const resolvedUrl = normalise(final);
  // Never trust a Location blindly: only an https portal host that AWS owns, naming a real region.
  if (final.protocol !== "https:" || !isAwsOwnedHost(final.hostname)) {
    throw new StartUrlError(`Could not resolve start URL '${startUrl}' to an AWS-owned endpoint. Final URL: '${resolvedUrl}'`);
  }
  const host = final.hostname.toLowerCase().replace(/\.$/, "");
  const region = regionFromPortalHost(host);
  if (!region) throw new StartUrlError(`Cannot determine region from start URL '${startUrl}'. Please provide sso_region in your configuration.`);
  return { resolvedUrl, region, host };
}

const META_REGION = /<meta\s+name=["']region["']\s+content=["']([^"']{1,40})["']\s*\/?>/i;

/**
 * The region an awsapps.com portal page declares, or undefined (no tag, not a region, too slow,
 * unreachable). Follows at most two redirects, each to an https AWS-owned host.
 */
export async function portalPageRegion(startUrl: string, web: WebClient, timeoutMs = PORTAL_PAGE_TIMEOUT_MS): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    return await Promise.race([readDeclaredRegion(startUrl, web, timeoutMs).catch((error: unknown) => {
        // A bad test knob is the user's to fix; anything else only means no default is offered.
        if (error instanceof UsageError) throw error;
        return undefined;
      }), tooSlow]);
  } finally {
    clearTimeout(timer);
  }
}

async function readDeclaredRegion(startUrl: string, web: WebClient, timeoutMs: number): Promise<string | undefined> {
  let url = new URL(startUrl);
  for (let hop = 0; hop <= 2; hop++) {
    const answer = await web.request(url.toString(), { method: "GET", timeoutMs, maxBodyBytes: PORTAL_PAGE_MAX_BYTES });
    if (REDIRECTS.has(answer.status) && answer.location) {
      url = new URL(answer.location, url);
      if (url.protocol !== "https:" || !isAwsOwnedHost(url.hostname)) return undefined;
      continue;
    }
    if (answer.status !== 200 || answer.body === undefined) return undefined;
    const region = META_REGION.exec(answer.body)?.[1];
    return region !== undefined && isRegion(region) ? region : undefined;
  }
  return undefined;
}
