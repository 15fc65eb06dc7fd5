import type { Kysely, Selectable } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { IntervalUnit } from "../kernel/periods.js";
import type { BillingTiming, CatalogStatus, ChargeModelJson } from "./model.js";
import type { OverridePatchJson } from "./override-patches.js";

/** SQL for the catalog's own tables (migrations/0006_catalog.sql), nothing else. */

interface ProductsTable {
  id: string;
  name: string;
  description: string | null;
  unit_label: string | null;
  tax_code: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface PlansTable {
  id: string;
  name: string;
  description: string | null;
  interval_unit: IntervalUnit;
  interval_count: number;
  currency: string;
  billing_timing: BillingTiming;
  trial_days: number;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface PricesTable {
  id: string;
  product_id: string;
  plan_id: string | null;
  nickname: string | null;
  currency: string;
  billable_metric: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface PriceVersionsTable {
  id: string;
  price_id: string;
  effective_from: Date;
  charge_models: Record<string, ChargeModelJson>;
  created_at: Date;
}

interface PriceOverridesTable {
  id: string;
  price_id: string;
  customer_id: string;
  currency: string;
  patch: OverridePatchJson;
  effective_from: Date;
  ended_at: Date | null;
  created_at: Date;
}

interface CommitmentsTable {
  id: string;
  plan_id: string | null;
  customer_id: string | null;
  /** numeric: read as a string, never a float. */
  amount: string;
  currency: string;
  scope: "period" | "term";
  description: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface CatalogTables {
  products: ProductsTable;
  plans: PlansTable;
  prices: PricesTable;
  price_versions: PriceVersionsTable;
  price_overrides: PriceOverridesTable;
  commitments: CommitmentsTable;
}

export type ProductRow = Selectable<ProductsTable>;
export type PlanRow = Selectable<PlansTable>;
export type PriceRow = Selectable<PricesTable>;
export type PriceVersionRow = Selectable<PriceVersionsTable>;
export type PriceOverrideRow = Selectable<PriceOverridesTable>;
export type CommitmentRow = Selectable<CommitmentsTable>;

const tables = (db: Executor) => db as unknown as Kysely<CatalogTables>;

/** jsonb columns are written as JSON text; pg hands them back parsed. */
const json = (value: unknown) => JSON.stringify(value) as never;

// ---- products ----

export async function insertProduct(db: Executor, row: ProductRow): Promise<void> {
  await tables(db)
    .insertInto("products")
    .values({ ...row, metadata: json(row.metadata) })
    .execute();
}

export async function updateProductRow(db: Executor, row: ProductRow): Promise<void> {
  const { id, created_at: _created, ...changes } = row;
  await tables(db)
    .updateTable("products")
    .set({ ...changes, metadata: json(changes.metadata) })
    .where("id", "=", id)
    .execute();
}

export async function findProduct(db: Executor, id: string, lock = false): Promise<ProductRow | undefined> {
  const query = tables(db).selectFrom("products").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export function productsQuery(db: Executor, filter: { status?: CatalogStatus | undefined }) {
  let query = tables(db).selectFrom("products").selectAll();
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  return query;
}

// ---- plans ----

export async function insertPlan(db: Executor, row: PlanRow): Promise<void> {
  await tables(db)
    .insertInto("plans")
    .values({ ...row, metadata: json(row.metadata) })
    .execute();
}

export async function updatePlanRow(db: Executor, row: PlanRow): Promise<void> {
  const { id, created_at: _created, ...changes } = row;
  await tables(db)
    .updateTable("plans")
    .set({ ...changes, metadata: json(changes.metadata) })
    .where("id", "=", id)
    .execute();
}

export async function findPlan(db: Executor, id: string, lock = false): Promise<PlanRow | undefined> {
  const query = tables(db).selectFrom("plans").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export function plansQuery(
  db: Executor,
  filter: { status?: CatalogStatus | undefined; currency?: string | undefined },
) {
  let query = tables(db).selectFrom("plans").selectAll();
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  if (filter.currency !== undefined) query = query.where("currency", "=", filter.currency);
  return query;
}

// ---- prices and their versions ----

export async function insertPrice(db: Executor, row: PriceRow): Promise<void> {
  await tables(db)
    .insertInto("prices")
    .values({ ...row, metadata: json(row.metadata) })
    .execute();
}

export async function updatePriceRow(db: Executor, row: PriceRow): Promise<void> {
  const { id, created_at: _created, ...changes } = row;
  await tables(db)
    .updateTable("prices")
    .set({ ...changes, metadata: json(changes.metadata) })
    .where("id", "=", id)
    .execute();
}

export async function findPrice(db: Executor, id: string, lock = false): Promise<PriceRow | undefined> {
  const query = tables(db).selectFrom("prices").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export interface PriceFilter {
  product?: string | undefined;
  plan?: string | undefined;
  status?: CatalogStatus | undefined;
  type?: "recurring" | "one_off" | undefined;
}

export function pricesQuery(db: Executor, filter: PriceFilter) {
  let query = tables(db).selectFrom("prices").selectAll();
  if (filter.product !== undefined) query = query.where("product_id", "=", filter.product);
  if (filter.plan !== undefined) query = query.where("plan_id", "=", filter.plan);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  if (filter.type === "recurring") query = query.where("plan_id", "is not", null);
  if (filter.type === "one_off") query = query.where("plan_id", "is", null);
  return query;
}

export async function insertPriceVersion(db: Executor, row: PriceVersionRow): Promise<void> {
  await tables(db)
    .insertInto("price_versions")
    .values({ ...row, charge_models: json(row.charge_models) })
    .execute();
}

/** Every version of the given prices, oldest first. */
export async function versionsOf(db: Executor, priceIds: readonly string[]): Promise<PriceVersionRow[]> {
  if (priceIds.length === 0) return [];
  return tables(db)
    .selectFrom("price_versions")
    .selectAll()
    .where("price_id", "in", priceIds)
    .orderBy("effective_from")
    .execute();
}

export function priceVersionsQuery(db: Executor, priceId: string) {
  return tables(db).selectFrom("price_versions").selectAll().where("price_id", "=", priceId);
}

export async function findPriceVersion(db: Executor, id: string): Promise<PriceVersionRow | undefined> {
  return tables(db).selectFrom("price_versions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The version in effect at an instant: the latest that started at or before it. */
export async function priceVersionInEffect(
  db: Executor,
  priceId: string,
  at: Temporal.Instant,
): Promise<PriceVersionRow | undefined> {
  return tables(db)
    .selectFrom("price_versions")
    .selectAll()
    .where("price_id", "=", priceId)
    .where("effective_from", "<=", toDate(at))
    .orderBy("effective_from", "desc")
    .limit(1)
    .executeTakeFirst();
}

// ---- overrides ----

export async function insertPriceOverride(db: Executor, row: PriceOverrideRow): Promise<void> {
  await tables(db)
    .insertInto("price_overrides")
    .values({ ...row, patch: json(row.patch) })
    .execute();
}

export async function endPriceOverrideRow(db: Executor, id: string, at: Temporal.Instant): Promise<void> {
  await tables(db)
    .updateTable("price_overrides")
    .set({ ended_at: toDate(at) })
    .where("id", "=", id)
    .execute();
}

export async function findPriceOverride(db: Executor, id: string, lock = false) {
  const query = tables(db).selectFrom("price_overrides").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/** The newest override of one customer's price in one currency, ended or not. */
export async function latestPriceOverride(
  db: Executor,
  key: { price_id: string; customer_id: string; currency: string },
): Promise<PriceOverrideRow | undefined> {
  return tables(db)
    .selectFrom("price_overrides")
    .selectAll()
    .where("price_id", "=", key.price_id)
    .where("customer_id", "=", key.customer_id)
    .where("currency", "=", key.currency)
    .orderBy("effective_from", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Every override of one price for one customer in one currency, latest start first (there are a handful at most). */
export async function priceOverridesOf(
  db: Executor,
  key: { price_id: string; customer_id: string; currency: string },
): Promise<PriceOverrideRow[]> {
  return tables(db)
    .selectFrom("price_overrides")
    .selectAll()
    .where("price_id", "=", key.price_id)
    .where("customer_id", "=", key.customer_id)
    .where("currency", "=", key.currency)
    .orderBy("effective_from", "desc")
    .execute();
}

/** Every override of the given customers on the given prices, newest first, in one query. */
export async function priceOverridesOfCustomers(
  db: Executor,
  customerIds: readonly string[],
  priceIds: readonly string[],
): Promise<PriceOverrideRow[]> {
  if (customerIds.length === 0 || priceIds.length === 0) return [];
  return tables(db)
    .selectFrom("price_overrides")
    .selectAll()
    .where("customer_id", "in", [...customerIds])
    .where("price_id", "in", [...priceIds])
    .orderBy("effective_from", "desc")
    .execute();
}

/** Overrides of a price still running at or after an instant: a new version must fit them. */
export async function priceOverridesRunningFrom(
  db: Executor,
  priceId: string,
  at: Temporal.Instant,
): Promise<PriceOverrideRow[]> {
  return tables(db)
    .selectFrom("price_overrides")
    .selectAll()
    .where("price_id", "=", priceId)
    .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", toDate(at))]))
    .execute();
}

export function priceOverridesQuery(
  db: Executor,
  filter: { customer?: string | undefined; price?: string | undefined },
) {
  let query = tables(db).selectFrom("price_overrides").selectAll();
  if (filter.customer !== undefined) query = query.where("customer_id", "=", filter.customer);
  if (filter.price !== undefined) query = query.where("price_id", "=", filter.price);
  return query;
}

// ---- commitments ----

export async function insertCommitment(db: Executor, row: CommitmentRow): Promise<void> {
  await tables(db)
    .insertInto("commitments")
    .values({ ...row, metadata: json(row.metadata) })
    .execute();
}

export async function updateCommitmentRow(db: Executor, row: CommitmentRow): Promise<void> {
  const { id, created_at: _created, ...changes } = row;
  await tables(db)
    .updateTable("commitments")
    .set({ ...changes, metadata: json(changes.metadata) })
    .where("id", "=", id)
    .execute();
}

export async function findCommitment(db: Executor, id: string, lock = false): Promise<CommitmentRow | undefined> {
  const query = tables(db).selectFrom("commitments").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export interface CommitmentFilter {
  plan?: string | undefined;
  customer?: string | undefined;
  status?: CatalogStatus | undefined;
}

export function commitmentsQuery(db: Executor, filter: CommitmentFilter) {
  let query = tables(db).selectFrom("commitments").selectAll();
  if (filter.plan !== undefined) query = query.where("plan_id", "=", filter.plan);
  if (filter.customer !== undefined) query = query.where("customer_id", "=", filter.customer);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  return query;
}

/**
 * The active commitments that bind a customer on a plan: the plan's own
 * (for everyone on it), the customer's own (any plan), and the customer's
 * on that plan.
 */
export async function commitmentsBinding(
  db: Executor,
  key: { customer_id: string; plan_id: string | null },
): Promise<CommitmentRow[]> {
  return tables(db)
    .selectFrom("commitments")
    .selectAll()
    .where("status", "=", "active")
    .where((eb) => {
      const planMatches = key.plan_id === null ? eb("plan_id", "is", null) : eb("plan_id", "=", key.plan_id);
      return eb.or([
        eb.and([eb("customer_id", "is", null), planMatches]),
        eb.and([eb("customer_id", "=", key.customer_id), eb.or([eb("plan_id", "is", null), planMatches])]),
      ]);
    })
    .orderBy("id")
    .execute();
}
