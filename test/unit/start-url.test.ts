import { describe, expect, it } from "vitest";
import { isAwsOwnedHost, isVanityStartUrl, portalPageRegion, regionFromPortalHost, resolveVanityStartUrl } from "../../src/sso/start-url.js";
import type { WebAnswer, WebClient } from "../../src/sso/web.js";

const answering = (...answers: Array<Partial<WebAnswer>>): WebClient & { calls: string[] } => {
  const calls: string[] = [];
  return {
    calls,
    async request(url, options) {
      calls.push(`${options.method} ${url}`);
      const next = answers.shift() ?? { status: 500 };
      return { status: next.status ?? 200, location: next.location, body: next.body };
    },
  };
};

describe("start URL hosts", () => {
  it.each([
    ["d-1234567890.awsapps.com", true],
    ["start.home.awsapps.cn", true],
    ["identitycenter.amazonaws.com", true],
    ["identitycenter.us-gov.amazonaws.com", true],
    ["ssoins-1.portal.eu-west-1.app.aws", true],
    ["ssoins-1.us-east-2.portal.amazonaws.com", true],
    ["ssoins-1.EU-WEST-1.portal.amazonaws.eu.", true],
    ["awsapps.com.evil.example", false],
    ["evilawsapps.com", false],
    ["sso.mycompany.example", false],
  ])("%s is AWS-owned: %s", (host, owned) => {
    expect(isAwsOwnedHost(host)).toBe(owned);
  });

  it.each([
    ["ssoins-1.portal.eu-west-1.app.aws", "eu-west-1"],
    ["ssoins-1.us-east-2.portal.amazonaws.com", "us-east-2"],
    ["ssoins-1.cn-north-1.portal.amazonaws.com.cn", "cn-north-1"],
    ["ssoins-1.portal.cn-northwest-1.app.amazonwebservices.com.cn", "cn-northwest-1"],
    ["ssoins-1.eusc-de-east-1.portal.amazonaws.eu", "eusc-de-east-1"],
    ["ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu", "eusc-de-east-1"],
    ["ssoins-1.portal.not_a_region.app.aws", undefined],
    ["d-1234567890.awsapps.com", undefined],
  ])("the region of %s is %s", (host, region) => {
    expect(regionFromPortalHost(host)).toBe(region);
  });

  it("a vanity URL is any start URL whose host AWS does not own", () => {
    expect(isVanityStartUrl("https://aws.mycompany.example/start")).toBe(true);
    expect(isVanityStartUrl("https://d-1234567890.awsapps.com/start")).toBe(false);
  });
});

describe("resolveVanityStartUrl", () => {
  it("reads one redirect without following it, normalising the target", async () => {
    const web = answering({ status: 307, location: "//SSOINS-1.portal.eu-west-1.app.aws:8443/start/?x=1#y" });
    const resolved = await resolveVanityStartUrl("https://aws.mycompany.example/", web);
    expect(resolved).toEqual({ resolvedUrl: "https://ssoins-1.portal.eu-west-1.app.aws:8443/start", region: "eu-west-1", host: "ssoins-1.portal.eu-west-1.app.aws" });
    expect(web.calls).toEqual(["HEAD https://aws.mycompany.example/"]);
  });

  it("falls back to GET on 501 and fails on other codes with the AWS CLI's words", async () => {
    await expect(resolveVanityStartUrl("https://a.example/", answering({ status: 501 }, { status: 503 }))).rejects.toThrow(
      "Failed to resolve start URL: HTTP 503",
    );
  });
});

describe("portalPageRegion", () => {
  it("reads the meta tag, following a redirect only to an https AWS-owned host", async () => {
    const page = '<html><head><meta name="region" content="eu-central-1"/></head></html>';
    expect(await portalPageRegion("https://d-1.awsapps.com/start", answering({ status: 302, location: "/start/" }, { status: 200, body: page }))).toBe(
      "eu-central-1",
    );
    expect(await portalPageRegion("https://d-1.awsapps.com/start", answering({ status: 302, location: "https://evil.example/" }, { status: 200, body: page }))).toBeUndefined();
    expect(await portalPageRegion("https://d-1.awsapps.com/start", answering({ status: 200, body: '<meta name="region" content="<script>"/>' }))).toBeUndefined();
  });

  it("gives up after its time limit", async () => {
    const never: WebClient = { request: () => new Promise(() => {}) };
    expect(await portalPageRegion("https://d-1.awsapps.com/start", never, 20)).toBeUndefined();
  });
});
