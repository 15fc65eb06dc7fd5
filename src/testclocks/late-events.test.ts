import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { listInvoices } from "../invoicing/index.js";
import "../jobs/index.js";
import { TestClock } from "../kernel/clock.js";
import { analyst, ratingBook } from "../usage/rating-choice-test-support.js";
import { advanceTestClock } from "./advance.js";
import { createTestClock } from "./service.js";

/**
 * A late event for a customer on a test clock queues its re-rating like any
 * other; advancing the clock runs what is owed for its customers first, at
 * the clock's time, then bills: the draft carries the late event.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const book = await ratingBook(deps, { is_default: true });
const clock = await createTestClock(deps, analyst, { name: "3PL month", frozen_time: "2026-09-15T00:00:00Z" });
const client = await book.client("Clock warehouse client", { test_clock: clock.id });

const draftLines = async () => {
  const [invoice] = (await listInvoices(deps, { customer_id: client }, { limit: 10 })).data;
  return invoice?.lines.map((line) => [line.description, line.quantity, line.amount]);
};
const owed = async () =>
  (
    await sql<{ n: string }>`select count(*)::text as n from usage_late_ratings where customer_id = ${client}`.execute(
      db,
    )
  ).rows[0]?.n;

describe("late events on a test clock", () => {
  it("are re-rated when the clock advances, before it bills", async () => {
    deps.clock = new TestClock("2026-10-20T00:00:00Z");
    await book.send(client, [["inbound.received", "2026-10-02T15:00:00Z", { warehouse: "RNO1", cartons: 12 }]]);
    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-11-02T00:00:00Z" });
    expect((await draftLines())?.[1]).toEqual(["Receiving, per carton", "12", "15.00"]);

    deps.clock = new TestClock("2026-11-02T00:00:00Z");
    await book.send(client, [["inbound.received", "2026-10-30T10:00:00Z", { warehouse: "RNO1", cartons: 4 }]]);
    expect(await owed()).toBe("1"); // queued, not rated yet
    expect((await draftLines())?.[1]).toEqual(["Receiving, per carton", "12", "15.00"]);

    await advanceTestClock(deps, analyst, clock.id, { frozen_time: "2026-11-03T00:00:00Z" });
    expect(await owed()).toBe("0");
    expect((await draftLines())?.[1]).toEqual(["Receiving, per carton", "16", "20.00"]); // 16 × 1.25
  });
});
