import { Temporal } from "temporal-polyfill";
import { customerDeps, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import { type Deps, remember } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { paginate } from "../kernel/pagination.js";
import { type BillingAnchor, billingPeriod, parseInterval } from "../kernel/periods.js";
import { type SubscriptionStatus, statusAt, trialEndAfterDays } from "./model.js";
import { type ProrationBehavior, parseProrationBehavior } from "./proration.js";
import {
  catalogItem,
  type LoadedSubscription,
  loadSubscriptions,
  mustLoadSubscription,
  newItemId,
  newPhaseId,
  pinnedVersion,
  recordSubscriptionChange,
  type SubscriptionJson,
  subscriptionDeps,
  subscriptionView,
} from "./service.js";
import {
  customerDefaultBehavior,
  endOpenPause,
  type ItemRow,
  insertPause,
  insertPhase,
  insertSubscription,
  pendingProrationLineRowsOf,
  type SubscriptionRow,
  subscriptionsQuery,
  updateSubscriptionRow,
  upsertCustomerDefaultBehavior,
} from "./store.js";

/** Creating, reading, cancelling, pausing and resuming subscriptions. */

export interface NewItem {
  price: string;
  quantity?: string | undefined;
}

export interface NewPhase {
  starts_at: Temporal.Instant;
  items: NewItem[];
}

export interface NewSubscription {
  customer: string;
  items: NewItem[];
  /** Default now; in the past for subscriptions brought over from another system. */
  start_at?: Temporal.Instant | undefined;
  billing_anchor?: BillingAnchor | undefined;
  /** Default: the plan's trial length. 0 for none. */
  trial_days?: number | undefined;
  trial_end?: Temporal.Instant | undefined;
  /** Later phases (e.g. list price after a launch price), each listing every item from its start. */
  phases?: NewPhase[] | undefined;
  term_periods?: number | undefined;
  auto_renew?: boolean | undefined;
  seat_true_up?: boolean | undefined;
  proration_behavior?: ProrationBehavior | undefined;
  metadata?: Record<string, string> | undefined;
}

export function parseQuantity(value: string | undefined, param: string): Decimal {
  let quantity: Decimal;
  try {
    quantity = new Decimal(value ?? "1");
  } catch {
    throw new DomainError("invalid_subscription_quantity", "quantity must be a decimal number", { param });
  }
  if (!quantity.isFinite() || quantity.isNegative() || quantity.decimalPlaces() > 12) {
    throw new DomainError("invalid_subscription_quantity", "quantity must be 0 or more, at most 12 decimals", {
      param,
    });
  }
  return quantity;
}

/** Prices checked against the catalog and each other: one plan's terms, each price once, version pinned at `at`. */
export async function checkedItems(
  deps: Deps,
  items: readonly NewItem[],
  at: Temporal.Instant,
  param: string,
): Promise<{ plan: Awaited<ReturnType<typeof catalogItem>>; rows: Omit<ItemRow, "phase_id" | "subscription_id">[] }> {
  if (items.length === 0) throw new DomainError("invalid_request", "at least one item is needed", { param });
  const catalog = await Promise.all(items.map((item, i) => catalogItem(deps, item.price, `${param}[${i}].price`)));
  const first = catalog[0] as (typeof catalog)[number];
  const seen = new Set<string>();
  const rows = [];
  for (const [i, entry] of catalog.entries()) {
    const same =
      entry.currency === first.currency &&
      entry.billing_timing === first.billing_timing &&
      entry.interval.unit === first.interval.unit &&
      entry.interval.count === first.interval.count;
    if (!same) {
      throw new DomainError("plan_terms_mismatch", "every item's plan must share interval, currency and timing", {
        param: `${param}[${i}].price`,
      });
    }
    if (seen.has(entry.price_id)) {
      throw new DomainError("duplicate_subscription_price", `price ${entry.price_id} is listed twice`, {
        param: `${param}[${i}].price`,
      });
    }
    seen.add(entry.price_id);
    rows.push({
      id: newItemId(),
      price_id: entry.price_id,
      price_version_id: await pinnedVersion(deps, entry.price_id, at),
      quantity: parseQuantity(items[i]?.quantity, `${param}[${i}].quantity`).toString(),
      metered: entry.metered,
      description: entry.description,
    });
  }
  return { plan: first, rows };
}

function trialEndOf(input: NewSubscription, start: Temporal.Instant, planTrialDays: number, timeZone: string) {
  if (input.trial_end !== undefined) {
    if (Temporal.Instant.compare(input.trial_end, start) < 0) {
      throw new DomainError("invalid_subscription_date", "the trial ends before the start", { param: "trial_end" });
    }
    return input.trial_end;
  }
  const days = input.trial_days ?? planTrialDays;
  return days > 0 ? trialEndAfterDays(start, days, timeZone) : undefined;
}

async function defaultBehavior(deps: Deps, customerId: string): Promise<ProrationBehavior> {
  return (await customerDefaultBehavior(deps.db, customerId)) ?? "create_prorations";
}

/** A subscription's own behaviour, else the customer's default, else create_prorations. */
export async function effectiveBehavior(
  deps: Deps,
  loaded: LoadedSubscription,
  requested: ProrationBehavior | undefined,
): Promise<ProrationBehavior> {
  return requested ?? loaded.row.proration_behavior ?? defaultBehavior(deps, loaded.row.customer_id);
}

/** The customer by id or external id; its errors name the `customer` field. */
async function customerFor(deps: Deps, idOrExternalId: string) {
  try {
    return await getCustomer(deps, idOrExternalId);
  } catch (error) {
    if (!(error instanceof DomainError) || !error.code.startsWith("customer_")) throw error;
    throw new DomainError(error.code, error.message, { param: "customer", details: error.details });
  }
}

export async function createSubscription(
  baseDeps: Deps,
  ctx: RequestContext,
  input: NewSubscription,
): Promise<SubscriptionJson> {
  // A customer on a test clock starts its subscription at the clock's time.
  const deps = await customerDeps(baseDeps, input.customer);
  const now = deps.clock.now();
  const customer = await customerFor(deps, input.customer);
  if (customer.archived) {
    throw new DomainError("customer_archived", `customer ${customer.id} is archived; unarchive it first`, {
      param: "customer",
    });
  }
  const start = input.start_at ?? now;
  const { plan, rows } = await checkedItems(deps, input.items, start, "items");
  if (plan.currency !== customer.currency) {
    throw new DomainError(
      "subscription_currency_mismatch",
      `the plan is in ${plan.currency} but the customer is billed in ${customer.currency}`,
      { param: "items[0].price" },
    );
  }
  const trialEnd = trialEndOf(input, start, plan.trial_days, customer.time_zone);
  const anchor = input.billing_anchor ?? { kind: "anniversary" };
  const row: SubscriptionRow = {
    id: newId("subscription"),
    customer_id: customer.id,
    plan_id: plan.plan_id,
    currency: plan.currency,
    interval_unit: parseInterval(plan.interval).unit,
    interval_count: plan.interval.count,
    billing_timing: plan.billing_timing,
    time_zone: customer.time_zone,
    anchor_kind: anchor.kind,
    anchor_day: anchor.kind === "day_of_month" ? anchor.day : null,
    start_at: toDate(start),
    trial_end: trialEnd === undefined ? null : toDate(trialEnd),
    billing_start: toDate(trialEnd ?? start),
    term_periods: input.term_periods ?? null,
    auto_renew: input.auto_renew ?? true,
    seat_true_up: input.seat_true_up ?? false,
    proration_behavior: input.proration_behavior ?? null,
    ended_at: null,
    canceled_at: null,
    last_billed_period_index: null,
    metadata: input.metadata ?? {},
    created_at: toDate(now),
    updated_at: toDate(now),
  };
  const schedule = { start: trialEnd ?? start, interval: plan.interval, anchor, timeZone: row.time_zone };
  // Checks the anchor against the interval (a day-of-month anchor needs months or years).
  billingPeriod(schedule, 0);
  if (row.term_periods !== null && !row.auto_renew) {
    // A term that does not renew ends with its last period.
    row.ended_at = toDate(billingPeriod(schedule, row.term_periods - 1).end);
  }
  const phases = [{ starts_at: start, items: rows }];
  for (const [i, phase] of (input.phases ?? []).entries()) {
    const previous = phases.at(-1)?.starts_at ?? start;
    if (Temporal.Instant.compare(phase.starts_at, previous) <= 0) {
      throw new DomainError("invalid_subscription_date", "each phase starts after the one before it", {
        param: `phases[${i}].starts_at`,
      });
    }
    const later = await checkedItems(deps, phase.items, phase.starts_at, `phases[${i}].items`);
    if (later.plan.currency !== plan.currency || later.plan.billing_timing !== plan.billing_timing) {
      throw new DomainError("plan_terms_mismatch", "every phase bills in the same currency and timing", {
        param: `phases[${i}].items`,
      });
    }
    phases.push({ starts_at: phase.starts_at, items: later.rows });
  }
  return inTransaction(deps.db, async (tx) => {
    await insertSubscription(tx, row);
    for (const phase of phases) {
      const phaseId = newPhaseId();
      await insertPhase(
        tx,
        { id: phaseId, subscription_id: row.id, starts_at: toDate(phase.starts_at), created_at: toDate(now) },
        phase.items.map((item) => ({ ...item, phase_id: phaseId, subscription_id: row.id })),
      );
    }
    const after = subscriptionView(await mustLoadSubscription(tx, row.id), now);
    await recordSubscriptionChange(
      tx,
      ctx,
      { action: "subscription.created", event: "subscription.created", id: row.id, after },
      now,
    );
    return after;
  });
}

export async function getSubscription(baseDeps: Deps, id: string): Promise<SubscriptionJson> {
  const deps = await subscriptionDeps(baseDeps, id);
  return subscriptionView(await mustLoadSubscription(deps.db, id), deps.clock.now());
}

export interface SubscriptionListQuery extends PageRequest {
  customer?: string | undefined;
  status?: SubscriptionStatus | undefined;
}

/** Within a memo scope, what was just loaded (and the pending prorations with it) is not read again. */
export async function rememberLoaded(deps: Deps, loaded: readonly LoadedSubscription[]): Promise<void> {
  if (deps.memo === undefined) return;
  const ids = loaded.map((subscription) => subscription.row.id);
  const pending = await pendingProrationLineRowsOf(deps.db, ids);
  for (const subscription of loaded) {
    const id = subscription.row.id;
    remember(deps, `subscription:${id}`, subscription);
    remember(
      deps,
      `pending_prorations:${id}`,
      pending.filter((row) => row.subscription_id === id),
    );
  }
}

/**
 * A customer's subscriptions (ids, oldest first, up to 100) for a preview
 * that prices each of them: loaded in one go, without building their API
 * views; within a memo scope the later reads of each are served from it.
 */
export async function customerSubscriptionIds(deps: Deps, customerId: string): Promise<string[]> {
  const page = await paginate(subscriptionsQuery(deps.db, { customer_id: customerId }), "id", { limit: 100 });
  await rememberLoaded(deps, await loadSubscriptions(deps.db, page.data));
  return page.data.map((row) => row.id).toReversed();
}

/** The status filter applies to the page fetched, so a filtered page may hold fewer than `limit`. */
export async function listSubscriptions(deps: Deps, query: SubscriptionListQuery): Promise<Page<SubscriptionJson>> {
  // One customer's subscriptions show their status on its time (a test clock's, for a customer on one).
  const now = (query.customer === undefined ? deps : await customerDeps(deps, query.customer)).clock.now();
  const page = await paginate(subscriptionsQuery(deps.db, { customer_id: query.customer }), "id", query);
  const loaded = await loadSubscriptions(deps.db, page.data);
  // A preview that lists a customer's subscriptions then prices each one reads them once.
  await rememberLoaded(deps, loaded);
  const data = loaded
    .filter((subscription) => query.status === undefined || statusAt(subscription.terms, now) === query.status)
    .map((subscription) => subscriptionView(subscription, now));
  return { data, has_more: page.has_more };
}

/** Applies a change to the row under lock, then audits and emits it. */
export async function changeSubscription(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  change: { action: string; event: string },
  work: (loaded: LoadedSubscription, tx: Tx) => Promise<Partial<SubscriptionRow> | undefined>,
): Promise<SubscriptionJson> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const loaded = await mustLoadSubscription(tx, id, true);
    const before = subscriptionView(loaded, now);
    const changes = await work(loaded, tx);
    await updateSubscriptionRow(tx, { ...loaded.row, ...changes, updated_at: toDate(now) });
    const after = subscriptionView(await mustLoadSubscription(tx, id), now);
    await recordSubscriptionChange(tx, ctx, { ...change, id, before, after }, now);
    return after;
  });
}

export function assertNotCanceled(loaded: LoadedSubscription, now: Temporal.Instant): void {
  if (statusAt(loaded.terms, now) === "canceled") {
    throw new DomainError("subscription_canceled", `subscription ${loaded.row.id} has ended`);
  }
}

export async function pauseSubscription(baseDeps: Deps, ctx: RequestContext, id: string): Promise<SubscriptionJson> {
  const deps = await subscriptionDeps(baseDeps, id);
  const now = deps.clock.now();
  return changeSubscription(
    deps,
    ctx,
    id,
    { action: "subscription.paused", event: "subscription.paused" },
    async (loaded, tx) => {
      assertNotCanceled(loaded, now);
      if (statusAt(loaded.terms, now) === "paused") {
        throw new DomainError("subscription_paused", `subscription ${id} is already paused`);
      }
      await insertPause(tx, { subscription_id: id, paused_at: toDate(now), resumed_at: null });
      return undefined;
    },
  );
}

export async function resumeSubscription(baseDeps: Deps, ctx: RequestContext, id: string): Promise<SubscriptionJson> {
  const deps = await subscriptionDeps(baseDeps, id);
  const now = deps.clock.now();
  return changeSubscription(
    deps,
    ctx,
    id,
    { action: "subscription.resumed", event: "subscription.resumed" },
    async (loaded, tx) => {
      if (statusAt(loaded.terms, now) !== "paused") {
        throw new DomainError("subscription_not_paused", `subscription ${id} is not paused`);
      }
      await endOpenPause(tx, id, toDate(now));
      return undefined;
    },
  );
}

/**
 * Records that billing has invoiced periods up to `periodIndex`, in the
 * billing run's transaction. Only moves forward: a second run finds nothing to do.
 */
export async function markPeriodBilled(deps: Deps, tx: Tx, id: string, periodIndex: number): Promise<void> {
  const loaded = await mustLoadSubscription(tx, id, true);
  if ((loaded.row.last_billed_period_index ?? -1) >= periodIndex) return;
  await updateSubscriptionRow(tx, {
    ...loaded.row,
    last_billed_period_index: periodIndex,
    updated_at: toDate(deps.clock.now()),
  });
}

/** The customers module keeps no proration default, so this module does, keyed by customer. */
export async function setCustomerProrationDefault(
  deps: Deps,
  customerId: string,
  behavior: unknown,
): Promise<ProrationBehavior> {
  const parsed = parseProrationBehavior(behavior);
  const customer = await customerFor(deps, customerId);
  await upsertCustomerDefaultBehavior(deps.db, customer.id, parsed, toDate(deps.clock.now()));
  return parsed;
}
