import { companyNames, personName, type Random, randomSource } from "./company.js";

/**
 * The warehouse's clients for the WMS activity-log generator: who they are,
 * how big, which warehouses and temperatures they use. Plain data from a
 * seeded generator, and the CSV `accrue customers import` reads, so the
 * customers exist before their events arrive.
 */

export type StorageType = "ambient" | "chilled" | "frozen";
export type SizeProfile = "small" | "medium" | "large";

export interface WmsSite {
  code: string;
  time_zone: string;
  city: string;
  region: string;
  postal_code: string;
}

/** Fulfilment centres in four US time zones: a client's 23:00 snapshot falls at different UTC hours. */
export const WMS_SITES: readonly WmsSite[] = [
  { code: "RNO1", time_zone: "America/Los_Angeles", city: "Reno", region: "NV", postal_code: "89502" },
  { code: "ONT4", time_zone: "America/Los_Angeles", city: "Ontario", region: "CA", postal_code: "91761" },
  { code: "SLC2", time_zone: "America/Denver", city: "Salt Lake City", region: "UT", postal_code: "84104" },
  { code: "DFW3", time_zone: "America/Chicago", city: "Dallas", region: "TX", postal_code: "75261" },
  { code: "CVG2", time_zone: "America/New_York", city: "Hebron", region: "KY", postal_code: "41048" },
  { code: "EWR2", time_zone: "America/New_York", city: "Edison", region: "NJ", postal_code: "08837" },
];

export interface WmsCustomer {
  /** 1-based: wms-cust-001 is the first. */
  index: number;
  external_id: string;
  legal_name: string;
  contact_name: string;
  contact_email: string;
  size: SizeProfile;
  /** Share of the configured events per day, relative to an average client (the mean over clients is 1). */
  weight: number;
  /** The first is the client's main site: its time zone is the client's. */
  warehouses: string[];
  time_zone: string;
  storage_types: StorageType[];
  /** Pallets usually held per storage type. */
  base_pallets: Partial<Record<StorageType, number>>;
  sku_count: number;
  /** Average order lines and weight per unit: what makes one client's orders unlike another's. */
  lines_mean: number;
  unit_weight_tenths_lb: number;
}

const SIZE_WEIGHT: Record<SizeProfile, number> = { small: 0.4, medium: 1, large: 2.6 };
const SIZE_PALLETS: Record<SizeProfile, [number, number]> = { small: [8, 40], medium: [40, 180], large: [180, 900] };
const SIZE_SKUS: Record<SizeProfile, [number, number]> = { small: [20, 150], medium: [150, 800], large: [800, 4000] };

/** A random source for one purpose: the same seed and key give the same numbers, whatever else was drawn. */
export function randomFor(seed: number, ...keys: number[]): Random {
  let hash = (seed ^ 0x9e3779b9) >>> 0;
  for (const key of keys) {
    hash = Math.imul(hash ^ (key >>> 0), 0x85ebca6b) >>> 0;
    hash = (hash ^ (hash >>> 13)) >>> 0;
    hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
    hash = (hash ^ (hash >>> 16)) >>> 0;
  }
  return randomSource(hash);
}

function sizeOf(random: Random): SizeProfile {
  const roll = random.next();
  return roll < 0.5 ? "small" : roll < 0.85 ? "medium" : "large";
}

function storageTypes(random: Random): StorageType[] {
  const types: StorageType[] = ["ambient"];
  if (random.chance(0.25)) types.push("chilled");
  if (random.chance(0.15)) types.push("frozen");
  return types;
}

function warehouses(random: Random): string[] {
  const main = random.pick(WMS_SITES).code;
  if (!random.chance(0.2)) return [main];
  const second = random.pick(WMS_SITES.filter((site) => site.code !== main)).code;
  return [main, second];
}

export function siteOf(code: string): WmsSite {
  const site = WMS_SITES.find((candidate) => candidate.code === code);
  if (site === undefined) throw new Error(`unknown site ${code}`);
  return site;
}

function slug(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[^A-Za-z0-9]+/g, "")
    .toLowerCase();
}

/** The clients of a run, the same for the same seed and count. */
export function wmsCustomers(count: number, seed: number): WmsCustomer[] {
  const names = companyNames(randomFor(seed, 0), count);
  const customers = names.map((legal_name, position): WmsCustomer => {
    const random = randomFor(seed, 1, position);
    const size = sizeOf(random);
    const sites = warehouses(random);
    const types = storageTypes(random);
    const [palletsLow, palletsHigh] = SIZE_PALLETS[size];
    const [skusLow, skusHigh] = SIZE_SKUS[size];
    const base_pallets: Partial<Record<StorageType, number>> = {};
    for (const type of types) {
      // Cold storage is the smaller part of a client's stock.
      const share = type === "ambient" ? 1 : 0.25;
      base_pallets[type] = Math.max(2, Math.round(random.int(palletsLow, palletsHigh) * share));
    }
    const contact = personName(random);
    const index = position + 1;
    return {
      index,
      external_id: `wms-cust-${String(index).padStart(3, "0")}`,
      legal_name,
      contact_name: contact,
      contact_email: `${slug(contact.split(" ")[0] ?? "billing")}@${slug(legal_name)}.example`,
      size,
      weight: SIZE_WEIGHT[size] * (0.8 + 0.4 * random.next()),
      warehouses: sites,
      time_zone: siteOf(sites[0] as string).time_zone,
      storage_types: types,
      base_pallets,
      sku_count: random.int(skusLow, skusHigh),
      lines_mean: size === "small" ? 1.4 : size === "medium" ? 1.9 : 2.6,
      unit_weight_tenths_lb: random.int(3, 40),
    };
  });
  // Scale so the average client is 1: --events-per-day then holds for the whole run.
  const mean = customers.reduce((sum, customer) => sum + customer.weight, 0) / Math.max(1, customers.length);
  for (const customer of customers) customer.weight /= mean;
  return customers;
}

export const WMS_CUSTOMER_CSV_COLUMNS = [
  "external_id",
  "legal_name",
  "currency",
  "time_zone",
  "payment_terms",
  "billing_line1",
  "billing_city",
  "billing_region",
  "billing_postal_code",
  "billing_country",
  "contact_name",
  "contact_email",
  "tags",
  "metadata.size_profile",
  "metadata.warehouses",
  "metadata.storage_types",
] as const;

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The clients as the CSV `accrue customers import` reads (columns from src/customers/import.ts). */
export function wmsCustomersCsv(customers: readonly WmsCustomer[]): string {
  const rows = customers.map((customer) => {
    const site = siteOf(customer.warehouses[0] as string);
    const cells = [
      customer.external_id,
      customer.legal_name,
      "USD",
      customer.time_zone,
      "net 30",
      `${100 + customer.index * 7} Commerce Way`,
      site.city,
      site.region,
      site.postal_code,
      "US",
      customer.contact_name,
      customer.contact_email,
      "3pl;wms-demo",
      customer.size,
      customer.warehouses.join(";"),
      customer.storage_types.join(";"),
    ];
    return cells.map(csvCell).join(",");
  });
  return `${[WMS_CUSTOMER_CSV_COLUMNS.join(","), ...rows].join("\n")}\n`;
}
