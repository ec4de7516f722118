/** The questions that define an sso-session, shared by `configure` and `configure sso-session`. */
import { checkRegion, checkScopes, checkStartUrl } from "../../config/validate.js";
import type { AskSpec } from "./ask.js";

export const DEFAULT_SCOPES = "sso:account:access";

export const startUrlQuestion = (given: string | undefined, fallback: string | undefined): AskSpec => ({
  name: "startUrl",
  message: "SSO start URL",
  flag: "--start-url",
  given,
  default: fallback,
  defaultIsCurrent: fallback !== undefined,
  validate: checkStartUrl,
  required: true,
});

export const ssoRegionQuestion = (given: string | undefined, fallback: string | undefined): AskSpec => ({
  name: "ssoRegion",
  message: "SSO region",
  flag: "--sso-region",
  given,
  default: fallback,
  defaultIsCurrent: fallback !== undefined,
  validate: checkRegion,
  required: true,
});

export const scopesQuestion = (given: string | undefined, fallback: string | undefined): AskSpec => ({
  name: "scopes",
  message: "SSO registration scopes",
  flag: "--scopes",
  given,
  default: fallback ?? DEFAULT_SCOPES,
  defaultIsCurrent: fallback !== undefined,
  validate: checkScopes,
  required: false,
});
