// proxy-from-env ships no type declarations; this is the one function sso-setup uses.
declare module "proxy-from-env" {
  /** The proxy URL for `url` from *_PROXY and NO_PROXY, or "" when it should be reached directly. */
  export function getProxyForUrl(url: string | URL): string;
}
