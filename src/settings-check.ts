/**
 * sso-setup's own environment variables are checked before any command runs: a value that cannot be
 * read is a usage error (252) that names the variable, never silently ignored or taken as a default.
 */
import { AUTH_TIMEOUT_ENV } from "./commands/shared/authorize.js";
import { UsageError } from "./errors.js";
import { HTTP_TIMEOUT_ENV } from "./sso/clients.js";
import { DEBUG_ENV } from "./ui/debug.js";

const positiveSeconds = (value: string) => /^\d+(\.\d+)?$/.test(value) && Number(value) > 0;

const SETTINGS: ReadonlyArray<readonly [name: string, valid: (value: string) => boolean, expected: string]> = [
  [DEBUG_ENV, (value) => /^(1|0|true|false|yes|no|on|off)$/i.test(value), "1 or 0 (or true/false, yes/no, on/off)"],
  [HTTP_TIMEOUT_ENV, positiveSeconds, "a number of seconds greater than 0, such as 30"],
  [AUTH_TIMEOUT_ENV, positiveSeconds, "a number of seconds greater than 0, such as 600"],
];

export function checkSettings(env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, valid, expected] of SETTINGS) {
    const value = env[name]?.trim();
    if (value === undefined || value === "") continue;
    if (!valid(value)) throw new UsageError(`${name}=${JSON.stringify(env[name])} is not a valid value: expected ${expected}.`);
  }
}
