import type { RequestContext } from "../kernel/actor.js";
import type { Executor, Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import type { SubscriptionLineJson } from "../subscriptions/index.js";

/**
 * What rating needs from invoices. Invoicing sits above usage, so usage
 * cannot call it; invoicing registers these functions when it loads (as
 * access's approval handlers are registered), and usage calls them through
 * here. Without invoicing loaded, rating still stores charges; re-rating an
 * invoiced period says that invoicing is missing.
 */

export interface UsageInvoiceLine {
  id: string;
  invoice_id: string;
  customer_id: string;
  invoice_status: string;
  invoice_number: string | null;
  description: string;
  quantity: string;
  unit_amount: string;
  amount: string;
  currency: string;
  period_start: Date | null;
  period_end: Date | null;
  source_type: string;
  source_id: string | null;
}

export interface UsageInvoicing {
  /** The lines, with their invoice's status. */
  lines(db: Executor, ids: readonly string[]): Promise<UsageInvoiceLine[]>;
  /** The customer's subscription invoice billing exactly this period, when there is one (billed in arrears). */
  invoiceForPeriod(
    db: Executor,
    period: { customer_id: string; period_start: Date; period_end: Date },
  ): Promise<{ id: string; status: string } | undefined>;
  /** Replaces a draft's usage lines with these and reprices it, in the caller's transaction. */
  replaceDraftUsageLines(
    deps: Deps,
    tx: Tx,
    ctx: RequestContext,
    invoiceId: string,
    lines: readonly SubscriptionLineJson[],
  ): Promise<{ total: string }>;
  /** A pending invoice item for the customer's next invoice; returns its id. */
  addPendingItem(
    deps: Deps,
    ctx: RequestContext,
    item: {
      customer_id: string;
      currency: string;
      description: string;
      amount: string;
      period_start: string;
      period_end: string;
    },
  ): Promise<string>;
}

let registered: UsageInvoicing | undefined;

export function registerUsageInvoicing(port: UsageInvoicing): void {
  registered = port;
}

export function usageInvoicing(): UsageInvoicing {
  if (registered === undefined) throw new Error("invoicing is not loaded: usage cannot reach invoices");
  return registered;
}
