/**
 * Text from outside (the service, the loopback callback, files sso-setup did not write) made safe to
 * show on a terminal: C0 and C1 control characters, DEL, and the Unicode controls that reorder or
 * break lines are replaced, so an account name cannot retitle the terminal (ESC ] 0 ;), clear it
 * (ESC [ 2 J), or hide text behind a bidi override. Pure; JSON output does not need it (JSON.stringify
 * escapes every control character).
 */

// C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), line and paragraph separators, and bidi controls.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_EXCEPT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// What JSON.stringify leaves raw of UNSAFE (it escapes U+0000–U+001F itself; its own line breaks stay).
const JSON_UNESCAPED = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What stands in for a removed character: visible, and never a control character itself. */
export const REPLACEMENT = "\uFFFD";

/** One value from outside (a name, a URL, a code): every control character replaced, line breaks too. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(UNSAFE, REPLACEMENT);
}

/** A whole message that may embed outside text: its own line breaks and tabs stay. */
export function sanitizeMessage(text: string): string {
  return text.replace(UNSAFE_EXCEPT_LINES, REPLACEMENT);
}

const ANY_UNSAFE = new RegExp(UNSAFE.source);

export function hasControlCharacters(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but passes C1 controls (U+009B is a CSI on
 * some terminals), line separators and bidi controls through raw. Escaping them too leaves the
 * document's values exactly as they were.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
