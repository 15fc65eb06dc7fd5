import { Temporal } from "temporal-polyfill";
import { approve, createUser, generatePassword } from "../access/index.js";
import {
  createPlan,
  createPrice,
  createProduct,
  createRateCard,
  ensureDefault3plRateCard,
  requestRateCardApproval,
} from "../catalog/index.js";
import { createCustomer } from "../customers/index.js";
// The late receipt queues its re-rating as a durable job: the jobs module provides the queue.
import "../jobs/index.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { createSubscription } from "../subscriptions/index.js";
import {
  assignScript,
  createScript,
  createVersion,
  ingestEvents,
  rateOwedLateEvents,
  reference3plScript,
  requestPublish,
} from "../usage/index.js";
import { siteOf, type WmsCustomer, wmsCustomers } from "./wms-customers.js";
import { type WmsEvent, wmsEvents } from "./wms-generator.js";

/**
 * The demo company's warehouse business line: a handful of 3PL clients
 * billed from their warehouse's activity log. Two people of the billing team
 * publish the reference 3PL script (one writes it, the other approves) and
 * give each client its own rate card; the clients go live on the same day,
 * three months and a few days before the demo's now, and their WMS sends
 * the log week by week through the normal ingestion, so the weekly billing
 * runs rate and bill it like any month: two months finalized, the last one
 * a draft in the review queue.
 *
 * The log is the `accrue demo wms` generator's, seeded, so the same seed
 * tells the same story. A few things a real log has are added on purpose:
 * a snapshot the script cannot rate, events sent twice, an event for a
 * client not set up yet, and a late receipt that re-rates a draft.
 */

export interface WarehouseSummary {
  clients: number;
  events_accepted: number;
  duplicates: number;
  rejected: number;
}

/** Few enough events that the whole demo stays quick: a small client sends about 15 a day, a large one about 100. */
const CLIENTS = 6;
const EVENTS_PER_DAY = 15;
const MONTHS_BILLED = 3;
/** How long before now the last billed month ended: its draft is still in the review queue. */
const DAYS_SINCE_LAST_MONTH = 3;
const INGEST_CHUNK = 5_000;
const ACCOUNT_FEE = "250.00";

/** What each client negotiated over the default 3PL card: a couple of rates each. */
const NEGOTIATED: readonly Record<string, string>[] = [
  { pick_first_unit: "2.40", shipping_markup_pct: "6" },
  { storage_pallet_day_ambient: "0.50", monthly_minimum: "1000.00" },
  { pick_additional_unit: "0.40", receiving_carton: "1.10" },
  // A large minimum agreed for dedicated space: this client's months are topped up.
  { monthly_minimum: "25000.00", returns_per_unit: "1.50" },
  { pick_per_line: "0.25", packaging_small_box: "0.75" },
  { storage_pallet_day_chilled: "0.80", vas_minute_kitting: "0.70" },
];

const TEAM = {
  analyst: { name: "Priya Raman", email: "priya.raman@accrue-demo.example", role: "billing_analyst" },
  approver: { name: "Marcus Webb", email: "marcus.webb@accrue-demo.example", role: "approver" },
} as const;

const wms = systemContext("wms_import", "req_demo_wms");

export class WarehouseLine {
  readonly summary: WarehouseSummary = { clients: 0, events_accepted: 0, duplicates: 0, rejected: 0 };
  /** Each client's first local day, and the instant the first of them starts (the earliest time zone's midnight). */
  private readonly goLive: Temporal.PlainDate;
  private readonly opening: Temporal.Instant;
  private readonly clients: WmsCustomer[];
  private readonly log: Iterator<WmsEvent>;
  private next: WmsEvent | undefined;
  private open = false;
  /** Three of the first client's events near the end of the last billed month: its WMS sends them twice. */
  private readonly repeated: WmsEvent[] = [];
  /** Events the generator does not make, sent with the log when their time comes. */
  private extras: WmsEvent[];
  private readonly ids = new Map<string, string>();

  constructor(
    seed: number,
    private readonly end: Temporal.Instant,
  ) {
    const today = end.toZonedDateTimeISO("UTC").toPlainDate();
    this.goLive = today.subtract({ days: DAYS_SINCE_LAST_MONTH }).subtract({ months: MONTHS_BILLED });
    this.clients = wmsCustomers(CLIENTS, seed);
    this.opening = this.clients
      .map((client) => this.localMidnight(client, this.goLive))
      .reduce((a, b) => (Temporal.Instant.compare(a, b) <= 0 ? a : b));
    this.log = wmsEvents({
      customers: CLIENTS,
      days: this.goLive.until(today).days + 1,
      events_per_day: EVENTS_PER_DAY,
      seed,
      start: this.goLive.toString(),
    });
    this.next = this.log.next().value ?? undefined;
    this.extras = [this.unratableSnapshot()];
  }

  private localMidnight(client: WmsCustomer, date: Temporal.PlainDate): Temporal.Instant {
    return date.toZonedDateTime({ timeZone: client.time_zone }).toInstant();
  }

  /**
   * The week up to `now`: the line opens in the week before its clients go
   * live, then the WMS sends what happened since the last call.
   */
  async advance(deps: Deps, now: Temporal.Instant): Promise<void> {
    if (!this.open && Temporal.Instant.compare(now, this.opening.subtract({ hours: 24 * 7 })) >= 0) {
      await this.setUp(deps);
      this.open = true;
    }
    if (!this.open) return;
    const due: WmsEvent[] = [];
    while (this.next !== undefined && Temporal.Instant.compare(Temporal.Instant.from(this.next.timestamp), now) <= 0) {
      due.push(this.next);
      this.next = this.log.next().value ?? undefined;
    }
    const extras = this.extras.filter(
      (event) => Temporal.Instant.compare(Temporal.Instant.from(event.timestamp), now) <= 0,
    );
    this.extras = this.extras.filter((event) => !extras.includes(event));
    await this.send(deps, [...due, ...extras]);
    this.keepRepeats(due);
  }

  /** At the end: events sent twice, a client not set up yet, and a late receipt for the draft's month. */
  async finish(deps: Deps): Promise<void> {
    await this.send(deps, this.repeated);
    const client = this.clients[0] as WmsCustomer;
    await this.send(deps, [
      {
        transaction_id: "wms-onboarding-0001",
        customer: `wms-cust-${String(CLIENTS + 1).padStart(3, "0")}`,
        type: "inbound.received",
        timestamp: this.end.subtract({ hours: 5 }).toString(),
        properties: { warehouse: client.warehouses[0] as string, sku: "SKU-NEW-00001", cartons: 12, pallets: 1 },
      },
    ]);
    // The WMS was down on the last evening of the month: its receipt arrives after the draft was made.
    const lastEvening = this.localMidnight(client, this.lastMonthEnd()).subtract({ hours: 3 });
    await this.send(deps, [
      {
        transaction_id: `wms-late-${client.external_id}-0001`,
        customer: client.external_id,
        type: "inbound.received",
        timestamp: lastEvening.toString(),
        properties: { warehouse: client.warehouses[0] as string, sku: "SKU-001-LATE", cartons: 48, pallets: 2 },
      },
    ]);
    await rateOwedLateEvents(deps, wms, [this.ids.get(client.external_id) as string]);
  }

  /** Repeats are counted per UTC day: taken from the last two UTC days inside the month. */
  private keepRepeats(due: readonly WmsEvent[]): void {
    const client = (this.clients[0] as WmsCustomer).external_id;
    const until = Temporal.Instant.from(`${this.lastMonthEnd().toString()}T00:00:00Z`);
    const from = until.subtract({ hours: 48 });
    for (const event of due) {
      if (this.repeated.length >= 3) return;
      const at = Temporal.Instant.from(event.timestamp);
      if (event.customer !== client || Temporal.Instant.compare(at, from) < 0) continue;
      if (Temporal.Instant.compare(at, until) < 0) this.repeated.push(event);
    }
  }

  /** The first local day after the last billed month. */
  private lastMonthEnd(): Temporal.PlainDate {
    return this.goLive.add({ months: MONTHS_BILLED });
  }

  /**
   * The second client's WMS reports one night's stock as "ambient_plus", a
   * storage type the card has no rate for: the script fails on it and the
   * event stays unrated, with its error, in the last billed month.
   */
  private unratableSnapshot(): WmsEvent {
    const client = this.clients[1] as WmsCustomer;
    const night = this.localMidnight(client, this.lastMonthEnd().subtract({ days: 10 })).subtract({ hours: 1 });
    return {
      transaction_id: `wms-snapshot-${client.external_id}-ambient-plus`,
      customer: client.external_id,
      type: "inventory.snapshot",
      timestamp: night.toString(),
      properties: { warehouse: client.warehouses[0] as string, storage_type: "ambient_plus", pallets: 4 },
    };
  }

  private async send(deps: Deps, events: readonly WmsEvent[]): Promise<void> {
    for (let from = 0; from < events.length; from += INGEST_CHUNK) {
      const outcome = await ingestEvents(deps, wms, events.slice(from, from + INGEST_CHUNK), { source: "batch" });
      this.summary.events_accepted += outcome.counts.accepted;
      this.summary.duplicates += outcome.counts.duplicates;
      this.summary.rejected += outcome.counts.rejected;
    }
  }

  /** The team, the script, the cards, the clients and their subscriptions, in the week before go-live. */
  private async setUp(deps: Deps): Promise<void> {
    const team = await this.hireTeam(deps);
    const { analyst, approver } = team;
    await ensureDefault3plRateCard(deps, analyst);
    const script = await createScript(deps, analyst, {
      name: "3PL warehouse",
      description: "Receiving, storage, pick and pack, shipping, returns, VAS and projects from the WMS log",
      currency: "USD",
    });
    const version = await createVersion(deps, analyst, script.id, {
      ...reference3plScript(),
      notes: "The reference 3PL script, as shipped",
    });
    const asked = await requestPublish(deps, analyst, script.id, version.id, {
      effective_from: this.opening.toString(),
    });
    await approve(deps, approver, asked.approval.id, { comment: "Test cases pass; matches the signed rate sheets." });
    const product = await createProduct(deps, analyst, { name: "Warehouse account" });
    const plan = await createPlan(deps, analyst, {
      name: "3PL fulfilment (USD)",
      interval: { unit: "month", count: 1 },
      currency: "USD",
      billing_timing: "in_arrears",
    });
    const price = await createPrice(deps, analyst, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "flat", amount: ACCOUNT_FEE },
      nickname: "Monthly fee",
      effective_from: deps.clock.now(),
    });
    for (const [position, client] of this.clients.entries()) {
      const customer = await createCustomer(deps, analyst, customerInput(client));
      this.ids.set(client.external_id, customer.id);
      const { card } = await createRateCard(deps, analyst, {
        kind: "customer",
        customer: customer.id,
        name: `${client.legal_name} rates`,
        rates: NEGOTIATED[position % NEGOTIATED.length],
        effective_from: this.opening,
        note: "As signed in the service agreement",
      });
      const card_asked = await requestRateCardApproval(deps, analyst, card.id, "1");
      await approve(deps, approver, card_asked.approval.id);
      await assignScript(deps, analyst, customer.id, script.id);
      await createSubscription(deps, analyst, {
        customer: customer.id,
        items: [{ price: price.id }],
        start_at: this.localMidnight(client, this.goLive),
      });
      this.summary.clients += 1;
    }
  }

  private async hireTeam(deps: Deps) {
    const hr = systemContext("demo_seed", "req_demo_team");
    const as = async (member: (typeof TEAM)[keyof typeof TEAM]): Promise<RequestContext> => {
      const user = await createUser(deps, hr, { ...member, password: generatePassword() });
      return {
        actor: { type: "user", id: user.id, role: member.role, display_name: member.name },
        request_id: "req_demo_warehouse",
      };
    };
    return { analyst: await as(TEAM.analyst), approver: await as(TEAM.approver) };
  }
}

function customerInput(client: WmsCustomer) {
  const site = siteOf(client.warehouses[0] as string);
  return {
    external_id: client.external_id,
    legal_name: `${client.legal_name} LLC`,
    display_name: client.legal_name,
    emails: [client.contact_email],
    contacts: [{ name: client.contact_name, email: client.contact_email, role: "billing" as const }],
    billing_address: {
      line1: `${100 + client.index * 7} Commerce Way`,
      city: site.city,
      region: site.region,
      postal_code: site.postal_code,
      country: "US",
    },
    currency: "USD",
    time_zone: client.time_zone,
    locale: "en-US",
    payment_terms: { type: "net" as const, days: 30 },
    tags: ["3pl"],
    metadata: {
      size_profile: client.size,
      warehouses: client.warehouses.join(";"),
      storage_types: client.storage_types.join(";"),
    },
  };
}
