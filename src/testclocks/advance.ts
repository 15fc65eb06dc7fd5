import { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import {
  findTestClock,
  getCustomer,
  testClockCustomerIds,
  testClockDeps,
  updateTestClockState,
} from "../customers/index.js";
import {
  finalizeDueDrafts,
  getInvoiceReview,
  type InvoiceStatus,
  listInvoices,
  runBilling,
} from "../invoicing/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { emitEvent } from "../kernel/outbox.js";
import { parseInstant } from "../kernel/time.js";
import {
  billablePeriods,
  billingInstant,
  listSubscriptions,
  type SubscriptionTerms,
  subscriptionTerms,
} from "../subscriptions/index.js";
import { rateOwedLateEvents } from "../usage/index.js";
import { advanceLimit, inSpan, nextInstant, overdueAt } from "./model.js";
import { checkNotAdvancing, getTestClock, type TestClockJson } from "./service.js";

/**
 * Advancing a clock walks the span from its frozen time to the new one and
 * stops at every instant where something happens for its customers — a
 * period's billing instant, a scheduled phase, a draft's auto-finalize time,
 * the day an open invoice becomes overdue — in time order. At each stop the
 * step handlers run with a clock frozen at that instant, restricted to the
 * clock's customers, exactly as the hourly jobs would have in real time.
 *
 * The advance runs inline. The row's status ("advancing") is the lock: a
 * second advance or a deletion is refused until it is "ready" again. After a
 * failure the clock is ready at the last instant fully processed; after a
 * crash, the clock, silent for ADVANCE_SILENCE_MAX, may be advanced again
 * and resumes from the last stop saved (billing and finalizing skip what is
 * done already).
 */

const PAGE = 100;
/** A guard against a runaway walk; a two-interval advance of a few customers takes a few dozen stops. */
const STOPS_MAX = 5_000;

export interface ClockStep {
  test_clock: string;
  customer_ids: readonly string[];
  /** The previous stop: what happened at or before it has happened. */
  from: Temporal.Instant;
  /** This stop; the handlers' clock is frozen here. */
  at: Temporal.Instant;
}

type StepHandler = (deps: Deps, ctx: RequestContext, step: ClockStep) => Promise<void>;

async function subscriptionsOf(deps: Deps, customerIds: readonly string[]): Promise<SubscriptionTerms[]> {
  const terms: SubscriptionTerms[] = [];
  for (const customer of customerIds) {
    let after: string | undefined;
    for (;;) {
      const page = await listSubscriptions(deps, { customer, limit: PAGE, starting_after: after });
      for (const subscription of page.data) terms.push(await subscriptionTerms(deps, subscription.id));
      if (!page.has_more || page.data.length === 0) break;
      after = page.data[page.data.length - 1]?.id;
    }
  }
  return terms;
}

async function invoicesOf(deps: Deps, customerIds: readonly string[], status: InvoiceStatus) {
  const invoices = [];
  for (const customer_id of customerIds) {
    let after: string | undefined;
    for (;;) {
      const page = await listInvoices(deps, { customer_id, status }, { limit: PAGE, starting_after: after });
      invoices.push(...page.data);
      if (!page.has_more || page.data.length === 0) break;
      after = page.data[page.data.length - 1]?.id;
    }
  }
  return invoices;
}

async function timeZones(deps: Deps, customerIds: readonly string[]): Promise<Map<string, string>> {
  const zones = new Map<string, string>();
  for (const id of customerIds) zones.set(id, (await getCustomer(deps, id)).time_zone);
  return zones;
}

/** Billing runs as of the stop, one per customer with a period due, so each run record names its customer. */
const billDuePeriods: StepHandler = async (deps, ctx, step) => {
  const due = new Set(
    (await subscriptionsOf(deps, step.customer_ids))
      .filter((terms) => billablePeriods(terms, step.at).length > 0)
      .map((terms) => terms.customer_id),
  );
  for (const customer of step.customer_ids.filter((id) => due.has(id))) {
    await runBilling(deps, ctx, { as_of: step.at, customer, test_clock: step.test_clock });
  }
};

/** Clean drafts whose grace period has passed finalize, as the auto-finalize job does. */
const finalizeDrafts: StepHandler = async (deps, ctx, step) => {
  await finalizeDueDrafts(deps, ctx, { asOf: step.at, customerIds: step.customer_ids });
};

/** `invoice.overdue`, once per invoice: its due date ended inside this stop's span and it is still open. */
const announceOverdue: StepHandler = async (deps, ctx, step) => {
  const zones = await timeZones(deps, step.customer_ids);
  for (const invoice of await invoicesOf(deps, step.customer_ids, "open")) {
    if (invoice.due_date === null) continue;
    const overdue = overdueAt(invoice.due_date, zones.get(invoice.customer_id) ?? "UTC");
    if (!inSpan(overdue, step.from, step.at)) continue;
    await inTransaction(deps.db, async (tx) => {
      await emitEvent(tx, { type: "invoice.overdue", data: { invoice } }, step.at, ctx.request_id);
    });
  }
};

/**
 * Re-ratings owed after late events (queued by ingestion for the job runner),
 * run here at the clock's time, oldest period first, so the stop bills and
 * finalizes what the late events changed. Whatever the runner did already is
 * no longer owed and is skipped.
 */
const rateLateEvents: StepHandler = async (deps, ctx, step) => {
  await rateOwedLateEvents(deps, ctx, step.customer_ids);
};

/** In this order at every stop: late events, bill, finalize what is due, then announce what became overdue. */
const STEP_HANDLERS: readonly StepHandler[] = [rateLateEvents, billDuePeriods, finalizeDrafts, announceOverdue];

/** Every instant at which something is scheduled for the clock's customers, up to `until`. */
async function scheduledInstants(deps: Deps, customerIds: readonly string[], until: Temporal.Instant) {
  const instants: Temporal.Instant[] = [];
  for (const terms of await subscriptionsOf(deps, customerIds)) {
    instants.push(...billablePeriods(terms, until).map((period) => billingInstant(terms, period)));
    instants.push(...terms.phases.map((phase) => phase.starts_at));
    if (terms.ended_at !== undefined) instants.push(terms.ended_at);
  }
  for (const draft of await invoicesOf(deps, customerIds, "draft")) {
    const review = await getInvoiceReview(deps, draft.id);
    if (review.auto_finalize_at !== null) instants.push(parseInstant(review.auto_finalize_at));
  }
  const zones = await timeZones(deps, customerIds);
  for (const invoice of await invoicesOf(deps, customerIds, "open")) {
    if (invoice.due_date !== null) {
      instants.push(overdueAt(invoice.due_date, zones.get(invoice.customer_id) ?? "UTC"));
    }
  }
  return instants;
}

async function runStop(deps: Deps, ctx: RequestContext, step: ClockStep): Promise<void> {
  const stepDeps = testClockDeps(deps, { id: step.test_clock, frozen_time: step.at });
  for (const handler of STEP_HANDLERS) await handler(stepDeps, ctx, step);
}

/** Checks the move and marks the clock advancing; the row lock is held only for this check. */
async function beginAdvance(deps: Deps, id: string, target: Temporal.Instant) {
  return inTransaction(deps.db, async (tx) => {
    const clock = await findTestClock(tx, id, true);
    checkNotAdvancing(clock, deps.clock.now());
    if (Temporal.Instant.compare(target, clock.frozen_time) <= 0) {
      throw new DomainError(
        "test_clock_backwards",
        `a test clock only moves forward: frozen_time must be after ${clock.frozen_time}`,
        { param: "frozen_time" },
      );
    }
    const customerIds = await testClockCustomerIds(tx, clock.id);
    const live = (await subscriptionsOf({ ...deps, db: tx }, customerIds)).filter(
      (terms) => terms.ended_at === undefined || Temporal.Instant.compare(terms.ended_at, clock.frozen_time) > 0,
    );
    const limit = advanceLimit(clock.frozen_time, live);
    if (Temporal.Instant.compare(target, limit) > 0) {
      throw new DomainError(
        "test_clock_advance_too_far",
        `one advance moves at most two intervals of the shortest subscription: frozen_time must be at or before ${limit}`,
        { param: "frozen_time", details: { frozen_time_max: limit.toString() } },
      );
    }
    await updateTestClockState(tx, clock.id, { status: "advancing", at: deps.clock.now() });
    return { clock, customerIds };
  });
}

/**
 * Moves the clock forward to `frozen_time` (at most two intervals of the
 * shortest subscription on its customers), running everything that falls in
 * the span in order. Returns the clock, ready at its new time.
 */
export async function advanceTestClock(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  input: { frozen_time: string },
): Promise<TestClockJson> {
  const target = parseInstant(input.frozen_time, "frozen_time");
  const { clock, customerIds } = await beginAdvance(deps, id, target);
  let current = clock.frozen_time;
  try {
    // What was due at the frozen time itself (a subscription created "now" on the clock) happens first.
    await runStop(deps, ctx, { test_clock: clock.id, customer_ids: customerIds, from: current, at: current });
    for (let stops = 0; stops < STOPS_MAX; stops += 1) {
      const clockDeps = testClockDeps(deps, { id: clock.id, frozen_time: current });
      const next = nextInstant(await scheduledInstants(clockDeps, customerIds, target), current, target);
      if (next === undefined) break;
      // Saved before the stop runs, so services that read the customer's time read this instant.
      await updateTestClockState(deps.db, clock.id, { status: "advancing", frozen_time: next, at: deps.clock.now() });
      await runStop(deps, ctx, { test_clock: clock.id, customer_ids: customerIds, from: current, at: next });
      current = next;
    }
  } catch (error) {
    await updateTestClockState(deps.db, clock.id, { status: "ready", frozen_time: current, at: deps.clock.now() });
    throw error;
  }
  await inTransaction(deps.db, async (tx) => {
    const at = deps.clock.now();
    await updateTestClockState(tx, clock.id, { status: "ready", frozen_time: target, at });
    // An integration driving a clock waits for this before reading what the advance made.
    const ready = { id: clock.id, name: clock.name, frozen_time: target.toString(), status: "ready" };
    await emitEvent(tx, { type: "test_clock.ready", data: { test_clock: ready } }, at, ctx.request_id);
    await recordAudit(
      tx,
      ctx,
      {
        action: "test_clock.advanced",
        object_type: "test_clock",
        object_id: clock.id,
        before: { frozen_time: clock.frozen_time.toString() },
        after: { frozen_time: target.toString() },
      },
      at,
    );
  });
  return getTestClock(deps, clock.id);
}
