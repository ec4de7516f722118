/**
 * What a sign-in is for, as the config describes it. A module of its own (types only) so that the
 * config side (config/sso-target.ts) can name it without importing the sign-in machinery, which in
 * turn reads the config for its network settings.
 */
/** What a login is for: an `[sso-session]`, or a legacy profile's start URL and region. */
export interface SsoTarget {
  sessionName?: string | undefined;
  startUrl: string;
  region: string;
  /** Parsed `sso_registration_scopes`; undefined when the session configures none. */
  scopes?: string[] | undefined;
  /**
   * For a vanity start URL: the AWS-owned portal URL it redirects to, which the OIDC service is given
   * (RegisterClient's issuerUrl, StartDeviceAuthorization's startUrl). The configured URL stays the
   * cache key and the token file's startUrl, as in the AWS CLI.
   */
  serviceStartUrl?: string | undefined;
  /** `sso_use_device_code = true` in the [sso-session]: the device flow is this session's default. */
  useDeviceCode?: boolean | undefined;
}
