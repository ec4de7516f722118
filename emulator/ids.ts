import { createHash, randomBytes, randomInt } from "node:crypto";

export function randomToken(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

/** Secret keys and session tokens are standard base64 (A-Z a-z 0-9 / + =), as AWS issues them. */
export function randomSecret(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString("base64");
}

// RFC 8628 §6.1 suggests consonant-only user codes: no vowels means no accidental words, and the
// letters that look like digits are gone too.
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export function randomUserCode(): string {
  let code = "";
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Accepts what a person types ("abcd efgh", "ABCDEFGH") and gives the canonical "ABCD-EFGH". */
export function normalizeUserCode(input: string): string {
  const letters = input.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** "ASIA" + 16 characters: the shape of a temporary access key ID. */
export function randomAccessKeyId(): string {
  let id = "ASIA";
  for (let i = 0; i < 16; i++) id += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return id;
}

/** Stable per input, so the same account and role always show the same ARN suffix and role ID. */
export function stableHex(input: string, length: number): string {
  return createHash("sha256").update(input).digest("hex").slice(0, length);
}

/** RFC 7636 S256: base64url(sha256(verifier)) without padding. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}
