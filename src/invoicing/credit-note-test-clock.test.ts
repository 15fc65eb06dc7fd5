import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer, deleteTestClockAndObjects, insertTestClock } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { newId } from "../kernel/ids.js";
import { createCreditNote } from "./credit-note-service.js";
import { finalizeInvoice } from "./finalization.js";
import { createDraft } from "./service.js";

/**
 * A test-clock customer's credit notes are numbered in the clock's own
 * series, as its invoices are, so deleting the clock (which deletes its
 * notes) leaves no hole in the live credit note series.
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-10T09:00:00Z");
const deps = { db, clock };
const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "admin", user_id: "usr_analyst", display_name: "Mara Keller" },
  request_id: "req_credit_note_clock_test",
};

const fee = { description: "Platform fee", unit_amount: "500" };

async function creditedInvoice(customerId: string) {
  const draft = await createDraft(deps, analyst, { customer_id: customerId, lines: [fee] });
  const invoice = await finalizeInvoice(deps, analyst, draft.id);
  const note = await createCreditNote(deps, analyst, {
    invoice: invoice.id,
    scope: "whole_invoice",
    reason: "duplicate",
    outcome: "reduce_amount_due",
  });
  return { invoice, note };
}

describe("credit notes of test-clock customers", () => {
  it("take the clock's series; deleting the clock leaves the live series without a gap", async () => {
    const live = await createCustomer(deps, analyst, { legal_name: "Live Buyer Ltd", currency: "USD" });
    const clockId = newId("test_clock");
    await insertTestClock(db, {
      id: clockId,
      name: "Year of billing",
      frozen_time: Temporal.Instant.from("2027-01-05T12:00:00Z"),
      at: clock.now(),
    });
    const simulated = await createCustomer(deps, analyst, {
      legal_name: "Simulated Buyer Ltd",
      currency: "USD",
      test_clock: clockId,
    });
    const prefix = `TC-${clockId.slice(-10).toUpperCase()}`;

    const first = await creditedInvoice(live.id);
    const onClock = await creditedInvoice(simulated.id);
    // Dated at the clock's frozen time (2027), numbered in its series.
    expect(onClock.invoice.number).toBe(`${prefix}-2027-000001`);
    expect(onClock.note.number).toBe(`${prefix}-CN-2027-000001`);
    expect(first.note.number).toBe("CN-2026-000001");

    await deleteTestClockAndObjects(db, clockId);
    const second = await creditedInvoice(live.id);
    expect(second.note.number).toBe("CN-2026-000002"); // no number went to the deleted clock
    const series = await sql<{ prefix: string }>`
      select prefix from invoice_number_series where prefix like 'TC-%'`.execute(db);
    expect(series.rows).toEqual([]); // the clock's invoice and credit note series went with it
  });
});
