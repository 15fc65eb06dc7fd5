import { randomFillSync } from "node:crypto";
import { wallClockMilliseconds } from "./clock.js";
import { DomainError } from "./errors.js";

/**
 * One registry of id prefixes for the whole product. Ids are TypeIDs: a
 * prefix naming the object and a UUIDv7 suffix, so they sort by creation time
 * and an id pasted into the wrong field is caught by its prefix.
 */
export const ID_PREFIXES = {
  customer: "cus",
  customer_note: "cnote",
  customer_contact: "ccon",
  purchase_order: "po",
  invoice: "inv",
  invoice_line: "il",
  invoice_item: "ii",
  billing_run: "brun",
  billing_run_item: "brit",
  credit_note: "cn",
  tax_rate: "txr",
  coupon: "cpn",
  discount: "di",
  credit_balance_adjustment: "cba",
  subscription: "sub",
  subscription_item: "si",
  subscription_phase: "sph",
  subscription_change: "sch",
  proration_line: "prl",
  product: "prod",
  plan: "plan",
  price: "price",
  price_version: "pv",
  price_override: "pov",
  commitment: "cmt",
  meter: "mtr",
  payment: "pay",
  event: "evt",
  ledger_account: "acct",
  journal_entry: "je",
  period_lock: "plock",
  user: "usr",
  session: "sess",
  api_key: "key",
  approval: "apr",
  audit_event: "aud",
  webhook_endpoint: "we",
  webhook_delivery: "whd",
  outbox_event: "oevt",
  request: "req",
  test_clock: "clock",
  usage_script: "scr",
  usage_script_version: "scrv",
  usage_script_test_case: "sctc",
  rate_card: "rc",
  rate_card_version: "rcv",
  usage_event: "uev",
  usage_event_rejection: "uevrj",
  usage_import: "uimp",
  usage_backtest: "btst",
  usage_rating_run: "urr",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
// Two base32 digits for each 10-bit value.
const DIGIT_PAIRS: string[] = Array.from(
  { length: 1024 },
  (_, value) => `${ALPHABET[value >> 5]}${ALPHABET[value & 31]}`,
);
const pair = (value: number) => DIGIT_PAIRS[value] as string;

/**
 * The 26 base32 digits of a TypeID suffix for the 128 bits in four 32-bit
 * words, most significant first: the bits behind two zero bits, as the
 * TypeID spec writes them, cut into thirteen 10-bit groups of two digits.
 */
export function typeIdSuffix(w0: number, w1: number, w2: number, w3: number): string {
  return (
    pair(w0 >>> 24) +
    pair((w0 >>> 14) & 1023) +
    pair((w0 >>> 4) & 1023) +
    pair(((w0 & 15) << 6) | (w1 >>> 26)) +
    pair((w1 >>> 16) & 1023) +
    pair((w1 >>> 6) & 1023) +
    pair(((w1 & 63) << 4) | (w2 >>> 28)) +
    pair((w2 >>> 18) & 1023) +
    pair((w2 >>> 8) & 1023) +
    pair(((w2 & 255) << 2) | (w3 >>> 30)) +
    pair((w3 >>> 20) & 1023) +
    pair((w3 >>> 10) & 1023) +
    pair(w3 & 1023)
  );
}

/** Random words drawn from the system's source a page at a time: one call per 1,024 ids, not one per id. */
const randomWords = new Uint32Array(3 * 1024);
let randomAt = randomWords.length;

function nextRandomWord(): number {
  if (randomAt === randomWords.length) {
    randomFillSync(randomWords);
    randomAt = 0;
  }
  return randomWords[randomAt++] as number;
}

/** The last id's milliseconds and its 74 bits after them (12, 30 and 32), for ids made within one millisecond. */
let lastMs = -1;
let randA = 0;
let randB = 0;
let randC = 0;

/**
 * A new id: the kind's prefix and a UUIDv7 (48 bits of Unix milliseconds,
 * the version, 74 bits, the variant) in base32, exactly what typeid-js makes
 * (src/kernel/ids.test.ts decodes ours with it), in a fraction of its time: a
 * billing run makes about ten ids an invoice. As there, ids sort in the order
 * they were made: the 74 bits are random for the first id of a millisecond
 * and counted up from it for the next ones (and if the clock steps back).
 */
export function newId(kind: IdKind): string {
  const ms = wallClockMilliseconds();
  if (ms > lastMs) {
    lastMs = ms;
    randA = nextRandomWord() & 0x0fff;
    randB = nextRandomWord() & 0x3fffffff;
    randC = nextRandomWord();
  } else {
    randC = (randC + 1) >>> 0;
    if (randC === 0) randB = (randB + 1) & 0x3fffffff;
    if (randC === 0 && randB === 0) randA = (randA + 1) & 0x0fff;
    if (randC === 0 && randB === 0 && randA === 0) lastMs += 1;
  }
  const w0 = Math.floor(lastMs / 0x10000) >>> 0;
  const w1 = (((lastMs % 0x10000) << 16) | 0x7000 | randA) >>> 0;
  const w2 = (randB | 0x80000000) >>> 0;
  return `${ID_PREFIXES[kind]}_${typeIdSuffix(w0, w1, w2, randC)}`;
}

const SUFFIX = /^[0-7][0-9abcdefghjkmnpqrstvwxyz]{25}$/;

/** An id of this kind: its prefix, an underscore and a TypeID suffix (what typeid-js accepts for it). */
export function isId(kind: IdKind, value: unknown): value is string {
  if (typeof value !== "string") return false;
  const prefix = ID_PREFIXES[kind];
  return (
    value.length === prefix.length + 27 &&
    value.startsWith(prefix) &&
    value.charCodeAt(prefix.length) === 95 &&
    SUFFIX.test(value.slice(prefix.length + 1))
  );
}

/** Rejects an id of the wrong type with `invalid_id`, naming the field. */
export function parseId(kind: IdKind, value: unknown, param?: string): string {
  if (!isId(kind, value)) {
    throw new DomainError(
      "invalid_id",
      `expected a ${kind} id starting with "${ID_PREFIXES[kind]}_"`,
      param === undefined ? undefined : { param },
    );
  }
  return value;
}
