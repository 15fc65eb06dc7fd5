/**
 * Who may do what, in one place: the permission list and the role matrix are
 * data, so the API checks them, the guide documents them (docs/guide/access.md,
 * kept equal by permissions.test.ts), and the web app can show them.
 *
 * Permissions are `area:verb`. The list includes areas whose modules come
 * later, so the matrix is complete before their routes exist.
 */
export const PERMISSIONS = [
  "customers:read",
  "customers:write",
  "catalog:read",
  "catalog:write",
  "subscriptions:read",
  "subscriptions:write",
  "usage:read",
  "usage:write",
  "scripts:read",
  "scripts:write",
  "scripts:publish",
  "invoices:read",
  "invoices:write",
  "invoices:finalize",
  "invoices:void",
  "invoices:configure",
  "credit_notes:write",
  "payments:read",
  "payments:write",
  "payments:refund",
  "collections:read",
  "collections:write",
  "cases:read",
  "cases:write",
  "close:read",
  "close:write",
  "spend:read",
  "spend:write",
  "payouts:read",
  "payouts:write",
  "reports:read",
  "ledger:read",
  "ledger:write",
  "ledger:close",
  "audit:read",
  "api_keys:manage",
  "webhooks:manage",
  "approvals:read",
  "approvals:request",
  "approvals:decide",
  "jobs:read",
  "jobs:manage",
  "users:manage",
  "clocks:manage",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = [
  "admin",
  "billing_analyst",
  "ar_specialist",
  "support_agent",
  "approver",
  "auditor",
  "developer",
] as const;

export type Role = (typeof ROLES)[number];

/** One line per role for the guide and the web app. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  admin: "everything, including users and API keys of any role",
  billing_analyst: "plans, rate cards, charge scripts, usage, draft invoices, refunds, credit notes, collections",
  ar_specialist: "invoices from orders and schedules, sending, cash application, AR aging and reminders",
  support_agent: "the billing queue: inquiries, failed payments, payment methods, refund requests, payouts",
  approver: "reads everything and decides approvals; closes periods and budgets (the controller's seat)",
  auditor: "reads everything, including the audit log, and changes nothing",
  developer: "API keys, webhooks and test clocks, with read access to billing data for integrating",
};

const READS = PERMISSIONS.filter((permission) => permission.endsWith(":read"));

/**
 * The matrix. Reads are granted generously (people work across screens);
 * writes follow each role's daily work. Approving is kept apart from making:
 * only admin and approver hold `approvals:decide`, and nobody decides their own
 * request (approvals.ts).
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  billing_analyst: [
    ...READS.filter((permission) => permission !== "audit:read"),
    "customers:write",
    "catalog:write",
    "subscriptions:write",
    "usage:write",
    "scripts:write",
    "scripts:publish",
    "invoices:write",
    "invoices:finalize",
    "credit_notes:write",
    "payments:refund",
    "collections:write",
    "ledger:write",
    "approvals:request",
    // Analysts try a configuration on a test clock before it goes live.
    "clocks:manage",
  ],
  ar_specialist: [
    ...READS.filter((permission) => permission !== "audit:read"),
    "customers:write",
    "invoices:write",
    "invoices:finalize",
    "payments:write",
    "collections:write",
    "cases:write",
    "approvals:request",
  ],
  support_agent: [
    "customers:read",
    "customers:write",
    "catalog:read",
    "subscriptions:read",
    "usage:read",
    "invoices:read",
    "payments:read",
    "payments:write",
    "collections:read",
    "cases:read",
    "cases:write",
    "payouts:read",
    "payouts:write",
    "approvals:read",
    "approvals:request",
  ],
  approver: [...READS, "approvals:decide", "close:write", "ledger:close", "spend:write", "invoices:configure"],
  auditor: READS,
  developer: [
    "customers:read",
    "catalog:read",
    "subscriptions:read",
    "usage:read",
    "scripts:read",
    "invoices:read",
    "payments:read",
    "jobs:read",
    "api_keys:manage",
    "webhooks:manage",
    "clocks:manage",
  ],
};

const GRANTS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  ROLES.map((role) => [role, new Set<string>(ROLE_PERMISSIONS[role])]),
);

export function isRole(value: string): value is Role {
  return GRANTS.has(value);
}

/** Unknown roles and unknown permissions are refused: checks fail closed. */
export function can(role: string, permission: string): boolean {
  return GRANTS.get(role)?.has(permission) ?? false;
}

/**
 * Whether `holder` may hand out `granted` (an API key or a user with that role):
 * only when every permission of `granted` is one `holder` already has, so
 * nobody creates credentials more powerful than their own.
 */
export function roleCovers(holder: string, granted: string): boolean {
  const held = GRANTS.get(holder);
  const wanted = GRANTS.get(granted);
  if (held === undefined || wanted === undefined) return false;
  for (const permission of wanted) if (!held.has(permission)) return false;
  return true;
}

/** The matrix as a Markdown table: permissions down, roles across. */
export function permissionMatrixMarkdown(): string {
  const header = `| permission | ${ROLES.join(" | ")} |`;
  const rule = `|---|${ROLES.map(() => ":-:").join("|")}|`;
  const rows = PERMISSIONS.map(
    (permission) => `| \`${permission}\` | ${ROLES.map((role) => (can(role, permission) ? "✓" : " ")).join(" | ")} |`,
  );
  return [header, rule, ...rows].join("\n");
}
