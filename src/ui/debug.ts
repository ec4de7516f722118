/**
 * `--debug` (or SSO_SETUP_DEBUG=1): what sso-setup does on the network and on disk, a line each, on
 * stderr. Callers hand it facts they chose, never a request or response body, headers or an error's
 * raw payload: that is how no token, secret or code can reach it (the API log names allow-listed
 * parameters only; see clients.ts).
 *
 * The flag is parsed after the dependencies are built, so this is an object switched on later and
 * read at each use rather than a boolean fixed at start.
 */
import type { TextOutput } from "./io.js";

export type DebugTopic = "api" | "net" | "file" | "error";

export interface DebugLog {
  readonly enabled: boolean;
  enable(): void;
  log(topic: DebugTopic, text: string): void;
}

export const DEBUG_ENV = "SSO_SETUP_DEBUG";

export function debugFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = (env[DEBUG_ENV] ?? "").trim();
  return value !== "" && !/^(0|false|no|off)$/i.test(value);
}

export function createDebugLog(err: TextOutput, enabled: boolean, now: () => number = Date.now): DebugLog {
  let on = enabled;
  return {
    get enabled() {
      return on;
    },
    enable() {
      on = true;
    },
    log(topic, text) {
      if (!on) return;
      // One prefix for every line, so `2>&1 | grep '^debug '` separates the log from the conversation.
      err.write(`debug ${new Date(now()).toISOString()} ${topic.padEnd(5)} ${text}\n`);
    },
  };
}

/**
 * A URL fit for a log: proxy URLs may carry a user name and password, and query strings can carry
 * pagination tokens; both are dropped.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const credentials = parsed.username || parsed.password ? "***@" : "";
    const port = parsed.port ? `:${parsed.port}` : "";
    const path = parsed.pathname === "/" ? "" : parsed.pathname;
    return `${parsed.protocol}//${credentials}${parsed.hostname}${port}${path}`;
  } catch {
    return "(not a valid URL)";
  }
}
