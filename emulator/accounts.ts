export interface EmulatorAccount {
  accountId: string;
  accountName?: string;
  emailAddress?: string;
  // Readonly because generateAccounts shares one frozen array between all accounts.
  roles: readonly string[];
}

/** Five hand-written accounts that look like a small organisation; one has exactly one role. */
export function sampleAccounts(): EmulatorAccount[] {
  return [
    {
      accountId: "111111111111",
      accountName: "Production",
      emailAddress: "aws-production@example.com",
      roles: ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"],
    },
    {
      accountId: "222222222222",
      accountName: "Staging",
      emailAddress: "aws-staging@example.com",
      roles: ["AdministratorAccess", "PowerUserAccess"],
    },
    {
      accountId: "333333333333",
      accountName: "Development",
      emailAddress: "aws-development@example.com",
      roles: ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Billing"],
    },
    {
      accountId: "444444444444",
      accountName: "Security Audit",
      emailAddress: "aws-security@example.com",
      roles: ["SecurityAudit"],
    },
    {
      accountId: "555555555555",
      accountName: "Shared Services",
      emailAddress: "aws-shared-services@example.com",
      roles: ["ReadOnlyAccess", "Billing"],
    },
  ];
}

const ROLE_NAMES = [
  "AdministratorAccess",
  "ReadOnlyAccess",
  "PowerUserAccess",
  "ViewOnlyAccess",
  "Billing",
  "SecurityAudit",
  "DatabaseAdministrator",
  "NetworkAdministrator",
  "SupportUser",
  "DataScientist",
];

const TEAMS = ["payments", "search", "identity", "checkout", "analytics", "platform", "mobile", "ml", "data", "edge"];
const STAGES = ["prod", "staging", "dev", "sandbox"];

// Stepping by a multiplier that shares no factor with 9e11 (= 2^11·3^2·5^11) visits every
// 12-digit number once before repeating, so IDs are unique yet do not look sequential.
const ID_STEP = 7_919_993;
const ID_SPAN = 900_000_000_000;
const ID_BASE = 100_000_000_000;

/**
 * Deterministic accounts for benchmarks: the same `n` always yields the same IDs and names.
 * All accounts share one frozen role list, so 5,000+ accounts cost little more than the objects.
 */
export function generateAccounts(n: number, rolesPerAccount = 3): EmulatorAccount[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`account count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(rolesPerAccount) || rolesPerAccount < 0) {
    throw new RangeError(`roles per account must be a non-negative integer, got ${rolesPerAccount}`);
  }
  const roles = Object.freeze(
    Array.from({ length: rolesPerAccount }, (_, i) => ROLE_NAMES[i] ?? `CustomRole${String(i + 1).padStart(2, "0")}`),
  );
  const width = Math.max(4, String(n).length);
  const accounts = new Array<EmulatorAccount>(n);
  for (let i = 0; i < n; i++) {
    const team = TEAMS[i % TEAMS.length] ?? "team";
    const stage = STAGES[Math.floor(i / TEAMS.length) % STAGES.length] ?? "dev";
    const serial = String(i + 1).padStart(width, "0");
    const slug = `${team}-${stage}-${serial}`;
    accounts[i] = {
      accountId: String(ID_BASE + ((i * ID_STEP + 123_456_789) % ID_SPAN)),
      accountName: slug,
      emailAddress: `aws+${slug}@example.com`,
      roles,
    };
  }
  return accounts;
}
