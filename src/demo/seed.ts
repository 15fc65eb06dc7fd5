import { Temporal } from "temporal-polyfill";
import { createPlan, createPrice, createProduct } from "../catalog/index.js";
import { addCustomerNote, createCustomer, listCustomers, placeBillingHold } from "../customers/index.js";
import {
  adjustCreditBalance,
  applyCoupon,
  createCoupon,
  createCreditNote,
  createDraft,
  createInvoiceItem,
  createTaxRate,
  DEFAULT_LEGAL_ENTITY,
  finalizeInvoice,
  runBilling,
  updateLegalEntity,
} from "../invoicing/index.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { type Clock, TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { cancelSubscription, changeItems, createSubscription } from "../subscriptions/index.js";
import { createTestClock } from "../testclocks/index.js";
import {
  companyNames,
  DEMO_CURRENCIES,
  type DemoCurrency,
  type Market,
  PRICE_BOOK,
  personName,
  pickMarket,
  type Random,
  randomSource,
} from "./company.js";
import { WarehouseLine, type WarehouseSummary } from "./seed-warehouse.js";

/**
 * `accrue demo seed`: a lived-in company for a newcomer to look around in.
 * About 200 customers in eight countries and four currencies sign up over the
 * past year; some add and remove seats (prorated), upgrade, cancel, get held;
 * billing runs every week of that year and finalizes what it drafts, and the
 * last week's drafts wait for review.
 *
 * The year is replayed, not faked: every call goes through the same services
 * as the API, on a clock that walks from a year ago to now, so the invoices,
 * prorations, numbers and ledger entries are exactly what a year of real use
 * would have left.
 */

export interface DemoOptions {
  /** How many customers; default 200. */
  customers?: number | undefined;
  /** The seed of the story; the same seed tells the same story. */
  seed?: number | undefined;
  on_progress?: ((progress: { step: string; done: number; total: number }) => void) | undefined;
}

export interface DemoSummary {
  customers: number;
  subscriptions: number;
  invoices_finalized: number;
  drafts_open: number;
  seat_changes: number;
  cancellations: number;
  credit_notes: number;
  test_clock: string;
  /** The warehouse business line: 3PL clients billed from their activity log. */
  warehouse: WarehouseSummary;
  from: string;
  to: string;
}

const ctx: RequestContext = { ...systemContext("demo_seed", "req_demo_seed"), reason: "demo company" };
const DAY = { hours: 24 } as const;
/** Drafts younger than this at the end are left for review instead of finalized. */
const REVIEW_WINDOW_DAYS = 6;

type PlanKind = "starter" | "business" | "annual";

interface Catalog {
  /** Price ids per currency and plan, with the items a new subscription takes. */
  prices: Record<DemoCurrency, Record<PlanKind, { seat: string; extras: string[] }>>;
  onboarding: Record<DemoCurrency, string>;
  coupons: { launch: string; partner: string };
}

type Event =
  | { at: Temporal.Instant; kind: "signup"; customer: number; coupon: "launch" | "partner" | null }
  | { at: Temporal.Instant; kind: "seats"; customer: number; delta: number; always_invoice: boolean }
  | { at: Temporal.Instant; kind: "upgrade"; customer: number }
  | { at: Temporal.Instant; kind: "cancel"; customer: number; at_period_end: boolean }
  | { at: Temporal.Instant; kind: "hold"; customer: number }
  | { at: Temporal.Instant; kind: "services"; customer: number };

interface Cast {
  name: string;
  market: Market;
  place: Market["places"][number];
  plan: PlanKind;
  seats: number;
  storage: number;
  id?: string;
  subscription?: string;
}

/** True when the database holds no customers: the demo only ever fills an empty one. */
export async function databaseIsEmpty(deps: Deps): Promise<boolean> {
  for (const archived of [false, true]) {
    if ((await listCustomers(deps, { limit: 1, archived })).data.length > 0) return false;
  }
  return true;
}

/** The company that sells: a Berlin GmbH, so EU buyers with a VAT id in another member state are reverse charged. */
async function setUpSeller(deps: Deps): Promise<void> {
  await updateLegalEntity(deps, ctx, DEFAULT_LEGAL_ENTITY, {
    legal_name: "Accrue Demo GmbH",
    address: { line1: "Friedrichstraße 68", city: "Berlin", postal_code: "10117", country: "DE" },
    tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
    country: "DE",
    email: "billing@accrue-demo.example",
    phone: "+49 30 1234567",
    payment_instructions:
      "Pay by bank transfer to Accrue Demo GmbH, IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX, quoting the invoice number.",
  });
}

export async function seedDemo(deps: Deps, options: DemoOptions = {}): Promise<DemoSummary> {
  if (!(await databaseIsEmpty(deps))) {
    throw new DomainError("demo_not_empty", "the demo company is only built in an empty database (it has customers)");
  }
  const seed = options.seed ?? 20_261_123;
  const random = randomSource(seed);
  const count = options.customers ?? 200;
  const end = deps.clock.now();
  // A year back, at midnight UTC, so the story starts on a calendar day.
  const start = Temporal.Instant.from(
    `${end.toZonedDateTimeISO("UTC").toPlainDate().subtract({ years: 1 }).toString()}T00:00:00Z`,
  );
  const clock = new TestClock(start);
  const sim: Deps = { db: deps.db, clock };
  const report = (step: string, done: number, total: number) => options.on_progress?.({ step, done, total });

  await setUpSeller(sim);
  const catalog = await buildCatalog(sim);
  const cast = castOf(random, count);
  const events = storyOf(random, cast, start, end);
  const warehouse = new WarehouseLine(seed, end);
  const summary: DemoSummary = {
    customers: 0,
    subscriptions: 0,
    invoices_finalized: 0,
    drafts_open: 0,
    seat_changes: 0,
    cancellations: 0,
    credit_notes: 0,
    test_clock: "",
    warehouse: warehouse.summary,
    from: start.toString(),
    to: end.toString(),
  };

  const weeks = Math.ceil(start.until(end).total({ unit: "hours" }) / (24 * 7));
  const drafts: { id: string; created: Temporal.Instant }[] = [];
  let next = 0;
  for (let week = 1; week <= weeks; week += 1) {
    const stepEnd =
      Temporal.Instant.compare(start.add({ hours: 24 * 7 * week }), end) < 0
        ? start.add({ hours: 24 * 7 * week })
        : end;
    for (; next < events.length; next += 1) {
      const event = events[next] as Event;
      if (Temporal.Instant.compare(event.at, stepEnd) > 0) break;
      clock.set(event.at);
      const draft = await play(sim, catalog, cast, event, summary);
      // A one-off invoice is reviewed and sent with the week's run drafts.
      if (draft !== undefined) drafts.push({ id: draft, created: event.at });
    }
    clock.set(stepEnd);
    // The warehouse's log of the week is in before the run bills the months it closes.
    await warehouse.advance(sim, stepEnd);
    const run = await runBilling(sim, ctx, { as_of: stepEnd });
    for (const item of run.items ?? []) {
      if (item.outcome === "invoiced" && item.invoice !== null) {
        drafts.push({ id: item.invoice, created: stepEnd });
      }
    }
    // Drafts from earlier weeks were reviewed and sent; the newest wait in the queue.
    const cutoff = stepEnd.subtract({ hours: 24 * REVIEW_WINDOW_DAYS });
    while (
      drafts.length > 0 &&
      Temporal.Instant.compare((drafts[0] as { created: Temporal.Instant }).created, cutoff) <= 0
    ) {
      const draft = drafts.shift() as { id: string };
      const invoice = await finalizeInvoice(sim, ctx, draft.id);
      summary.invoices_finalized += 1;
      if (random.chance(0.03)) summary.credit_notes += await creditSome(sim, random, invoice);
    }
    report("weeks", week, weeks);
  }
  summary.drafts_open = drafts.length;
  clock.set(end);
  await warehouse.finish(sim);
  summary.test_clock = await sandbox(sim, catalog, end);
  return summary;
}

/**
 * A customer complained or was billed wrongly: a credit note for part of the
 * invoice's first line, to the balance (goodwill) or off the amount due
 * (billing error). Returns 1 when one was issued.
 */
async function creditSome(deps: Deps, random: Random, invoice: Awaited<ReturnType<typeof finalizeInvoice>>) {
  const line = invoice.lines[0];
  if (line === undefined || !(Number(line.amount) > 0)) return 0;
  const goodwill = random.chance(0.5);
  const share = goodwill ? 0.1 : 0.25;
  const digits = invoice.currency === "JPY" ? 0 : 2;
  const amount = (Math.floor(Number(line.amount) * share * 10 ** digits) / 10 ** digits).toFixed(digits);
  if (!(Number(amount) > 0)) return 0;
  await createCreditNote(deps, ctx, {
    invoice: invoice.id,
    scope: "lines",
    lines: [{ line: line.id, amount }],
    reason: goodwill ? "goodwill" : "billing_error",
    outcome: goodwill ? "credit_balance" : "reduce_amount_due",
    memo: goodwill ? "Goodwill credit after a service outage." : "Seats billed twice for part of the period.",
  });
  return 1;
}

/** A test clock frozen at now with three new customers, to try a configuration on before it goes live. */
async function sandbox(deps: Deps, catalog: Catalog, now: Temporal.Instant): Promise<string> {
  const clock = await createTestClock(deps, ctx, { name: "Sandbox: try a configuration", frozen_time: now.toString() });
  const plans: PlanKind[] = ["starter", "business", "annual"];
  for (const [index, plan] of plans.entries()) {
    const customer = await createCustomer(deps, ctx, {
      legal_name: `Sandbox ${["Alpha", "Bravo", "Charlie"][index]} Ltd`,
      currency: "GBP",
      time_zone: "Europe/London",
      billing_address: { line1: "1 Test Street", city: "London", postal_code: "EC1V 9HX", country: "GB" },
      tags: ["sandbox"],
      test_clock: clock.id,
    });
    const prices = catalog.prices.GBP[plan];
    await createSubscription(deps, ctx, {
      customer: customer.id,
      items: [
        { price: prices.seat, quantity: String(5 + index * 5) },
        ...prices.extras.map((price, position) => ({ price, quantity: position === 1 ? "250" : "1" })),
      ],
    });
  }
  return clock.id;
}

/** Products and, per currency, a Starter, a Business and an annual Business plan. */
async function buildCatalog(deps: Deps): Promise<Catalog> {
  const effective_from = deps.clock.now().subtract(DAY);
  const seats = await createProduct(deps, ctx, { name: "Seats", unit_label: "seat" });
  const support = await createProduct(deps, ctx, { name: "Priority support" });
  const storage = await createProduct(deps, ctx, { name: "Storage", unit_label: "GB" });
  const onboardingProduct = await createProduct(deps, ctx, { name: "Onboarding" });
  const prices = {} as Catalog["prices"];
  const onboarding = {} as Catalog["onboarding"];
  for (const currency of DEMO_CURRENCIES) {
    const book = PRICE_BOOK[currency];
    const plan = async (name: string, unit: "month" | "year") =>
      (
        await createPlan(deps, ctx, {
          name: `${name} (${currency})`,
          interval: { unit, count: 1 },
          currency,
          billing_timing: "in_advance",
        })
      ).id;
    const price = async (product: string, planId: string | undefined, charge_model: unknown, nickname: string) =>
      (await createPrice(deps, ctx, { product, plan: planId, currency, charge_model, nickname, effective_from })).id;
    const starter = await plan("Starter", "month");
    const business = await plan("Business", "month");
    const annual = await plan("Business annual", "year");
    const [free, first, bulk] = book.storage;
    prices[currency] = {
      starter: {
        seat: await price(seats.id, starter, { kind: "per_unit", unit_amount: book.starter }, "Starter seat"),
        extras: [],
      },
      business: {
        seat: await price(seats.id, business, { kind: "per_unit", unit_amount: book.business }, "Business seat"),
        extras: [
          await price(support.id, business, { kind: "flat", amount: book.support }, "Priority support"),
          await price(
            storage.id,
            business,
            {
              kind: "graduated",
              tiers: [
                { up_to: "100", unit_amount: free },
                { up_to: "1000", unit_amount: first },
                { up_to: null, unit_amount: bulk },
              ],
            },
            "Storage",
          ),
        ],
      },
      annual: {
        seat: await price(seats.id, annual, { kind: "per_unit", unit_amount: book.annual }, "Annual seat"),
        extras: [],
      },
    };
    onboarding[currency] = await price(
      onboardingProduct.id,
      undefined,
      { kind: "flat", amount: book.support },
      "Onboarding",
    );
  }
  const coupons = {
    launch: (
      await createCoupon(deps, ctx, {
        name: "LAUNCH25: 25 % off the first three invoices",
        percent_off: "25",
        duration: "repeating",
        duration_in_periods: 3,
      })
    ).id,
    partner: (
      await createCoupon(deps, ctx, {
        name: "PARTNER10: 10 % off for partners",
        percent_off: "10",
        duration: "forever",
      })
    ).id,
  };
  for (const [country, percentage, name] of TAX_RATES) {
    await createTaxRate(deps, ctx, { country, percentage, name, effective_from: "2020-01-01" });
  }
  return { prices, onboarding, coupons };
}

/** Standard rates of the demo's countries; the US has no rate on file, so US invoices carry no sales tax. */
const TAX_RATES = [
  ["DE", "19", "MwSt."],
  ["FR", "20", "TVA"],
  ["NL", "21", "btw"],
  ["GB", "20", "VAT"],
  ["JP", "10", "Consumption tax"],
  ["AU", "10", "GST"],
  ["NZ", "15", "GST"],
] as const;

function castOf(random: Random, count: number): Cast[] {
  return companyNames(random, count).map((name) => {
    const market = pickMarket(random);
    const roll = random.next();
    const plan: PlanKind = roll < 0.45 ? "starter" : roll < 0.85 ? "business" : "annual";
    return {
      name,
      market,
      place: random.pick(market.places),
      plan,
      seats: plan === "starter" ? random.int(2, 12) : random.int(5, 60),
      storage: random.int(40, 2_400),
    };
  });
}

/** The year as a list of dated events, in order. */
function storyOf(random: Random, cast: readonly Cast[], start: Temporal.Instant, end: Temporal.Instant): Event[] {
  const span = start.until(end).total({ unit: "hours" });
  const at = (fraction: number) => start.add({ minutes: Math.floor(span * 60 * fraction) });
  const events: Event[] = [];
  cast.forEach((_, customer) => {
    // A third of the customers were there from the start; the rest joined through the year.
    const joined = customer < cast.length / 3 ? random.next() * 0.05 : random.next() * 0.9;
    const roll = random.next();
    const coupon = roll < 0.15 ? "launch" : roll < 0.19 ? "partner" : null;
    events.push({ at: at(joined), kind: "signup", customer, coupon });
    const later = (min: number) => joined + min + random.next() * (1 - joined - min);
    if (random.chance(0.4)) {
      const changes = random.int(1, 2);
      for (let i = 0; i < changes; i += 1) {
        const delta = random.chance(0.7) ? random.int(1, 8) : -random.int(1, 3);
        events.push({ at: at(later(0.04)), kind: "seats", customer, delta, always_invoice: random.chance(0.15) });
      }
    }
    if (random.chance(0.08)) events.push({ at: at(later(0.05)), kind: "upgrade", customer });
    if (random.chance(0.1))
      events.push({ at: at(later(0.1)), kind: "cancel", customer, at_period_end: random.chance(0.5) });
    if (random.chance(0.02)) events.push({ at: at(later(0.2)), kind: "hold", customer });
    if (random.chance(0.06)) events.push({ at: at(later(0.02)), kind: "services", customer });
  });
  return events.sort((a, b) => Temporal.Instant.compare(a.at, b.at));
}

/** Plays one event; a one-off invoice comes back as its draft's id. */
async function play(
  deps: Deps,
  catalog: Catalog,
  cast: Cast[],
  event: Event,
  summary: DemoSummary,
): Promise<string | undefined> {
  const member = cast[event.customer] as Cast;
  const currency = member.market.currency;
  const items = (plan: PlanKind, seats: number) => {
    const prices = catalog.prices[currency][plan];
    return [
      { price: prices.seat, quantity: String(seats) },
      ...prices.extras.map((price, index) => ({ price, quantity: index === 1 ? String(member.storage) : "1" })),
    ];
  };
  switch (event.kind) {
    case "signup": {
      const customer = await createCustomer(deps, ctx, customerInput(member, event.customer, deps.clock));
      member.id = customer.id;
      summary.customers += 1;
      if (member.plan !== "starter") {
        await createInvoiceItem(deps, ctx, {
          customer_id: customer.id,
          description: "Onboarding workshop",
          unit_amount: PRICE_BOOK[currency].support,
          product_id: undefined,
        });
      }
      const subscription = await createSubscription(deps, ctx, {
        customer: customer.id,
        items: items(member.plan, member.seats),
        ...(member.plan === "starter" ? { trial_days: 14 } : {}),
      });
      member.subscription = subscription.id;
      summary.subscriptions += 1;
      if (event.coupon !== null) await applyCoupon(deps, ctx, customer.id, { coupon: catalog.coupons[event.coupon] });
      return;
    }
    case "seats": {
      if (member.subscription === undefined || member.plan === "annual") return;
      const seats = Math.max(1, member.seats + event.delta);
      if (seats === member.seats) return;
      if (
        !(await stillRunning(() =>
          changeItems(deps, ctx, member.subscription as string, {
            items: items(member.plan, seats),
            proration_behavior: event.always_invoice ? "always_invoice" : "create_prorations",
          }),
        ))
      )
        return;
      member.seats = seats;
      summary.seat_changes += 1;
      return;
    }
    case "upgrade": {
      if (member.subscription === undefined || member.plan !== "starter") return;
      if (
        !(await stillRunning(() =>
          changeItems(deps, ctx, member.subscription as string, {
            items: items("business", member.seats),
            proration_behavior: "create_prorations",
          }),
        ))
      )
        return;
      member.plan = "business";
      return;
    }
    case "cancel": {
      if (member.subscription === undefined) return;
      if (
        !(await stillRunning(() =>
          cancelSubscription(deps, ctx, member.subscription as string, {
            at_period_end: event.at_period_end,
            proration_behavior: "create_prorations",
          }),
        ))
      )
        return;
      summary.cancellations += 1;
      return;
    }
    case "hold": {
      if (member.id === undefined) return;
      await placeBillingHold(deps, ctx, member.id, "disputed last invoice; waiting for the customer's PO");
      await addCustomerNote(deps, ctx, member.id, {
        body: "Billing on hold until the new purchase order arrives. Finance contact promised it this month.",
        pinned: true,
      });
      await adjustCreditBalance(deps, ctx, member.id, {
        amount: currency === "JPY" ? "5000" : "50.00",
        currency,
        reason: "goodwill while the purchase order is sorted out",
      });
      return;
    }
    case "services": {
      if (member.id === undefined) return;
      const hours = 4 + (event.customer % 9);
      const draft = await createDraft(deps, ctx, {
        customer_id: member.id,
        memo: "Implementation services as agreed in the statement of work.",
        lines: [
          {
            description: "Implementation consulting (hours)",
            quantity: String(hours),
            unit_amount: currency === "JPY" ? "18000" : "150.00",
          },
        ],
      });
      return draft.id;
    }
  }
}

/** Runs a change; a subscription that has ended meanwhile (trial canceled, already canceled) is left alone. */
async function stillRunning(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

function customerInput(member: Cast, index: number, clock: Clock) {
  const { market, place } = member;
  const contact = personName(randomSource(index + 7));
  const domain = `${member.name.toLowerCase().replace(/[^a-z0-9]+/g, "")}.example`;
  const random = randomSource(index + 101);
  const taxId = market.tax_id?.(random);
  return {
    external_id: `CRM-${String(10_000 + index)}`,
    legal_name: `${member.name} ${market.legal_form}`,
    display_name: member.name,
    emails: [`billing@${domain}`],
    contacts: [{ name: contact, email: `${contact.split(" ")[0]?.toLowerCase()}@${domain}`, role: "billing" as const }],
    billing_address: {
      line1: `${10 + (index % 180)} ${place.street}`,
      city: place.city,
      region: place.region,
      postal_code: place.postal_code,
      country: market.country,
    },
    tax_ids: taxId === undefined || !random.chance(0.7) ? [] : [taxId],
    currency: market.currency,
    time_zone: place.time_zone,
    locale: market.locale,
    payment_terms:
      index % 5 === 0 ? { type: "due_on_receipt" as const } : { type: "net" as const, days: index % 3 === 0 ? 45 : 30 },
    tags: [member.plan === "annual" ? "annual" : member.plan, ...(member.seats > 40 ? ["key-account"] : [])],
    metadata: { demo: "true", signed_up: clock.now().toString().slice(0, 10) },
  };
}
