import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { periodCharges, seatTrueUpLines, subscriptionTerms, usageQuantitiesFor } from "./billing.js";
import {
  cancelSubscription,
  changeItems,
  listChanges,
  markProrationLinesInvoiced,
  pendingProrationLines,
  previewChange,
} from "./changes.js";
import {
  createSubscription,
  getSubscription,
  markPeriodBilled,
  pauseSubscription,
  resumeSubscription,
  setCustomerProrationDefault,
} from "./lifecycle.js";
import { billablePeriods } from "./model.js";
import { ctx, customerIn, local, seatPlan } from "./test-support.js";

const { db } = await freshDatabase();
// Each story starts at its own date, so the clock is replaced rather than moved backwards.
const deps = { db, clock: new TestClock("2024-01-01T00:00:00Z") };
const setClock = (instant: Temporal.Instant) => {
  deps.clock = new TestClock(instant);
};
const NY = "America/New_York";
const fixture = await seatPlan(deps, { amounts: ["10.00", "5.00"] });
const arrears = await seatPlan(deps, { billing_timing: "in_arrears" });
const seat = fixture.prices["10.00"] as string;
const launchSeat = fixture.prices["5.00"] as string;
const arrearsSeat = arrears.prices["10.00"] as string;

const amounts = (lines: readonly { amount: string }[]) => lines.map((line) => line.amount);
const periodIndexes = (periods: readonly { index: number }[]) => periods.map((period) => period.index);

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

async function count(table: string, where: string, value: string): Promise<number> {
  const result = await sql<{
    n: string;
  }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(where)} = ${value}`.execute(db);
  return Number(result.rows[0]?.n);
}

/** 10 seats at 10.00 from local midnight on `date` in `zone`. */
async function tenSeats(date: string, zone: string, price = seat) {
  setClock(local(`${date}T00:00`, zone));
  const customer = await customerIn(deps, zone);
  return createSubscription(deps, ctx, { customer, items: [{ price, quantity: "10" }] });
}

describe("seat changes with create_prorations", () => {
  it("+5 seats after 15 of April's 30 days: credit and charge to the cent", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-16T00:00", NY));
    const change = { items: [{ price: seat, quantity: "15" }], proration_behavior: "create_prorations" as const };
    const preview = await previewChange(deps, sub.id, change);
    expect(amounts(preview.lines)).toEqual([
      "-50.00", // −10 × 10.00 × 15 d / 30 d (1,296,000 s of 2,592,000 s)
      "75.00", // 15 × 10.00 × 15 d / 30 d
    ]);
    expect(await pendingProrationLines(deps, sub.id)).toEqual([]); // the preview wrote nothing

    await changeItems(deps, ctx, sub.id, change);
    const pending = await pendingProrationLines(deps, sub.id);
    expect(amounts(pending)).toEqual(["-50.00", "75.00"]);
    expect(pending.every((line) => line.proration && !line.invoice_now)).toBe(true);
    // Period 0 bills the 10 seats held at its start; period 1 the 15 held from the change.
    expect(amounts(await periodCharges(deps, sub.id, 0))).toEqual(["100.00"]); // 10 × 10.00
    expect(amounts(await periodCharges(deps, sub.id, 1))).toEqual(["150.00"]); // 15 × 10.00

    const changes = await listChanges(deps, sub.id, { limit: 10 });
    expect(changes.data[0]).toMatchObject({ kind: "items_changed", proration_behavior: "create_prorations" });
    expect(await count("audit_events", "object_id", sub.id)).toBe(2); // created, updated
    const taken = await markProrationLinesInvoiced(
      deps,
      db,
      pending.map((line) => line.id as string),
      "inv_test",
    );
    expect(taken).toBe(2);
    expect(
      await markProrationLinesInvoiced(
        deps,
        db,
        pending.map((line) => line.id as string),
        "inv_again",
      ),
    ).toBe(0);
    expect(await pendingProrationLines(deps, sub.id)).toEqual([]);
  });

  it("the same across the March DST change, to the second", async () => {
    const sub = await tenSeats("2024-03-01", NY);
    setClock(local("2024-03-16T00:00", NY));
    const preview = await previewChange(deps, sub.id, { items: [{ price: seat, quantity: "15" }] });
    // March in New York is 743 h (Mar 10 has 23 h) = 2,674,800 s; Mar 16 → Apr 1 is 1,382,400 s.
    expect(amounts(preview.lines)).toEqual([
      "-51.68", // −100.00 × 1,382,400 / 2,674,800 = −51.6823…
      "77.52", // 150.00 × 1,382,400 / 2,674,800 = 77.5235…
    ]);
  });

  it("always_invoice flags the lines; none writes the change without lines", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-16T00:00", NY));
    await changeItems(deps, ctx, sub.id, {
      items: [{ price: seat, quantity: "12" }],
      proration_behavior: "always_invoice",
    });
    const lines = await pendingProrationLines(deps, sub.id);
    expect(amounts(lines)).toEqual(["-50.00", "60.00"]); // −10 × 10 × 15/30; 12 × 10 × 15/30
    expect(lines.every((line) => line.invoice_now)).toBe(true);
    await changeItems(deps, ctx, sub.id, { items: [{ price: seat, quantity: "20" }], proration_behavior: "none" });
    expect(await pendingProrationLines(deps, sub.id)).toHaveLength(2);
  });

  it("falls back to the customer's default behaviour", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    await setCustomerProrationDefault(deps, sub.customer, "none");
    setClock(local("2024-04-16T00:00", NY));
    const preview = await previewChange(deps, sub.id, { items: [{ price: seat, quantity: "15" }] });
    expect(preview).toMatchObject({ proration_behavior: "none", lines: [] });
  });

  it("a plan change at period end is a scheduled phase, with no lines", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-16T00:00", NY));
    const after = await changeItems(deps, ctx, sub.id, {
      items: [{ price: launchSeat, quantity: "10" }],
      timing: "at_period_end",
    });
    expect(after.phases.map((phase) => phase.starts_at)).toEqual([
      local("2024-04-01T00:00", NY).toString(),
      local("2024-05-01T00:00", NY).toString(),
    ]);
    expect(await pendingProrationLines(deps, sub.id)).toEqual([]);
    expect(amounts(await periodCharges(deps, sub.id, 1))).toEqual(["50.00"]); // 10 × 5.00 from May
  });
});

describe("cancel, pause and resume", () => {
  it("cancel mid-period credits the unused time; nothing bills after", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-16T00:00", NY));
    const canceled = await cancelSubscription(deps, ctx, sub.id, {});
    expect(canceled.status).toBe("canceled");
    expect(amounts(await pendingProrationLines(deps, sub.id))).toEqual(["-50.00"]); // −100.00 × 15/30
    expect(await periodCharges(deps, sub.id, 1)).toEqual([]);
    const terms = await subscriptionTerms(deps, sub.id);
    expect(periodIndexes(billablePeriods(terms, local("2024-09-01T00:00", NY)))).toEqual([0]);
    expect((await rejection(pauseSubscription(deps, ctx, sub.id))).code).toBe("subscription_canceled");
  });

  it("cancel without credit, and cancel at period end", async () => {
    const first = await tenSeats("2024-04-01", NY);
    const second = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-16T00:00", NY));
    await cancelSubscription(deps, ctx, first.id, { proration_behavior: "none" });
    expect(await pendingProrationLines(deps, first.id)).toEqual([]);
    const scheduled = await cancelSubscription(deps, ctx, second.id, { at_period_end: true });
    expect(scheduled).toMatchObject({ status: "active", ended_at: local("2024-05-01T00:00", NY).toString() });
    setClock(local("2024-05-01T00:00", NY));
    expect((await getSubscription(deps, second.id)).status).toBe("canceled");
  });

  it("in arrears, a paused span is not billed", async () => {
    const sub = await tenSeats("2024-04-01", NY, arrearsSeat);
    setClock(local("2024-04-11T00:00", NY));
    expect((await pauseSubscription(deps, ctx, sub.id)).status).toBe("paused");
    setClock(local("2024-04-21T00:00", NY));
    expect((await resumeSubscription(deps, ctx, sub.id)).status).toBe("active");
    // 100.00 × 20 live days / 30 = 66.666… → 66.67
    const [april] = await periodCharges(deps, sub.id, 0);
    expect(april).toMatchObject({ amount: "66.67", quantity: "10" });
    // Not 10 × 10.00: the description says the line pays for part of its period.
    expect(april?.description).toMatch(/, part of the period$/);
    expect((await rejection(resumeSubscription(deps, ctx, sub.id))).code).toBe("subscription_not_paused");
    // Pause, resume and pause again at one frozen instant: one pause, still open.
    setClock(local("2024-04-25T00:00", NY));
    await pauseSubscription(deps, ctx, sub.id);
    await resumeSubscription(deps, ctx, sub.id);
    expect((await pauseSubscription(deps, ctx, sub.id)).status).toBe("paused");
  });

  it("in advance, a period starting while paused is skipped", async () => {
    const sub = await tenSeats("2024-04-01", NY);
    setClock(local("2024-04-20T00:00", NY));
    await pauseSubscription(deps, ctx, sub.id);
    setClock(local("2024-06-10T00:00", NY));
    await resumeSubscription(deps, ctx, sub.id);
    const terms = await subscriptionTerms(deps, sub.id);
    // April billed; May (paused at its start) and June 1 (still paused) skipped; July due at its start.
    expect(periodIndexes(billablePeriods(terms, local("2024-07-01T00:00", NY)))).toEqual([0, 3]);
    expect(await periodCharges(deps, sub.id, 1)).toEqual([]);
  });
});

describe("timing, trials, phases and the billing interface", () => {
  it("in advance is due at a period's start, in arrears at its end", async () => {
    const advance = await tenSeats("2024-04-01", NY);
    const later = await tenSeats("2024-04-01", NY, arrearsSeat);
    const mid = local("2024-04-15T00:00", NY);
    expect(periodIndexes(billablePeriods(await subscriptionTerms(deps, advance.id), mid))).toEqual([0]);
    expect(periodIndexes(billablePeriods(await subscriptionTerms(deps, later.id), mid))).toEqual([]);
    const mayFirst = local("2024-05-01T00:00", NY);
    expect(periodIndexes(billablePeriods(await subscriptionTerms(deps, later.id), mayFirst))).toEqual([0]);
    await db.transaction().execute((tx) => markPeriodBilled(deps, tx, advance.id, 0));
    expect(periodIndexes(billablePeriods(await subscriptionTerms(deps, advance.id), mayFirst))).toEqual([1]);
    const [line] = await periodCharges(deps, later.id, 0);
    expect(line).toMatchObject({ amount: "100.00", quantity: "10", unit_amount: "10", proration: false });
  });

  it("trial then paid: billing starts when the trial ends", async () => {
    setClock(local("2024-01-01T00:00", NY));
    const customer = await customerIn(deps, NY);
    const sub = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: seat, quantity: "3" }],
      trial_days: 14,
    });
    expect(sub).toMatchObject({ status: "trialing", trial_end: local("2024-01-15T00:00", NY).toString() });
    const terms = await subscriptionTerms(deps, sub.id);
    expect(billablePeriods(terms, local("2024-01-14T23:59", NY))).toEqual([]);
    const [first] = billablePeriods(terms, local("2024-01-15T00:00", NY));
    expect(first?.end.toString()).toBe(local("2024-02-15T00:00", NY).toString());
    expect(amounts(await periodCharges(deps, sub.id, 0))).toEqual(["30.00"]); // 3 × 10.00, trial not charged
  });

  it("phases: three months at a launch price, then list price", async () => {
    setClock(local("2024-01-01T00:00", NY));
    const customer = await customerIn(deps, NY);
    const sub = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: launchSeat, quantity: "4" }],
      phases: [{ starts_at: local("2024-04-01T00:00", NY), items: [{ price: seat, quantity: "4" }] }],
    });
    const backwards = createSubscription(deps, ctx, {
      customer,
      items: [{ price: launchSeat }],
      phases: [
        { starts_at: local("2024-04-01T00:00", NY), items: [{ price: seat }] },
        { starts_at: local("2024-03-01T00:00", NY), items: [{ price: seat }] },
      ],
    });
    expect(await rejection(backwards)).toMatchObject({
      code: "invalid_subscription_date",
      param: "phases[1].starts_at",
    });
    const charges = [];
    for (const index of [0, 1, 2, 3]) charges.push(amounts(await periodCharges(deps, sub.id, index)));
    expect(charges).toEqual([["20.00"], ["20.00"], ["20.00"], ["40.00"]]); // 4 × 5.00, then 4 × 10.00
  });

  it("metered prices are left to the usage module", async () => {
    setClock(local("2024-01-01T00:00", NY));
    const customer = await customerIn(deps, NY);
    const sub = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: seat, quantity: "1" }, { price: fixture.metered }],
    });
    expect(amounts(await periodCharges(deps, sub.id, 0))).toEqual(["10.00"]);
    const terms = await subscriptionTerms(deps, sub.id);
    const [period] = billablePeriods(terms, local("2024-01-01T00:00", NY));
    expect(usageQuantitiesFor(terms, period as never).map((usage) => usage.price_id)).toEqual([fixture.metered]);
  });

  it("seat true-up bills the highest count at period end", async () => {
    setClock(local("2024-04-01T00:00", NY));
    const customer = await customerIn(deps, NY);
    const sub = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: seat, quantity: "10" }],
      seat_true_up: true,
    });
    setClock(local("2024-04-10T00:00", NY));
    await changeItems(deps, ctx, sub.id, { items: [{ price: seat, quantity: "14" }] });
    setClock(local("2024-04-20T00:00", NY));
    await changeItems(deps, ctx, sub.id, { items: [{ price: seat, quantity: "8" }] });
    expect(await pendingProrationLines(deps, sub.id)).toEqual([]);
    expect(amounts(await seatTrueUpLines(deps, sub.id, 0))).toEqual(["40.00"]); // 14 × 10 − 10 × 10 billed
    expect(amounts(await periodCharges(deps, sub.id, 1))).toEqual(["80.00"]); // 8 seats from May
  });

  it("a term of 12 months ends or renews", async () => {
    setClock(local("2024-01-01T00:00", NY));
    const customer = await customerIn(deps, NY);
    const items = [{ price: seat, quantity: "1" }];
    const ending = await createSubscription(deps, ctx, { customer, items, term_periods: 12, auto_renew: false });
    expect(ending.ended_at).toBe(local("2025-01-01T00:00", NY).toString());
    const renewing = await createSubscription(deps, ctx, { customer, items, term_periods: 12 });
    expect(renewing).toMatchObject({ ended_at: null, current_term_end: local("2025-01-01T00:00", NY).toString() });
    setClock(local("2025-02-01T00:00", NY));
    expect((await getSubscription(deps, ending.id)).status).toBe("canceled");
    expect((await getSubscription(deps, renewing.id)).current_term_end).toBe(local("2026-01-01T00:00", NY).toString());
    const events = await sql<{
      type: string;
    }>`select type from outbox_events where data->'subscription'->>'id' = ${renewing.id}`.execute(db);
    expect(events.rows.map((row) => row.type)).toEqual(["subscription.created"]);
  });

  it("rejects a plan in another currency than the customer's", async () => {
    const customer = await customerIn(deps, NY, "EUR");
    const error = await rejection(createSubscription(deps, ctx, { customer, items: [{ price: seat }] }));
    expect(error).toMatchObject({ code: "subscription_currency_mismatch", param: "items[0].price" });
  });
});

describe("period boundaries in the customer's zone", () => {
  it("anchor 31 through February in a leap year", async () => {
    setClock(Temporal.Instant.from("2024-01-31T00:00:00Z"));
    const customer = await customerIn(deps, "UTC");
    const sub = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: seat, quantity: "1" }],
      billing_anchor: { kind: "day_of_month", day: 31 },
    });
    const terms = await subscriptionTerms(deps, sub.id);
    const ends = billablePeriods(terms, Temporal.Instant.from("2024-04-30T00:00:00Z")).map((p) => p.start.toString());
    expect(ends).toEqual([
      "2024-01-31T00:00:00Z",
      "2024-02-29T00:00:00Z",
      "2024-03-31T00:00:00Z",
      "2024-04-30T00:00:00Z",
    ]);
  });

  it.each([
    // NZDT is UTC+13: local midnight Jan 1 is 11:00 UTC on Dec 31; Feb 1 likewise.
    ["Pacific/Auckland", "2025-12-31T11:00:00Z", "2026-01-31T11:00:00Z"],
    // PST is UTC−8: local midnight is 08:00 UTC.
    ["America/Los_Angeles", "2026-01-01T08:00:00Z", "2026-02-01T08:00:00Z"],
  ])("%s: the January period starts and ends at local midnight", async (zone, start, end) => {
    const sub = await tenSeats("2026-01-01", zone);
    const [line] = await periodCharges(deps, sub.id, 0);
    expect([line?.period_start, line?.period_end]).toEqual([start, end]);
  });
});
