import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { archiveCustomer, unarchiveCustomer } from "../customers/index.js";
import { finalizeInvoice, listInvoices, runBilling } from "../invoicing/index.js";
import { type JobRunner, listJobs, retryJob, startJobs } from "../jobs/index.js";
import { eventually } from "../jobs/test-support.js";
import { TestClock } from "../kernel/clock.js";
import { ingestEvents } from "./ingest-service.js";
import { LATE_RATING_QUEUE, usageLateRatingQueues } from "./late-rating-jobs.js";
import { analyst, ratingBook } from "./rating-choice-test-support.js";

/**
 * Late events re-rate their period in a durable job: ingestion stores the
 * batch and queues one job per period, and returns; the job re-rates the
 * draft; a job that keeps failing ends in the dead-letter queue for a person.
 */

const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const book = await ratingBook(deps, { is_default: true });
const runners: JobRunner[] = [];
afterAll(async () => {
  for (const runner of runners) await runner.stop();
});

const fast = { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 };
async function startRunner(overrides: { retryLimit?: number; retryDelaySeconds?: number; retryBackoff?: boolean }) {
  const queue = usageLateRatingQueues(deps)[LATE_RATING_QUEUE];
  if (queue === undefined) throw new Error("no late-rating queue");
  const runner = await startJobs({
    db,
    clock: deps.clock,
    connectionString: url,
    handlers: { [LATE_RATING_QUEUE]: { ...queue, ...overrides } },
    tuning: fast,
    onError: () => {},
  });
  runners.push(runner);
  return runner;
}

const jobs = async (state: "created" | "completed" | "failed" | "dead") =>
  (await listJobs({ db }, { queue: LATE_RATING_QUEUE, state, limit: 100 })).data;
const draftOf = async (customer: string) =>
  (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data[0];
const owed = async (customer: string) =>
  (
    await sql<{ requests: string }>`
      select requests::text as requests from usage_late_ratings where customer_id = ${customer}`.execute(db)
  ).rows;

const cartons = (timestamp: string, count: number) =>
  ["inbound.received", timestamp, { warehouse: "RNO1", cartons: count, pallets: 0 }] as [
    string,
    string,
    Record<string, unknown>,
  ];

describe("late events as a durable job", () => {
  let client: string;

  it("queues one job for the period and returns without rating", async () => {
    client = await book.client("Late warehouse client");
    deps.clock = new TestClock("2026-10-20T00:00:00Z");
    await book.send(client, [cartons("2026-10-02T15:00:00Z", 12)]);
    deps.clock = new TestClock("2026-11-01T00:00:00Z");
    await runBilling(deps, analyst, { as_of: deps.clock.now(), customer: client });
    const before = await draftOf(client);
    expect(before?.total).toBe("1600.00"); // 100.00 + 15.00 receiving + 1,485.00 top-up to the 1,500.00 minimum

    deps.clock = new TestClock("2026-11-02T00:00:00Z");
    await book.send(client, [cartons("2026-10-30T10:00:00Z", 4)]);
    expect((await draftOf(client))?.lines).toEqual(before?.lines); // not re-rated inline
    const queued = await jobs("created");
    expect(queued).toHaveLength(1);
    expect(queued[0]?.data).toMatchObject({
      customer: client,
      period_start: "2026-10-01T00:00:00.000Z",
      period_end: "2026-11-01T00:00:00.000Z",
      reason: "late_event",
    });
    expect(await owed(client)).toEqual([{ requests: "1" }]);
  });

  it("queues no second job for a second batch in the same period", async () => {
    await book.send(client, [cartons("2026-10-31T10:00:00Z", 40)]);
    expect(await jobs("created")).toHaveLength(1);
    expect(await owed(client)).toEqual([{ requests: "2" }]);
  });

  it("re-rates the draft when the job runs", async () => {
    const runner = await startRunner({});
    await eventually(async () => (await jobs("completed")).length === 1, { what: "the job to complete" });
    await runner.stop();
    const draft = await draftOf(client);
    // Receiving (12 + 4 + 40) × 1.25 = 70.00; top-up 1,500.00 − 70.00 = 1,430.00; total 100.00 + 1,500.00.
    expect(draft?.lines.map((line) => [line.description, line.amount])).toEqual([
      [expect.stringContaining("Warehouse account"), "100.00"],
      ["Receiving, per carton", "70.00"],
      ["Monthly minimum, top-up", "1430.00"],
    ]);
    expect(await owed(client)).toEqual([]);
    const runs = await sql<{ reason: string; rate_card_version_ids: string[]; late_events: boolean }>`
      select reason, rate_card_version_ids, late_events from usage_rating_runs
       where customer_id = ${client} order by created_at, id`.execute(db);
    expect(runs.rows).toEqual([
      { reason: "billing", rate_card_version_ids: [], late_events: false },
      { reason: "late_event", rate_card_version_ids: [], late_events: true },
    ]);
  });

  it("retries a failing job, leaves it dead for a person, and runs it again on retry", async () => {
    const draft = await draftOf(client);
    await finalizeInvoice(deps, analyst, draft?.id as string);
    await archiveCustomer(deps, analyst, client);
    // A job takes its queue's retry settings when it is sent: one retry a second later, for the test.
    const runner = await startRunner({ retryLimit: 1, retryDelaySeconds: 1, retryBackoff: false });
    await book.send(client, [cartons("2026-10-31T12:00:00Z", 2000)]);
    const [dead] = await eventually(
      async () => {
        const found = await jobs("dead");
        return found.length > 0 ? found : undefined;
      },
      { what: "the dead letter" },
    );
    const [failed] = await jobs("failed");
    expect(failed).toMatchObject({ retry_count: 1, retry_limit: 1 });
    expect(JSON.stringify(failed?.output)).toContain("archived");
    expect(await owed(client)).toEqual([{ requests: "1" }]); // still owed, never lost

    await unarchiveCustomer(deps, analyst, client);
    await retryJob({ db }, dead?.id as string);
    await eventually(async () => (await jobs("completed")).length === 2, { what: "the retried job" });
    await runner.stop();
    expect(await jobs("dead")).toEqual([]);
    expect(await owed(client)).toEqual([]);
    const items = await sql<{ description: string }>`
      select description from invoice_items where customer_id = ${client}`.execute(db);
    // Receiving (56 + 2,000) × 1.25 = 2,570.00, above the minimum: 2,570.00 − 1,500.00 invoiced = 1,070.00.
    expect(items.rows).toEqual([{ description: "Usage adjustment for 2026-10-01 to 2026-11-01: +1070.00" }]);
  });

  it("commits a late batch and the re-rating it owes together, or neither", async () => {
    // Queueing the re-rating fails (a trigger stands in for a failure there): the batch is not stored
    // either, so the sender's retry is accepted and queued, not answered "duplicate" with no job.
    await sql`create function refuse_late_rating() returns trigger language plpgsql as $$
      begin raise exception 'queueing failed'; end $$`.execute(db);
    await sql`create trigger refuse_late_rating before insert or update on usage_late_ratings
      for each row execute function refuse_late_rating()`.execute(db);
    const batch = [
      {
        transaction_id: "wms-retried",
        customer: client,
        type: "inbound.received",
        timestamp: "2026-10-31T13:00:00Z",
        properties: { warehouse: "RNO1", cartons: 1, pallets: 0 },
      },
    ];
    const queuedBefore = (await jobs("created")).length;
    await expect(ingestEvents(deps, analyst, batch, { source: "batch" })).rejects.toThrow("queueing failed");
    const stored = async () =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from usage_events where customer_id = ${client}
            and transaction_id = 'wms-retried'`.execute(db)
      ).rows[0]?.n;
    expect(await stored()).toBe(0);
    expect(await jobs("created")).toHaveLength(queuedBefore);

    await sql`drop trigger refuse_late_rating on usage_late_ratings`.execute(db);
    const retried = await ingestEvents(deps, analyst, batch, { source: "batch" });
    expect(retried.results.map((result) => result.status)).toEqual(["accepted"]);
    expect(await stored()).toBe(1);
    expect(await jobs("created")).toHaveLength(queuedBefore + 1);
    expect(await owed(client)).toEqual([{ requests: "1" }]);
  });
});
