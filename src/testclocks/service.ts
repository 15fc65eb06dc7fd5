import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import {
  deleteTestClockAndObjects,
  findTestClock,
  insertTestClock,
  listTestClockRows,
  type TestClockRow,
  testClockCustomerCounts,
} from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { parseInstant } from "../kernel/time.js";
import { advanceInProgress } from "./model.js";

/**
 * Test clocks: create one at a frozen time, put customers on it (POST
 * /v1/customers with `test_clock`), advance it (advance.ts), delete it with
 * everything on it. The clock rows belong to the customers module, which
 * answers "what time is it for this customer"; this module runs the clock.
 */

export interface TestClockJson {
  object: "test_clock";
  id: string;
  name: string;
  frozen_time: string;
  status: "ready" | "advancing" | "deleted";
  customer_count: number;
  created_at: string;
}

export function testClockJson(row: TestClockRow, customerCount: number): TestClockJson {
  return {
    object: "test_clock",
    id: row.id,
    name: row.name,
    frozen_time: row.frozen_time.toString(),
    status: row.status,
    customer_count: customerCount,
    created_at: row.created_at.toString(),
  };
}

async function withCounts(deps: Deps, rows: readonly TestClockRow[]): Promise<TestClockJson[]> {
  const counts = await testClockCustomerCounts(
    deps.db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => testClockJson(row, counts.get(row.id) ?? 0));
}

export async function createTestClock(
  deps: Deps,
  ctx: RequestContext,
  input: { name: string; frozen_time: string },
): Promise<TestClockJson> {
  const name = input.name.trim();
  if (name.length === 0) throw new DomainError("invalid_request", "a test clock needs a name", { param: "name" });
  const frozenTime = parseInstant(input.frozen_time, "frozen_time");
  return inTransaction(deps.db, async (tx) => {
    const at = deps.clock.now();
    const row = await insertTestClock(tx, { id: newId("test_clock"), name, frozen_time: frozenTime, at });
    const after = testClockJson(row, 0);
    await recordAudit(
      tx,
      ctx,
      { action: "test_clock.created", object_type: "test_clock", object_id: row.id, after },
      at,
    );
    return after;
  });
}

export async function getTestClock(deps: Deps, id: string): Promise<TestClockJson> {
  const [json] = await withCounts(deps, [await findTestClock(deps.db, id)]);
  return json as TestClockJson;
}

export async function listTestClocks(deps: Deps, page: PageRequest): Promise<Page<TestClockJson>> {
  const rows = await listTestClockRows(deps.db, page);
  return { data: await withCounts(deps, rows.data), has_more: rows.has_more };
}

/** Refuses a second advance or a deletion while an advance runs. */
export function checkNotAdvancing(clock: TestClockRow, now: Temporal.Instant): void {
  if (!advanceInProgress(clock, now)) return;
  throw new DomainError("test_clock_advancing", `test clock ${clock.id} is advancing; wait until it is ready`, {
    param: "id",
  });
}

/**
 * Deletes the clock, its customers and everything tied to them: their
 * subscriptions, invoices and lines, invoice items, billing-run records, the
 * clock's invoice number series and its ledger book. Audited; the live
 * books never held any of it.
 */
export async function deleteTestClock(deps: Deps, ctx: RequestContext, id: string): Promise<TestClockJson> {
  return inTransaction(deps.db, async (tx) => {
    const clock = await findTestClock(tx, id, true);
    checkNotAdvancing(clock, deps.clock.now());
    const [before] = await withCounts({ ...deps, db: tx }, [clock]);
    await deleteTestClockAndObjects(tx, clock.id);
    const at: Temporal.Instant = deps.clock.now();
    await recordAudit(tx, ctx, { action: "test_clock.deleted", object_type: "test_clock", object_id: id, before }, at);
    return { ...(before as TestClockJson), status: "deleted" };
  });
}
