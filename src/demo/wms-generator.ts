import { Temporal } from "temporal-polyfill";
import type { Random } from "./company.js";
import { randomFor, type StorageType, type WmsCustomer, wmsCustomers } from "./wms-customers.js";
import {
  inboundReceived,
  orderShipped,
  projectHours,
  returnProcessed,
  type ShippedOrder,
  snapshotPallets,
  vasPerformed,
} from "./wms-events.js";

/**
 * A warehouse management system's activity log, made up but lifelike, for
 * trying the 3PL billing case end to end (docs/guide/demo.md). Pure and
 * seeded: the same options give the same bytes. Days are generated one at a
 * time and handed out in time order, so a run of millions of events holds
 * about two days of one run in memory, never the whole log.
 */

export interface WmsOptions {
  customers: number;
  days: number;
  /** Events per client per day on average, all types together; a large client sends more, a small one fewer. */
  events_per_day?: number | undefined;
  seed?: number | undefined;
  /** The first local day, YYYY-MM-DD. */
  start?: string | undefined;
}

export type WmsEventType =
  | "inbound.received"
  | "inventory.snapshot"
  | "order.shipped"
  | "return.processed"
  | "vas.performed"
  | "project.hours";

export interface WmsEvent {
  transaction_id: string;
  customer: string;
  type: WmsEventType;
  timestamp: string;
  properties: Record<string, string | number>;
}

export const WMS_DEFAULTS = { events_per_day: 120, seed: 1, start: "2026-10-01" } as const;

/** What a client carries from one day to the next: its order numbers, recent orders (for returns), stock. */
interface ClientState {
  customer: WmsCustomer;
  order_sequence: number;
  recent_orders: Pick<ShippedOrder, "order_id" | "units" | "warehouse">[];
  pallets: Partial<Record<StorageType, number>>;
}

/** An event already written as its NDJSON line: a day of a large run is held as text, not as objects. */
interface Stamped {
  ms: number;
  line: string;
}

const DAY_MS = 86_400_000;
const RECENT_ORDERS_MAX = 300;

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** ISO 8601 in UTC to the second, without a Date: a civil-from-days conversion (Howard Hinnant's). */
export function isoInstant(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const seconds = Math.floor((ms - days * DAY_MS) / 1000);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const time = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time}Z`;
}

function localInstant(date: Temporal.PlainDate, timeZone: string, time: string): number {
  return date.toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) }).epochMilliseconds;
}

/** Saturdays and Sundays ship less; the week averages to 1 (5 × 1.1 + 2 × 0.75 = 7). */
function weekdayFactor(date: Temporal.PlainDate): number {
  return date.dayOfWeek >= 6 ? 0.75 : 1.1;
}

/** A whole count near `mean`: the fraction is rounded up with its own probability, so averages hold. */
function countNear(random: Random, mean: number): number {
  const whole = Math.floor(mean);
  return whole + (random.next() < mean - whole ? 1 : 0);
}

class ClientDay {
  readonly events: Stamped[] = [];
  readonly counts: Partial<Record<WmsEventType, number>>;
  private sequence = 0;
  private readonly dayStart: number;

  constructor(
    readonly state: ClientState,
    readonly date: Temporal.PlainDate,
    readonly random: Random,
    readonly seed: number,
    counts: Partial<Record<WmsEventType, number>>,
  ) {
    this.counts = counts;
    this.dayStart = localInstant(date, state.customer.time_zone, "00:00");
  }

  /** An instant between two local hours; the offset at local midnight serves the whole day (DST moves it by an hour at most). */
  at(fromHour: number, toHour: number): number {
    const seconds = fromHour * 3600 + Math.floor(this.random.next() * (toHour - fromHour) * 3600);
    return this.dayStart + seconds * 1000;
  }

  add(type: WmsEventType, ms: number, properties: WmsEvent["properties"]): void {
    this.sequence += 1;
    const customer = this.state.customer;
    const day = this.date.toString().replaceAll("-", "");
    const transaction_id = `wms-${this.seed}-${pad(customer.index, 3)}-${day}-${pad(this.sequence, 6)}`;
    const event: WmsEvent = {
      transaction_id,
      customer: customer.external_id,
      type,
      timestamp: isoInstant(ms),
      properties,
    };
    this.events.push({ ms, line: JSON.stringify(event) });
    this.counts[type] = (this.counts[type] ?? 0) + 1;
  }
}

function generateClientDay(day: ClientDay, eventsPerDay: number): void {
  const { state, random, date } = day;
  const customer = state.customer;
  const mean = eventsPerDay * customer.weight * weekdayFactor(date) * (0.85 + 0.3 * random.next());
  // Of a client's activity: about 3% receiving, 2% value-added services, a project now and then,
  // returns at about 5% of orders, and the rest orders.
  const inbound = countNear(random, mean * 0.03);
  const vas = countNear(random, mean * 0.02);
  const projects = random.chance(0.08) ? 1 : 0;
  const orders = Math.max(0, Math.round((mean - inbound - vas - projects - customer.storage_types.length) / 1.05));
  for (let i = 0; i < inbound; i++) day.add("inbound.received", day.at(6, 16), inboundReceived(random, customer));
  // Returns come back for orders shipped on earlier days, before today's join the list.
  const returns = countNear(random, orders * 0.05);
  for (let i = 0; i < returns && state.recent_orders.length > 0; i++) {
    day.add("return.processed", day.at(8, 18), returnProcessed(random, random.pick(state.recent_orders)));
  }
  for (let i = 0; i < orders; i++) {
    state.order_sequence += 1;
    const order = orderShipped(random, customer, state.order_sequence);
    state.recent_orders.push({ order_id: order.order_id, units: order.units, warehouse: order.warehouse });
    if (state.recent_orders.length > RECENT_ORDERS_MAX) state.recent_orders.shift();
    day.add("order.shipped", day.at(6, 22), order.properties);
  }
  for (let i = 0; i < vas; i++) day.add("vas.performed", day.at(8, 17), vasPerformed(random, customer));
  for (let i = 0; i < projects; i++) day.add("project.hours", day.at(9, 17), projectHours(random, customer));
  const snapshotAt = localInstant(date, customer.time_zone, "23:00");
  for (const type of customer.storage_types) {
    const { pallets, properties } = snapshotPallets(random, customer, type, state.pallets[type]);
    state.pallets[type] = pallets;
    day.add("inventory.snapshot", snapshotAt, properties);
  }
}

/** By time, then by line: a line starts with its transaction id, so ties break the same way every run. */
const byTime = (a: Stamped, b: Stamped) => a.ms - b.ms || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0);

export interface WmsBatch {
  /** Local days generated so far, of `days`. */
  day: number;
  days: number;
  /** The batch's events as NDJSON lines (no line breaks), in time order. */
  lines: string[];
  /** Events generated on this day, by type (they may fall into the next batch). */
  generated: Partial<Record<WmsEventType, number>>;
}

/**
 * The log in time order, one batch per generated day. A batch holds the
 * events before the earliest local midnight still to come: no later day can
 * produce anything earlier, so batches join into one ordered log.
 */
export function* wmsEventBatches(options: WmsOptions): Generator<WmsBatch> {
  const seed = options.seed ?? WMS_DEFAULTS.seed;
  const eventsPerDay = options.events_per_day ?? WMS_DEFAULTS.events_per_day;
  const start = Temporal.PlainDate.from(options.start ?? WMS_DEFAULTS.start);
  const states: ClientState[] = wmsCustomers(options.customers, seed).map((customer) => ({
    customer,
    order_sequence: 0,
    recent_orders: [],
    pallets: { ...customer.base_pallets },
  }));
  let pending: Stamped[] = [];
  for (let dayIndex = 0; dayIndex < options.days; dayIndex++) {
    const date = start.add({ days: dayIndex });
    const generated: Partial<Record<WmsEventType, number>> = {};
    for (const state of states) {
      const day = new ClientDay(state, date, randomFor(seed, 2, state.customer.index, dayIndex), seed, generated);
      generateClientDay(day, eventsPerDay);
      for (const stamped of day.events) pending.push(stamped);
    }
    const next = date.add({ days: 1 });
    const horizon = Math.min(...states.map((state) => localInstant(next, state.customer.time_zone, "00:00")));
    pending.sort(byTime);
    const cut = pending.findIndex((stamped) => stamped.ms >= horizon);
    const ready = cut === -1 ? pending : pending.slice(0, cut);
    pending = cut === -1 ? [] : pending.slice(cut);
    yield { day: dayIndex + 1, days: options.days, lines: ready.map((stamped) => stamped.line), generated };
  }
  if (pending.length > 0) {
    yield { day: options.days, days: options.days, lines: pending.map((stamped) => stamped.line), generated: {} };
  }
}

/** The events themselves, in time order: for tests and for code that reads the log in process. */
export function* wmsEvents(options: WmsOptions): Generator<WmsEvent> {
  for (const batch of wmsEventBatches(options)) {
    for (const line of batch.lines) yield JSON.parse(line) as WmsEvent;
  }
}

const LINES_PER_CHUNK = 2_000;

/** The log as NDJSON text in chunks of a few thousand lines: what `accrue demo wms` writes. */
export function* wmsNdjsonChunks(options: WmsOptions, onBatch?: (batch: WmsBatch) => void): Generator<string> {
  for (const batch of wmsEventBatches(options)) {
    onBatch?.(batch);
    // Small chunks: a day of a large run is tens of megabytes, and the file stream wants kilobytes at a time.
    for (let from = 0; from < batch.lines.length; from += LINES_PER_CHUNK) {
      yield `${batch.lines.slice(from, from + LINES_PER_CHUNK).join("\n")}\n`;
    }
  }
}
