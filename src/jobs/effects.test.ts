import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { performEffectOnce } from "./service.js";

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-11-01T00:00:00Z") };
await sql`create table reminders_sent (invoice_id text not null)`.execute(db);

const sendReminder = (invoiceId: string) => async (tx: Parameters<Parameters<typeof performEffectOnce>[2]>[0]) => {
  await sql`insert into reminders_sent (invoice_id) values (${invoiceId})`.execute(tx);
};

async function reminders(): Promise<number> {
  const result = await sql<{ count: string }>`select count(*) as count from reminders_sent`.execute(db);
  return Number(result.rows[0]?.count);
}

describe("performEffectOnce", () => {
  it("performs an effect once however often its job runs", async () => {
    const key = "dunning:inv_1:step-1";
    expect(await performEffectOnce(deps, { key }, sendReminder("inv_1"))).toBe(true);
    expect(await performEffectOnce(deps, { key }, sendReminder("inv_1"))).toBe(false);
    expect(await reminders()).toBe(1);
  });

  it("lets two simultaneous runs meet on the key: one performs, one skips", async () => {
    const key = "dunning:inv_2:step-1";
    const results = await Promise.all([1, 2, 3].map(() => performEffectOnce(deps, { key }, sendReminder("inv_2"))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await reminders()).toBe(2);
  });

  it("leaves no trace when the effect fails, so the retry performs it", async () => {
    const key = "dunning:inv_3:step-1";
    await expect(
      performEffectOnce(deps, { key }, async () => {
        throw new Error("smtp down");
      }),
    ).rejects.toThrow("smtp down");
    expect(await performEffectOnce(deps, { key }, sendReminder("inv_3"))).toBe(true);
    expect(await reminders()).toBe(3);
  });
});
