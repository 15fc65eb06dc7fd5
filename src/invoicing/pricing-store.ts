import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from "kysely";
import type { Executor } from "../kernel/db.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";

/**
 * SQL for the pricing tables of invoicing (migrations/0010_tax_coupons.sql):
 * tax rates, coupons, discounts and which invoices each discount reduced.
 */

interface TaxRatesTable {
  id: string;
  country: string;
  region: string | null;
  percentage: string;
  name: string;
  inclusive: boolean;
  effective_from: string;
  effective_to: string | null;
  created_at: Date;
  updated_at: Date;
}

interface CouponsTable {
  id: string;
  name: string;
  percent_off: string | null;
  amount_off: string | null;
  currency: string | null;
  duration: "once" | "repeating" | "forever";
  duration_periods: number | null;
  max_redemptions: number | null;
  redeem_by: string | null;
  times_redeemed: number;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DiscountsTable {
  id: string;
  coupon_id: string;
  customer_id: string;
  subscription_id: string | null;
  created_at: Date;
  ended_at: Date | null;
}

interface InvoiceDiscountsTable {
  invoice_id: string;
  discount_id: string;
  coupon_id: string;
  amount: string;
}

interface InvoiceStatusTable {
  id: string;
  status: string;
}

interface PricingTables {
  tax_rates: TaxRatesTable;
  coupons: CouponsTable;
  discounts: DiscountsTable;
  invoice_discounts: InvoiceDiscountsTable;
  invoices: InvoiceStatusTable;
}

export type TaxRateRow = Selectable<TaxRatesTable>;
export type CouponRow = Selectable<CouponsTable>;
export type DiscountRow = Selectable<DiscountsTable>;

const t = (db: Executor) => db as unknown as Kysely<PricingTables>;

// Dates come back as YYYY-MM-DD text, not a JS Date in the server's zone.
const day = (column: string) => sql<string>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;
const dayOrNull = (column: string) => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

function taxRateColumns(db: Executor) {
  return t(db)
    .selectFrom("tax_rates")
    .selectAll()
    .select([day("effective_from").as("effective_from"), dayOrNull("effective_to").as("effective_to")]);
}

export async function insertTaxRate(db: Executor, row: Insertable<TaxRatesTable>): Promise<void> {
  await t(db).insertInto("tax_rates").values(row).execute();
}

export async function updateTaxRateRow(db: Executor, id: string, changes: Updateable<TaxRatesTable>): Promise<void> {
  await t(db).updateTable("tax_rates").set(changes).where("id", "=", id).execute();
}

export async function findTaxRateRow(db: Executor, id: string, lock = false): Promise<TaxRateRow | undefined> {
  const query = taxRateColumns(db).where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/** The rates of one place whose [from, to) meets [from, to), apart from `exceptId`. */
export async function overlappingTaxRates(
  db: Executor,
  place: { country: string; region: string | null },
  span: { from: string; to: string | null },
  exceptId?: string,
): Promise<TaxRateRow[]> {
  let query = taxRateColumns(db)
    .where("country", "=", place.country)
    .where(sql<boolean>`region is not distinct from ${place.region}`)
    .where(sql<boolean>`(effective_to is null or effective_to > ${span.from}::date)`);
  if (span.to !== null) query = query.where(sql<boolean>`effective_from < ${span.to}::date`);
  if (exceptId !== undefined) query = query.where("id", "<>", exceptId);
  return query.execute();
}

export interface TaxRateFilter {
  country?: string | undefined;
  /** In force on this day. */
  active_on?: string | undefined;
}

export async function listTaxRateRows(
  db: Executor,
  filter: TaxRateFilter,
  page: PageRequest,
): Promise<Page<TaxRateRow>> {
  let query = taxRateColumns(db);
  if (filter.country !== undefined) query = query.where("country", "=", filter.country);
  if (filter.active_on !== undefined) {
    const on = filter.active_on;
    query = query
      .where(sql<boolean>`effective_from <= ${on}::date`)
      .where(sql<boolean>`(effective_to is null or effective_to > ${on}::date)`);
  }
  return paginate(query, "id", page) as Promise<Page<TaxRateRow>>;
}

/** Every rate of the given countries, for pricing: a country's table is a handful of rows. */
export async function taxRatesOf(db: Executor, countries: readonly string[]): Promise<TaxRateRow[]> {
  if (countries.length === 0) return [];
  return taxRateColumns(db).where("country", "in", countries).orderBy(sql`tax_rates.effective_from`).execute();
}

function couponColumns(db: Executor) {
  return t(db).selectFrom("coupons").selectAll().select(dayOrNull("redeem_by").as("redeem_by"));
}

export async function insertCoupon(db: Executor, row: Insertable<CouponsTable>): Promise<void> {
  await t(db).insertInto("coupons").values(row).execute();
}

export async function updateCouponRow(db: Executor, id: string, changes: Updateable<CouponsTable>): Promise<void> {
  await t(db).updateTable("coupons").set(changes).where("id", "=", id).execute();
}

/** `lock` holds the coupon row: redemptions are counted one at a time. */
export async function findCouponRow(db: Executor, id: string, lock = false): Promise<CouponRow | undefined> {
  const query = couponColumns(db).where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findCouponRows(db: Executor, ids: readonly string[]): Promise<CouponRow[]> {
  if (ids.length === 0) return [];
  return couponColumns(db).where("id", "in", ids).execute();
}

export async function listCouponRows(
  db: Executor,
  filter: { archived?: boolean | undefined },
  page: PageRequest,
): Promise<Page<CouponRow>> {
  let query = couponColumns(db);
  if (filter.archived === true) query = query.where("archived_at", "is not", null);
  if (filter.archived === false) query = query.where("archived_at", "is", null);
  return paginate(query, "id", page) as Promise<Page<CouponRow>>;
}

export async function insertDiscount(db: Executor, row: Insertable<DiscountsTable>): Promise<void> {
  await t(db).insertInto("discounts").values(row).execute();
}

export async function findDiscountRow(db: Executor, id: string, lock = false): Promise<DiscountRow | undefined> {
  const query = t(db).selectFrom("discounts").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function endDiscountRow(db: Executor, id: string, at: Date): Promise<void> {
  await t(db).updateTable("discounts").set({ ended_at: at }).where("id", "=", id).execute();
}

export async function listDiscountRows(db: Executor, customerId: string, page: PageRequest) {
  const query = t(db).selectFrom("discounts").selectAll().where("customer_id", "=", customerId);
  return paginate(query, "id", page) as Promise<Page<DiscountRow>>;
}

/**
 * The discounts still running for a customer, locked: two drafts of one
 * customer priced at once would otherwise both take the last period of a
 * repeating discount.
 */
export async function runningDiscountRows(db: Executor, customerId: string, lock: boolean): Promise<DiscountRow[]> {
  const query = t(db)
    .selectFrom("discounts")
    .selectAll()
    .where("customer_id", "=", customerId)
    .where("ended_at", "is", null)
    .orderBy("id");
  return (lock ? query.forUpdate() : query).execute();
}

/** Per discount, how many invoices (not voided, other than `exceptInvoice`) it reduced. */
export async function discountPeriodsUsed(
  db: Executor,
  discountIds: readonly string[],
  exceptInvoice: string | null,
): Promise<Map<string, number>> {
  if (discountIds.length === 0) return new Map();
  let query = t(db)
    .selectFrom("invoice_discounts")
    .innerJoin("invoices", "invoices.id", "invoice_discounts.invoice_id")
    .select(["invoice_discounts.discount_id", sql<string>`count(*)`.as("used")])
    .where("invoice_discounts.discount_id", "in", discountIds)
    .where("invoices.status", "<>", "void")
    .where(sql<boolean>`invoice_discounts.amount > 0`)
    .groupBy("invoice_discounts.discount_id");
  if (exceptInvoice !== null) query = query.where("invoice_discounts.invoice_id", "<>", exceptInvoice);
  const rows = await query.execute();
  return new Map(rows.map((row) => [row.discount_id, Number(row.used)]));
}

/** Replaces what the discounts took off one invoice. */
export async function replaceInvoiceDiscounts(
  db: Executor,
  invoiceId: string,
  rows: readonly Omit<InvoiceDiscountsTable, "invoice_id">[],
): Promise<void> {
  await t(db).deleteFrom("invoice_discounts").where("invoice_id", "=", invoiceId).execute();
  if (rows.length === 0) return;
  await t(db)
    .insertInto("invoice_discounts")
    .values(rows.map((row) => ({ ...row, invoice_id: invoiceId })))
    .execute();
}
