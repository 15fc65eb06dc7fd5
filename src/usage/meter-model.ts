import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import type { StoredEvent } from "./event-model.js";

/**
 * Meters as plain data: what a meter is, the rules a definition must meet,
 * and which number (if any) one event contributes to it. No I/O: ingestion
 * (through meter-projection.ts) and a backfill both call meterValueOf, so an
 * event stored today and the same event re-projected next month count alike.
 */

export const METER_AGGREGATIONS = ["count", "sum", "max", "unique_count", "latest", "time_weighted_sum"] as const;
export type MeterAggregation = (typeof METER_AGGREGATIONS)[number];

/** Property filters compare the property's text form with the listed values. */
export type MeterFilter =
  | { property: string; operator: "equals"; value: string }
  | { property: string; operator: "in"; values: string[] };

/** What a meter measures; a change to any of these is a new version of the meter. */
export interface MeterDefinition {
  event_type: string;
  filters: MeterFilter[];
  aggregation: MeterAggregation;
  /** The property the meter aggregates; null for count, which counts events. */
  value_property: string | null;
  group_by: string[];
}

export interface Meter extends MeterDefinition {
  id: string;
  code: string;
  name: string;
  version: number;
  status: "active" | "archived";
}

/** One event's contribution to one meter: a usage_meter_values row. */
export interface MeterValue {
  meter_id: string;
  customer_id: string;
  ts: Date;
  /** Exact decimal text; 1 for count and unique_count. */
  value: string;
  /** JSON object text of the group-by properties ({} without groups). */
  group_key: string;
  unique_key: string | null;
  event_id: string;
}

export const METER_CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Top-level property names only: nested paths would need a jsonb path per event. */
export const PROPERTY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const FILTERS_MAX = 20;
export const FILTER_VALUES_MAX = 100;
export const GROUP_BY_MAX = 5;
const EVENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$/;
// Plain decimal text; a string like "1e3" or "12 kg" is not a quantity.
const DECIMAL_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

// ---------------------------------------------------------------- validation

function invalid(code: string, message: string, param: string): DomainError {
  return new DomainError(code, message, { param });
}

function checkProperty(value: unknown, param: string, code: string): string {
  if (typeof value !== "string" || !PROPERTY_PATTERN.test(value)) {
    throw invalid(code, "a property name: letters, digits and _, not starting with a digit, at most 64", param);
  }
  return value;
}

function checkFilterValue(value: unknown, param: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 200) {
    throw invalid("invalid_meter_filter", "filter values are strings of 1 to 200 characters", param);
  }
  return value;
}

function checkFilter(raw: unknown, index: number): MeterFilter {
  const param = `filters[${index}]`;
  if (raw === null || typeof raw !== "object") throw invalid("invalid_meter_filter", "a filter is an object", param);
  const filter = raw as Record<string, unknown>;
  const property = checkProperty(filter.property, `${param}.property`, "invalid_meter_filter");
  if (filter.operator === "equals") {
    return { property, operator: "equals", value: checkFilterValue(filter.value, `${param}.value`) };
  }
  if (filter.operator === "in") {
    const values = filter.values;
    if (!Array.isArray(values) || values.length === 0 || values.length > FILTER_VALUES_MAX) {
      throw invalid("invalid_meter_filter", `"in" takes 1 to ${FILTER_VALUES_MAX} values`, `${param}.values`);
    }
    const checked = values.map((value, at) => checkFilterValue(value, `${param}.values[${at}]`));
    return { property, operator: "in", values: [...new Set(checked)] };
  }
  throw invalid("invalid_meter_filter", 'operator must be "equals" or "in"', `${param}.operator`);
}

/**
 * Checks a whole definition and returns it normalised. Every refusal names
 * the field, so an analyst fixing a meter in the web form sees which input.
 */
export function checkMeterDefinition(input: {
  event_type: unknown;
  filters?: unknown;
  aggregation: unknown;
  value_property?: unknown;
  group_by?: unknown;
}): MeterDefinition {
  const { event_type, aggregation } = input;
  if (typeof event_type !== "string" || !EVENT_TYPE_PATTERN.test(event_type)) {
    throw invalid("invalid_meter", "an event type as events carry it, such as order.shipped", "event_type");
  }
  if (typeof aggregation !== "string" || !METER_AGGREGATIONS.includes(aggregation as MeterAggregation)) {
    throw invalid("invalid_meter", `aggregation must be one of ${METER_AGGREGATIONS.join(", ")}`, "aggregation");
  }
  const filters = input.filters ?? [];
  if (!Array.isArray(filters) || filters.length > FILTERS_MAX) {
    throw invalid("invalid_meter_filter", `at most ${FILTERS_MAX} filters`, "filters");
  }
  const valueProperty = input.value_property ?? null;
  if (aggregation === "count" && valueProperty !== null) {
    throw invalid("invalid_meter_value_property", "a count meter counts events; drop value_property", "value_property");
  }
  if (aggregation !== "count" && valueProperty === null) {
    throw invalid("invalid_meter_value_property", `a ${aggregation} meter needs value_property`, "value_property");
  }
  const groupBy = input.group_by ?? [];
  if (!Array.isArray(groupBy) || groupBy.length > GROUP_BY_MAX) {
    throw invalid("invalid_meter_group_by", `at most ${GROUP_BY_MAX} group-by properties`, "group_by");
  }
  const groups = groupBy.map((property, index) =>
    checkProperty(property, `group_by[${index}]`, "invalid_meter_group_by"),
  );
  if (new Set(groups).size !== groups.length) {
    throw invalid("invalid_meter_group_by", "a group-by property is listed twice", "group_by");
  }
  return {
    event_type,
    filters: filters.map(checkFilter),
    aggregation: aggregation as MeterAggregation,
    value_property:
      valueProperty === null ? null : checkProperty(valueProperty, "value_property", "invalid_meter_value_property"),
    group_by: groups,
  };
}

export function checkMeterCode(code: unknown): string {
  if (typeof code !== "string" || !METER_CODE_PATTERN.test(code)) {
    throw invalid("invalid_meter", "a meter code: lower case letters, digits and _, such as pallet_days", "code");
  }
  return code;
}

/** Whether two definitions measure the same thing (a change of name alone is no new version). */
export function sameDefinition(a: MeterDefinition, b: MeterDefinition): boolean {
  // Key order is not kept by jsonb, so filters are compared field by field.
  const filters = (d: MeterDefinition) =>
    d.filters.map((f) =>
      f.operator === "equals" ? [f.property, f.operator, f.value] : [f.property, f.operator, f.values],
    );
  const shape = (d: MeterDefinition) =>
    JSON.stringify([d.event_type, filters(d), d.aggregation, d.value_property, d.group_by]);
  return shape(a) === shape(b);
}

// ---------------------------------------------------------------- projection

/**
 * A property's text form, which filters, groups and unique counts compare:
 * strings as they are, numbers in their shortest decimal form, booleans as
 * true/false. Objects, arrays and null have none: they match no filter.
 */
export function propertyText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  // A whole number's decimal form is its plain string (the usual case, and no Decimal to make).
  if (Number.isSafeInteger(value)) return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? new Decimal(value).toString() : undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

/**
 * A property's number: a JSON number, or a string of plain decimal digits
 * ("12.5"). A JSON number has been through a float, so it is read through its
 * shortest decimal form (0.1 stays 0.1).
 */
export function propertyNumber(value: unknown): Decimal | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? new Decimal(value) : undefined;
  if (typeof value === "string" && DECIMAL_TEXT.test(value) && value.length <= 60) return new Decimal(value);
  return undefined;
}

function matchesFilter(filter: MeterFilter, properties: Record<string, unknown>): boolean {
  const text = propertyText(properties[filter.property]);
  if (text === undefined) return false;
  return filter.operator === "equals" ? text === filter.value : filter.values.includes(text);
}

export function groupKeyOf(groupBy: readonly string[], properties: Record<string, unknown>): string {
  const key: Record<string, string | null> = {};
  for (const property of groupBy) key[property] = propertyText(properties[property]) ?? null;
  return JSON.stringify(key);
}

/** The event's value for the meter, or undefined when the meter does not count it. */
function measured(meter: MeterDefinition, properties: Record<string, unknown>) {
  if (meter.aggregation === "count") return { value: "1", unique_key: null };
  const raw = properties[meter.value_property ?? ""];
  if (meter.aggregation === "unique_count") {
    const unique_key = propertyText(raw);
    return unique_key === undefined ? undefined : { value: "1", unique_key };
  }
  if (Number.isSafeInteger(raw)) return { value: String(raw), unique_key: null };
  const number = propertyNumber(raw);
  return number === undefined ? undefined : { value: number.toString(), unique_key: null };
}

/**
 * The row one event adds to one meter, or undefined: another type, a filter
 * that does not match, or no usable value (a sum meter's event without the
 * number, which no aggregation could use).
 */
export function meterValueOf(
  meter: Pick<Meter, "id"> & MeterDefinition,
  event: Pick<StoredEvent, "id" | "customer_id" | "type" | "ts" | "properties">,
): MeterValue | undefined {
  if (event.type !== meter.event_type) return undefined;
  const properties = event.properties;
  for (const filter of meter.filters) if (!matchesFilter(filter, properties)) return undefined;
  const found = measured(meter, properties);
  if (found === undefined) return undefined;
  return {
    meter_id: meter.id,
    customer_id: event.customer_id,
    ts: event.ts,
    value: found.value,
    group_key: groupKeyOf(meter.group_by, properties),
    unique_key: found.unique_key,
    event_id: event.id,
  };
}

/** Every row a batch of events adds to the given meters, in event order. */
export function meterValuesOf(
  metersByType: ReadonlyMap<string, readonly Meter[]>,
  events: readonly Pick<StoredEvent, "id" | "customer_id" | "type" | "ts" | "properties">[],
): MeterValue[] {
  const rows: MeterValue[] = [];
  for (const event of events) {
    for (const meter of metersByType.get(event.type) ?? []) {
      const row = meterValueOf(meter, event);
      if (row !== undefined) rows.push(row);
    }
  }
  return rows;
}
