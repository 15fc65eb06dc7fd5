import { type Kysely, type Selectable, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { IntervalUnit } from "../kernel/periods.js";
import type { BillingTiming } from "./model.js";
import type { ProrationBehavior } from "./proration.js";

/** SQL for the subscriptions module's own tables (migrations/0007_subscriptions.sql), nothing else. */

interface SubscriptionsTable {
  id: string;
  customer_id: string;
  plan_id: string;
  currency: string;
  interval_unit: IntervalUnit;
  interval_count: number;
  billing_timing: BillingTiming;
  time_zone: string;
  anchor_kind: "anniversary" | "day_of_month";
  anchor_day: number | null;
  start_at: Date;
  trial_end: Date | null;
  billing_start: Date;
  term_periods: number | null;
  auto_renew: boolean;
  seat_true_up: boolean;
  proration_behavior: ProrationBehavior | null;
  ended_at: Date | null;
  canceled_at: Date | null;
  last_billed_period_index: number | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface PhasesTable {
  id: string;
  subscription_id: string;
  starts_at: Date;
  created_at: Date;
  /** Set when the phase restarts the billing cycle on another interval (migrations/0015). */
  interval_unit: IntervalUnit | null;
  interval_count: number | null;
  anchor_kind: "anniversary" | "day_of_month" | null;
  anchor_day: number | null;
  first_period_index: number | null;
}

interface ItemsTable {
  id: string;
  phase_id: string;
  subscription_id: string;
  price_id: string;
  price_version_id: string;
  quantity: string;
  metered: boolean;
  description: string;
}

interface PausesTable {
  subscription_id: string;
  paused_at: Date;
  resumed_at: Date | null;
}

interface ChangesTable {
  id: string;
  subscription_id: string;
  kind: string;
  effective_at: Date;
  proration_behavior: string;
  before: unknown;
  after: unknown;
  lines: unknown;
  request_id: string | null;
  created_at: Date;
}

interface ProrationLinesTable {
  id: string;
  subscription_id: string;
  change_id: string;
  description: string;
  period_start: Date;
  period_end: Date;
  quantity: string;
  unit_amount: string | null;
  amount: string;
  currency: string;
  price_id: string;
  price_version_id: string;
  invoice_now: boolean;
  explanation: string;
  invoice_id: string | null;
  created_at: Date;
}

interface CustomerDefaultsTable {
  customer_id: string;
  proration_behavior: ProrationBehavior;
  updated_at: Date;
}

interface SubscriptionTables {
  subscriptions: SubscriptionsTable;
  subscription_phases: PhasesTable;
  subscription_items: ItemsTable;
  subscription_pauses: PausesTable;
  subscription_changes: ChangesTable;
  subscription_proration_lines: ProrationLinesTable;
  subscription_customer_defaults: CustomerDefaultsTable;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type PhaseRow = Selectable<PhasesTable>;
type CycleColumns = "interval_unit" | "interval_count" | "anchor_kind" | "anchor_day" | "first_period_index";
/** A phase to insert; the cycle columns are left out when it keeps the schedule in force. */
export type NewPhaseRow = Omit<PhaseRow, CycleColumns> & Partial<Pick<PhaseRow, CycleColumns>>;
export type ItemRow = Selectable<ItemsTable>;
export type PauseRow = Selectable<PausesTable>;
export type ChangeRow = Selectable<ChangesTable>;
export type ProrationLineRow = Selectable<ProrationLinesTable>;

const t = (db: Executor) => db as unknown as Kysely<SubscriptionTables>;

export async function insertSubscription(db: Executor, row: SubscriptionRow): Promise<void> {
  await t(db)
    .insertInto("subscriptions")
    .values({ ...row, metadata: JSON.stringify(row.metadata) as never })
    .execute();
}

export async function updateSubscriptionRow(db: Executor, row: SubscriptionRow): Promise<void> {
  const { id, created_at: _created, ...rest } = row;
  await t(db)
    .updateTable("subscriptions")
    .set({ ...rest, metadata: JSON.stringify(row.metadata) as never })
    .where("id", "=", id)
    .execute();
}

export async function findSubscription(db: Executor, id: string, lock = false): Promise<SubscriptionRow | undefined> {
  let query = t(db).selectFrom("subscriptions").selectAll().where("id", "=", id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export function subscriptionsQuery(db: Executor, filter: { customer_id?: string | undefined }) {
  let query = t(db).selectFrom("subscriptions").selectAll();
  if (filter.customer_id !== undefined) query = query.where("customer_id", "=", filter.customer_id);
  return query;
}

export async function insertPhase(db: Executor, phase: NewPhaseRow, items: readonly ItemRow[]): Promise<void> {
  await t(db).insertInto("subscription_phases").values(phase).execute();
  if (items.length > 0)
    await t(db)
      .insertInto("subscription_items")
      .values([...items])
      .execute();
}

/** Drops the phases starting at or after an instant: a new change replaces what was scheduled from then on. */
export async function deletePhasesFrom(db: Executor, subscriptionId: string, from: Date): Promise<void> {
  const ids = t(db)
    .selectFrom("subscription_phases")
    .select("id")
    .where("subscription_id", "=", subscriptionId)
    .where("starts_at", ">=", from);
  await t(db).deleteFrom("subscription_items").where("phase_id", "in", ids).execute();
  await t(db)
    .deleteFrom("subscription_phases")
    .where("subscription_id", "=", subscriptionId)
    .where("starts_at", ">=", from)
    .execute();
}

export async function phasesOf(db: Executor, subscriptionIds: readonly string[]): Promise<PhaseRow[]> {
  if (subscriptionIds.length === 0) return [];
  return t(db)
    .selectFrom("subscription_phases")
    .selectAll()
    .where("subscription_id", "in", subscriptionIds)
    .orderBy("starts_at")
    .execute();
}

export async function itemsOf(db: Executor, subscriptionIds: readonly string[]): Promise<ItemRow[]> {
  if (subscriptionIds.length === 0) return [];
  return t(db)
    .selectFrom("subscription_items")
    .selectAll()
    .where("subscription_id", "in", subscriptionIds)
    .orderBy("price_id")
    .execute();
}

export async function pausesOf(db: Executor, subscriptionIds: readonly string[]): Promise<PauseRow[]> {
  if (subscriptionIds.length === 0) return [];
  return t(db)
    .selectFrom("subscription_pauses")
    .selectAll()
    .where("subscription_id", "in", subscriptionIds)
    .orderBy("paused_at")
    .execute();
}

/** Pausing again at the very instant of a resume reopens that pause (a frozen test clock does this). */
export async function insertPause(db: Executor, row: PauseRow): Promise<void> {
  await t(db)
    .insertInto("subscription_pauses")
    .values(row)
    .onConflict((conflict) => conflict.columns(["subscription_id", "paused_at"]).doUpdateSet({ resumed_at: null }))
    .execute();
}

export async function endOpenPause(db: Executor, subscriptionId: string, resumedAt: Date): Promise<void> {
  await t(db)
    .updateTable("subscription_pauses")
    .set({ resumed_at: resumedAt })
    .where("subscription_id", "=", subscriptionId)
    .where("resumed_at", "is", null)
    .execute();
}

export async function insertChange(db: Executor, row: ChangeRow): Promise<void> {
  await t(db)
    .insertInto("subscription_changes")
    .values({
      ...row,
      before: JSON.stringify(row.before) as never,
      after: JSON.stringify(row.after) as never,
      lines: JSON.stringify(row.lines) as never,
    })
    .execute();
}

export function changesQuery(db: Executor, subscriptionId: string) {
  return t(db).selectFrom("subscription_changes").selectAll().where("subscription_id", "=", subscriptionId);
}

export async function insertProrationLines(db: Executor, rows: readonly ProrationLineRow[]): Promise<void> {
  if (rows.length > 0)
    await t(db)
      .insertInto("subscription_proration_lines")
      .values([...rows])
      .execute();
}

export async function pendingProrationLineRows(db: Executor, subscriptionId: string): Promise<ProrationLineRow[]> {
  return t(db)
    .selectFrom("subscription_proration_lines")
    .selectAll()
    .where("subscription_id", "=", subscriptionId)
    .where("invoice_id", "is", null)
    .orderBy("id")
    .execute();
}

/** The pending lines of several subscriptions at once, by subscription then age. */
export async function pendingProrationLineRowsOf(
  db: Executor,
  subscriptionIds: readonly string[],
): Promise<ProrationLineRow[]> {
  if (subscriptionIds.length === 0) return [];
  return t(db)
    .selectFrom("subscription_proration_lines")
    .selectAll()
    .where("subscription_id", "in", subscriptionIds)
    .where("invoice_id", "is", null)
    .orderBy("subscription_id")
    .orderBy("id")
    .execute();
}

/** Marks only lines not invoiced yet; returns how many were marked. */
export async function setProrationLinesInvoiced(
  db: Executor,
  ids: readonly string[],
  invoiceId: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await t(db)
    .updateTable("subscription_proration_lines")
    .set({ invoice_id: invoiceId })
    .where("id", "in", ids)
    .where("invoice_id", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function customerDefaultBehavior(
  db: Executor,
  customerId: string,
): Promise<ProrationBehavior | undefined> {
  const row = await t(db)
    .selectFrom("subscription_customer_defaults")
    .select("proration_behavior")
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  return row?.proration_behavior;
}

export async function upsertCustomerDefaultBehavior(
  db: Executor,
  customerId: string,
  behavior: ProrationBehavior,
  at: Date,
): Promise<void> {
  await t(db)
    .insertInto("subscription_customer_defaults")
    .values({ customer_id: customerId, proration_behavior: behavior, updated_at: at })
    .onConflict((conflict) =>
      conflict.column("customer_id").doUpdateSet({ proration_behavior: behavior, updated_at: at }),
    )
    .execute();
}

/** How many subscriptions (ended ones included) a customer has. */
export async function countCustomerSubscriptions(db: Executor, customerId: string): Promise<number> {
  const row = await t(db)
    .selectFrom("subscriptions")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A page of subscriptions by id, oldest first, for a billing run's scan. */
export async function subscriptionRowsAfter(
  db: Executor,
  page: { after?: string | undefined; limit: number; customer_id?: string | undefined },
): Promise<Selectable<SubscriptionsTable>[]> {
  let query = t(db).selectFrom("subscriptions").selectAll().orderBy("id").limit(page.limit);
  if (page.after !== undefined) query = query.where("id", ">", page.after);
  if (page.customer_id !== undefined) query = query.where("customer_id", "=", page.customer_id);
  return query.execute();
}

/** Moves each subscription's last billed period forward (never back), all in one statement. */
export async function setLastBilledPeriods(
  db: Executor,
  billed: readonly { id: string; period_index: number }[],
  at: Date,
): Promise<void> {
  if (billed.length === 0) return;
  await sql`
    update subscriptions s
       set last_billed_period_index = b.period_index, updated_at = ${at}
      from unnest(${billed.map((row) => row.id)}::text[], ${billed.map((row) => row.period_index)}::int[])
           as b(id, period_index)
     where s.id = b.id
       and coalesce(s.last_billed_period_index, -1) < b.period_index`.execute(db);
}

/** Ties pending proration lines to the invoices that carry them; returns how many were still pending. */
export async function setProrationLinesInvoicedMany(
  db: Executor,
  taken: readonly { line_id: string; invoice_id: string }[],
): Promise<number> {
  if (taken.length === 0) return 0;
  const result = await sql`
    update subscription_proration_lines l
       set invoice_id = x.invoice_id
      from unnest(${taken.map((row) => row.line_id)}::text[], ${taken.map((row) => row.invoice_id)}::text[])
           as x(line_id, invoice_id)
     where l.id = x.line_id and l.invoice_id is null`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
