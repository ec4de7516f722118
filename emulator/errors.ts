import { escapeXml, sendTypedError, sendXml, type Exchange } from "./http.js";

/** Status and OAuth `error` code of every SSO OIDC error shape, from the service model. */
export const OIDC_ERRORS = {
  AccessDeniedException: { status: 400, error: "access_denied" },
  AuthorizationPendingException: { status: 400, error: "authorization_pending" },
  ExpiredTokenException: { status: 400, error: "expired_token" },
  InternalServerException: { status: 500, error: "server_error" },
  InvalidClientException: { status: 401, error: "invalid_client" },
  InvalidClientMetadataException: { status: 400, error: "invalid_client_metadata" },
  InvalidGrantException: { status: 400, error: "invalid_grant" },
  InvalidRedirectUriException: { status: 400, error: "invalid_redirect_uri" },
  InvalidRequestException: { status: 400, error: "invalid_request" },
  InvalidScopeException: { status: 400, error: "invalid_scope" },
  SlowDownException: { status: 400, error: "slow_down" },
  UnauthorizedClientException: { status: 400, error: "unauthorized_client" },
  UnsupportedGrantTypeException: { status: 400, error: "unsupported_grant_type" },
} as const;

export type OidcErrorShape = keyof typeof OIDC_ERRORS;

export const PORTAL_ERRORS = {
  InvalidRequestException: 400,
  UnauthorizedException: 401,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
} as const;

export type PortalErrorShape = keyof typeof PORTAL_ERRORS;

export const OIDC_OPERATIONS: ReadonlySet<string> = new Set([
  "RegisterClient",
  "StartDeviceAuthorization",
  "CreateToken",
  "CreateTokenWithIAM",
]);

export const STS_OPERATIONS: ReadonlySet<string> = new Set(["GetCallerIdentity", "AssumeRole"]);

export function sendOidcError(ex: Exchange, shape: OidcErrorShape, description: string): void {
  const { status, error } = OIDC_ERRORS[shape];
  sendTypedError(ex, status, shape, { error, error_description: description });
}

export function sendPortalError(ex: Exchange, shape: PortalErrorShape, message: string): void {
  sendTypedError(ex, PORTAL_ERRORS[shape], shape, { message });
}

export function sendStsError(ex: Exchange, status: number, code: string, message: string): void {
  // awsQuery clients read the code from the XML body; the header only helps humans reading logs.
  ex.res.setHeader("x-amzn-ErrorType", code);
  const type = status >= 500 ? "Receiver" : "Sender";
  sendXml(
    ex,
    status,
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <Error>\n    <Type>${type}</Type>\n    <Code>${escapeXml(code)}</Code>\n` +
      `    <Message>${escapeXml(message)}</Message>\n  </Error>\n` +
      `  <RequestId>${ex.requestId}</RequestId>\n</ErrorResponse>\n`,
  );
}

/**
 * An arbitrary (injected or throttling) error, in the body shape the operation's protocol uses, so
 * the SDK under test parses it exactly as it would a real one.
 */
export function sendServiceError(ex: Exchange, status: number, errorType: string, message: string): void {
  if (STS_OPERATIONS.has(ex.operation)) {
    sendStsError(ex, status, errorType, message);
  } else if (OIDC_OPERATIONS.has(ex.operation)) {
    const known = (OIDC_ERRORS as Record<string, { error: string } | undefined>)[errorType];
    const error = known?.error ?? (status >= 500 ? "server_error" : "invalid_request");
    sendTypedError(ex, status, errorType, { error, error_description: message });
  } else {
    sendTypedError(ex, status, errorType, { message });
  }
}
