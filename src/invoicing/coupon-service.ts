import { customerDeps, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { assertNever, DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { formatAmountForApi, parseAmount, parseCurrency, parseCurrencyAmount } from "../kernel/money.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { parseDate } from "../kernel/time.js";
import { getSubscription } from "../subscriptions/index.js";
import { type Coupon, type CouponDuration, checkRedemption, discountActive } from "./discounts.js";
import "./pricing-errors.js";
import type { DiscountOnFile } from "./pricing.js";
import {
  type CouponRow,
  type DiscountRow,
  discountPeriodsUsed,
  endDiscountRow,
  findCouponRow,
  findCouponRows,
  findDiscountRow,
  insertCoupon,
  insertDiscount,
  listCouponRows,
  listDiscountRows,
  runningDiscountRows,
  updateCouponRow,
} from "./pricing-store.js";
import { recordPricingChange } from "./tax-rate-service.js";
import { dateIn } from "./views.js";

/**
 * Coupons (the offer) and discounts (a coupon redeemed by a customer, for all
 * their invoices or one subscription's). A discount counts the invoices it
 * reduced; the pricing path stops applying it after its duration.
 */

export interface NewCoupon {
  name: string;
  percent_off?: string | undefined;
  amount_off?: string | undefined;
  currency?: string | undefined;
  duration: CouponDuration["type"];
  /** Required for `repeating`: how many invoices it reduces. */
  duration_in_periods?: number | undefined;
  max_redemptions?: number | null | undefined;
  redeem_by?: string | null | undefined;
}

export function couponOf(row: CouponRow): Coupon {
  const duration: CouponDuration =
    row.duration === "repeating" ? { type: "repeating", periods: row.duration_periods ?? 1 } : { type: row.duration };
  return {
    id: row.id,
    name: row.name,
    value:
      row.percent_off !== null
        ? { type: "percent", percent_off: parseAmount(row.percent_off).toString() }
        : { type: "fixed", amount_off: parseAmount(row.amount_off).toString(), currency: row.currency ?? "" },
    duration,
    max_redemptions: row.max_redemptions,
    redeem_by: row.redeem_by,
  };
}

export function couponJson(row: CouponRow) {
  return {
    object: "coupon" as const,
    id: row.id,
    name: row.name,
    percent_off: row.percent_off === null ? null : parseAmount(row.percent_off).toString(),
    amount_off: row.amount_off === null ? null : formatAmountForApi(parseAmount(row.amount_off), row.currency ?? "USD"),
    currency: row.currency,
    duration: row.duration,
    duration_in_periods: row.duration_periods,
    max_redemptions: row.max_redemptions,
    times_redeemed: row.times_redeemed,
    redeem_by: row.redeem_by,
    archived: row.archived_at !== null,
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type CouponJson = ReturnType<typeof couponJson>;

function invalid(message: string, param: string): DomainError {
  return new DomainError("invalid_coupon", message, { param });
}

function couponValue(input: NewCoupon) {
  if ((input.percent_off === undefined) === (input.amount_off === undefined)) {
    throw invalid("give either percent_off or amount_off", "percent_off");
  }
  if (input.percent_off !== undefined) {
    if (input.currency !== undefined) throw invalid("a percent coupon has no currency", "currency");
    const percent = parseAmount(input.percent_off, "percent_off");
    if (!percent.isPositive() || percent.greaterThan(100))
      throw invalid("percent_off is above 0, at most 100", "percent_off");
    return { percent_off: percent.toString(), amount_off: null, currency: null };
  }
  if (input.currency === undefined) throw invalid("an amount_off coupon needs its currency", "currency");
  const currency = parseCurrency(input.currency, "currency");
  const amount = parseCurrencyAmount(input.amount_off, currency, "amount_off");
  if (!amount.isPositive()) throw invalid("amount_off is above 0", "amount_off");
  return { percent_off: null, amount_off: amount.toString(), currency };
}

function couponDuration(input: NewCoupon): number | null {
  switch (input.duration) {
    case "repeating":
      if (input.duration_in_periods === undefined || input.duration_in_periods < 1) {
        throw invalid("a repeating coupon says for how many invoices, 1 or more", "duration_in_periods");
      }
      return input.duration_in_periods;
    case "once":
    case "forever":
      if (input.duration_in_periods !== undefined) {
        throw invalid("only a repeating coupon has duration_in_periods", "duration_in_periods");
      }
      return null;
    default:
      return assertNever(input.duration, "coupon duration");
  }
}

export async function createCoupon(deps: Deps, ctx: RequestContext, input: NewCoupon): Promise<CouponJson> {
  const name = input.name.trim();
  if (name === "") throw invalid("a coupon needs the name printed on invoices", "name");
  const value = couponValue(input);
  const periods = couponDuration(input);
  const maxRedemptions = input.max_redemptions ?? null;
  if (maxRedemptions !== null && maxRedemptions < 1) throw invalid("max_redemptions is 1 or more", "max_redemptions");
  const redeemBy = input.redeem_by == null ? null : parseDate(input.redeem_by, "redeem_by").toString();
  return inTransaction(deps.db, async (tx) => {
    const id = newId("coupon");
    const at = deps.clock.now();
    await insertCoupon(tx, {
      id,
      name,
      ...value,
      duration: input.duration,
      duration_periods: periods,
      max_redemptions: maxRedemptions,
      redeem_by: redeemBy,
      times_redeemed: 0,
      archived_at: null,
      created_at: toDate(at),
      updated_at: toDate(at),
    });
    const after = couponJson(await mustFindCoupon(tx, id));
    await recordPricingChange(tx, ctx, { action: "coupon.created", object_type: "coupon", object_id: id, after }, at);
    return after;
  });
}

async function mustFindCoupon(db: Executor, id: string, lock = false): Promise<CouponRow> {
  const row = await findCouponRow(db, parseId("coupon", id, "coupon"), lock);
  if (row === undefined) throw new DomainError("coupon_not_found", `no coupon ${id}`, { param: "coupon" });
  return row;
}

export async function getCoupon(deps: Deps, id: string): Promise<CouponJson> {
  return couponJson(await mustFindCoupon(deps.db, id));
}

export async function listCoupons(
  deps: Deps,
  filter: { archived?: boolean | undefined },
  page: PageRequest,
): Promise<Page<CouponJson>> {
  const rows = await listCouponRows(deps.db, filter, page);
  return { data: rows.data.map(couponJson), has_more: rows.has_more };
}

/** Archived coupons are redeemed no more; discounts already granted keep running. */
export async function archiveCoupon(deps: Deps, ctx: RequestContext, id: string): Promise<CouponJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await mustFindCoupon(tx, id, true);
    if (row.archived_at !== null) throw new DomainError("coupon_archived", `coupon ${row.id} is archived already`);
    const before = couponJson(row);
    const at = deps.clock.now();
    await updateCouponRow(tx, row.id, { archived_at: toDate(at), updated_at: toDate(at) });
    const after = couponJson(await mustFindCoupon(tx, row.id));
    await recordPricingChange(
      tx,
      ctx,
      { action: "coupon.archived", object_type: "coupon", object_id: row.id, before, after },
      at,
    );
    return after;
  });
}

function discountJson(row: DiscountRow, coupon: CouponRow, periodsApplied: number) {
  const scope =
    row.subscription_id === null
      ? { type: "customer" as const }
      : {
          type: "subscription" as const,
          subscription_id: row.subscription_id,
        };
  const running =
    row.ended_at === null && discountActive({ coupon: couponOf(coupon), scope, periods_applied: periodsApplied });
  return {
    object: "discount" as const,
    id: row.id,
    coupon: couponJson(coupon),
    customer_id: row.customer_id,
    subscription_id: row.subscription_id,
    periods_applied: periodsApplied,
    active: running,
    created_at: fromDate(row.created_at).toString(),
    ended_at: row.ended_at === null ? null : fromDate(row.ended_at).toString(),
  };
}

export type DiscountJson = ReturnType<typeof discountJson>;

async function discountJsons(db: Executor, rows: readonly DiscountRow[]): Promise<DiscountJson[]> {
  const coupons = new Map(
    (await findCouponRows(db, [...new Set(rows.map((row) => row.coupon_id))])).map((c) => [c.id, c]),
  );
  const used = await discountPeriodsUsed(
    db,
    rows.map((row) => row.id),
    null,
  );
  return rows.map((row) => discountJson(row, coupons.get(row.coupon_id) as CouponRow, used.get(row.id) ?? 0));
}

/**
 * Redeems a coupon for a customer or one of their subscriptions. The coupon
 * row is locked while its redemptions are counted, so its limit holds under
 * concurrent redemptions.
 */
export async function applyCoupon(
  baseDeps: Deps,
  ctx: RequestContext,
  customerRef: string,
  input: { coupon: string; subscription?: string | undefined },
): Promise<DiscountJson> {
  // On a test clock, "today" (for redeem_by) is the clock's day.
  const deps = await customerDeps(baseDeps, customerRef);
  return inTransaction(deps.db, async (tx) => {
    const customer = await getCustomer(deps, customerRef, tx);
    let subscriptionId: string | null = null;
    if (input.subscription !== undefined) {
      const subscription = await getSubscription(deps, input.subscription);
      if (subscription.customer !== customer.id) {
        throw new DomainError(
          "discount_subscription_mismatch",
          `subscription ${subscription.id} belongs to another customer`,
          { param: "subscription" },
        );
      }
      subscriptionId = subscription.id;
    }
    const coupon = await mustFindCoupon(tx, input.coupon, true);
    if (coupon.archived_at !== null) {
      throw new DomainError("coupon_archived", `coupon ${coupon.id} is archived`, { param: "coupon" });
    }
    const at = deps.clock.now();
    checkRedemption(couponOf(coupon), { times_redeemed: coupon.times_redeemed, on: dateIn(at, customer.time_zone) });
    await updateCouponRow(tx, coupon.id, { times_redeemed: coupon.times_redeemed + 1, updated_at: toDate(at) });
    const row: DiscountRow = {
      id: newId("discount"),
      coupon_id: coupon.id,
      customer_id: customer.id,
      subscription_id: subscriptionId,
      created_at: toDate(at),
      ended_at: null,
    };
    await insertDiscount(tx, row);
    const after = discountJson(row, await mustFindCoupon(tx, coupon.id), 0);
    await recordPricingChange(
      tx,
      ctx,
      { action: "discount.created", object_type: "discount", object_id: row.id, after },
      at,
    );
    return after;
  });
}

export async function listCustomerDiscounts(deps: Deps, customerRef: string, page: PageRequest) {
  const customer = await getCustomer(deps, customerRef);
  const rows = await listDiscountRows(deps.db, customer.id, page);
  return { data: await discountJsons(deps.db, rows.data), has_more: rows.has_more };
}

/** Ends a discount: drafts priced from now on no longer carry it; finalized invoices keep theirs. */
export async function endDiscount(deps: Deps, ctx: RequestContext, id: string): Promise<DiscountJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await findDiscountRow(tx, parseId("discount", id, "id"), true);
    if (row === undefined) throw new DomainError("discount_not_found", `no discount ${id}`, { param: "id" });
    if (row.ended_at !== null) throw new DomainError("discount_ended", `discount ${row.id} has ended already`);
    const [before] = await discountJsons(tx, [row]);
    const at = deps.clock.now();
    await endDiscountRow(tx, row.id, toDate(at));
    const [after] = await discountJsons(tx, [{ ...row, ended_at: toDate(at) }]);
    if (before === undefined || after === undefined) throw new Error("discount vanished inside its transaction");
    await recordPricingChange(
      tx,
      ctx,
      { action: "discount.ended", object_type: "discount", object_id: row.id, before, after },
      at,
    );
    return after;
  });
}

/**
 * The customer's running discounts for pricing one invoice, with how many
 * other invoices each already reduced. `lock` holds the discount rows to the
 * end of the transaction (pricing a draft that will be stored).
 */
export async function discountsOnFile(
  db: Executor,
  customerId: string,
  invoiceId: string | null,
  lock: boolean,
): Promise<DiscountOnFile[]> {
  const rows = await runningDiscountRows(db, customerId, lock);
  if (rows.length === 0) return [];
  const coupons = new Map(
    (await findCouponRows(db, [...new Set(rows.map((row) => row.coupon_id))])).map((c) => [c.id, c]),
  );
  const used = await discountPeriodsUsed(
    db,
    rows.map((row) => row.id),
    invoiceId,
  );
  return rows.flatMap((row) => {
    const coupon = coupons.get(row.coupon_id);
    if (coupon === undefined) return [];
    const scope =
      row.subscription_id === null
        ? ({ type: "customer" } as const)
        : ({ type: "subscription", subscription_id: row.subscription_id } as const);
    return [{ id: row.id, coupon: couponOf(coupon), scope, periods_applied: used.get(row.id) ?? 0 }];
  });
}
