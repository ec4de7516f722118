/**
 * Pure pieces of the OAuth 2.0 authorization-code flow with PKCE (RFC 7636) as botocore's
 * SSOTokenFetcherAuth builds them: the verifier, the challenge and the /authorize URL, byte for byte.
 */
import { createHash } from "node:crypto";

/** RFC 7636 §4.1 unreserved characters, the alphabet botocore draws its verifier from. */
const VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
const VERIFIER_LENGTH = 64;

/** The redirect URI registered with the client: no port, as RFC 8252 §7.3 lets loopback clients pick one per request. */
export const REGISTERED_REDIRECT_URI = "http://127.0.0.1/oauth/callback";
export const CALLBACK_PATH = "/oauth/callback";
export const AUTH_CODE_GRANT_TYPES = ["authorization_code", "refresh_token"];
export const DEFAULT_SCOPE = "sso:account:access";

/** 64 characters from the unreserved alphabet; `randomBytes` is injected so tests are deterministic. */
export function createCodeVerifier(randomBytes: (size: number) => Uint8Array): string {
  // Bytes at or above the largest multiple of the alphabet size are skipped, so every character is
  // equally likely (no modulo bias).
  const limit = 256 - (256 % VERIFIER_ALPHABET.length);
  let verifier = "";
  while (verifier.length < VERIFIER_LENGTH) {
    for (const byte of randomBytes(VERIFIER_LENGTH)) {
      if (byte < limit && verifier.length < VERIFIER_LENGTH) verifier += VERIFIER_ALPHABET[byte % VERIFIER_ALPHABET.length];
    }
  }
  return verifier;
}

/** S256: base64url(sha256(verifier)) without the trailing "=", as botocore sends it (43 characters). */
export function codeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url").replace(/=+$/, "");
}

/** Python's `urllib.parse.quote(text, safe='-._~')`, which botocore's percent_encode uses. */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function redirectUriFor(port: number): string {
  return `http://127.0.0.1:${port}${CALLBACK_PATH}`;
}

/**
 * `<scheme://host of the OIDC endpoint>/authorize?` with the parameters in botocore's order and
 * encoding; `scopes` (plural, space-separated) is what the service reads. The challenge is appended
 * unencoded, last, as botocore does.
 */
export function authorizeUrl(input: {
  oidcEndpoint: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scopes: readonly string[] | undefined;
  codeChallenge: string;
}): string {
  const origin = new URL(input.oidcEndpoint).origin;
  const scopes = input.scopes && input.scopes.length > 0 ? input.scopes.join(" ") : DEFAULT_SCOPE;
  const params: Array<[string, string]> = [
    ["response_type", "code"],
    ["client_id", input.clientId],
    ["redirect_uri", input.redirectUri],
    ["state", input.state],
    ["code_challenge_method", "S256"],
    ["scopes", scopes],
  ];
  const query = params.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
  return `${origin}/authorize?${query}&code_challenge=${input.codeChallenge}`;
}
