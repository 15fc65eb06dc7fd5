import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { runBilling } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { createSubscription } from "../subscriptions/index.js";
import { ingestEvents } from "./ingest-service.js";
import { usageReconciliation } from "./reconciliation-service.js";
import { assignScript } from "./script-publishing.js";
import { analyst, approvedCustomerCard, publishReference3pl, warehouseAccountPrice } from "./three-pl-test-support.js";

/**
 * Duplicates in the reconciliation are counted by the timestamp each repeat
 * carried, inside the customer's own period, as its events are. Two
 * warehouse clients far from UTC send one receipt half an hour before their
 * local midnight of October 31 and one half an hour after it, then send them
 * again. Counted per UTC day, both clients' repeats all fell in November:
 *
 * - Los Angeles (UTC−7 in October): 23:30 on Oct 31 is 06:30Z on Nov 1;
 * - Auckland (UTC+13): 00:30 on Nov 1 is 11:30Z on Oct 31, a UTC day that
 *   the old count gave to November because the October period ends at
 *   11:00Z that day, and 23:30 on Oct 31 (10:30Z on Oct 31) with it.
 *
 * Rated with the reference 3PL script and the default card (receiving 1.25
 * a carton), with a 1.00 minimum so no top-up line hides the usage.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-20T00:00:00Z") };
const setClock = (text: string) => {
  deps.clock = new TestClock(text);
};

const { script } = await publishReference3pl(deps, { is_default: false, effective_from: "2026-01-01T00:00:00Z" });
const fee = (await warehouseAccountPrice(deps)).id;

const localInstant = (dateTime: string, timeZone: string) =>
  Temporal.PlainDateTime.from(dateTime).toZonedDateTime(timeZone).toInstant();

async function warehouseClient(legal_name: string, time_zone: string) {
  const customer = await createCustomer(deps, analyst, { legal_name, time_zone, currency: "USD" });
  await approvedCustomerCard(deps, customer.id, { monthly_minimum: "1.00" });
  await assignScript(deps, analyst, customer.id, script.id);
  const midnight = (date: string) => localInstant(`${date}T00:00`, time_zone);
  const october = { start: midnight("2026-10-01"), end: midnight("2026-11-01") };
  const november = { start: october.end, end: midnight("2026-12-01") };
  await createSubscription(deps, analyst, { customer: customer.id, items: [{ price: fee }], start_at: october.start });
  return { id: customer.id, time_zone, october, november };
}

const losAngeles = await warehouseClient("Birchline Foods Inc.", "America/Los_Angeles");
const auckland = await warehouseClient("Kauri Freight Ltd", "Pacific/Auckland");

type Client = typeof losAngeles;

/** A receipt of `cartons` at a local wall-clock time of the client; the transaction id names the client and time. */
function receipt(client: Client, local: string, cartons: number) {
  return {
    transaction_id: `rcv-${client.id}-${local}`,
    customer: client.id,
    type: "inbound.received",
    timestamp: localInstant(local, client.time_zone).toString(),
    properties: { warehouse: "WH1", sku: "SKU-1", cartons, pallets: 0, units: cartons * 12 },
  };
}

async function reconcile(client: Client, period: { start: Temporal.Instant; end: Temporal.Instant }) {
  const { data } = await usageReconciliation(deps, {
    customer: client.id,
    period_start: period.start,
    period_end: period.end,
  });
  return data[0];
}

describe("duplicates at a period boundary far from UTC", () => {
  it("stores each receipt once and counts every repeat", async () => {
    setClock("2026-11-01T08:00:00Z");
    for (const client of [losAngeles, auckland]) {
      const lastOfOctober = receipt(client, "2026-10-31T23:30", 4);
      const firstOfNovember = receipt(client, "2026-11-01T00:30", 8);
      const first = await ingestEvents(deps, analyst, [lastOfOctober, firstOfNovember], { source: "batch" });
      expect(first.counts).toMatchObject({ accepted: 2, duplicates: 0 });
      // The log sent again, and October's receipt a third time (in one batch with it, also a duplicate).
      const again = await ingestEvents(deps, analyst, [lastOfOctober, firstOfNovember, lastOfOctober], {
        source: "batch",
      });
      expect(again.counts).toMatchObject({ accepted: 0, duplicates: 3 });
    }
  });

  it("balances October with its own repeats: received = rated + duplicates, rated = on the draft", async () => {
    await runBilling(deps, analyst, { as_of: deps.clock.now() });
    for (const client of [losAngeles, auckland]) {
      expect(await reconcile(client, client.october)).toMatchObject({
        // 1 receipt stored (23:30 on Oct 31) + its 2 repeats = 3 received
        events: { received: 3, stored: 1, rated: 1, unrated: 0, not_rated_yet: 0, duplicates: 2 },
        // 4 cartons × 1.25 = 5.00, above the 1.00 minimum
        amounts: { rated: "5.00", on_drafts: "5.00", not_invoiced: "0.00" },
        balanced: true,
      });
    }
  });

  it("balances November with its own repeat", async () => {
    setClock("2026-12-01T09:00:00Z");
    await runBilling(deps, analyst, { as_of: deps.clock.now() });
    for (const client of [losAngeles, auckland]) {
      expect(await reconcile(client, client.november)).toMatchObject({
        // 1 receipt stored (00:30 on Nov 1) + its 1 repeat = 2 received
        events: { received: 2, stored: 1, rated: 1, unrated: 0, not_rated_yet: 0, duplicates: 1 },
        // 8 cartons × 1.25 = 10.00
        amounts: { rated: "10.00", on_drafts: "10.00", not_invoiced: "0.00" },
        balanced: true,
      });
    }
  });

  it("counts a repeat at the timestamp it carried, whatever the stored event's", async () => {
    // October's receipt sent again stamped 01:00 on Nov 1 local: received in November, a repeat there.
    const restamped = { ...receipt(auckland, "2026-10-31T23:30", 4), timestamp: "2026-10-31T12:00:00Z" };
    const outcome = await ingestEvents(deps, analyst, [restamped], { source: "batch" });
    expect(outcome.counts).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await reconcile(auckland, auckland.october))?.events).toMatchObject({ received: 3, duplicates: 2 });
    // 1 stored + 1 repeat + the restamped repeat = 3
    expect((await reconcile(auckland, auckland.november))?.events).toMatchObject({ received: 3, duplicates: 2 });
  });
});
