/**
 * The OAuth 2.0 device authorization grant (RFC 8628) as botocore's SSOTokenFetcher runs it: one
 * CreateToken attempt before anything is shown, then polling every `interval` seconds. Unlike
 * botocore we also stop at the device code's own expiry, so a lost ExpiredToken answer cannot leave
 * the command waiting forever.
 */
import { FlowError, ServiceError } from "../errors.js";
import type { Clock } from "../platform/clock.js";
import { ApiError, type DeviceAuthorization, type OidcApi, type TokenResponse } from "./clients.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** RFC 8628 §3.5: a slow_down answer adds five seconds to the polling interval, for good. */
export const SLOW_DOWN_SECONDS = 5;
/** RFC 8628 §3.2: the interval to use when the service gives none. */
export const DEFAULT_INTERVAL_SECONDS = 5;
/** Never poll faster than this, whatever the service says: an interval of 0 would be a busy loop. */
export const MIN_INTERVAL_SECONDS = 1;

export class AuthorizationExpiredError extends FlowError {
  constructor() {
    super(
      "The pending authorization to retrieve an SSO token has expired. The login flow to retrieve an SSO token must be restarted.",
    );
  }
}

export class AuthorizationDeniedError extends ServiceError {
  constructor(cause: unknown) {
    super(
      "The authorization request was denied in the browser (AccessDeniedException). Run the command again and choose Allow, or check with your administrator that you have access.",
      "AccessDeniedException",
      { cause },
    );
  }
}

export interface PollInput {
  oidc: Pick<OidcApi, "createToken">;
  clock: Clock;
  signal?: AbortSignal | undefined;
  client: { clientId: string; clientSecret: string };
  authorization: DeviceAuthorization;
  /** When StartDeviceAuthorization answered: the device code expires `expiresIn` seconds later. */
  issuedAt: number;
  /** Called once, after the first attempt found the request still pending: show the code, open the browser. */
  onPending: () => Promise<void> | void;
}

type Attempt = { token: TokenResponse } | { pending: true; slowDown: boolean };

async function attempt(input: PollInput): Promise<Attempt> {
  try {
    const token = await input.oidc.createToken({
      clientId: input.client.clientId,
      clientSecret: input.client.clientSecret,
      grantType: DEVICE_CODE_GRANT,
      deviceCode: input.authorization.deviceCode,
    });
    return { token };
  } catch (error) {
    if (error instanceof ApiError) {
      switch (error.code) {
        case "AuthorizationPendingException":
          return { pending: true, slowDown: false };
        case "SlowDownException":
          return { pending: true, slowDown: true };
        case "ExpiredTokenException":
          throw new AuthorizationExpiredError();
        case "AccessDeniedException":
          throw new AuthorizationDeniedError(error);
      }
    }
    throw error;
  }
}

export async function pollForToken(input: PollInput): Promise<TokenResponse> {
  const deadline = input.issuedAt + input.authorization.expiresIn * 1000;
  let intervalSeconds = Math.max(MIN_INTERVAL_SECONDS, input.authorization.interval ?? DEFAULT_INTERVAL_SECONDS);

  let result = await attempt(input);
  if ("token" in result) return result.token;
  if (result.slowDown) intervalSeconds += SLOW_DOWN_SECONDS;
  await input.onPending();

  for (;;) {
    input.signal?.throwIfAborted();
    result = await attempt(input);
    if ("token" in result) return result.token;
    if (result.slowDown) intervalSeconds += SLOW_DOWN_SECONDS;
    const remaining = deadline - input.clock.now();
    if (remaining <= 0) throw new AuthorizationExpiredError();
    await input.clock.sleep(Math.min(intervalSeconds * 1000, remaining), input.signal);
  }
}
