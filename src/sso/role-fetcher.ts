/**
 * Every account a token can see, with its roles, for organisations of thousands of accounts: one
 * ListAccounts page after another, and one ListAccountRoles per account (paged), all paced by one
 * AdaptiveLimiter so the run finishes at the rate the service allows and no account fails on a 429.
 * Role listing starts with the first page of accounts rather than after the last one. An access token
 * that expires during the run is renewed once and the refused calls go again.
 */
import type { Clock } from "../platform/clock.js";
import { AdaptiveLimiter, type AdaptiveLimiterOptions, type CallOutcome, type LimiterStats } from "./adaptive-limiter.js";
import { pageTokens } from "./accounts.js";
import { ApiError, NetworkError, type AccountInfo, type PortalApi } from "./clients.js";

/** The service's page limit; asking for full pages keeps the number of calls at its minimum. */
const PAGE_SIZE = 100;

const THROTTLE_CODES = new Set(["TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"]);

export interface AccountAccess extends AccountInfo {
  /** In the service's order; empty for an account whose roles were not wanted. */
  roles: string[];
}

export interface FetchProgress extends LimiterStats {
  accountsListed: number;
  /** False while ListAccounts pages are still coming: the total may grow. */
  listingComplete: boolean;
  /** Accounts whose roles are wanted, and how many of those are done. */
  accountsToFetch: number;
  accountsFetched: number;
}

export interface FetchAccessOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Accounts that filters leave out need no ListAccountRoles call. */
  wantRoles?(account: AccountInfo): boolean;
  onProgress?(progress: FetchProgress): void;
  /**
   * A new access token for the one the portal refused (UnauthorizedException). Called once for all
   * the calls refused at the same time; without it, a refusal ends the listing.
   */
  renewToken?(refused: string): Promise<string>;
  limiter?: Partial<Omit<AdaptiveLimiterOptions, "clock" | "classify" | "signal" | "onUpdate">>;
}

export function classifyPortalError(error: unknown): CallOutcome {
  if (error instanceof ApiError) {
    if (error.status === 429 || THROTTLE_CODES.has(error.code)) return { kind: "throttled", retryAfterMs: error.retryAfterMs };
    if (error.code === "UnauthorizedException") return { kind: "unauthorized" };
    if (error.status !== undefined && error.status >= 500) return { kind: "transient" };
    return { kind: "fatal" };
  }
  return error instanceof NetworkError ? { kind: "transient" } : { kind: "fatal" };
}

export async function fetchAccess(
  portal: PortalApi,
  accessToken: string,
  options: FetchAccessOptions,
): Promise<{ accounts: AccountAccess[]; stats: LimiterStats }> {
  const progress: FetchProgress = {
    calls: 0,
    throttled: 0,
    reauthorized: 0,
    ratePerSecond: Infinity,
    accountsListed: 0,
    listingComplete: false,
    accountsToFetch: 0,
    accountsFetched: 0,
  };
  // Every call reads the token when it is sent, so a retry goes with the renewed one.
  let currentToken = accessToken;
  const renewToken = options.renewToken;
  const onProgress = options.onProgress;
  const report = onProgress ? () => onProgress({ ...progress }) : () => undefined;
  const limiter = new AdaptiveLimiter({
    ...options.limiter,
    clock: options.clock,
    signal: options.signal,
    classify: classifyPortalError,
    reauthorize:
      renewToken &&
      (async () => {
        currentToken = await renewToken(currentToken);
      }),
    // Two updates per call: with nobody watching, not even the snapshot is made.
    ...(onProgress && {
      onUpdate(stats: LimiterStats) {
        Object.assign(progress, stats);
        report();
      },
    }),
  });

  async function fetchRoles(account: AccountAccess): Promise<void> {
    let nextToken: string | undefined;
    const next = pageTokens("ListAccountRoles");
    do {
      const token = nextToken;
      const page = await limiter.run(() =>
        portal.listAccountRoles({ accessToken: currentToken, accountId: account.accountId, maxResults: PAGE_SIZE, ...(token ? { nextToken: token } : {}) }),
      );
      account.roles.push(...page.roles);
      nextToken = next(page.nextToken);
    } while (nextToken);
    progress.accountsFetched += 1;
    report();
  }

  // A fixed pool of workers takes accounts as the pages bring them. Queuing a call per account at
  // once would keep thousands of pending calls alive through every garbage collection; the pool
  // keeps just enough in the limiter to fill its concurrency.
  const queue = new WorkQueue<AccountAccess>();
  const workers = Array.from({ length: limiter.maxConcurrency }, async () => {
    for (let account = await queue.next(); account; account = await queue.next()) await fetchRoles(account);
  });
  // Awaited below; marked handled now, since the first failure may come while pages still load.
  for (const worker of workers) worker.catch(() => undefined);

  const accounts: AccountAccess[] = [];
  const next = pageTokens("ListAccounts");
  let nextToken: string | undefined;
  try {
    do {
      const token = nextToken;
      const page = await limiter.run(
        () => portal.listAccounts({ accessToken: currentToken, maxResults: PAGE_SIZE, ...(token ? { nextToken: token } : {}) }),
        { urgent: true },
      );
      for (const info of page.accounts) {
        // A literal rather than `{ ...info, roles: [] }`: on Node 20 every copy made by a spread gets
        // a hidden class of its own, some 250 bytes more per account that live as long as the listing.
        const account: AccountAccess = { accountId: info.accountId, accountName: info.accountName, emailAddress: info.emailAddress, roles: [] };
        accounts.push(account);
        if (options.wantRoles && !options.wantRoles(info)) continue;
        progress.accountsToFetch += 1;
        queue.push(account);
      }
      progress.accountsListed = accounts.length;
      nextToken = next(page.nextToken);
      report();
    } while (nextToken);
    progress.listingComplete = true;
    report();
  } finally {
    queue.close();
  }
  await Promise.all(workers);
  return { accounts, stats: limiter.snapshot() };
}

/** Items handed to waiting workers in order; `next` resolves undefined once closed and drained. */
class WorkQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private closed = false;
  private readonly waiters: Array<(item: T | undefined) => void> = [];

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  next(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
