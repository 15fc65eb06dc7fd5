import { Temporal } from "temporal-polyfill";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { createTaxRate, finalizeInvoice, invoicePdf, listInvoices, runBilling } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { getEntry } from "../ledger/index.js";
import { createSubscription } from "../subscriptions/index.js";
import { explainInvoiceLine } from "./explain-service.js";
import { ingestEvents } from "./ingest-service.js";
import { usageReconciliation } from "./reconciliation-service.js";
import { assignScript } from "./script-publishing.js";
import {
  analyst,
  approvedCustomerCard,
  controller,
  publishReference3pl,
  warehouseAccountPrice,
} from "./three-pl-test-support.js";

/**
 * October 2026 at a 3PL warehouse, three clients, every figure worked out
 * by hand. Each client pays a 100.00 warehouse account fee a month, billed
 * in arrears in their own time zone, plus their usage rated by the
 * reference script (assigned to each) with the default 3PL card
 * (receiving 1.25 a carton, 9.50 a pallet; storage 0.55 ambient, 0.85
 * chilled, 1.10 frozen a pallet-day; pick 2.75 the first unit, 0.45 each
 * additional unit, 0.30 a line; packaging 0.35 / 0.85 / 1.35 / 2.10;
 * shipping at cost plus 8 %; returns 1.75 a unit; kitting 0.80 and
 * labeling 0.65 a minute; projects 38 / 55 / 95 an hour; a 1,500.00
 * monthly minimum) and their own rates over it:
 *
 * - Ashgrove Outfitters, Chicago: the default card, well above the minimum;
 * - Birchline Foods, Los Angeles: its own pick, frozen storage, markup and
 *   minimum; an order stamped at UTC midnight on November 1 is still
 *   October 31 there;
 * - Cobble & Co, London: a 400.00 minimum it does not reach and 20 % VAT.
 *
 * Every charge is rounded to the cent on its own and a line is the sum of
 * its charges, so a markup line can differ by a cent or two from its
 * quantity times its rate: that is the house rule, and the figures say so.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-20T00:00:00Z") };
const setClock = (text: string) => {
  deps.clock = new TestClock(text);
};

const { script } = await publishReference3pl(deps, { is_default: false, effective_from: "2026-01-01T00:00:00Z" });
const fee = (await warehouseAccountPrice(deps)).id;
await createTaxRate(deps, analyst, { country: "GB", percentage: "20", name: "VAT", effective_from: "2011-01-04" });

const localMidnight = (date: string, timeZone: string) =>
  Temporal.PlainDate.from(date).toZonedDateTime({ timeZone }).toInstant();

interface Client {
  id: string;
  time_zone: string;
  /** October in the client's zone: the period its invoice bills. */
  october: { start: Temporal.Instant; end: Temporal.Instant };
}

async function warehouseClient(input: {
  legal_name: string;
  time_zone: string;
  billing_address: { line1: string; city: string; region?: string; postal_code: string; country: string };
  rates?: Record<string, string>;
}): Promise<Client> {
  const { rates, ...details } = input;
  const customer = await createCustomer(deps, analyst, { ...details, currency: "USD" });
  if (rates !== undefined) await approvedCustomerCard(deps, customer.id, rates);
  await assignScript(deps, analyst, customer.id, script.id);
  const october = {
    start: localMidnight("2026-10-01", input.time_zone),
    end: localMidnight("2026-11-01", input.time_zone),
  };
  await createSubscription(deps, analyst, { customer: customer.id, items: [{ price: fee }], start_at: october.start });
  return { id: customer.id, time_zone: input.time_zone, october };
}

const ashgrove = await warehouseClient({
  legal_name: "Ashgrove Outfitters Inc.",
  time_zone: "America/Chicago",
  billing_address: { line1: "400 W Randolph St", city: "Chicago", region: "IL", postal_code: "60607", country: "US" },
});
const birchline = await warehouseClient({
  legal_name: "Birchline Foods Inc.",
  time_zone: "America/Los_Angeles",
  billing_address: {
    line1: "88 Townsend St",
    city: "San Francisco",
    region: "CA",
    postal_code: "94107",
    country: "US",
  },
  rates: {
    pick_first_unit: "2.40",
    storage_pallet_day_frozen: "1.00",
    shipping_markup_pct: "6",
    monthly_minimum: "1000.00",
  },
});
const cobble = await warehouseClient({
  legal_name: "Cobble & Co Ltd",
  time_zone: "Europe/London",
  billing_address: { line1: "12 City Road", city: "London", postal_code: "EC1V 9HX", country: "GB" },
  rates: { returns_per_unit: "1.50", monthly_minimum: "400.00" },
});

type Sent = [type: string, timestamp: string, properties: Record<string, unknown>];

const receipt = (timestamp: string, cartons: number, pallets: number): Sent => [
  "inbound.received",
  timestamp,
  { warehouse: "WH1", sku: "SKU-1", cartons, pallets, units: cartons * 12 },
];

/** One snapshot a night at 23:00 local, October 1 to 31; `pallets(day)` is the night's stock. */
function nightlySnapshots(timeZone: string, storage_type: string, pallets: (day: number) => number): Sent[] {
  return Array.from({ length: 31 }, (_, index) => {
    const night = Temporal.PlainDateTime.from(`2026-10-${String(index + 1).padStart(2, "0")}T23:00`);
    const at = night.toZonedDateTime(timeZone).toInstant().toString();
    return ["inventory.snapshot", at, { warehouse: "WH1", storage_type, pallets: pallets(index + 1) }];
  });
}

type Order = [lines: number, units: number, packaging: string, carrier: string, service_level: string, ship: number];

const order = (timestamp: string, number: number, [lines, units, packaging, carrier, service_level, ship]: Order) =>
  [
    "order.shipped",
    timestamp,
    { warehouse: "WH1", order_id: `SO-${number}`, lines, units, packaging, carrier, service_level, ship_cost: ship },
  ] as Sent;

/** The twelve orders Ashgrove and Birchline both ship: 27 lines, 56 units, 188.18 of carrier charges. */
const TWELVE_ORDERS: Order[] = [
  [1, 1, "poly_mailer", "USPS", "ground", 5.2],
  [2, 3, "small_box", "UPS", "ground", 8.45],
  [3, 7, "medium_box", "UPS", "ground", 12.37],
  [1, 2, "poly_mailer", "USPS", "ground", 5.85],
  [4, 10, "large_box", "FedEx", "2day", 31.9],
  [2, 2, "small_box", "UPS", "ground", 7.95],
  [1, 1, "poly_mailer", "USPS", "ground", 5.2],
  [5, 12, "large_box", "FedEx", "overnight", 64.13],
  [2, 4, "small_box", "UPS", "ground", 9.06],
  [3, 6, "medium_box", "FedEx", "2day", 18.44],
  [1, 3, "small_box", "UPS", "ground", 8.45],
  [2, 5, "medium_box", "UPS", "ground", 11.18],
];
/** Every other day from October 2, in the afternoon in every client's zone. */
const twelveOrders = () =>
  TWELVE_ORDERS.map((shipped, index) =>
    order(`2026-10-${String(2 + 2 * index).padStart(2, "0")}T18:00:00Z`, index + 1, shipped),
  );
const returns = (units: number[]): Sent[] =>
  units.map((count, index) => [
    "return.processed",
    `2026-10-${20 + 7 * index}T17:00:00Z`,
    { warehouse: "WH1", order_id: `SO-${index + 1}`, units: count, condition: "resellable" },
  ]);

const ASHGROVE_OCTOBER: Sent[] = [
  ...nightlySnapshots("America/Chicago", "ambient", (day) => (day <= 15 ? 40 : 44)),
  ...nightlySnapshots("America/Chicago", "chilled", () => 6),
  receipt("2026-10-02T19:00:00Z", 120, 4),
  receipt("2026-10-16T19:00:00Z", 80, 3),
  receipt("2026-10-27T19:00:00Z", 36, 0),
  ...twelveOrders(),
  ...returns([2, 3]),
  ["vas.performed", "2026-10-14T16:00:00Z", { warehouse: "WH1", service: "kitting", units: 90, minutes: 45 }],
  ["vas.performed", "2026-10-15T16:00:00Z", { warehouse: "WH1", service: "labeling", units: 400, minutes: 30 }],
  ["project.hours", "2026-10-21T20:00:00Z", { warehouse: "WH1", hours: 2.5, role: "supervisor" }],
  ["project.hours", "2026-10-22T20:00:00Z", { warehouse: "WH1", hours: 1.25, role: "engineer" }],
  // Midnight on November 1 in Chicago (05:00 UTC): November's, not October's.
  order("2026-11-01T05:00:00Z", 99, [1, 1, "poly_mailer", "USPS", "ground", 5.2]),
];

const BIRCHLINE_OCTOBER: Sent[] = [
  ...nightlySnapshots("America/Los_Angeles", "ambient", () => 20),
  ...nightlySnapshots("America/Los_Angeles", "frozen", () => 10),
  receipt("2026-10-05T18:00:00Z", 60, 2),
  ...twelveOrders(),
  // Midnight UTC on November 1 is 17:00 on October 31 in Los Angeles: October's.
  order("2026-11-01T00:00:00Z", 13, [2, 2, "small_box", "UPS", "ground", 7.5]),
  ...returns([2, 3]),
  ["vas.performed", "2026-10-14T18:00:00Z", { warehouse: "WH1", service: "labeling", units: 1600, minutes: 120 }],
  ["project.hours", "2026-10-21T18:00:00Z", { warehouse: "WH1", hours: 6, role: "associate" }],
];

const COBBLE_OCTOBER: Sent[] = [
  ...nightlySnapshots("Europe/London", "ambient", () => 5),
  receipt("2026-10-08T09:00:00Z", 10, 1),
  order("2026-10-06T14:00:00Z", 1, [1, 1, "poly_mailer", "USPS", "ground", 4.99]),
  order("2026-10-13T14:00:00Z", 2, [2, 3, "small_box", "UPS", "ground", 8.45]),
  order("2026-10-20T14:00:00Z", 3, [1, 2, "poly_mailer", "USPS", "ground", 5.85]),
  ...returns([2]),
];

let sent = 0;
async function send(customer: string, events: readonly Sent[], transactionIds?: string[]) {
  const ids = transactionIds ?? events.map(() => `wms-${++sent}`);
  const outcome = await ingestEvents(
    deps,
    analyst,
    events.map(([type, timestamp, properties], index) => ({
      transaction_id: ids[index],
      customer,
      type,
      timestamp,
      properties,
    })),
    { source: "batch" },
  );
  return { ids, statuses: outcome.results.map((result) => result.status) };
}

async function octoberInvoice(client: Client) {
  const { data } = await listInvoices(deps, { customer_id: client.id }, { limit: 10 });
  expect(data).toHaveLength(1);
  return data[0] as (typeof data)[number];
}

/**
 * The invoice's lines by description, with their quantities and amounts: lines of a period group by
 * code and dimensions. A line whose charges had different unit prices is one unit of its amount,
 * with the quantity in its description.
 */
function linesOf(invoice: { lines: { description: string; quantity: string; amount: string }[] }) {
  const byDescription = Object.fromEntries(
    invoice.lines.map((line) => [line.description, [line.quantity, line.amount]]),
  );
  expect(Object.keys(byDescription)).toHaveLength(invoice.lines.length);
  return byDescription;
}

const ACCOUNT_FEE = /^Warehouse account/;

describe("a month at a 3PL warehouse, billed in arrears and finalized", () => {
  it("accepts the month's log once: a batch sent again is counted as duplicates", async () => {
    // The warehouse system sends the month after the last nightly count (06:00 UTC in Los Angeles).
    setClock("2026-11-01T07:30:00Z");
    const sentIds: string[][] = [];
    for (const [client, events] of [
      [ashgrove, ASHGROVE_OCTOBER],
      [birchline, BIRCHLINE_OCTOBER],
      [cobble, COBBLE_OCTOBER],
    ] as const) {
      const { ids, statuses } = await send(client.id, events);
      expect(statuses).toEqual(events.map(() => "accepted"));
      sentIds.push(ids);
    }
    // Ashgrove's three receipts are sent again under their transaction ids: billed once.
    const receipts = ASHGROVE_OCTOBER.flatMap((event, index) =>
      event[0] === "inbound.received" ? [{ event, id: sentIds[0]?.[index] as string }] : [],
    );
    const again = await send(
      ashgrove.id,
      receipts.map(({ event }) => event),
      receipts.map(({ id }) => id),
    );
    expect(again.statuses).toEqual(["duplicate", "duplicate", "duplicate"]);
  });

  it("bills every client's October in its own time zone in one billing run", async () => {
    // After November 1 00:00 in Los Angeles (07:00 UTC), the last of the three Octobers to end.
    setClock("2026-11-01T08:00:00Z");
    const run = await runBilling(deps, analyst, { as_of: deps.clock.now() });
    expect(run).toMatchObject({ invoices_created: 3, failed: 0 });
    for (const client of [ashgrove, birchline, cobble]) {
      const invoice = await octoberInvoice(client);
      expect(invoice.status).toBe("draft");
      await finalizeInvoice(deps, controller, invoice.id);
    }
  });

  it("Ashgrove, default card: every line and the total", async () => {
    const invoice = await octoberInvoice(ashgrove);
    expect(invoice).toMatchObject({ status: "open", number: expect.stringMatching(/^INV-/) });
    const lines = linesOf(invoice);
    const fee = Object.keys(lines).find((description) => ACCOUNT_FEE.test(description)) as string;
    expect(lines[fee]).toEqual(["1", "100.00"]);
    delete lines[fee];
    expect(lines).toEqual({
      // 15 nights × 40 + 16 nights × 44 = 600 + 704 = 1,304 pallet-days × 0.55 = 717.20
      "Storage, per pallet-day (ambient)": ["1304", "717.20"],
      // 31 nights × 6 = 186 pallet-days × 0.85 = 158.10
      "Storage, per pallet-day (chilled)": ["186", "158.10"],
      // 120 + 80 + 36 = 236 cartons × 1.25 = 295.00 (the repeated export is not billed again)
      "Receiving, per carton": ["236", "295.00"],
      // 4 + 3 = 7 pallets × 9.50 = 66.50 (the third receipt had no pallets)
      "Receiving, per pallet": ["7", "66.50"],
      // 12 orders × 2.75 = 33.00 (the order at Chicago midnight on November 1 is November's)
      "Pick and pack, first unit": ["12", "33.00"],
      // 56 units − 12 first units = 44 × 0.45 = 19.80
      "Pick and pack, additional units": ["44", "19.80"],
      // 1+2+3+1+4+2+1+5+2+3+1+2 = 27 lines × 0.30 = 8.10
      "Pick and pack, per order line": ["27", "8.10"],
      // orders 1, 4, 7: 3 × 0.35 = 1.05
      "Packaging (poly_mailer)": ["3", "1.05"],
      // orders 2, 6, 9, 11: 4 × 0.85 = 3.40
      "Packaging (small_box)": ["4", "3.40"],
      // orders 3, 10, 12: 3 × 1.35 = 4.05
      "Packaging (medium_box)": ["3", "4.05"],
      // orders 5, 8: 2 × 2.10 = 4.20
      "Packaging (large_box)": ["2", "4.20"],
      // 5.20 + 5.85 + 5.20 = 16.25
      "Shipping, carrier charge passed through (USPS, ground) — quantity 3": ["1", "16.25"],
      // 8.45 + 12.37 + 7.95 + 9.06 + 8.45 + 11.18 = 57.46
      "Shipping, carrier charge passed through (UPS, ground) — quantity 6": ["1", "57.46"],
      // 31.90 + 18.44 = 50.34
      "Shipping, carrier charge passed through (FedEx, 2day) — quantity 2": ["1", "50.34"],
      "Shipping, carrier charge passed through (FedEx, overnight)": ["1", "64.13"],
      // 8 % of each order's carrier charge, exact, then the line rounds once:
      // 0.416 + 0.676 + 0.9896 + 0.468 + 2.552 + 0.636 + 0.416 + 5.1304 + 0.7248 + 1.4752 + 0.676 + 0.8944
      // = 15.0544 = 188.18 × 0.08 → 15.05 (rounding each charge first would give 15.07)
      "Shipping markup": ["188.18", "15.05"],
      // (2 + 3) units × 1.75 = 3.50 + 5.25 = 8.75
      "Returns processing, per unit": ["5", "8.75"],
      // 45 minutes × 0.80 = 36.00
      "Value-added services, per minute (kitting)": ["45", "36.00"],
      // 30 minutes × 0.65 = 19.50
      "Value-added services, per minute (labeling)": ["30", "19.50"],
      // 2.5 hours × 55.00 = 137.50
      "Special projects, per hour (supervisor)": ["2.5", "137.50"],
      // 1.25 hours × 95.00 = 118.75
      "Special projects, per hour (engineer)": ["1.25", "118.75"],
    });
    // Usage: 717.20 + 158.10 + 295.00 + 66.50 + 33.00 + 19.80 + 8.10 + 1.05 + 3.40 + 4.05 + 4.20
    //   + 16.25 + 57.46 + 50.34 + 64.13 + 15.05 + 8.75 + 36.00 + 19.50 + 137.50 + 118.75 = 1,834.13,
    // above the 1,500.00 minimum: no top-up. No tax rate for the US.
    expect(invoice).toMatchObject({ subtotal: "1934.13", tax: "0.00", total: "1934.13", amount_due: "1934.13" }); // 100.00 + 1,834.13
  });

  it("Birchline, its own rates: every line and the total, with October 31 evening's order", async () => {
    const invoice = await octoberInvoice(birchline);
    // Midnight in Los Angeles (PDT, UTC−7) to midnight: November 1 is still PDT until 02:00.
    expect(invoice.lines[0]).toMatchObject({
      description: "Warehouse account",
      quantity: "1",
      period: { start: "2026-10-01T07:00:00Z", end: "2026-11-01T07:00:00Z" },
    });
    const lines = linesOf(invoice);
    const fee = Object.keys(lines).find((description) => ACCOUNT_FEE.test(description)) as string;
    expect(lines[fee]).toEqual(["1", "100.00"]);
    delete lines[fee];
    expect(lines).toEqual({
      // 31 nights × 20 = 620 pallet-days × 0.55 (default) = 341.00
      "Storage, per pallet-day (ambient)": ["620", "341.00"],
      // 31 nights × 10 = 310 pallet-days × 1.00 (own rate; default 1.10) = 310.00
      "Storage, per pallet-day (frozen)": ["310", "310.00"],
      // 60 cartons × 1.25 = 75.00; 2 pallets × 9.50 = 19.00
      "Receiving, per carton": ["60", "75.00"],
      "Receiving, per pallet": ["2", "19.00"],
      // 12 orders + the one at 2026-11-01T00:00Z (October 31, 17:00 local) = 13 × 2.40 (own rate) = 31.20
      "Pick and pack, first unit": ["13", "31.20"],
      // (56 + 2) units − 13 first units = 45 × 0.45 = 20.25
      "Pick and pack, additional units": ["45", "20.25"],
      // 27 + 2 = 29 lines × 0.30 = 8.70
      "Pick and pack, per order line": ["29", "8.70"],
      "Packaging (poly_mailer)": ["3", "1.05"], // 3 × 0.35
      "Packaging (small_box)": ["5", "4.25"], // (4 + 1) × 0.85
      "Packaging (medium_box)": ["3", "4.05"], // 3 × 1.35
      "Packaging (large_box)": ["2", "4.20"], // 2 × 2.10
      "Shipping, carrier charge passed through (USPS, ground) — quantity 3": ["1", "16.25"],
      // 57.46 + 7.50 = 64.96
      "Shipping, carrier charge passed through (UPS, ground) — quantity 7": ["1", "64.96"],
      "Shipping, carrier charge passed through (FedEx, 2day) — quantity 2": ["1", "50.34"],
      "Shipping, carrier charge passed through (FedEx, overnight)": ["1", "64.13"],
      // 6 % (own rate) of each order, exact: 0.312 + 0.507 + 0.7422 + 0.351 + 1.914 + 0.477 + 0.312
      // + 3.8478 + 0.5436 + 1.1064 + 0.507 + 0.6708 + 0.45 = 11.7408 = 195.68 × 0.06 → 11.74
      "Shipping markup": ["195.68", "11.74"],
      "Returns processing, per unit": ["5", "8.75"], // 5 × 1.75
      "Value-added services, per minute (labeling)": ["120", "78.00"], // 120 × 0.65
      "Special projects, per hour (associate)": ["6", "228.00"], // 6 × 38.00
    });
    // Usage: 341.00 + 310.00 + 75.00 + 19.00 + 31.20 + 20.25 + 8.70 + 1.05 + 4.25 + 4.05 + 4.20
    //   + 16.25 + 64.96 + 50.34 + 64.13 + 11.74 + 8.75 + 78.00 + 228.00 = 1,340.87,
    // above its own 1,000.00 minimum: no top-up.
    expect(invoice).toMatchObject({ subtotal: "1440.87", tax: "0.00", total: "1440.87" }); // 100.00 + 1,340.87
  });

  it("Cobble, under its minimum: topped up, with 20 % VAT on every line", async () => {
    const invoice = await octoberInvoice(cobble);
    const lines = Object.fromEntries(
      invoice.lines.map((line) => [line.description, [line.quantity, line.amount, line.tax_amount]]),
    );
    const fee = Object.keys(lines).find((description) => ACCOUNT_FEE.test(description)) as string;
    expect(lines[fee]).toEqual(["1", "100.00", "20.00"]);
    delete lines[fee];
    // [quantity, amount, VAT at 20 % of the line, rounded half-up per line]
    expect(lines).toEqual({
      "Storage, per pallet-day (ambient)": ["155", "85.25", "17.05"], // 31 × 5 × 0.55
      "Receiving, per carton": ["10", "12.50", "2.50"], // 10 × 1.25
      "Receiving, per pallet": ["1", "9.50", "1.90"], // 1 × 9.50
      "Pick and pack, first unit": ["3", "8.25", "1.65"], // 3 × 2.75
      "Pick and pack, additional units": ["3", "1.35", "0.27"], // (1 + 3 + 2 − 3) × 0.45
      "Pick and pack, per order line": ["4", "1.20", "0.24"], // (1 + 2 + 1) × 0.30
      "Packaging (poly_mailer)": ["2", "0.70", "0.14"], // 2 × 0.35
      "Packaging (small_box)": ["1", "0.85", "0.17"], // 1 × 0.85
      // 4.99 + 5.85 = 10.84; VAT 2.168 → 2.17
      "Shipping, carrier charge passed through (USPS, ground) — quantity 2": ["1", "10.84", "2.17"],
      "Shipping, carrier charge passed through (UPS, ground)": ["1", "8.45", "1.69"],
      // 0.3992 + 0.676 + 0.468 = 1.5432 = 19.29 × 0.08 → 1.54 (each rounded first: 0.40 + 0.68 + 0.47 = 1.55);
      // VAT 0.308 → 0.31
      "Shipping markup": ["19.29", "1.54", "0.31"],
      "Returns processing, per unit": ["2", "3.00", "0.60"], // 2 × 1.50 (own rate)
      // usage 85.25 + 12.50 + 9.50 + 8.25 + 1.35 + 1.20 + 0.70 + 0.85 + 10.84 + 8.45 + 1.54 + 3.00 = 143.43
      // (finalize sees that total, each line rounded); top-up 400.00 − 143.43 = 256.57; VAT 51.314 → 51.31
      "Monthly minimum, top-up": ["1", "256.57", "51.31"],
    });
    // Subtotal 100.00 + 143.43 + 256.57 = 500.00. VAT is the sum of the lines' rounded VAT:
    // 20.00 + 17.05 + 2.50 + 1.90 + 1.65 + 0.27 + 0.24 + 0.14 + 0.17 + 2.17 + 1.69 + 0.31 + 0.60 + 51.31 = 100.00
    expect(invoice).toMatchObject({ subtotal: "500.00", tax: "100.00", total: "600.00", amount_due: "600.00" });
  });

  it("lists Cobble's usage lines alphabetically by what they say, then dimensions, the minimum top-up last, on the invoice and its PDF", async () => {
    const invoice = await octoberInvoice(cobble);
    const usage = [
      "Packaging (poly_mailer)",
      "Packaging (small_box)", // one description: by dimensions
      "Pick and pack, additional units",
      "Pick and pack, first unit",
      "Pick and pack, per order line",
      "Receiving, per carton",
      "Receiving, per pallet",
      "Returns processing, per unit",
      "Shipping, carrier charge passed through (UPS, ground)", // punctuation aside: "carrier" before "markup"
      "Shipping, carrier charge passed through (USPS, ground) — quantity 2", // carrier=UPS before carrier=USPS
      "Shipping markup",
      "Storage, per pallet-day (ambient)",
      "Monthly minimum, top-up", // a period-level charge from finalize, measured against the rest: last
    ];
    const descriptions = invoice.lines.map((line) => line.description);
    expect(descriptions[0]).toMatch(ACCOUNT_FEE); // the subscription's own line first, as before
    expect(descriptions.slice(1)).toEqual(usage);

    const { pdf } = await invoicePdf(deps, invoice.id);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    // The PDF prints the lines in the invoice's order: each found after the one before (long descriptions
    // may wrap, so their first words are looked for).
    let from = 0;
    for (const description of usage) {
      const at = text.indexOf(description.slice(0, 22), from);
      expect(at, description).toBeGreaterThanOrEqual(from);
      from = at + 1;
    }
  });

  it("posts Cobble's invoice to the ledger: receivable 600.00 = revenue 500.00 + VAT 100.00", async () => {
    const invoice = await octoberInvoice(cobble);
    const entry = await getEntry(deps, invoice.ledger_entry_id as string);
    const lines = entry.lines.map((line) => [
      line.account_code.replace(cobble.id, "cobble"),
      line.debit.toFixed(2),
      line.credit.toFixed(2),
    ]);
    expect(lines).toEqual([
      ["1100:cobble", "600.00", "0.00"], // receivable: the invoice total, 500.00 + 100.00
      ["2100", "0.00", "100.00"], // VAT payable: the invoice's tax
      [expect.stringMatching(/^4000:prod_/), "0.00", "100.00"], // the account fee, to its product's revenue
      ["4000", "0.00", "400.00"], // usage lines have no product: 143.43 + the 256.57 top-up
    ]);
  });

  it("explains a markup line as its exact charges, rounded once at the line", async () => {
    const invoice = await octoberInvoice(ashgrove);
    const markup = invoice.lines.find((line) => line.description === "Shipping markup");
    const explained = await explainInvoiceLine(deps, markup?.id as string, { limit: 20 });
    if (explained.kind !== "rated_usage") throw new Error(`a usage line explained as ${explained.kind}`);
    expect(explained.arithmetic).toEqual({
      charges: 12,
      sum_of_charges: "15.0544", // the twelve below, added exactly = 188.18 × 0.08
      sum_of_charges_rounded: "15.05",
      line_amount: "15.05",
      matches: true,
    });
    // In event order, 8 % of each order's carrier charge, exact:
    // 5.20, 8.45, 12.37, 5.85, 31.90, 7.95, 5.20, 64.13, 9.06, 18.44, 8.45, 11.18 × 0.08
    expect(explained.charges.data.map((charge) => charge.amount)).toEqual([
      "0.416",
      "0.676",
      "0.9896",
      "0.468",
      "2.552",
      "0.636",
      "0.416",
      "5.1304",
      "0.7248",
      "1.4752",
      "0.676",
      "0.8944",
    ]);
  });

  it("reconciles each client's October: received = rated + duplicates, rated = invoiced", async () => {
    const expected = [
      // 31 × 2 snapshots + 3 receipts + 12 orders + 2 returns + 2 VAS + 2 projects = 83 (the November order is not October's);
      // the 3 receipts sent again are duplicates
      [ashgrove, { received: 86, stored: 83, rated: 83, duplicates: 3 }, "1834.13"],
      // 31 × 2 + 1 receipt + 13 orders + 2 returns + 1 VAS + 1 project = 80
      [birchline, { received: 80, stored: 80, rated: 80, duplicates: 0 }, "1340.87"],
      // 31 + 1 + 3 + 1 = 36; 143.43 of usage + the 256.57 top-up = 400.00
      [cobble, { received: 36, stored: 36, rated: 36, duplicates: 0 }, "400.00"],
    ] as const;
    for (const [client, events, amount] of expected) {
      const { data } = await usageReconciliation(deps, {
        customer: client.id,
        period_start: client.october.start,
        period_end: client.october.end,
      });
      expect(data[0]).toMatchObject({
        events: { ...events, unrated: 0, not_rated_yet: 0 },
        amounts: { rated: amount, invoiced_finalized: amount, on_drafts: "0.00", not_invoiced: "0.00" },
        balanced: true,
      });
    }
  });
});
