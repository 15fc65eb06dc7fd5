import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { approve } from "../access/index.js";
import { createCustomer } from "../customers/index.js";
import { finalizeInvoice, listInvoices, runBilling } from "../invoicing/index.js";
import { listJobs } from "../jobs/index.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { createSubscription } from "../subscriptions/index.js";
import { explainInvoiceLine } from "./explain-service.js";
import { ingestEvents } from "./ingest-service.js";
import { LATE_RATING_QUEUE, usageLateRatingQueues } from "./late-rating-jobs.js";
import { rateCustomerPeriod } from "./rating-service.js";
import { usageReconciliation } from "./reconciliation-service.js";
import { requestPublish } from "./script-publishing.js";
import { createVersion } from "./script-service.js";
import {
  analyst,
  approvedCustomerCard,
  controller,
  publishReference3pl,
  REFERENCE_3PL_SOURCE as source,
  warehouseAccountPrice,
} from "./three-pl-test-support.js";

/**
 * A 3PL warehouse client billed for October 2026 with the reference script
 * and the default 3PL rate card: events in, a billing run, an explained
 * line, a reconciliation; then a rate card change re-rated onto the draft,
 * a late event into the draft, and a late event after the invoice is final.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const at = (text: string) => Temporal.Instant.from(text);
const october = { start: at("2026-10-01T00:00:00Z"), end: at("2026-11-01T00:00:00Z") };
const setClock = (text: string) => {
  deps.clock = new TestClock(text);
};

const { script, version } = await publishReference3pl(deps, {
  is_default: true,
  effective_from: "2026-01-01T00:00:00Z",
});
const fee = await warehouseAccountPrice(deps);

let customers = 0;
/** A client on the monthly plan from October 1; `minimum` overrides the card's monthly minimum. */
async function client(minimum?: string): Promise<string> {
  customers++;
  const customer = await createCustomer(deps, analyst, {
    legal_name: `Warehouse client ${customers}`,
    currency: "USD",
    time_zone: "UTC",
  });
  if (minimum !== undefined) await approvedCustomerCard(deps, customer.id, { monthly_minimum: minimum });
  await createSubscription(deps, analyst, {
    customer: customer.id,
    items: [{ price: fee.id }],
    start_at: october.start,
  });
  return customer.id;
}

let sent = 0;
async function send(
  customer: string,
  events: [type: string, timestamp: string, properties: Record<string, unknown>][],
) {
  const outcome = await ingestEvents(
    deps,
    analyst,
    events.map(([type, timestamp, properties]) => ({
      transaction_id: `wms-${++sent}`,
      customer,
      type,
      timestamp,
      properties,
    })),
    { source: "batch" },
  );
  expect(outcome.results.map((result) => result.status)).toEqual(events.map(() => "accepted"));
}

/** What the job runner does with the late-rating jobs ingestion queued: each one's handler, oldest first. */
async function runLateRatingJobs() {
  const queued = await listJobs(deps, { queue: LATE_RATING_QUEUE, state: "created", limit: 100 });
  const queue = usageLateRatingQueues(deps)[LATE_RATING_QUEUE];
  for (const job of queued.data.toReversed()) await queue?.handler({ data: job.data as never });
}

const OCTOBER_EVENTS: [string, string, Record<string, unknown>][] = [
  [
    "inbound.received",
    "2026-10-02T15:00:00Z",
    { warehouse: "RNO1", sku: "SKU-1", cartons: 12, pallets: 2, units: 480 },
  ],
  ["inventory.snapshot", "2026-10-10T06:00:00Z", { warehouse: "RNO1", storage_type: "chilled", pallets: 37 }],
  ["inventory.snapshot", "2026-10-11T06:00:00Z", { warehouse: "RNO1", storage_type: "chilled", pallets: 40 }],
];

async function invoicesOf(customer: string) {
  return (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data.toReversed();
}
const figures = (invoice: { lines: { description: string; quantity: string; amount: string }[] } | undefined) =>
  invoice?.lines.map((line) => [line.description, line.quantity, line.amount]);

describe("rating a 3PL month", () => {
  let clean: string;
  let invoiceId: string;

  it("bills the month's usage through a billing run, one line per code and dimensions", async () => {
    clean = await client("50.00");
    setClock("2026-10-20T00:00:00Z");
    await send(clean, OCTOBER_EVENTS);
    setClock("2026-11-01T00:00:00Z");
    const run = await runBilling(deps, analyst, { as_of: deps.clock.now(), customer: clean });
    // 100.00 fee + 15.00 + 19.00 + 65.45 = 199.45; the 50.00 minimum is met, so no top-up line.
    expect(run).toMatchObject({ invoices_created: 1, totals: { USD: "199.45" } });
    const [invoice] = await invoicesOf(clean);
    invoiceId = invoice?.id as string;
    expect(figures(invoice)).toEqual([
      [expect.any(String), "1", "100.00"],
      ["Receiving, per carton", "12", "15.00"], // 12 cartons × 1.25
      ["Receiving, per pallet", "2", "19.00"], // 2 pallets × 9.50
      ["Storage, per pallet-day (chilled)", "77", "65.45"], // (37 + 40) × 0.85
    ]);
  });

  it("explains a usage line down to its events, script version and rate card version", async () => {
    const [invoice] = await invoicesOf(clean);
    const storage = invoice?.lines[3];
    const explained = await explainInvoiceLine(deps, storage?.id as string, { limit: 1 });
    if (explained.kind !== "rated_usage") throw new Error(`a usage line explains as ${explained.kind}`);
    expect(explained.arithmetic).toEqual({
      charges: 2,
      sum_of_charges: "65.45", // 37 × 0.85 + 40 × 0.85 = 31.45 + 34.00, exact
      sum_of_charges_rounded: "65.45", // already whole cents: the line's one rounding changes nothing
      line_amount: "65.45",
      matches: true,
    });
    expect(explained.charges.has_more).toBe(true);
    const [first] = explained.charges.data;
    expect(first?.event).toMatchObject({ type: "inventory.snapshot", transaction_id: expect.stringMatching(/^wms-/) });
    expect(first?.script_version).toBe(version.id);
    expect(explained.script_versions).toEqual([expect.objectContaining({ id: version.id, number: 1 })]);
    // The default card's version and the client's own card (its 50.00 minimum).
    expect(explained.rate_card_versions).toHaveLength(2);
    const fee = await explainInvoiceLine(deps, invoice?.lines[0]?.id as string, { limit: 10 });
    expect(fee.kind).toBe("other");
  });

  it("reconciles to zero differences", async () => {
    const { data } = await usageReconciliation(deps, {
      customer: clean,
      period_start: october.start,
      period_end: october.end,
    });
    expect(data[0]).toMatchObject({
      events: { received: 3, stored: 3, rated: 3, unrated: 0, not_rated_yet: 0, duplicates: 0 },
      amounts: { rated: "99.45", on_drafts: "99.45", not_invoiced: "0.00" },
      balanced: true,
    });
  });

  it("re-rates the draft after a script change", async () => {
    // Version 2 adds a 0.25 handling surcharge per carton, for the whole of October.
    const fixed = source.replace('emit("receiving_carton", cartons, ', 'emit("receiving_carton", cartons, 0.25 + ');
    expect(fixed).not.toBe(source);
    const second = await createVersion(deps, analyst, script.id, { source: fixed });
    const asked = await requestPublish(deps, analyst, script.id, second.id, {
      effective_from: october.start.toString(),
    });
    await approve(deps, controller, asked.approval.id);
    const run = await rateCustomerPeriod(deps, analyst, clean, october);
    expect(run).toMatchObject({ draft_invoice: invoiceId, amount: "102.45", events_rated: 3 }); // 12 × 1.50 + 19.00 + 65.45
    const [invoice] = await invoicesOf(clean);
    expect(invoice?.total).toBe("202.45"); // 100.00 + 102.45
    expect(figures(invoice)?.[1]).toEqual(["Receiving, per carton", "12", "18.00"]);
  });

  it("re-rates the draft when a late event arrives for its period", async () => {
    setClock("2026-11-02T00:00:00Z");
    await send(clean, [
      ["inbound.received", "2026-10-30T10:00:00Z", { warehouse: "RNO1", sku: "SKU-9", cartons: 4, pallets: 0 }],
    ]);
    await runLateRatingJobs();
    const [invoice] = await invoicesOf(clean);
    expect(invoice?.total).toBe("208.45"); // 202.45 + 4 cartons × 1.50
    expect(figures(invoice)?.[1]).toEqual(["Receiving, per carton", "16", "24.00"]);
  });

  it("bills a late event into a finalized period as an adjustment on the next invoice", async () => {
    await finalizeInvoice(deps, controller, invoiceId);
    await expect(rateCustomerPeriod(deps, analyst, clean, october)).rejects.toMatchObject({
      code: "usage_period_finalized",
    });
    setClock("2026-11-03T00:00:00Z");
    await send(clean, [
      ["inbound.received", "2026-10-31T10:00:00Z", { warehouse: "RNO1", sku: "SKU-9", cartons: 2, pallets: 1 }],
    ]);
    await runLateRatingJobs();
    setClock("2026-12-01T00:00:00Z");
    await runBilling(deps, analyst, { as_of: deps.clock.now(), customer: clean });
    const [, november] = await invoicesOf(clean);
    // 2 cartons × 1.50 + 1 pallet × 9.50 = 12.50; November had no usage of its own.
    expect(figures(november)).toContainEqual(["Usage adjustment for 2026-10-01 to 2026-11-01: +12.50", "1", "12.50"]);
    const line = november?.lines.find((l) => l.description.startsWith("Usage adjustment"));
    const explained = await explainInvoiceLine(deps, line?.id as string, { limit: 10 });
    if (explained.kind !== "rated_usage") throw new Error(`an adjustment explains as ${explained.kind}`);
    expect(explained.arithmetic).toMatchObject({ charges: 2, sum_of_charges: "12.50", matches: true });
    const { data } = await usageReconciliation(deps, {
      customer: clean,
      period_start: october.start,
      period_end: october.end,
    });
    expect(data[0]).toMatchObject({
      events: { received: 5, rated: 5, unrated: 0 },
      // 108.45 invoiced in October + 12.50 adjusted in November
      amounts: { rated: "120.95", invoiced_finalized: "108.45", adjustments: "12.50", not_invoiced: "0.00" },
      balanced: true,
    });
  });
});

describe("an event the script cannot rate", () => {
  it("is unrated with the script's line; the rest is billed, with the monthly minimum", async () => {
    setClock("2026-09-20T00:00:00Z");
    const customer = await client();
    setClock("2026-10-20T00:00:00Z");
    await send(customer, [
      ...OCTOBER_EVENTS,
      ["inventory.snapshot", "2026-10-12T06:00:00Z", { warehouse: "RNO1", storage_type: "lukewarm", pallets: 5 }],
    ]);
    setClock("2026-11-01T00:00:00Z");
    await runBilling(deps, analyst, { as_of: deps.clock.now(), customer });
    const [invoice] = await invoicesOf(customer);
    // Script version 2: 12 × 1.50 = 18.00; usage 18.00 + 19.00 + 65.45 = 102.45; top-up 1,500.00 − 102.45 = 1,397.55.
    expect(figures(invoice)?.slice(1)).toEqual([
      ["Receiving, per carton", "12", "18.00"],
      ["Receiving, per pallet", "2", "19.00"],
      ["Storage, per pallet-day (chilled)", "77", "65.45"],
      ["Monthly minimum, top-up", "1", "1397.55"],
    ]);
    const { data } = await usageReconciliation(deps, {
      customer,
      period_start: october.start,
      period_end: october.end,
    });
    const report = data[0];
    if (report === undefined) throw new Error("no reconciliation for the customer");
    expect(report.events).toMatchObject({ received: 4, rated: 3, unrated: 1 });
    expect(report.balanced).toBe(false);
    expect(report.differences.unrated_events).toEqual([
      expect.objectContaining({
        code: "script_runtime_error",
        script_line: expect.any(Number),
        message: expect.stringContaining("storage_pallet_day_lukewarm"),
      }),
    ]);
  });

  it("refuses a period backwards and a customer without a script", async () => {
    const customer = await client();
    const backwards = rateCustomerPeriod(deps, analyst, customer, { start: october.end, end: october.start });
    await expect(backwards).rejects.toBeInstanceOf(DomainError);
    await expect(backwards).rejects.toMatchObject({ code: "usage_period_invalid" });
  });
});
