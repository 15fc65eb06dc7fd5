import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { listAuditEvents } from "../access/index.js";
import {
  approveRateCardVersion,
  createRateCardVersion,
  listRateCardVersions,
  requestRateCardApproval,
  updateRateCardDraft,
} from "../catalog/index.js";
import { finalizeInvoice, getInvoice, listInvoices } from "../invoicing/index.js";
import { listJobs } from "../jobs/index.js";
import { TestClock } from "../kernel/clock.js";
import { advanceTestClock } from "../testclocks/advance.js";
import { createTestClock } from "../testclocks/service.js";
import { LATE_RATING_QUEUE } from "./late-rating-jobs.js";
import { analyst, ratingBook } from "./rating-choice-test-support.js";
import { approvedCustomerCard, controller } from "./three-pl-test-support.js";

/**
 * A rate change agreed after the date it applies from: on December 10 the
 * client's receiving rate goes from 1.00 to 1.50 a carton from October 15.
 * October is invoiced and finalized, November is a draft. The backdated
 * version lists both when it is created and when it is approved; approval
 * re-rates November's draft (a durable job, run when the test clock
 * advances) and leaves October's invoice as it was, for a person to credit.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const book = await ratingBook(deps, { is_default: true });
const clock = await createTestClock(deps, analyst, { name: "Backdated rates", frozen_time: "2026-09-15T00:00:00Z" });
const client = await book.client("Backdated rates client", { test_clock: clock.id });
// No monthly minimum on this client's card, so a receiving rate moves the total.
const card = await approvedCustomerCard(deps, client, { receiving_carton: "1.00", monthly_minimum: "0.00" });

const invoices = async () => (await listInvoices(deps, { customer_id: client }, { limit: 10 })).data;
const novemberRuns = async () =>
  (
    await sql<{ reason: string; rate_card_version_ids: string[]; late_events: boolean }>`
      select reason, rate_card_version_ids, late_events from usage_rating_runs
       where customer_id = ${client} and period_start = '2026-11-01T00:00:00Z' order by created_at, id`.execute(db)
  ).rows;
const linesOf = (invoice: { lines: { description: string; quantity: string; amount: string }[] } | undefined) =>
  invoice?.lines.map((line) => [line.description, line.quantity, line.amount]);
const cartons = (timestamp: string, count: number) =>
  ["inbound.received", timestamp, { warehouse: "RNO1", cartons: count, pallets: 0 }] as [
    string,
    string,
    Record<string, unknown>,
  ];

describe("a backdated rate card version", () => {
  let october: string;
  let november: string;
  let octoberNumber: string | null;

  it("sets the scene: October finalized, November a draft", async () => {
    deps.clock = new TestClock("2026-10-25T00:00:00Z");
    await book.send(client, [cartons("2026-10-20T10:00:00Z", 12)]);
    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-11-02T00:00:00Z" });
    const [first] = await invoices();
    october = first?.id as string;
    const finalized = await finalizeInvoice(deps, analyst, october);
    octoberNumber = finalized.number;
    expect(finalized.total).toBe("112.00"); // 100.00 account + 12 × 1.00 receiving

    deps.clock = new TestClock("2026-11-20T00:00:00Z");
    await book.send(client, [cartons("2026-11-05T10:00:00Z", 10)]);
    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-12-02T00:00:00Z" });
    const draft = (await invoices()).find((invoice) => invoice.id !== october);
    november = draft?.id as string;
    expect(draft?.status).toBe("draft");
    expect(linesOf(draft)?.[1]).toEqual(["Receiving, per carton", "10", "10.00"]); // 10 × 1.00
  });

  it("lists the periods it covers when it is created, and changes nothing yet", async () => {
    deps.clock = new TestClock("2026-12-10T09:00:00Z");
    const version = await createRateCardVersion(deps, analyst, card, {
      set: { receiving_carton: "1.50" },
      effective_from: Temporal.Instant.from("2026-10-15T00:00:00Z"),
      note: "New receiving rate from October 15, agreed December 10",
    });
    expect(version.affected_periods).toEqual({
      effective_from: "2026-10-15T00:00:00Z",
      assessed_at: "2026-12-10T09:00:00Z",
      finalized: [
        {
          customer: client,
          period_start: "2026-10-01T00:00:00.000Z",
          period_end: "2026-11-01T00:00:00.000Z",
          invoice: october,
          invoice_number: octoberNumber,
          invoice_status: "open", // finalized, not yet paid
        },
      ],
      draft: [
        {
          customer: client,
          period_start: "2026-11-01T00:00:00.000Z",
          period_end: "2026-12-01T00:00:00.000Z",
          invoice: november,
        },
      ],
    });
    expect(linesOf(await getInvoice(deps, november))?.[1]).toEqual(["Receiving, per carton", "10", "10.00"]);
  });

  it("may not start at or before the version it replaces; nothing was written by the refusal", async () => {
    // Version 1 starts 2026-01-01: a start on or before it would leave two versions for one instant.
    await expect(
      updateRateCardDraft(deps, analyst, card, "2", { effective_from: Temporal.Instant.from("2026-01-01T00:00:00Z") }),
    ).rejects.toMatchObject({ code: "rate_card_version_out_of_order", param: "effective_from" });
    const versions = await listRateCardVersions(deps, card);
    expect(versions.map((version) => [version.number, version.status, version.effective_from])).toEqual([
      [1, "approved", "2026-01-01T00:00:00Z"],
      [2, "draft", "2026-10-15T00:00:00Z"],
    ]);
  });

  it("on approval re-rates the draft, leaves the finalized invoice alone, and says so", async () => {
    const { approval } = await requestRateCardApproval(deps, analyst, card, "2");
    expect(approval.summary).toContain(
      "backdated over 1 finalized period(s), left as invoiced, and 1 draft period(s), re-rated on approval",
    );
    deps.clock = new TestClock("2026-12-10T15:00:00Z");
    const decided = await approveRateCardVersion(deps, controller, card, "2");
    expect(decided.approval.status).toBe("approved");
    expect(decided.approval.id).toBe(approval.id);
    expect(decided.version).toMatchObject({ status: "approved", effective_from: "2026-10-15T00:00:00Z" });
    expect(decided.version.affected_periods).toMatchObject({
      assessed_at: "2026-12-10T15:00:00Z",
      finalized: [{ invoice: october, invoice_number: octoberNumber }],
      draft: [{ invoice: november, period_start: "2026-11-01T00:00:00.000Z" }],
    });
    const queued = (await listJobs({ db }, { queue: LATE_RATING_QUEUE, state: "created", limit: 10 })).data;
    expect(queued.map((job) => job.data)).toEqual([
      expect.objectContaining({
        customer: client,
        period_start: "2026-11-01T00:00:00.000Z",
        reason: "rate_card_change",
        rate_card_version: decided.version.id,
      }),
    ]);

    // The test clock's advance runs what its customers are owed before it bills.
    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-12-03T00:00:00Z" });
    const draft = await getInvoice(deps, november);
    expect(draft.status).toBe("draft");
    expect(linesOf(draft)?.[1]).toEqual(["Receiving, per carton", "10", "15.00"]); // 10 × 1.50
    expect(draft.total).toBe("115.00"); // 100.00 + 15.00

    const invoiced = await getInvoice(deps, october);
    expect(invoiced.total).toBe("112.00"); // still 12 × 1.00: a person credits it
    expect(linesOf(invoiced)?.[1]).toEqual(["Receiving, per carton", "12", "12.00"]);

    // The rating says the rate card version asked for it, not late events.
    expect(await novemberRuns()).toEqual([
      { reason: "billing", rate_card_version_ids: [], late_events: false },
      { reason: "rate_card_change", rate_card_version_ids: [decided.version.id], late_events: false },
    ]);
    const rated = await listAuditEvents(deps, { limit: 100, object_type: "customer", object_id: client });
    expect(rated.data.find((event) => event.action === "usage.period_rated")?.after).toMatchObject({
      reason: "rate_card_change",
      rate_card_versions: [decided.version.id],
      late_events: false,
    });
  });

  it("audits the creation and the approval with the periods covered", async () => {
    const events = (await listAuditEvents(deps, { limit: 100, object_type: "rate_card" })).data as {
      action: string;
      after: Record<string, unknown> | null;
    }[];
    const created = events.find((event) => event.action === "rate_card.version_created");
    expect(created?.after).toMatchObject({ number: 2, affected_periods: { finalized: [{ invoice: october }] } });
    const approved = events.find((event) => event.action === "rate_card.backdated_version_approved");
    expect(approved?.after).toMatchObject({
      number: 2,
      finalized: [{ invoice: october }],
      draft: [{ invoice: november }],
      draft_rerating: "queued",
    });
  });

  it("names both reasons when late events are owed too when the job runs", async () => {
    // On December 12 a late receipt for November 20 arrives, and a third version (receiving 2.00 from
    // November 15) is approved before the re-rating they both ask for has run.
    deps.clock = new TestClock("2026-12-12T09:00:00Z");
    await book.send(client, [cartons("2026-11-20T10:00:00Z", 4)]);
    const version = await createRateCardVersion(deps, analyst, card, {
      set: { receiving_carton: "2.00" },
      effective_from: Temporal.Instant.from("2026-11-15T00:00:00Z"),
      note: "Receiving at 2.00 from November 15",
    });
    await requestRateCardApproval(deps, analyst, card, String(version.number));
    deps.clock = new TestClock("2026-12-12T15:00:00Z");
    const decided = await approveRateCardVersion(deps, controller, card, String(version.number));
    expect(decided.version.affected_periods).toMatchObject({ finalized: [], draft: [{ invoice: november }] });

    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-12-04T00:00:00Z" });
    expect((await getInvoice(deps, november)).total).toBe("123.00"); // 100.00 + 10 × 1.50 + 4 × 2.00
    expect((await novemberRuns()).at(-1)).toEqual({
      reason: "rate_card_change",
      rate_card_version_ids: [decided.version.id],
      late_events: true,
    });
  });
});
