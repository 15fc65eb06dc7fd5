import { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, instantText, toDate } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { type BillingAnchor, type BillingInterval, type BillingPeriod, billingPeriod } from "../kernel/periods.js";
import { chargesOfPeriod } from "./billing.js";
import { assertNotCanceled, changeSubscription, checkedItems, effectiveBehavior, type NewItem } from "./lifecycle.js";
import {
  currentPeriod,
  cycleAt,
  type PhaseCycle,
  type PhaseItem,
  phaseAt,
  type SubscriptionTerms,
  subscriptionPeriod,
} from "./model.js";
import {
  type PricedItem,
  type ProrationBehavior,
  type ProrationResult,
  prorateCancellation,
  prorateIntervalChange,
  prorateItemChange,
} from "./proration.js";
import {
  itemJson,
  type LoadedSubscription,
  lineJson,
  mustLoadSubscription,
  newPhaseId,
  pricedItem,
  type SubscriptionJson,
  type SubscriptionLineJson,
  subscriptionDeps,
} from "./service.js";
import {
  type ChangeRow,
  changesQuery,
  deletePhasesFrom,
  type ItemRow,
  insertChange,
  insertPhase,
  insertProrationLines,
  pendingProrationLineRows,
  setProrationLinesInvoiced,
} from "./store.js";

/**
 * Changing what a subscription holds (seats, prices, plans), cancelling it,
 * and the proration lines those changes leave for invoicing. Every change is
 * a new phase from the instant it takes effect, so the items a period bills
 * are always those in force at the period's start; the proration lines settle
 * the difference for the rest of the period.
 */

export type ChangeTiming = "immediately" | "at_period_end";

export interface ItemsChange {
  /** Every item from the change on; a price left out is removed. */
  items: NewItem[];
  proration_behavior?: ProrationBehavior | undefined;
  timing?: ChangeTiming | undefined;
}

/**
 * The items after the change; a price already held keeps its pinned version.
 * New prices on another interval (monthly → annual) are an interval change
 * (`interval` set); another currency or billing timing is refused.
 */
async function itemsAfter(deps: Deps, loaded: LoadedSubscription, items: readonly NewItem[], at: Temporal.Instant) {
  const { plan, rows } = await checkedItems(deps, items, at, "items");
  const { terms } = loaded;
  if (plan.currency !== terms.currency || plan.billing_timing !== terms.billing_timing) {
    throw new DomainError(
      "plan_terms_mismatch",
      "the new prices must bill in the subscription's currency and timing; start a new subscription to change them",
      { param: "items" },
    );
  }
  const inForce = cycleAt(terms, at).interval;
  const sameInterval = plan.interval.unit === inForce.unit && plan.interval.count === inForce.count;
  const held = new Map(phaseAt(terms, at).items.map((item) => [item.price_id, item]));
  return {
    plan_id: plan.plan_id,
    interval: sameInterval ? undefined : plan.interval,
    rows: rows.map((row) => ({
      ...row,
      price_version_id: held.get(row.price_id)?.price_version_id ?? row.price_version_id,
    })),
  };
}

interface ChangePlan {
  effective_at: Temporal.Instant;
  behavior: ProrationBehavior;
  plan_id: string;
  rows: Omit<ItemRow, "phase_id" | "subscription_id">[];
  /** Each line with the item it prices. */
  lines: { json: SubscriptionLineJson; item: Pick<PhaseItem, "price_id" | "price_version_id"> }[];
  /** Set for an interval change: the billing cycle restarts at effective_at on this interval and anchor. */
  cycle?: PhaseCycle | undefined;
}

function toPhaseItem(row: ChangePlan["rows"][number]): PhaseItem {
  return { ...row, quantity: new Decimal(row.quantity) };
}

const absent = (item: PhaseItem): PhaseItem => ({ ...item, quantity: new Decimal(0) });

async function itemLines(
  deps: Deps,
  loaded: LoadedSubscription,
  context: { period: BillingPeriod; at: Temporal.Instant; behavior: ProrationBehavior },
  from: PhaseItem,
  to: PhaseItem,
): Promise<ChangePlan["lines"]> {
  const { terms } = loaded;
  const priced = (item: PhaseItem): Promise<PricedItem> => pricedItem(deps, terms, item, context.period.start);
  const result: ProrationResult = prorateItemChange({
    period: context.period,
    change_at: context.at,
    time_zone: terms.time_zone,
    currency: terms.currency,
    behavior: context.behavior,
    from: await priced(from),
    to: await priced(to),
  });
  // The side the item was absent from (added or removed) has no line.
  // prorateItemChange returns the credit for `from`, then the charge for `to`.
  const sides = [from, to] as const;
  return result.lines
    .map((line, index) => ({ line, item: sides[index] ?? to }))
    .filter(({ line }) => !line.quantity.isZero())
    .map(({ line, item }) => ({ json: lineJson(line, item, terms.currency, result.invoice_now), item }));
}

/** The change's proration lines, computed against the period holding its instant; nothing is written. */
async function planItemsChange(deps: Deps, loaded: LoadedSubscription, change: ItemsChange): Promise<ChangePlan> {
  const now = deps.clock.now();
  assertNotCanceled(loaded, now);
  const behavior = await effectiveBehavior(deps, loaded, change.proration_behavior);
  const period = currentPeriod(loaded.terms, now);
  const { interval, ...after } = await itemsAfter(deps, loaded, change.items, now);
  if (interval !== undefined)
    return planIntervalChange(deps, loaded, change, { now, period, behavior, after, interval });
  if (change.timing === "at_period_end" && period !== undefined) {
    return { effective_at: period.end, behavior, ...after, lines: [] };
  }
  const plan: ChangePlan = { effective_at: now, behavior, ...after, lines: [] };
  // Before billing starts (a trial or a future start) nothing has been billed, so nothing is prorated;
  // at a period's very start the new items are the ones the period bills.
  if (period === undefined || period.start.equals(now)) return plan;
  const before = new Map(phaseAt(loaded.terms, now).items.map((item) => [item.price_id, item]));
  const next = new Map(after.rows.map((row) => [row.price_id, toPhaseItem(row)]));
  for (const price of new Set([...before.keys(), ...next.keys()])) {
    const from = before.get(price);
    const to = next.get(price);
    const unchanged = from !== undefined && to !== undefined && from.quantity.eq(to.quantity);
    if (unchanged || (from ?? to)?.metered) continue;
    // True-up mode bills seat rises at period end (seatTrueUp) instead of prorating them.
    if (loaded.row.seat_true_up && from !== undefined && to !== undefined) continue;
    const context = { period, at: now, behavior };
    plan.lines.push(
      ...(await itemLines(deps, loaded, context, from ?? absent(to as PhaseItem), to ?? absent(from as PhaseItem))),
    );
  }
  return plan;
}

/**
 * The anchor of a restarted cycle: a day-of-month anchor is kept when the new
 * cycle starts on that day's midnight (no stub period), else the new periods
 * are anniversaries of the change, to the second, as Stripe does.
 */
function anchorFrom(terms: SubscriptionTerms, startsAt: Temporal.Instant, interval: BillingInterval): BillingAnchor {
  const { anchor } = cycleAt(terms, startsAt);
  if (anchor.kind !== "day_of_month" || interval.unit === "day" || interval.unit === "week") {
    return { kind: "anniversary" };
  }
  const first = billingPeriod({ start: startsAt, interval, anchor, timeZone: terms.time_zone }, 0);
  return first.isStub ? { kind: "anniversary" } : anchor;
}

/**
 * An interval change (monthly → annual), Stripe's way: the billing cycle
 * restarts. Immediately: the current period ends now and the unused time of
 * the items held is credited per the proration behaviour (a period billed in
 * arrears bills the time used at its new end instead); the new interval's
 * first period starts now and the billing run bills it as usual. At period
 * end: the new interval starts at the current period's end, nothing prorated.
 */
async function planIntervalChange(
  deps: Deps,
  loaded: LoadedSubscription,
  change: ItemsChange,
  context: {
    now: Temporal.Instant;
    period: BillingPeriod | undefined;
    behavior: ProrationBehavior;
    after: Pick<ChangePlan, "plan_id" | "rows">;
    interval: BillingInterval;
  },
): Promise<ChangePlan> {
  const { now, period, behavior, after, interval } = context;
  const { terms } = loaded;
  const atEnd = change.timing === "at_period_end" && period !== undefined;
  const effective_at = atEnd ? period.end : now;
  const anchor = anchorFrom(terms, effective_at, interval);
  // At a period's very start, the new cycle's first period takes its number, unless it was billed already:
  // then it is cut to nothing and credited whole, and the new cycle starts at the next number.
  const atStart = period?.start.equals(now) === true;
  const billedAtStart = atStart && (terms.last_billed_period_index ?? -1) >= period.index;
  const first_index = period === undefined ? 0 : atStart && !billedAtStart && !atEnd ? period.index : period.index + 1;
  const plan: ChangePlan = { effective_at, behavior, ...after, lines: [], cycle: { interval, anchor, first_index } };
  const credited = period !== undefined && !atEnd && (!atStart || billedAtStart);
  if (!credited || terms.billing_timing === "in_arrears") return plan;
  for (const item of phaseAt(terms, now).items.filter((held) => !held.metered)) {
    const result = prorateIntervalChange({
      period,
      change_at: now,
      time_zone: terms.time_zone,
      currency: terms.currency,
      behavior,
      from: await pricedItem(deps, terms, item, period.start),
    });
    plan.lines.push(
      ...result.lines.map((line) => ({ json: lineJson(line, item, terms.currency, result.invoice_now), item })),
    );
  }
  return plan;
}

export interface BillingCycleJson {
  starts_at: string;
  interval: BillingInterval;
  billing_anchor: { kind: BillingAnchor["kind"]; day: number | null };
  first_period: { index: number; start: string; end: string };
  /** What the billing run will charge for the first period, as usual. */
  lines: SubscriptionLineJson[];
}

/** The restarted cycle of an interval change and its first period's charge, from the terms it would leave. */
async function cyclePreview(
  deps: Deps,
  loaded: LoadedSubscription,
  plan: ChangePlan,
): Promise<BillingCycleJson | null> {
  if (plan.cycle === undefined) return null;
  const kept = loaded.terms.phases.filter((phase) => Temporal.Instant.compare(phase.starts_at, plan.effective_at) < 0);
  const newPhase = {
    id: "preview",
    starts_at: plan.effective_at,
    items: plan.rows.map(toPhaseItem),
    cycle: plan.cycle,
  };
  const terms: SubscriptionTerms = { ...loaded.terms, phases: [...kept, newPhase] };
  const segment = cycleAt(terms, plan.effective_at);
  const first = subscriptionPeriod(terms, segment.first_index);
  const { anchor } = plan.cycle;
  return {
    starts_at: segment.starts_at.toString(),
    interval: plan.cycle.interval,
    billing_anchor: { kind: anchor.kind, day: anchor.kind === "day_of_month" ? anchor.day : null },
    first_period: { index: first.index, start: first.start.toString(), end: first.end.toString() },
    lines: await chargesOfPeriod(deps, terms, first),
  };
}

export interface ChangePreview {
  object: "subscription_change_preview";
  effective_at: string;
  proration_behavior: ProrationBehavior;
  items: ReturnType<typeof itemJson>[];
  lines: SubscriptionLineJson[];
  /** Set for an interval change: the new billing cycle and the charge for its first period. */
  billing_cycle: BillingCycleJson | null;
}

/** What a change would do, for the dialog that previews before confirming. Writes nothing. */
export async function previewChange(baseDeps: Deps, id: string, change: ItemsChange): Promise<ChangePreview> {
  const deps = await subscriptionDeps(baseDeps, id);
  const loaded = await mustLoadSubscription(deps.db, id);
  const plan = await planItemsChange(deps, loaded, change);
  return {
    object: "subscription_change_preview",
    effective_at: plan.effective_at.toString(),
    proration_behavior: plan.behavior,
    items: plan.rows.map((row) => itemJson(toPhaseItem(row))),
    lines: plan.lines.map((line) => line.json),
    billing_cycle: await cyclePreview(deps, loaded, plan),
  };
}

async function saveChange(
  tx: Tx,
  ctx: RequestContext,
  loaded: LoadedSubscription,
  change: { kind: string; plan: Pick<ChangePlan, "effective_at" | "behavior" | "lines">; after: unknown },
  now: Temporal.Instant,
): Promise<void> {
  const row: ChangeRow = {
    id: newId("subscription_change"),
    subscription_id: loaded.row.id,
    kind: change.kind,
    effective_at: toDate(change.plan.effective_at),
    proration_behavior: change.plan.behavior,
    before: phaseAt(loaded.terms, now).items.map(itemJson),
    after: change.after,
    lines: change.plan.lines.map((line) => line.json),
    request_id: ctx.request_id,
    created_at: toDate(now),
  };
  await insertChange(tx, row);
  await insertProrationLines(
    tx,
    change.plan.lines.map(({ json }) => ({
      id: newId("proration_line"),
      subscription_id: loaded.row.id,
      change_id: row.id,
      description: json.description,
      period_start: toDate(fromInstant(json.period_start)),
      period_end: toDate(fromInstant(json.period_end)),
      quantity: json.quantity,
      unit_amount: json.unit_amount,
      amount: json.amount,
      currency: json.currency,
      price_id: json.price,
      price_version_id: json.price_version,
      invoice_now: json.invoice_now,
      explanation: json.explanation,
      invoice_id: null,
      created_at: toDate(now),
    })),
  );
}

const fromInstant = (text: string) => Temporal.Instant.from(text);

/**
 * Changes the items (seats, prices, plan) now or at the period's end. An
 * immediate change replaces any later scheduled phases.
 */
export async function changeItems(
  baseDeps: Deps,
  ctx: RequestContext,
  id: string,
  change: ItemsChange,
): Promise<SubscriptionJson> {
  const deps = await subscriptionDeps(baseDeps, id);
  const now = deps.clock.now();
  return changeSubscription(
    deps,
    ctx,
    id,
    { action: "subscription.updated", event: "subscription.updated" },
    async (locked, tx) => {
      // Computed under the row lock, so two changes at once cannot prorate against the same items.
      const plan = await planItemsChange(deps, locked, change);
      const phaseId = newPhaseId();
      await deletePhasesFrom(tx, id, toDate(plan.effective_at));
      const { cycle } = plan;
      await insertPhase(
        tx,
        {
          id: phaseId,
          subscription_id: id,
          starts_at: toDate(plan.effective_at),
          created_at: toDate(now),
          ...(cycle === undefined
            ? {}
            : {
                interval_unit: cycle.interval.unit,
                interval_count: cycle.interval.count,
                anchor_kind: cycle.anchor.kind,
                anchor_day: cycle.anchor.kind === "day_of_month" ? cycle.anchor.day : null,
                first_period_index: cycle.first_index ?? null,
              }),
        },
        plan.rows.map((row) => ({ ...row, phase_id: phaseId, subscription_id: id })),
      );
      const kind = `${cycle === undefined ? "items" : "interval"}_${change.timing === "at_period_end" ? "scheduled" : "changed"}`;
      const items = plan.rows.map((row) => itemJson(toPhaseItem(row)));
      const after = cycle === undefined ? items : { items, interval: cycle.interval, billing_anchor: cycle.anchor };
      await saveChange(tx, ctx, locked, { kind, plan, after }, now);
      return { plan_id: plan.plan_id };
    },
  );
}

export interface Cancellation {
  at_period_end?: boolean | undefined;
  /** For an immediate cancel: `none` gives no credit for the unused time. */
  proration_behavior?: ProrationBehavior | undefined;
}

/** The unused time credited per item; only a period billed in advance has any. */
async function cancellationLines(
  deps: Deps,
  loaded: LoadedSubscription,
  period: BillingPeriod | undefined,
  cancelAt: Temporal.Instant,
  behavior: ProrationBehavior,
): Promise<ChangePlan["lines"]> {
  const { terms } = loaded;
  if (period === undefined || terms.billing_timing === "in_arrears") return [];
  const lines: ChangePlan["lines"] = [];
  for (const item of phaseAt(terms, period.start).items.filter((held) => !held.metered)) {
    const result = prorateCancellation({
      period,
      cancel_at: cancelAt,
      time_zone: terms.time_zone,
      currency: terms.currency,
      behavior,
      item: await pricedItem(deps, terms, item, period.start),
    });
    lines.push(
      ...result.lines.map((line) => ({ json: lineJson(line, item, terms.currency, result.invoice_now), item })),
    );
  }
  return lines;
}

export async function cancelSubscription(
  baseDeps: Deps,
  ctx: RequestContext,
  id: string,
  cancellation: Cancellation,
): Promise<SubscriptionJson> {
  const deps = await subscriptionDeps(baseDeps, id);
  const now = deps.clock.now();
  const loaded = await mustLoadSubscription(deps.db, id);
  // Before billing starts there is no period end to wait for: the cancel is immediate.
  const atEnd = cancellation.at_period_end === true && currentPeriod(loaded.terms, now) !== undefined;
  const event = atEnd ? "subscription.updated" : "subscription.canceled";
  return changeSubscription(deps, ctx, id, { action: event, event }, async (locked, tx) => {
    assertNotCanceled(locked, now);
    const period = currentPeriod(locked.terms, now);
    const cancelAt = atEnd && period !== undefined ? period.end : now;
    const behavior = await effectiveBehavior(deps, locked, cancellation.proration_behavior);
    const lines = atEnd ? [] : await cancellationLines(deps, locked, period, cancelAt, behavior);
    const plan = { effective_at: cancelAt, behavior, lines };
    await saveChange(
      tx,
      ctx,
      locked,
      { kind: atEnd ? "cancel_scheduled" : "canceled", plan, after: { ended_at: cancelAt.toString() } },
      now,
    );
    return { ended_at: toDate(cancelAt), canceled_at: toDate(now) };
  });
}

// ---------------------------------------------------------------- history and pending lines

export interface SubscriptionChangeJson {
  object: "subscription_change";
  id: string;
  subscription: string;
  kind: string;
  effective_at: string;
  proration_behavior: string;
  before: unknown;
  after: unknown;
  lines: unknown;
  created_at: string;
}

function changeView(row: ChangeRow): SubscriptionChangeJson {
  return {
    object: "subscription_change",
    id: row.id,
    subscription: row.subscription_id,
    kind: row.kind,
    effective_at: fromDate(row.effective_at).toString(),
    proration_behavior: row.proration_behavior,
    before: row.before,
    after: row.after,
    lines: row.lines,
    created_at: fromDate(row.created_at).toString(),
  };
}

export async function listChanges(deps: Deps, id: string, page: PageRequest): Promise<Page<SubscriptionChangeJson>> {
  await mustLoadSubscription(deps.db, id);
  const rows = await paginate(changesQuery(deps.db, id), "id", page);
  return { data: rows.data.map(changeView), has_more: rows.has_more };
}

/** Proration lines no invoice has taken yet, oldest first; those with invoice_now are due at once. */
export async function pendingProrationLines(
  deps: Pick<Deps, "db" | "memo">,
  subscriptionId: string,
): Promise<SubscriptionLineJson[]> {
  // A preview that listed the customer's subscriptions has them already (listSubscriptions primes the memo).
  const rows = await memoize(deps, `pending_prorations:${subscriptionId}`, () =>
    pendingProrationLineRows(deps.db, subscriptionId),
  );
  return rows.map((row) => ({
    id: row.id,
    description: row.description,
    period_start: instantText(row.period_start),
    period_end: instantText(row.period_end),
    quantity: new Decimal(row.quantity).toString(),
    unit_amount: row.unit_amount === null ? null : new Decimal(row.unit_amount).toString(),
    amount: formatAmountForApi(new Decimal(row.amount), row.currency),
    currency: row.currency,
    price: row.price_id,
    price_version: row.price_version_id,
    proration: true,
    invoice_now: row.invoice_now,
    explanation: row.explanation,
  }));
}

/**
 * Invoicing calls this in the transaction that writes the invoice. A line
 * already taken by another invoice is not taken twice: the count returned
 * tells the caller whether it got every line it asked for.
 */
export async function markProrationLinesInvoiced(
  _deps: Pick<Deps, "db">,
  tx: Executor,
  ids: readonly string[],
  invoiceId: string,
): Promise<number> {
  return setProrationLinesInvoiced(tx, ids, invoiceId);
}
