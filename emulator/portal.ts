import type { EmulatorAccount } from "./accounts.js";
import { expireAccessToken } from "./control.js";
import { sendPortalError } from "./errors.js";
import { send, sendHtml, sendJson, type Exchange, type HandlerContext } from "./http.js";
import { portalStartPage } from "./pages.js";
import { randomAccessKeyId, randomSecret } from "./ids.js";
import type { AccessTokenRecord, EmulatorState } from "./state.js";

/** The model's maximum for maxResults; larger requests are clamped (the JS SDK sends them as-is). */
const MAX_PAGE_SIZE = 100;

/** Answers 401 unless the request carries a live access token. */
function authenticate(ex: Exchange, ctx: HandlerContext): AccessTokenRecord | undefined {
  // The service's header name really is lowercase with an underscore, and carries no "Bearer ".
  const header = ex.req.headers["x-amz-sso_bearer_token"];
  const token = Array.isArray(header) ? header[0] : header;
  const record = token ? ctx.state.accessTokens.get(token) : undefined;
  if (!record || record.revoked || ctx.now() >= record.expiresAt) {
    sendPortalError(ex, "UnauthorizedException", "Session token not found or invalid");
    return undefined;
  }
  const callsLeft = ctx.state.expireAccessTokenAfterCalls;
  if (callsLeft !== null) {
    // This call is still served; the token's lifetime runs out right after it.
    ctx.state.expireAccessTokenAfterCalls = callsLeft > 1 ? callsLeft - 1 : null;
    if (callsLeft <= 1) expireAccessToken(ctx.state, ctx.now(), record.accessToken);
  }
  return record;
}

// Looking accounts up by ID must stay O(1) with thousands of accounts, yet tests replace or edit
// state.accounts freely; the index is rebuilt whenever the array (or its length) changes.
const accountIndexes = new WeakMap<EmulatorAccount[], { size: number; byId: Map<string, EmulatorAccount> }>();

function findAccount(state: EmulatorState, accountId: string): EmulatorAccount | undefined {
  let index = accountIndexes.get(state.accounts);
  if (!index || index.size !== state.accounts.length) {
    index = { size: state.accounts.length, byId: new Map(state.accounts.map((a) => [a.accountId, a])) };
    accountIndexes.set(state.accounts, index);
  }
  const account = index.byId.get(accountId);
  // An account edited in place keeps its slot in the index but may now carry another ID.
  return account?.accountId === accountId ? account : state.accounts.find((a) => a.accountId === accountId);
}

type PageRequest = { offset: number; size: number };

/**
 * Reads max_result and next_token. Tokens are opaque to clients; here they are the offset, tagged
 * with the listing they belong to so a token from another account's roles is rejected.
 */
function readPage(ex: Exchange, ctx: HandlerContext, listing: string): PageRequest | undefined {
  const rawSize = ex.query.get("max_result");
  let size = ctx.state.defaultPageSize;
  if (rawSize !== null) {
    size = Number(rawSize);
    if (!Number.isInteger(size) || size < 1) {
      sendPortalError(ex, "InvalidRequestException", `Invalid max_result "${rawSize}": must be an integer from 1 to ${MAX_PAGE_SIZE}`);
      return undefined;
    }
  }
  size = Math.min(size, MAX_PAGE_SIZE);
  const nextToken = ex.query.get("next_token");
  if (nextToken === null || nextToken === "") return { offset: 0, size };
  const decoded = Buffer.from(nextToken, "base64url").toString("utf8");
  const match = /^(\d+):(.*)$/s.exec(decoded);
  if (!match || match[2] !== listing) {
    sendPortalError(ex, "InvalidRequestException", "Invalid next token");
    return undefined;
  }
  return { offset: Number(match[1]), size };
}

function pageOf<T>(items: readonly T[], page: PageRequest, listing: string): { items: T[]; nextToken?: string } {
  const end = page.offset + page.size;
  const slice = items.slice(page.offset, end);
  return end < items.length ? { items: slice, nextToken: Buffer.from(`${end}:${listing}`).toString("base64url") } : { items: slice };
}

export function handleListAccounts(ex: Exchange, ctx: HandlerContext): void {
  if (!authenticate(ex, ctx)) return;
  const page = readPage(ex, ctx, "accounts");
  if (!page) return;
  const { items, nextToken } = pageOf(ctx.state.accounts, page, "accounts");
  sendJson(ex, 200, {
    accountList: items.map((a) => ({
      accountId: a.accountId,
      ...(a.accountName === undefined ? {} : { accountName: a.accountName }),
      ...(a.emailAddress === undefined ? {} : { emailAddress: a.emailAddress }),
    })),
    ...(nextToken === undefined ? {} : { nextToken }),
  });
}

export function handleListAccountRoles(ex: Exchange, ctx: HandlerContext): void {
  if (!authenticate(ex, ctx)) return;
  const accountId = ex.query.get("account_id");
  if (!accountId) {
    sendPortalError(ex, "InvalidRequestException", "Missing required parameter: account_id");
    return;
  }
  const account = findAccount(ctx.state, accountId);
  if (!account) {
    sendPortalError(ex, "ResourceNotFoundException", `Account ${accountId} was not found or is not assigned to you`);
    return;
  }
  const listing = `roles/${accountId}`;
  const page = readPage(ex, ctx, listing);
  if (!page) return;
  const { items, nextToken } = pageOf(account.roles, page, listing);
  sendJson(ex, 200, {
    roleList: items.map((roleName) => ({ roleName, accountId })),
    ...(nextToken === undefined ? {} : { nextToken }),
  });
}

export function handleGetRoleCredentials(ex: Exchange, ctx: HandlerContext): void {
  if (!authenticate(ex, ctx)) return;
  const accountId = ex.query.get("account_id");
  const roleName = ex.query.get("role_name");
  if (!accountId || !roleName) {
    sendPortalError(ex, "InvalidRequestException", "Missing required parameters: account_id and role_name");
    return;
  }
  const account = findAccount(ctx.state, accountId);
  if (!account || !account.roles.includes(roleName)) {
    sendPortalError(ex, "ResourceNotFoundException", "No access");
    return;
  }
  let accessKeyId = randomAccessKeyId();
  while (ctx.state.roleCredentials.has(accessKeyId)) accessKeyId = randomAccessKeyId();
  const expiration = ctx.now() + ctx.state.roleCredentialsExpiresIn * 1000;
  const secretAccessKey = randomSecret("", 30);
  const sessionToken = randomSecret("IQoJb3JpZ2luX2VjE", 300);
  ctx.state.roleCredentials.set(accessKeyId, { accessKeyId, secretAccessKey, sessionToken, accountId, roleName, expiration });
  sendJson(ex, 200, {
    roleCredentials: {
      accessKeyId,
      secretAccessKey,
      sessionToken,
      // Epoch *milliseconds*: the SDKs do new Date(expiration) / divide by 1000.
      expiration,
    },
  });
}

export function handleLogout(ex: Exchange, ctx: HandlerContext): void {
  const record = authenticate(ex, ctx);
  if (!record) return;
  record.revoked = true;
  // Logout ends the whole session, so the refresh token issued alongside must stop working too.
  if (record.refreshToken !== null) {
    const refresh = ctx.state.refreshTokens.get(record.refreshToken);
    if (refresh) refresh.revoked = true;
  }
  send(ex, 200, {}, "");
}

/** GET …/start: the access portal's page, which declares the instance's region. */
export function handlePortalPage(ex: Exchange, ctx: HandlerContext): void {
  sendHtml(ex, 200, portalStartPage({ region: ctx.state.portalRegion }));
}
