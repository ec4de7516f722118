/**
 * `--include` / `--exclude` for populate: shell-style globs (`*`, `?`, case-insensitive) on the
 * account name, account ID or role name. `account:` and `role:` prefixes narrow a pattern to one
 * side, which also lets populate skip the ListAccountRoles call for accounts no filter can keep.
 */
import type { AccountInfo } from "./clients.js";

type Field = "account" | "role" | "any";

interface Pattern {
  field: Field;
  source: string;
  regex: RegExp;
}

export interface AccessFilter {
  /** False when no role of this account can pass: its roles need not be fetched. */
  mayKeepAccount(account: AccountInfo): boolean;
  keeps(account: AccountInfo, roleName: string): boolean;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "is");
}

/** Returns the pattern, or the reason it cannot be used. */
function parsePattern(raw: string, flag: string): Pattern | string {
  const match = /^(account|role):(.*)$/s.exec(raw);
  const field: Field = match ? (match[1] as Field) : "any";
  const source = match ? match[2]! : raw;
  if (source === "") return `${flag} needs a pattern, for example ${flag} 'prod-*' or ${flag} role:ReadOnlyAccess`;
  return { field, source, regex: globToRegExp(source) };
}

function accountMatches(p: Pattern, account: AccountInfo): boolean {
  return p.regex.test(account.accountId) || (account.accountName !== undefined && p.regex.test(account.accountName));
}

function matches(p: Pattern, account: AccountInfo, roleName: string): boolean {
  if (p.field === "account") return accountMatches(p, account);
  if (p.field === "role") return p.regex.test(roleName);
  return accountMatches(p, account) || p.regex.test(roleName);
}

/**
 * Includes of the same kind are alternatives; includes of different kinds must all match, so
 * `--include account:prod-* --include role:ReadOnlyAccess` keeps the ReadOnlyAccess role of the
 * prod accounts. Anything an exclude matches is dropped.
 */
export function parseAccessFilter(includes: readonly string[], excludes: readonly string[]): AccessFilter | string {
  const parse = (raws: readonly string[], flag: string) => raws.map((raw) => parsePattern(raw, flag));
  const inc = parse(includes, "--include");
  const exc = parse(excludes, "--exclude");
  const problem = [...inc, ...exc].find((p): p is string => typeof p === "string");
  if (problem) return problem;
  const include = inc as Pattern[];
  const exclude = exc as Pattern[];
  const groups = (["account", "role", "any"] as const).map((field) => include.filter((p) => p.field === field)).filter((g) => g.length > 0);

  return {
    mayKeepAccount(account) {
      const accountIncludes = include.filter((p) => p.field === "account");
      if (accountIncludes.length > 0 && !accountIncludes.some((p) => accountMatches(p, account))) return false;
      return !exclude.some((p) => p.field === "account" && accountMatches(p, account));
    },
    keeps(account, roleName) {
      if (!groups.every((group) => group.some((p) => matches(p, account, roleName)))) return false;
      return !exclude.some((p) => matches(p, account, roleName));
    },
  };
}
