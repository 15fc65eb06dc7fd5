import { DomainError } from "../kernel/errors.js";
import type { AccountType, PartyType } from "./model.js";

/**
 * The default chart of accounts for billing, created per currency by
 * ensureDefaultChart. Codes follow the usual bands (1xxx assets, 2xxx
 * liabilities, 3xxx equity, 4xxx revenue, 6xxx expenses), so an export lines up
 * with the company's general ledger without a mapping table for the common case.
 *
 * Subledgers: an account's code may carry a qualifier after a colon. The part
 * before the colon is the control account it rolls up to; the part after names
 * what it is for: "1100:cus_…" is one customer's receivable, "4000:prod_…" one
 * product's revenue, "1050:stripe" one gateway's clearing account. Summing every
 * account whose code starts with "1100" gives total receivables.
 */
export interface ChartAccountSpec {
  code: string;
  name: string;
  type: AccountType;
}

export const DEFAULT_CHART = {
  cash: { code: "1000", name: "Cash", type: "asset" },
  gateway_clearing: { code: "1050", name: "Gateway clearing", type: "asset" },
  accounts_receivable: { code: "1100", name: "Accounts receivable", type: "asset" },
  // Money whose home is not known yet (an unmatched bank line): an asset held until it is cleared.
  suspense: { code: "1900", name: "Suspense", type: "asset" },
  payouts_payable: { code: "2000", name: "Payouts payable", type: "liability" },
  tax_payable: { code: "2100", name: "Tax payable", type: "liability" },
  deferred_revenue: { code: "2200", name: "Deferred revenue", type: "liability" },
  customer_credit: { code: "2300", name: "Customer credit balances", type: "liability" },
  // Cash received but not yet applied to an invoice: owed to the customer until it is.
  unapplied_cash: { code: "2400", name: "Unapplied cash", type: "liability" },
  opening_balance_equity: { code: "3000", name: "Opening balance equity", type: "equity" },
  revenue: { code: "4000", name: "Revenue", type: "revenue" },
  // Contra-revenue: a revenue account whose balance runs negative (debits reduce revenue).
  refunds: { code: "4900", name: "Refunds", type: "revenue" },
  gateway_fees: { code: "6000", name: "Gateway fees", type: "expense" },
  chargeback_losses: { code: "6100", name: "Chargeback losses", type: "expense" },
  bad_debt: { code: "6200", name: "Bad-debt expense", type: "expense" },
  card_spend: { code: "6400", name: "Card spend", type: "expense" },
} as const satisfies Record<string, ChartAccountSpec>;

export type ChartRole = keyof typeof DEFAULT_CHART;

export const CHART_ROLES = Object.keys(DEFAULT_CHART) as ChartRole[];

/** A control code, optionally followed by ":" and a qualifier (an id or a gateway name). */
const ACCOUNT_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,23}(?::[A-Za-z0-9_.-]{1,64})?$/;

export function parseAccountCode(code: unknown, param = "code"): string {
  if (typeof code === "string" && ACCOUNT_CODE.test(code)) return code;
  throw new DomainError(
    "account_code_invalid",
    'an account code is letters, digits, ".", "_" or "-", optionally followed by ":" and a qualifier, e.g. "1100" or "1100:cus_…"',
    { param },
  );
}

export interface SubledgerSpec extends ChartAccountSpec {
  party_type: PartyType | null;
  party_id: string | null;
}

/** One customer's receivable, rolling up to accounts receivable. */
export function receivableSpec(customerId: string): SubledgerSpec {
  const parent = DEFAULT_CHART.accounts_receivable;
  return {
    code: parseAccountCode(`${parent.code}:${customerId}`, "customer_id"),
    name: `${parent.name} — ${customerId}`,
    type: parent.type,
    party_type: "customer",
    party_id: customerId,
  };
}

/** What one customer holds as credit with us (credit notes, goodwill), rolling up to customer credit balances. */
export function customerCreditSpec(customerId: string): SubledgerSpec {
  const parent = DEFAULT_CHART.customer_credit;
  return {
    code: parseAccountCode(`${parent.code}:${customerId}`, "customer_id"),
    name: `${parent.name} — ${customerId}`,
    type: parent.type,
    party_type: "customer",
    party_id: customerId,
  };
}

/** One payment gateway's clearing account: charges land here until the payout reaches the bank. */
export function clearingSpec(gateway: string): SubledgerSpec {
  const parent = DEFAULT_CHART.gateway_clearing;
  return {
    code: parseAccountCode(`${parent.code}:${gateway.toLowerCase()}`, "gateway"),
    name: `${parent.name} — ${gateway.toLowerCase()}`,
    type: parent.type,
    party_type: null,
    party_id: null,
  };
}

/** One product's revenue, so revenue reports per product read balances, not invoices. */
export function revenueSpec(productId: string): SubledgerSpec {
  const parent = DEFAULT_CHART.revenue;
  return {
    code: parseAccountCode(`${parent.code}:${productId}`, "product_id"),
    name: `${parent.name} — ${productId}`,
    type: parent.type,
    party_type: null,
    party_id: null,
  };
}
