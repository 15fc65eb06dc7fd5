import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { retryRejection } from "./event-rejections.js";
import { applyUsageRetention } from "./event-retention.js";
import { updateUsageSettings } from "./event-settings.js";
import { ingestEvents } from "./ingest-service.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-24T12:00:00Z");
const deps = { db, clock };
const ana: RequestContext = {
  actor: { type: "user", id: "usr_ana", role: "billing_analyst", display_name: "Ana Ruiz" },
  request_id: "req_test",
};

const acme = await createCustomer(deps, ana, {
  external_id: "ACME-3PL",
  legal_name: "Acme Logistics",
  currency: "USD",
});
const globex = await createCustomer(deps, ana, { legal_name: "Globex", currency: "USD" });

let next = 0;
function event(overrides: Record<string, unknown> = {}) {
  next++;
  return {
    transaction_id: `tx-${next}`,
    customer: acme.id,
    type: "order.shipped",
    timestamp: "2026-11-20T10:00:00Z",
    properties: { units: next },
    ...overrides,
  };
}

async function count(table: string, where = sql`true`): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(result.rows[0]?.n);
}

describe("ingestEvents", () => {
  it("stores new events, and a batch sent again only as duplicates", async () => {
    const batch = [event(), event(), event()];
    const first = await ingestEvents(deps, ana, batch, { source: "batch" });
    expect(first.counts).toEqual({ received: 3, accepted: 3, duplicates: 0, rejected: 0 });
    expect(first.results.map((r) => r.status)).toEqual(["accepted", "accepted", "accepted"]);
    expect(first.results[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^uev_[0-7][0-9a-z]{25}$/) });
    expect(first.accepted_events).toEqual(
      batch.map(() => ({ customer_id: acme.id, ts: new Date("2026-11-20T10:00:00Z") })),
    );
    const again = await ingestEvents(deps, ana, batch, { source: "batch" });
    expect(again.counts).toEqual({ received: 3, accepted: 0, duplicates: 3, rejected: 0 });
    expect(await count("usage_events", sql`transaction_id = any(${batch.map((e) => e.transaction_id)})`)).toBe(3);
  });

  it("counts a repeat within one batch as a duplicate, also when it names the customer by external id", async () => {
    const original = event();
    const repeat = { ...original, customer: "ACME-3PL", timestamp: "2026-11-21T00:00:00Z" };
    const outcome = await ingestEvents(deps, ana, [original, repeat, event()], { source: "batch" });
    expect(outcome.results.map((r) => r.status)).toEqual(["accepted", "duplicate", "accepted"]);
    expect(outcome.duplicate_keys.get(1)).toEqual({
      customer_id: acme.id,
      transaction_id: original.transaction_id,
      ts_ms: Date.parse("2026-11-21T00:00:00Z"),
    });
  });

  it("keeps transaction ids apart per customer", async () => {
    const outcome = await ingestEvents(
      deps,
      ana,
      [event({ transaction_id: "shared-1" }), event({ transaction_id: "shared-1", customer: globex.id })],
      { source: "batch" },
    );
    expect(outcome.counts.accepted).toBe(2);
  });

  it("resolves the customer's external id to our id", async () => {
    const sent = event({ customer: "ACME-3PL" });
    await ingestEvents(deps, ana, [sent], { source: "api" });
    const stored = await sql<{ customer_id: string }>`
      select customer_id from usage_events where transaction_id = ${sent.transaction_id}`.execute(db);
    expect(stored.rows).toEqual([{ customer_id: acme.id }]);
  });

  it("makes one partition per month of event time", async () => {
    const outcome = await ingestEvents(
      deps,
      ana,
      [
        event({ timestamp: "2026-09-30T23:59:59.999Z" }),
        event({ timestamp: "2026-10-15T00:00:00+02:00" }),
        event({ timestamp: "2026-11-01T00:00:00Z" }),
      ],
      { source: "batch" },
    );
    expect(outcome.counts.accepted).toBe(3);
    for (const month of ["2026_09", "2026_10", "2026_11"]) {
      expect(await count(`usage_events_${month}`, sql`true`)).toBeGreaterThan(0);
    }
  });

  it("rejects too old and future events, unknown customers and bad fields, and keeps them", async () => {
    const outcome = await ingestEvents(
      deps,
      ana,
      [
        event({ timestamp: "2026-08-26T11:59:59Z" }), // 90 days before 2026-11-24T12:00Z is 08-26T12:00Z
        event({ timestamp: "2026-11-24T12:05:01Z" }), // 5 min 1 s ahead
        event({ customer: "NOBODY" }),
        event({ timestamp: "yesterday" }),
        event(),
      ],
      { source: "batch" },
    );
    expect(outcome.results.map((r) => (r.status === "rejected" ? r.code : r.status))).toEqual([
      "event_too_old",
      "event_in_future",
      "event_customer_not_found",
      "event_field_invalid",
      "accepted",
    ]);
    expect(outcome.rejection_ids.size).toBe(4);
    const kept = await sql<{ line: string; code: string; field: string | null; source: string }>`
      select line, code, field, source from usage_event_rejections where id = any(${[...outcome.rejection_ids.values()]})
      order by line`.execute(db);
    expect(kept.rows).toEqual([
      { line: "0", code: "event_too_old", field: "timestamp", source: "batch" },
      { line: "1", code: "event_in_future", field: "timestamp", source: "batch" },
      { line: "2", code: "event_customer_not_found", field: "customer", source: "batch" },
      { line: "3", code: "event_field_invalid", field: "timestamp", source: "batch" },
    ]);
  });

  it("follows the configured maximum age", async () => {
    await updateUsageSettings(deps, ana, { max_event_age_days: 200 });
    const outcome = await ingestEvents(deps, ana, [event({ timestamp: "2026-06-01T00:00:00Z" })], { source: "api" });
    expect(outcome.counts.accepted).toBe(1); // 176 days old, under 200
    await updateUsageSettings(deps, ana, { max_event_age_days: 90 });
  });

  it("stores a rejected event once its customer exists, on retry", async () => {
    const sent = event({ customer: "LATE-CO" });
    const outcome = await ingestEvents(deps, ana, [sent], { source: "batch" });
    const rejection = outcome.rejection_ids.get(0) as string;
    const early = await retryRejection(deps, ana, rejection);
    expect(early.result).toMatchObject({ status: "rejected", code: "event_customer_not_found" });
    expect(early.rejection).toMatchObject({ status: "open", retry_count: 1 });
    const late = await createCustomer(deps, ana, { external_id: "LATE-CO", legal_name: "Late Co", currency: "USD" });
    const retried = await retryRejection(deps, ana, rejection);
    expect(retried.result).toMatchObject({ status: "accepted" });
    expect(retried.rejection).toMatchObject({
      status: "resolved",
      retry_count: 2,
      event: (retried.result as { id: string }).id,
    });
    expect(await count("usage_events", sql`customer_id = ${late.id}`)).toBe(1);
    await expect(retryRejection(deps, ana, rejection)).rejects.toMatchObject({ code: "event_rejection_resolved" });
    const audited = await count("audit_events", sql`action = 'event_rejection.retried' and object_id = ${rejection}`);
    expect(audited).toBe(2);
  });

  it("retries a corrected event in place of the stored one", async () => {
    const outcome = await ingestEvents(deps, ana, [event({ timestamp: "not a time" })], { source: "batch" });
    const rejection = outcome.rejection_ids.get(0) as string;
    const retried = await retryRejection(deps, ana, rejection, event({ timestamp: "2026-11-23T08:00:00Z" }));
    expect(retried.rejection).toMatchObject({ status: "resolved" });
    expect(retried.rejection.raw).toContain("2026-11-23T08:00:00Z");
  });
});

describe("retention", () => {
  it("drops whole months older than the setting, with their keys and repeats", async () => {
    await updateUsageSettings(deps, ana, { max_event_age_days: 400 });
    const old = [event({ timestamp: "2025-12-10T00:00:00Z" }), event({ timestamp: "2026-01-10T00:00:00Z" })];
    expect((await ingestEvents(deps, ana, old, { source: "batch" })).counts.accepted).toBe(2);
    expect((await ingestEvents(deps, ana, old, { source: "batch" })).counts.duplicates).toBe(2);
    const repeats = (transaction_id: string | undefined) =>
      count("usage_event_duplicates", sql`transaction_id = ${transaction_id}`);
    expect(await applyUsageRetention(deps, ana)).toEqual({ dropped: [], keys_deleted: 0 }); // null: kept forever
    await updateUsageSettings(deps, ana, { retention_months: 10 });
    // November 2026 minus 10 months: January 2026 is the first month kept.
    expect(await applyUsageRetention(deps, ana)).toEqual({ dropped: ["2025-12"], keys_deleted: 1 });
    expect(await count("pg_class", sql`relname = 'usage_events_2025_12'`)).toBe(0);
    expect(await count("usage_event_keys", sql`transaction_id = ${old[0]?.transaction_id}`)).toBe(0);
    expect(await count("usage_event_keys", sql`transaction_id = ${old[1]?.transaction_id}`)).toBe(1);
    expect(await repeats(old[0]?.transaction_id)).toBe(0); // December's repeat went with its month
    expect(await repeats(old[1]?.transaction_id)).toBe(1);
    // The month can come back: ingestion finds the partition missing and makes it again.
    expect(
      (await ingestEvents(deps, ana, [event({ timestamp: "2025-12-11T00:00:00Z" })], { source: "api" })).counts
        .accepted,
    ).toBe(1);
    await updateUsageSettings(deps, ana, { max_event_age_days: 90, retention_months: null });
  });
});
