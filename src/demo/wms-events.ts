import type { Random } from "./company.js";
import type { StorageType, WmsCustomer } from "./wms-customers.js";

/**
 * The properties of each WMS event type, as fixed in the 3PL case: the
 * reference charge script and the default rate card read exactly these
 * names. Decimal figures are built from whole tenths or cents, so a weight is
 * 3.4 and never 3.4000000000000004.
 */

type Properties = Record<string, string | number>;

export interface ShippedOrder {
  order_id: string;
  units: number;
  warehouse: string;
  properties: Properties;
}

const CARRIERS = ["UPS", "UPS", "FedEx", "FedEx", "USPS", "DHL"] as const;
const PROJECT_TASKS = [
  "Cycle count",
  "Relabel inbound for retailer compliance",
  "Rework damaged cartons",
  "Peak season slotting",
  "Returns backlog triage",
  "Kit build for a promotion",
] as const;

/** Whole units of 1/`scale` as a number: 34 tenths → 3.4. */
const fixed = (whole: number, scale: number) => whole / scale;

function warehouseOf(random: Random, customer: WmsCustomer): string {
  // Most activity happens at the client's main site.
  return customer.warehouses.length > 1 && random.chance(0.3)
    ? (customer.warehouses[1] as string)
    : (customer.warehouses[0] as string);
}

function sku(random: Random, customer: WmsCustomer): string {
  return `SKU-${String(customer.index).padStart(3, "0")}-${String(random.int(1, customer.sku_count)).padStart(5, "0")}`;
}

export function inboundReceived(random: Random, customer: WmsCustomer): Properties {
  const cartons = random.int(4, customer.size === "large" ? 400 : 120);
  const pallets = Math.max(1, Math.ceil(cartons / random.int(20, 40)));
  return {
    warehouse: warehouseOf(random, customer),
    sku: sku(random, customer),
    cartons,
    pallets,
    units: cartons * random.pick([6, 12, 24, 48]),
  };
}

function serviceLevel(random: Random): string {
  const roll = random.next();
  return roll < 0.75 ? "ground" : roll < 0.93 ? "2day" : "overnight";
}

function packaging(units: number, weightTenths: number): string {
  if (units <= 2 && weightTenths < 20) return "poly_mailer";
  if (weightTenths < 80) return "small_box";
  if (weightTenths < 250) return "medium_box";
  return "large_box";
}

/** What the carrier charged the warehouse, in cents: a base by service level plus a rate per pound. */
function shipCostCents(random: Random, level: string, weightTenths: number): number {
  const base = level === "ground" ? 645 : level === "2day" ? 1290 : 2850;
  const perPound = level === "ground" ? 42 : level === "2day" ? 88 : 165;
  return base + Math.ceil((weightTenths * perPound) / 10) + random.int(0, 99);
}

export function orderShipped(random: Random, customer: WmsCustomer, sequence: number): ShippedOrder {
  let lines = 1;
  while (lines < 40 && random.next() < 1 - 1 / customer.lines_mean) lines++;
  let units = lines;
  while (units < 400 && random.chance(0.35)) units += random.int(1, 3);
  const weightTenths = Math.max(1, Math.round(units * customer.unit_weight_tenths_lb * (0.7 + 0.6 * random.next())));
  const level = serviceLevel(random);
  const order_id = `SO-${String(customer.index).padStart(3, "0")}-${String(sequence).padStart(7, "0")}`;
  const warehouse = warehouseOf(random, customer);
  return {
    order_id,
    units,
    warehouse,
    properties: {
      warehouse,
      order_id,
      lines,
      units,
      weight_lb: fixed(weightTenths, 10),
      carrier: random.pick(CARRIERS),
      service_level: level,
      packaging: packaging(units, weightTenths),
      ship_cost: fixed(shipCostCents(random, level, weightTenths), 100),
    },
  };
}

export function returnProcessed(
  random: Random,
  order: Pick<ShippedOrder, "order_id" | "units" | "warehouse">,
): Properties {
  const roll = random.next();
  return {
    warehouse: order.warehouse,
    order_id: order.order_id,
    units: random.int(1, order.units),
    condition: roll < 0.7 ? "resellable" : roll < 0.9 ? "damaged" : "refurbish",
  };
}

export function vasPerformed(random: Random, customer: WmsCustomer): Properties {
  const service = random.chance(0.55) ? "kitting" : "labeling";
  const units = random.int(10, customer.size === "large" ? 800 : 250);
  // Kitting takes longer per unit than a label.
  const secondsPerUnit = service === "kitting" ? random.int(30, 90) : random.int(8, 25);
  return {
    warehouse: warehouseOf(random, customer),
    service,
    units,
    minutes: Math.max(1, Math.ceil((units * secondsPerUnit) / 60)),
  };
}

export function projectHours(random: Random, customer: WmsCustomer): Properties {
  const roll = random.next();
  return {
    warehouse: warehouseOf(random, customer),
    hours: fixed(random.int(2, 32) * 25, 100), // quarter hours from 0.5 to 8
    role: roll < 0.6 ? "associate" : roll < 0.9 ? "supervisor" : "engineer",
    description: random.pick(PROJECT_TASKS),
  };
}

/**
 * Tonight's stock of one temperature: it drifts back toward the client's
 * usual level, so a month shows movement without running away.
 */
export function snapshotPallets(
  random: Random,
  customer: WmsCustomer,
  type: StorageType,
  previous: number | undefined,
): { pallets: number; properties: Properties } {
  const usual = customer.base_pallets[type] ?? 1;
  const last = previous ?? usual;
  const pallets = Math.max(1, Math.round(last + 0.25 * (usual - last) + usual * (random.next() - 0.5) * 0.12));
  const bins = pallets * random.int(6, 12);
  const cubicFeetTenths = pallets * random.int(560, 700); // 56 to 70 cubic feet a pallet
  return {
    pallets,
    properties: {
      warehouse: customer.warehouses[0] as string,
      storage_type: type,
      pallets,
      bins,
      cubic_feet: fixed(cubicFeetTenths, 10),
    },
  };
}
