/** Accounts and roles a token can see, listed in full and ordered the way the AWS CLI orders them. */
import { sanitizeForTerminal } from "../ui/sanitize.js";
import { MalformedResponseError, type AccountInfo, type PortalApi } from "./clients.js";

/** The service's page limit; asking for full pages keeps the number of calls at its minimum. */
const PAGE_SIZE = 100;

/**
 * Follows a listing's page tokens, refusing one that was already given: a service that hands back
 * the same token (broken, or hostile) would otherwise keep a listing going for ever.
 */
export function pageTokens(operation: string): (token: string | undefined) => string | undefined {
  const seen = new Set<string>();
  return (token) => {
    if (token === undefined) return undefined;
    if (seen.has(token)) throw new MalformedResponseError(operation, undefined, "it repeats an earlier page's nextToken, so the listing would never end");
    seen.add(token);
    return token;
  };
}

export async function listAllAccounts(portal: PortalApi, accessToken: string): Promise<AccountInfo[]> {
  const accounts: AccountInfo[] = [];
  const next = pageTokens("ListAccounts");
  let nextToken: string | undefined;
  do {
    const page = await portal.listAccounts({ accessToken, maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) });
    accounts.push(...page.accounts);
    nextToken = next(page.nextToken);
  } while (nextToken);
  return accounts;
}

export async function listAllRoles(portal: PortalApi, accessToken: string, accountId: string): Promise<string[]> {
  const roles: string[] = [];
  const next = pageTokens("ListAccountRoles");
  let nextToken: string | undefined;
  do {
    const page = await portal.listAccountRoles({
      accessToken,
      accountId,
      maxResults: PAGE_SIZE,
      ...(nextToken ? { nextToken } : {}),
    });
    roles.push(...page.roles);
    nextToken = next(page.nextToken);
  } while (nextToken);
  return roles;
}

/** Code-point order, as Python compares strings: `localeCompare` would sort differently. */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Named accounts by name (or email), then accounts that have only an id (AWS CLI 2.34.24+). */
export function sortAccounts<T extends AccountInfo>(accounts: readonly T[]): T[] {
  const key = (a: AccountInfo) => (a.accountName || a.emailAddress || a.accountId).toLowerCase();
  const onlyId = (a: AccountInfo) => (a.accountName || a.emailAddress ? 0 : 1);
  return [...accounts].sort((a, b) => onlyId(a) - onlyId(b) || compareCodePoints(key(a), key(b)));
}

export function sortRoles(roles: readonly string[]): string[] {
  return [...roles].sort((a, b) => compareCodePoints(a.toLowerCase(), b.toLowerCase()));
}

/** `Name, email (id)`, dropping whichever of name and email is missing; safe to show on a terminal. */
export function accountLabel(a: AccountInfo): string {
  const text = [a.accountName, a.emailAddress].filter(Boolean).join(", ");
  return sanitizeForTerminal(text ? `${text} (${a.accountId})` : a.accountId);
}
