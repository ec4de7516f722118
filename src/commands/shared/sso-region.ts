/**
 * The SSO region question, with a default the start URL can supply: a vanity start URL's region is
 * derived from the portal it redirects to (as AWS CLI 2.35.13+ does) and used without a prompt when
 * nobody can be asked; an awsapps.com portal page's declared region is offered to a person, when it
 * arrives within two seconds.
 */
import type { Deps } from "../../deps.js";
import { UsageError } from "../../errors.js";
import { messages } from "../../ui/messages.js";
import type { Ask } from "./ask.js";
import { ssoRegionQuestion } from "./session-questions.js";

export interface SsoRegionAnswer {
  region: string;
  /** The portal URL a vanity start URL redirects to, when it was resolved here (saves the sign-in a second look). */
  serviceStartUrl?: string;
}

export async function askSsoRegion(
  deps: Deps,
  ask: Ask,
  input: { startUrl: string; given: string | undefined; fallback: string | undefined; interactive: boolean },
): Promise<SsoRegionAnswer> {
  if (input.given !== undefined) return { region: (await ask(ssoRegionQuestion(input.given, input.fallback)))! };
  const { isAwsappsStartUrl, isVanityStartUrl, portalPageRegion, resolveVanityStartUrl, StartUrlError } = await import(
    "../../sso/start-url.js"
  );

  if (isVanityStartUrl(input.startUrl)) {
    try {
      const resolved = await resolveVanityStartUrl(input.startUrl, deps.web);
      deps.io.err.write(messages.derivedSsoRegion(resolved.region, resolved.host, input.startUrl));
      const region = (await ask(ssoRegionQuestion(undefined, resolved.region)))!;
      return { region, serviceStartUrl: resolved.resolvedUrl };
    } catch (error) {
      if (!(error instanceof StartUrlError)) throw error;
      deps.debug.log("net", `no sso_region from ${input.startUrl}: ${error.message}`);
      if (!input.interactive && !input.fallback) {
        throw new UsageError(`Missing a value for "SSO region": pass --sso-region (it could not be derived from the start URL: ${error.message})`);
      }
    }
  } else if (input.interactive && !input.fallback && isAwsappsStartUrl(input.startUrl)) {
    const declared = await portalPageRegion(input.startUrl, deps.web);
    if (declared) {
      deps.debug.log("net", `the portal page of ${input.startUrl} declares the region ${declared}`);
      return { region: (await ask(ssoRegionQuestion(undefined, declared)))! };
    }
  }
  return { region: (await ask(ssoRegionQuestion(undefined, input.fallback)))! };
}
