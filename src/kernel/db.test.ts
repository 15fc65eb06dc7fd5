import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { inTransaction, lockKey } from "./db.js";
import { DomainError } from "./errors.js";

const { db } = await freshDatabase({ poolSize: 12 });

beforeAll(async () => {
  await sql`create table counters (id int primary key, value numeric not null)`.execute(db);
  await sql`insert into counters values (1, 0)`.execute(db);
});

async function value(): Promise<string> {
  const result = await sql<{ value: string }>`select value from counters where id = 1`.execute(db);
  return result.rows[0]?.value ?? "";
}

describe("inTransaction", () => {
  it("commits together or not at all", async () => {
    await expect(
      inTransaction(db, async (tx) => {
        await sql`update counters set value = value + 1 where id = 1`.execute(tx);
        throw new Error("stop halfway");
      }),
    ).rejects.toThrow("stop halfway");
    expect(await value()).toBe("0");
  });

  it("retries serialization failures so 20 concurrent serializable increments all land", async () => {
    const start = Number(await value());
    await Promise.all(
      Array.from({ length: 20 }, () =>
        inTransaction(
          db,
          async (tx) => {
            const current = await sql<{ value: string }>`select value from counters where id = 1`.execute(tx);
            const next = Number(current.rows[0]?.value) + 1;
            await sql`update counters set value = ${next} where id = 1`.execute(tx);
          },
          { isolation: "serializable", retries: 50 },
        ),
      ),
    );
    expect(Number(await value())).toBe(start + 20);
  });

  it("gives up with a named error when retries run out", async () => {
    const attempt = () =>
      inTransaction(
        db,
        async (tx) => {
          const current = await sql<{ value: string }>`select value from counters where id = 1`.execute(tx);
          await new Promise((resolve) => setTimeout(resolve, 20));
          await sql`update counters set value = ${Number(current.rows[0]?.value) + 1} where id = 1`.execute(tx);
        },
        { isolation: "serializable", retries: 0 },
      );
    const results = await Promise.allSettled(Array.from({ length: 6 }, attempt));
    const failures = results.filter((result) => result.status === "rejected");
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
      expect(((failure as PromiseRejectedResult).reason as DomainError).code).toBe("serialization_retry_exhausted");
    }
  });

  it("reuses an open transaction instead of nesting", async () => {
    await inTransaction(db, async (outer) => {
      await inTransaction(outer, async (inner) => {
        expect(inner).toBe(outer);
      });
    });
  });
});

describe("lockKey", () => {
  it("serialises read-modify-write on one key under read committed", async () => {
    const start = Number(await value());
    await Promise.all(
      Array.from({ length: 20 }, () =>
        inTransaction(db, async (tx) => {
          await lockKey(tx, "counter", "1");
          const current = await sql<{ value: string }>`select value from counters where id = 1`.execute(tx);
          await sql`update counters set value = ${Number(current.rows[0]?.value) + 1} where id = 1`.execute(tx);
        }),
      ),
    );
    expect(Number(await value())).toBe(start + 20);
  });
});
