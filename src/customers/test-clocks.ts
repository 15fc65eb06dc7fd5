import { type Kysely, sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { FrozenClock, fromDate, testClockOf, toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { customerReference } from "./fields.js";

/**
 * The time a customer lives in. A customer is on real time, or on a test
 * clock: a frozen instant that moves only when the clock is advanced. The
 * clock rows live here, beside the customers that point at them, so that
 * subscriptions and invoicing (lower rows than the test-clock module) can
 * ask "what time is it for this customer" through `customerDeps`.
 */

export type TestClockStatus = "ready" | "advancing";

interface TestClocksTable {
  id: string;
  name: string;
  frozen_time: Date;
  status: TestClockStatus;
  invoice_prefix: string;
  created_at: Date;
  updated_at: Date;
}

interface Tables {
  test_clocks: TestClocksTable;
  customers: { id: string; external_id: string | null; test_clock: string | null };
}

const tables = (db: Executor) => db as unknown as Kysely<Tables>;

export interface TestClockRow {
  id: string;
  name: string;
  frozen_time: Temporal.Instant;
  status: TestClockStatus;
  invoice_prefix: string;
  created_at: Temporal.Instant;
  updated_at: Temporal.Instant;
}

function fromRow(row: TestClocksTable): TestClockRow {
  return {
    ...row,
    frozen_time: fromDate(row.frozen_time),
    created_at: fromDate(row.created_at),
    updated_at: fromDate(row.updated_at),
  };
}

/**
 * The invoice number prefix of a clock's customers ("TC-4E7Q2M9X1B"): its
 * own series, so a deleted clock leaves no gap in the live numbering. The
 * last ten characters of the id are its random part.
 */
export function testClockInvoicePrefix(testClockId: string): string {
  return `TC-${testClockId.slice(-10).toUpperCase()}`;
}

export function testClockNotFound(id: string, param = "id"): DomainError {
  return new DomainError("test_clock_not_found", `no test clock ${id}`, { param });
}

export async function insertTestClock(
  db: Executor,
  clock: { id: string; name: string; frozen_time: Temporal.Instant; at: Temporal.Instant },
): Promise<TestClockRow> {
  const row: TestClocksTable = {
    id: clock.id,
    name: clock.name,
    frozen_time: toDate(clock.frozen_time),
    status: "ready",
    invoice_prefix: testClockInvoicePrefix(clock.id),
    created_at: toDate(clock.at),
    updated_at: toDate(clock.at),
  };
  await tables(db).insertInto("test_clocks").values(row).execute();
  return fromRow(row);
}

/** One clock; `lock` holds its row until the transaction ends (an advance holds it throughout). */
export async function findTestClock(db: Executor, id: string, lock = false, param = "id"): Promise<TestClockRow> {
  let query = tables(db)
    .selectFrom("test_clocks")
    .selectAll()
    .where("id", "=", parseId("test_clock", id, param));
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (row === undefined) throw testClockNotFound(id, param);
  return fromRow(row);
}

export async function listTestClockRows(db: Executor, page: PageRequest): Promise<Page<TestClockRow>> {
  const result = await paginate(tables(db).selectFrom("test_clocks").selectAll(), "id", page);
  return { data: result.data.map(fromRow), has_more: result.has_more };
}

export async function updateTestClockState(
  db: Executor,
  id: string,
  state: { status: TestClockStatus; frozen_time?: Temporal.Instant | undefined; at: Temporal.Instant },
): Promise<void> {
  await tables(db)
    .updateTable("test_clocks")
    .set({
      status: state.status,
      updated_at: toDate(state.at),
      ...(state.frozen_time === undefined ? {} : { frozen_time: toDate(state.frozen_time) }),
    })
    .where("id", "=", id)
    .execute();
}

/** The ids of a clock's customers, oldest first. */
export async function testClockCustomerIds(db: Executor, testClockId: string): Promise<string[]> {
  const rows = await tables(db)
    .selectFrom("customers")
    .select("id")
    .where("test_clock", "=", testClockId)
    .orderBy("id", "asc")
    .execute();
  return rows.map((row) => row.id);
}

export async function testClockCustomerCounts(db: Executor, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await tables(db)
    .selectFrom("customers")
    .select(["test_clock", sql<string>`count(*)`.as("count")])
    .where("test_clock", "in", [...ids])
    .groupBy("test_clock")
    .execute();
  return new Map(rows.map((row) => [row.test_clock as string, Number(row.count)]));
}

/**
 * Removes a clock with its customers and everything tied to them
 * (subscriptions, invoices, billing-run records, the clock's ledger book),
 * through the one deletion path migration 0013 defines.
 */
export async function deleteTestClockAndObjects(db: Executor, id: string): Promise<void> {
  await sql`select test_clock_delete(${id})`.execute(db);
}

/** The Deps whose clock is the test clock's frozen time. */
export function testClockDeps(deps: Deps, clock: Pick<TestClockRow, "id" | "frozen_time">): Deps {
  return { ...deps, clock: new FrozenClock(clock.id, clock.frozen_time) };
}

/**
 * What time it is for this customer: `deps` as they are for a customer on
 * real time, or with the test clock's frozen time (and its ledger book) for
 * a customer on a test clock. Services that act "now" for a customer call
 * this first, so API calls for a test-clock customer happen at the clock's time.
 */
export async function customerDeps(deps: Deps, customerIdOrExternalId: string, db?: Executor): Promise<Deps> {
  const key = customerReference(customerIdOrExternalId);
  const executor = db ?? deps.db;
  let query = tables(executor).selectFrom("customers").select("test_clock");
  query = "id" in key ? query.where("id", "=", key.id) : query.where("external_id", "=", key.external_id);
  const row = await query.executeTakeFirst();
  const testClockId = row?.test_clock ?? null;
  if (testClockId === null || testClockOf(deps.clock) === testClockId) return deps;
  const clock = await tables(executor)
    .selectFrom("test_clocks")
    .select(["id", "frozen_time"])
    .where("id", "=", testClockId)
    .executeTakeFirst();
  if (clock === undefined) return deps;
  return testClockDeps(deps, { id: clock.id, frozen_time: fromDate(clock.frozen_time) });
}
