import { priceFacts } from "../catalog/index.js";
import type { Deps } from "../kernel/deps.js";
import { isId } from "../kernel/ids.js";
import { Decimal, roundToMinor } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  pendingProrationLines,
  periodCharges,
  type SubscriptionLineJson,
  type SubscriptionTerms,
  seatTrueUpLines,
} from "../subscriptions/index.js";
import { meteredLines, type ScriptedUsage, scriptedUsage } from "../usage/index.js";
import type { NewLineRow } from "./store.js";

/**
 * The lines of one subscription period's invoice, shared by the billing run
 * and the upcoming-invoice preview so the preview is what the run creates.
 */

/**
 * Each line's product, from the catalog's price (revenue is posted per
 * product). One look-up per distinct price of the period.
 */
export async function productsOfLines(
  deps: Deps,
  lines: readonly SubscriptionLineJson[],
): Promise<Map<string, string>> {
  const products = new Map<string, string>();
  for (const priceId of new Set(lines.map((line) => line.price))) {
    if (!isId("price", priceId)) continue;
    // A price never changes product: read once per memo scope (a preview, a dry run, a run's page).
    products.set(priceId, (await priceFacts(deps, priceId)).product);
  }
  return products;
}

export interface PeriodLines {
  lines: SubscriptionLineJson[];
  /** The pending proration lines taken, to mark invoiced in the same transaction. */
  proration_ids: string[];
  /**
   * The script-rated usage behind the usage lines: its `store` writes the
   * charges, and must run in the draft's transaction before the lines are
   * inserted (usage ties each charge to its line as the line is written).
   */
  scripted: ScriptedUsage;
}

/**
 * Recurring charges of the period, then the metered prices' usage (usage
 * module), then the seat true-up, then the pending
 * prorations (only on the first invoice of a catch-up, `withProrations`).
 * The true-up follows the billing instant: in advance a period is billed at
 * its start, so it carries the true-up of the period before; in arrears,
 * its own.
 */
export async function periodLines(
  deps: Deps,
  subscription: { id: string; billing_timing: string },
  period: BillingPeriod,
  withProrations: boolean,
  // A preview (upcoming invoice, dry run) rates usage and is given no way to store the charges.
  options: { preview: boolean } = { preview: false },
): Promise<PeriodLines> {
  const charges = await periodCharges(deps, subscription.id, period.index);
  const trueUpIndex = subscription.billing_timing === "in_arrears" ? period.index : period.index - 1;
  const trueUps = trueUpIndex < 0 ? [] : await seatTrueUpLines(deps, subscription.id, trueUpIndex);
  const prorations = withProrations ? await pendingProrationLines(deps, subscription.id) : [];
  const usage = await meteredLines(
    deps,
    "phases" in subscription ? (subscription as SubscriptionTerms) : subscription.id,
    period,
  );
  // Script-rated usage (charge scripts) needs the terms; the billing paths and the preview pass them.
  const scripted =
    "phases" in subscription
      ? await scriptedUsage(deps, subscription as SubscriptionTerms, period)
      : { lines: [], store: null, period: null };
  return {
    lines: [...charges, ...usage, ...scripted.lines, ...trueUps, ...prorations],
    proration_ids: prorations.flatMap((line) => (line.id === undefined ? [] : [line.id])),
    // A preview (upcoming invoice, dry run) writes nothing: it never gets the store.
    scripted: options.preview ? { ...scripted, store: null } : scripted,
  };
}

/**
 * A subscription line as an invoice line. Quantity × unit amount is kept when
 * it gives the line's amount; a prorated or tiered amount is not a product
 * of the two, so it is stored as one unit of its amount (the description
 * still names the seats).
 */
export function invoiceLineRow(
  line: SubscriptionLineJson,
  invoiceId: string,
  position: number,
  newLineId: () => string,
  products: ReadonlyMap<string, string> = new Map(),
): NewLineRow {
  const amount = new Decimal(line.amount);
  const quantity = new Decimal(line.quantity);
  const unit = line.unit_amount === null ? undefined : new Decimal(line.unit_amount);
  const exact = unit !== undefined && roundToMinor(quantity.times(unit), line.currency).eq(amount);
  return {
    id: newLineId(),
    invoice_id: invoiceId,
    position,
    description: line.description,
    // The API form of an instant (UTC, "Z", at most milliseconds here) is what Date parses natively,
    // at a fraction of Temporal's cost on a billing run's hot path.
    period_start: new Date(line.period_start),
    period_end: new Date(line.period_end),
    quantity: exact ? quantity.toString() : "1",
    unit_amount: exact && unit !== undefined ? unit.toString() : amount.toString(),
    amount: "0",
    proration: line.proration,
    source_type: "subscription",
    source_id: line.id ?? line.price,
    product_id: products.get(line.price) ?? null,
    tax_rate: "0",
    tax_name: "No tax",
    tax_amount: "0",
  };
}
