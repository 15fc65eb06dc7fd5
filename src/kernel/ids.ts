import { TypeID, typeid } from "typeid-js";
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

export function newId(kind: IdKind): string {
  return typeid(ID_PREFIXES[kind]).toString();
}

export function isId(kind: IdKind, value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    return TypeID.fromString(value).getType() === ID_PREFIXES[kind];
  } catch {
    return false;
  }
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
