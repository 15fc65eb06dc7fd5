/**
 * The demo company's cast: where its customers are, what they are called and
 * what they buy. Plain data and a seeded random generator, so every seed of
 * the same size tells the same story.
 */

/** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same company. */
export function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability: number) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from an empty list");
      return item;
    },
    digits: (count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join(""),
  };
}

export type Random = ReturnType<typeof randomSource>;

/** Prefixes the IRS assigns (an EIN with another prefix is refused as malformed). */
const EIN_PREFIXES = ["12", "20", "26", "27", "45", "46", "47", "81", "82", "83", "84", "86", "88", "91", "92", "93"];

export interface Market {
  country: string;
  currency: "USD" | "EUR" | "GBP" | "JPY";
  /** Share of customers, out of the markets' sum. */
  weight: number;
  locale: string;
  legal_form: string;
  places: readonly { city: string; region: string | null; postal_code: string; time_zone: string; street: string }[];
  /** A tax id in the country's format, or none for this market. */
  tax_id?: (random: Random) => { type: "eu_vat" | "us_ein"; value: string };
}

export const MARKETS: readonly Market[] = [
  {
    country: "US",
    currency: "USD",
    weight: 40,
    locale: "en-US",
    legal_form: "Inc.",
    places: [
      { city: "New York", region: "NY", postal_code: "10013", time_zone: "America/New_York", street: "Hudson St" },
      { city: "Chicago", region: "IL", postal_code: "60607", time_zone: "America/Chicago", street: "W Randolph St" },
      { city: "Denver", region: "CO", postal_code: "80202", time_zone: "America/Denver", street: "Larimer St" },
      {
        city: "San Francisco",
        region: "CA",
        postal_code: "94107",
        time_zone: "America/Los_Angeles",
        street: "Townsend St",
      },
      { city: "Seattle", region: "WA", postal_code: "98104", time_zone: "America/Los_Angeles", street: "2nd Ave" },
    ],
    tax_id: (random) => ({ type: "us_ein", value: `${random.pick(EIN_PREFIXES)}-${random.digits(7)}` }),
  },
  {
    country: "GB",
    currency: "GBP",
    weight: 15,
    locale: "en-GB",
    legal_form: "Ltd",
    places: [
      { city: "London", region: null, postal_code: "EC1V 9HX", time_zone: "Europe/London", street: "City Road" },
      { city: "Manchester", region: null, postal_code: "M1 1AE", time_zone: "Europe/London", street: "Portland St" },
    ],
  },
  {
    country: "DE",
    currency: "EUR",
    weight: 14,
    locale: "de-DE",
    legal_form: "GmbH",
    places: [
      { city: "Berlin", region: null, postal_code: "10117", time_zone: "Europe/Berlin", street: "Friedrichstraße" },
      { city: "Hamburg", region: null, postal_code: "20457", time_zone: "Europe/Berlin", street: "Am Sandtorkai" },
    ],
    tax_id: (random) => ({ type: "eu_vat", value: `DE${random.int(1, 9)}${random.digits(8)}` }),
  },
  {
    country: "FR",
    currency: "EUR",
    weight: 8,
    locale: "fr-FR",
    legal_form: "SAS",
    places: [
      { city: "Paris", region: null, postal_code: "75002", time_zone: "Europe/Paris", street: "Rue du Sentier" },
    ],
  },
  {
    country: "NL",
    currency: "EUR",
    weight: 7,
    locale: "nl-NL",
    legal_form: "B.V.",
    places: [
      { city: "Amsterdam", region: null, postal_code: "1012 AB", time_zone: "Europe/Amsterdam", street: "Damrak" },
    ],
    tax_id: (random) => ({ type: "eu_vat", value: `NL${random.digits(9)}B0${random.int(1, 9)}` }),
  },
  {
    country: "JP",
    currency: "JPY",
    weight: 6,
    locale: "ja-JP",
    legal_form: "K.K.",
    places: [{ city: "Tokyo", region: null, postal_code: "100-0005", time_zone: "Asia/Tokyo", street: "Marunouchi" }],
  },
  {
    country: "AU",
    currency: "USD",
    weight: 6,
    locale: "en-AU",
    legal_form: "Pty Ltd",
    places: [
      { city: "Sydney", region: "NSW", postal_code: "2000", time_zone: "Australia/Sydney", street: "George St" },
      { city: "Melbourne", region: "VIC", postal_code: "3000", time_zone: "Australia/Melbourne", street: "Collins St" },
    ],
  },
  {
    country: "NZ",
    currency: "USD",
    weight: 4,
    locale: "en-NZ",
    legal_form: "Limited",
    places: [
      { city: "Auckland", region: null, postal_code: "1010", time_zone: "Pacific/Auckland", street: "Queen St" },
    ],
  },
];

const NAME_STEMS = [
  "Northwind",
  "Bluefin",
  "Copperleaf",
  "Harborview",
  "Summit",
  "Lumen",
  "Tidewater",
  "Granite",
  "Meridian",
  "Juniper",
  "Falconer",
  "Orchard",
  "Beacon",
  "Cobalt",
  "Evergreen",
  "Ironwood",
  "Keystone",
  "Larkspur",
  "Mosaic",
  "Nimbus",
  "Oakridge",
  "Pinnacle",
  "Quarry",
  "Redwood",
  "Silverline",
  "Trailhead",
  "Upland",
  "Vantage",
  "Willowbrook",
  "Zephyr",
  "Alder",
  "Brightwater",
  "Cedar Point",
  "Driftwood",
  "Emberly",
] as const;

const NAME_TRADES = [
  "Logistics",
  "Analytics",
  "Foods",
  "Health",
  "Robotics",
  "Studios",
  "Labs",
  "Freight",
  "Retail",
  "Energy",
] as const;

const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Emma",
  "Farid",
  "Grace",
  "Hiro",
  "Ines",
  "Jonas",
  "Kemi",
  "Lena",
];
const LAST_NAMES = ["Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jensen"];

/** `count` distinct company names ("Juniper Freight"), in a shuffled but repeatable order. */
export function companyNames(random: Random, count: number): string[] {
  const all = NAME_STEMS.flatMap((stem) => NAME_TRADES.map((trade) => `${stem} ${trade}`));
  for (let i = all.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random.next() * (i + 1));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = all[i % all.length] as string;
    names.push(i < all.length ? base : `${base} ${Math.floor(i / all.length) + 1}`);
  }
  return names;
}

export function personName(random: Random): string {
  return `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
}

/** Picks a market by weight. */
export function pickMarket(random: Random): Market {
  const total = MARKETS.reduce((sum, market) => sum + market.weight, 0);
  let roll = random.next() * total;
  for (const market of MARKETS) {
    roll -= market.weight;
    if (roll < 0) return market;
  }
  return MARKETS[0] as Market;
}

/** What each plan costs per currency: a seat a month, a seat a year, the support flat fee, storage tiers. */
export const PRICE_BOOK = {
  USD: { starter: "12.00", business: "29.00", annual: "290.00", support: "99.00", storage: ["0.00", "0.50", "0.35"] },
  EUR: { starter: "11.00", business: "27.00", annual: "270.00", support: "90.00", storage: ["0.00", "0.45", "0.30"] },
  GBP: { starter: "10.00", business: "24.00", annual: "240.00", support: "80.00", storage: ["0.00", "0.40", "0.28"] },
  JPY: { starter: "1500", business: "3900", annual: "39000", support: "13000", storage: ["0", "60", "45"] },
} as const;

export type DemoCurrency = keyof typeof PRICE_BOOK;
export const DEMO_CURRENCIES = Object.keys(PRICE_BOOK) as DemoCurrency[];
