/**
 * fetchAccess over an in-memory portal (the PortalApi seam, not the SDK): every page of accounts and
 * of roles, only the accounts asked for, progress as it goes, and the first hard error.
 */
import { describe, expect, it } from "vitest";
import { ApiError, type AccountInfo, type PortalApi } from "../../src/sso/clients.js";
import { fetchAccess, type FetchProgress } from "../../src/sso/role-fetcher.js";
import { formatProgress } from "../../src/ui/progress.js";
import { FakeClock } from "../helpers/fake-clock.js";

function portal(accounts: Array<AccountInfo & { roles: string[] }>, fail?: (accountId: string) => Error | undefined) {
  const calls: string[] = [];
  const page = <T>(items: T[], nextToken: string | undefined, size = 100) => {
    const offset = Number(nextToken ?? 0);
    const next = offset + size < items.length ? String(offset + size) : undefined;
    return { items: items.slice(offset, offset + size), next };
  };
  const api: PortalApi = {
    async listAccounts({ nextToken, maxResults }) {
      calls.push(`accounts@${nextToken ?? 0}`);
      const { items, next } = page(accounts, nextToken, maxResults);
      return { accounts: items.map(({ roles: _roles, ...info }) => info), ...(next ? { nextToken: next } : {}) };
    },
    async listAccountRoles({ accountId, nextToken, maxResults }) {
      calls.push(`roles:${accountId}@${nextToken ?? 0}`);
      const error = fail?.(accountId);
      if (error) throw error;
      const { items, next } = page(accounts.find((a) => a.accountId === accountId)!.roles, nextToken, maxResults);
      return { roles: items, ...(next ? { nextToken: next } : {}) };
    },
    getRoleCredentials: () => Promise.reject(new Error("not used")),
    logout: () => Promise.reject(new Error("not used")),
  };
  return { api, calls };
}

const accounts = Array.from({ length: 250 }, (_, i) => ({
  accountId: String(100000000000 + i),
  accountName: `acct-${i}`,
  emailAddress: undefined,
  roles: i === 7 ? Array.from({ length: 230 }, (_, r) => `Role${r}`) : ["Admin", "ReadOnly"],
}));

describe("fetchAccess", () => {
  it("follows every page of accounts and of each account's roles, with the fewest calls", async () => {
    const { api, calls } = portal(accounts);
    const { accounts: got, stats } = await fetchAccess(api, "token", { clock: new FakeClock() });
    expect(got.map((a) => a.accountId)).toEqual(accounts.map((a) => a.accountId));
    expect(got.map((a) => a.roles)).toEqual(accounts.map((a) => a.roles));
    // 3 pages of accounts, one call per account, and two more pages for the account with 230 roles.
    expect(calls.filter((c) => c.startsWith("accounts@"))).toEqual(["accounts@0", "accounts@100", "accounts@200"]);
    expect(calls).toHaveLength(3 + 250 + 2);
    expect(stats).toMatchObject({ calls: 255, throttled: 0 });
  });

  it("lists no roles for accounts the filters cannot keep, and reports progress", async () => {
    const { api, calls } = portal(accounts);
    const seen: FetchProgress[] = [];
    const { accounts: got } = await fetchAccess(api, "token", {
      clock: new FakeClock(),
      wantRoles: (a) => a.accountName === "acct-1" || a.accountName === "acct-200",
      onProgress: (p) => seen.push(p),
    });
    expect(got).toHaveLength(250);
    expect(got.filter((a) => a.roles.length > 0).map((a) => a.accountName)).toEqual(["acct-1", "acct-200"]);
    expect(calls.filter((c) => c.startsWith("roles:"))).toEqual(["roles:100000000001@0", "roles:100000000200@0"]);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ accountsListed: 250, listingComplete: true, accountsToFetch: 2, accountsFetched: 2, calls: 5 });
    expect(formatProgress(last)).toBe("[########################] 2/2 accounts · 5 calls · 0 throttled");
    expect(formatProgress({ ...last, listingComplete: false, accountsFetched: 1 })).toBe(
      "[------------------------] 1/2+ accounts · 5 calls · 0 throttled",
    );
  });

  it("lists with the renewed token once the portal refuses the first one, asking for it once", async () => {
    const { api, calls } = portal(accounts);
    let served = 0;
    const live = new Set(["token"]);
    const renewed: string[] = [];
    const carried: string[] = [];
    // The first token lapses after 40 calls; every call checks the one it carries.
    const checked = <A extends { accessToken: string }, R>(call: (args: A) => Promise<R>) => async (args: A) => {
      carried.push(args.accessToken);
      if (!live.has(args.accessToken)) throw new ApiError("ListAccountRoles", "UnauthorizedException", 401, "Session token not found or invalid");
      if (++served === 40) live.delete("token");
      return call(args);
    };
    const expiring: PortalApi = { ...api, listAccounts: checked(api.listAccounts), listAccountRoles: checked(api.listAccountRoles) };
    const { accounts: got, stats } = await fetchAccess(expiring, "token", {
      clock: new FakeClock(),
      renewToken: async (refused) => {
        renewed.push(refused);
        live.add("token-2");
        return "token-2";
      },
    });
    expect(got.map((a) => a.roles)).toEqual(accounts.map((a) => a.roles));
    expect(renewed).toEqual(["token"]);
    expect(stats).toMatchObject({ reauthorized: 1, calls: carried.length });
    expect(carried.slice(carried.indexOf("token-2")).every((t) => t === "token-2")).toBe(true);
    expect(calls.length).toBe(3 + 250 + 2);
  });

  it("fails with the first error retrying cannot fix", async () => {
    const denied = new ApiError("ListAccountRoles", "AccessDeniedException", 403, "no");
    const { api } = portal(accounts, (id) => (id === "100000000042" ? denied : undefined));
    await expect(fetchAccess(api, "token", { clock: new FakeClock() })).rejects.toBe(denied);
  });
});
