import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import {
  chargeBeforeRounding,
  getPlan,
  getPrice,
  getProduct,
  priceVersionFor,
  resolvedChargeModel,
} from "../catalog/index.js";
import { customerDeps } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, instantToText } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import { emitEvent } from "../kernel/outbox.js";
import type { IntervalUnit } from "../kernel/periods.js";
import {
  currentPeriod,
  cycleAt,
  type Phase,
  type PhaseItem,
  type SubscriptionStatus,
  type SubscriptionTerms,
  statusAt,
  termEnd,
} from "./model.js";
import type { PricedItem, ProrationBehavior, SubscriptionLine } from "./proration.js";
import {
  findSubscription,
  type ItemRow,
  itemsOf,
  type PhaseRow,
  pausesOf,
  phasesOf,
  type SubscriptionRow,
} from "./store.js";
import "./errors.js";

/**
 * What the use cases share: loading a subscription with its phases and
 * pauses, the API view, pricing an item through the catalog, and the audit
 * and outbox records every change writes.
 */

export interface LoadedSubscription {
  row: SubscriptionRow;
  terms: SubscriptionTerms;
}

const instantOrUndefined = (date: Date | null) => (date === null ? undefined : fromDate(date));

function cycleOf(phase: PhaseRow): Phase["cycle"] {
  if (phase.interval_unit === null || phase.interval_count === null) return undefined;
  return {
    interval: { unit: phase.interval_unit, count: phase.interval_count },
    anchor:
      phase.anchor_kind === "day_of_month"
        ? { kind: "day_of_month", day: phase.anchor_day ?? 1 }
        : { kind: "anniversary" },
    first_index: phase.first_period_index ?? undefined,
  };
}

function phaseOf(phase: PhaseRow, items: readonly ItemRow[]): Phase {
  return {
    id: phase.id,
    starts_at: fromDate(phase.starts_at),
    cycle: cycleOf(phase),
    items: items.map((item) => ({
      id: item.id,
      price_id: item.price_id,
      price_version_id: item.price_version_id,
      quantity: new Decimal(item.quantity),
      metered: item.metered,
      description: item.description,
    })),
  };
}

/** Rows grouped by a key, each group in the rows' order. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group === undefined) groups.set(key(row), [row]);
    else group.push(row);
  }
  return groups;
}

async function loadRows(db: Executor, rows: readonly SubscriptionRow[]): Promise<LoadedSubscription[]> {
  const ids = rows.map((row) => row.id);
  const [phases, items, pauses] = await Promise.all([phasesOf(db, ids), itemsOf(db, ids), pausesOf(db, ids)]);
  // Grouped once: a billing run loads 500 subscriptions at a time, and filtering every list per row was quadratic.
  const phasesBySubscription = groupBy(phases, (phase) => phase.subscription_id);
  const itemsByPhase = groupBy(items, (item) => item.phase_id);
  const pausesBySubscription = groupBy(pauses, (pause) => pause.subscription_id);
  return rows.map((row) => ({
    row,
    terms: {
      id: row.id,
      customer_id: row.customer_id,
      currency: row.currency,
      interval: { unit: row.interval_unit, count: row.interval_count },
      billing_timing: row.billing_timing,
      time_zone: row.time_zone,
      anchor:
        row.anchor_kind === "anniversary"
          ? { kind: "anniversary" }
          : { kind: "day_of_month", day: row.anchor_day ?? 1 },
      start_at: fromDate(row.start_at),
      trial_end: instantOrUndefined(row.trial_end),
      billing_start: fromDate(row.billing_start),
      ended_at: instantOrUndefined(row.ended_at),
      last_billed_period_index: row.last_billed_period_index,
      phases: (phasesBySubscription.get(row.id) ?? []).map((phase) => phaseOf(phase, itemsByPhase.get(phase.id) ?? [])),
      pauses: (pausesBySubscription.get(row.id) ?? []).map((pause) => ({
        paused_at: fromDate(pause.paused_at),
        resumed_at: instantOrUndefined(pause.resumed_at),
      })),
    },
  }));
}

export async function loadSubscriptions(db: Executor, rows: readonly SubscriptionRow[]): Promise<LoadedSubscription[]> {
  return loadRows(db, rows);
}

/**
 * Deps on the subscription's customer's time: the test clock's frozen time
 * (and book) for a customer on a test clock, so a change made through the
 * API for such a customer happens at the clock's "now".
 */
export async function subscriptionDeps(deps: Deps, id: string): Promise<Deps> {
  const row = await findSubscription(deps.db, id);
  return row === undefined ? deps : customerDeps(deps, row.customer_id);
}

export async function mustLoadSubscription(db: Executor, id: string, lock = false): Promise<LoadedSubscription> {
  const row = await findSubscription(db, id, lock);
  if (row === undefined) {
    throw new DomainError("subscription_not_found", `no subscription ${id}`, { param: "id" });
  }
  const [loaded] = await loadRows(db, [row]);
  if (loaded === undefined) throw new Error("a loaded row loads");
  return loaded;
}

// ---------------------------------------------------------------- API view

export interface SubscriptionItemJson {
  id: string;
  price: string;
  price_version: string;
  quantity: string;
  metered: boolean;
  description: string;
}

export interface SubscriptionJson {
  object: "subscription";
  id: string;
  customer: string;
  plan: string;
  status: SubscriptionStatus;
  currency: string;
  interval: { unit: IntervalUnit; count: number };
  billing_timing: "in_advance" | "in_arrears";
  time_zone: string;
  billing_anchor: { kind: "anniversary" | "day_of_month"; day: number | null };
  start_at: string;
  trial_end: string | null;
  billing_start: string;
  current_period: { index: number; start: string; end: string } | null;
  term_periods: number | null;
  /** The end of the term holding now; the next term follows when auto_renew is on. */
  current_term_end: string | null;
  auto_renew: boolean;
  seat_true_up: boolean;
  proration_behavior: ProrationBehavior | null;
  ended_at: string | null;
  canceled_at: string | null;
  paused: boolean;
  last_billed_period_index: number | null;
  /** The items in force now (or at the start, before it). */
  items: SubscriptionItemJson[];
  phases: {
    id: string;
    starts_at: string;
    /** Set when the phase moves to another interval and restarts the billing cycle. */
    interval?: { unit: IntervalUnit; count: number };
    items: SubscriptionItemJson[];
  }[];
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

const iso = (date: Date | null) => (date === null ? null : fromDate(date).toString());

export function itemJson(item: PhaseItem): SubscriptionItemJson {
  return {
    id: item.id,
    price: item.price_id,
    price_version: item.price_version_id,
    quantity: item.quantity.toString(),
    metered: item.metered,
    description: item.description,
  };
}

function phaseInForce(terms: SubscriptionTerms, at: Temporal.Instant): Phase | undefined {
  return (
    terms.phases.filter((phase) => phase.starts_at.epochNanoseconds <= at.epochNanoseconds).at(-1) ?? terms.phases[0]
  );
}

export function subscriptionView({ row, terms }: LoadedSubscription, now: Temporal.Instant): SubscriptionJson {
  const period = currentPeriod(terms, now);
  const status = statusAt(terms, now);
  // After an interval change, the interval and anchor in force now.
  const cycle = cycleAt(terms, now);
  return {
    object: "subscription",
    id: row.id,
    customer: row.customer_id,
    plan: row.plan_id,
    status,
    currency: row.currency,
    interval: cycle.interval,
    billing_timing: row.billing_timing,
    time_zone: row.time_zone,
    billing_anchor: { kind: cycle.anchor.kind, day: cycle.anchor.kind === "day_of_month" ? cycle.anchor.day : null },
    start_at: terms.start_at.toString(),
    trial_end: iso(row.trial_end),
    billing_start: terms.billing_start.toString(),
    current_period:
      period === undefined || status === "canceled"
        ? null
        : { index: period.index, start: period.start.toString(), end: period.end.toString() },
    term_periods: row.term_periods,
    current_term_end: row.term_periods === null ? null : termEnd(terms, row.term_periods, now).toString(),
    auto_renew: row.auto_renew,
    seat_true_up: row.seat_true_up,
    proration_behavior: row.proration_behavior,
    ended_at: iso(row.ended_at),
    canceled_at: iso(row.canceled_at),
    paused: status === "paused",
    last_billed_period_index: row.last_billed_period_index,
    items: (phaseInForce(terms, now)?.items ?? []).map(itemJson),
    phases: terms.phases.map((phase) => ({
      id: phase.id,
      starts_at: phase.starts_at.toString(),
      ...(phase.cycle === undefined ? {} : { interval: phase.cycle.interval }),
      items: phase.items.map(itemJson),
    })),
    metadata: row.metadata,
    created_at: iso(row.created_at) ?? "",
    updated_at: iso(row.updated_at) ?? "",
  };
}

// ---------------------------------------------------------------- catalog

export interface CatalogItem {
  price_id: string;
  plan_id: string;
  currency: string;
  interval: { unit: IntervalUnit; count: number };
  billing_timing: "in_advance" | "in_arrears";
  trial_days: number;
  metered: boolean;
  description: string;
}

/** A price as a subscription item needs it, asked of the catalog's public API. */
export async function catalogItem(deps: Deps, priceId: string, param: string): Promise<CatalogItem> {
  const price = await getPrice(deps, priceId);
  if (price.plan === null) {
    throw new DomainError("price_not_recurring", `price ${priceId} is sold alone, not on a plan`, { param });
  }
  const [plan, product] = await Promise.all([getPlan(deps, price.plan), getProduct(deps, price.product)]);
  return {
    price_id: price.id,
    plan_id: plan.id,
    currency: plan.currency,
    interval: plan.interval,
    billing_timing: plan.billing_timing,
    trial_days: plan.trial_days,
    metered: price.billable_metric !== null,
    description: price.nickname === null ? product.name : `${product.name} (${price.nickname})`,
  };
}

export async function pinnedVersion(deps: Deps, priceId: string, at: Temporal.Instant): Promise<string> {
  return (await priceVersionFor(deps, priceId, at)).id;
}

/** An item priced for one whole period, with the customer's override, before rounding. */
export async function pricedItem(
  deps: Deps,
  terms: SubscriptionTerms,
  item: PhaseItem,
  at: Temporal.Instant,
): Promise<PricedItem> {
  const resolved = await resolvedChargeModel(deps, {
    price: item.price_id,
    customer: terms.customer_id,
    at,
    version: item.price_version_id,
    currency: terms.currency,
  });
  const model = resolved.charge_model;
  return {
    description: item.description,
    quantity: item.quantity,
    period_amount: chargeBeforeRounding(model, item.quantity),
    ...(model.kind === "per_unit" ? { unit_amount: model.unit_amount } : {}),
  };
}

// ---------------------------------------------------------------- lines

/** A line with its price, as invoicing takes it; amounts as strings beside the currency. */
export interface SubscriptionLineJson {
  id?: string;
  description: string;
  period_start: string;
  period_end: string;
  quantity: string;
  unit_amount: string | null;
  amount: string;
  currency: string;
  price: string;
  price_version: string;
  proration: boolean;
  invoice_now: boolean;
  explanation: string;
}

export function lineJson(
  line: SubscriptionLine,
  item: Pick<PhaseItem, "price_id" | "price_version_id">,
  currency: string,
  invoice_now: boolean,
): SubscriptionLineJson {
  return {
    description: line.description,
    period_start: instantToText(line.period_start),
    period_end: instantToText(line.period_end),
    quantity: line.quantity.toString(),
    unit_amount: line.unit_amount === undefined ? null : line.unit_amount.toString(),
    amount: formatAmountForApi(line.amount, currency),
    currency,
    price: item.price_id,
    price_version: item.price_version_id,
    proration: line.proration,
    invoice_now,
    explanation: line.explanation,
  };
}

// ---------------------------------------------------------------- audit and events

export async function recordSubscriptionChange(
  tx: Tx,
  ctx: RequestContext,
  change: { action: string; event: string; id: string; before?: SubscriptionJson; after: SubscriptionJson },
  now: Temporal.Instant,
): Promise<void> {
  await recordAudit(
    tx,
    ctx,
    {
      action: change.action,
      object_type: "subscription",
      object_id: change.id,
      ...(change.before === undefined ? {} : { before: change.before }),
      after: change.after,
    },
    now,
  );
  await emitEvent(tx, { type: change.event, data: { subscription: change.after } }, now, ctx.request_id);
}

export const newItemId = () => newId("subscription_item");
export const newPhaseId = () => newId("subscription_phase");
