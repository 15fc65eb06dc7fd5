import type { Temporal } from "temporal-polyfill";
import { getCustomer } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { overlayRates, type RateSet, type RateSource, versionInForce } from "./rate-card-model.js";
import {
  approvedVersions,
  findCustomerRateCard,
  findDefaultRateCard,
  type RateCardRow,
  type RateCardVersionRow,
} from "./rate-card-store.js";
import { versionTiming } from "./rate-card-views.js";

/**
 * The rates a customer is charged at an instant: the default card's version
 * in force in the customer's currency, overlaid with the customer's own
 * card's version in force. The ids of both versions come back with the
 * rates, so every charge can record exactly which rates it used.
 */

export interface RateCardVersionUsed {
  rate_card: string;
  kind: "default" | "customer";
  version: string;
  number: number;
  effective_from: string;
}

export interface ResolvedRates {
  object: "resolved_rates";
  customer: string;
  currency: string;
  at: string;
  /** code → value (decimal string): what a charge script reads. */
  rates: Record<string, string>;
  /** code → the card it came from. */
  source: Record<string, RateSource>;
  /** The unit and description of each code, for people reading the rates. */
  details: RateSet;
  /** Default first, then the customer's: the versions these rates came from. */
  versions: RateCardVersionUsed[];
  /** The same ids, flat, for a charge row's rate_card_version_ids. */
  version_ids: string[];
}

async function versionInForceAt(
  deps: Deps,
  db: Executor,
  card: RateCardRow | undefined,
  instant: Temporal.Instant,
): Promise<RateCardVersionRow | undefined> {
  if (card === undefined) return undefined;
  // Approved versions never change, so a computation rating many events reads them once.
  const approved = await memoize(deps, `rate_cards.approved:${card.id}`, () => approvedVersions(db, card.id));
  return versionInForce(approved.map(versionTiming), instant)?.row;
}

function used(card: RateCardRow, version: RateCardVersionRow): RateCardVersionUsed {
  return {
    rate_card: card.id,
    kind: card.kind,
    version: version.id,
    number: version.number,
    effective_from: fromDate(version.effective_from as Date).toString(),
  };
}

/** `customerId` is our id (cus_…) or the customer's external id. */
export async function resolvedRatesAt(
  deps: Deps,
  customerId: string,
  instant: Temporal.Instant,
  /** Inside a caller's transaction (rating a batch), read there. */
  tx?: Tx,
): Promise<ResolvedRates> {
  const db = tx ?? deps.db;
  const customer = await memoize(deps, `rate_cards.customer:${customerId}`, () => getCustomer(deps, customerId, tx));
  const defaultCard = await memoize(deps, `rate_cards.default:${customer.currency}`, () =>
    findDefaultRateCard(db, customer.currency),
  );
  const customerCard = await memoize(deps, `rate_cards.customer_card:${customer.id}`, () =>
    findCustomerRateCard(db, customer.id),
  );
  if (customerCard !== undefined && customerCard.currency !== customer.currency) {
    // The customer's prices were agreed in another currency: never read them as this one.
    throw new DomainError(
      "rate_card_currency_mismatch",
      `rate card ${customerCard.id} is in ${customerCard.currency} but ${customer.id} is billed in ${customer.currency}`,
      { param: "customer" },
    );
  }
  const defaults = await versionInForceAt(deps, db, defaultCard, instant);
  const overrides = await versionInForceAt(deps, db, customerCard, instant);
  if (defaults === undefined && overrides === undefined) {
    throw new DomainError(
      "rate_card_not_in_force",
      `no rate card version is in force for ${customer.id} (${customer.currency}) at ${instant}`,
      { param: "customer" },
    );
  }
  const overlaid = overlayRates(defaults?.rates ?? {}, overrides?.rates ?? {});
  const versions = [
    ...(defaultCard && defaults ? [used(defaultCard, defaults)] : []),
    ...(customerCard && overrides ? [used(customerCard, overrides)] : []),
  ];
  return {
    object: "resolved_rates",
    customer: customer.id,
    currency: customer.currency,
    at: instant.toString(),
    rates: Object.fromEntries(Object.entries(overlaid.rates).map(([code, rate]) => [code, rate.value])),
    source: overlaid.source,
    details: overlaid.rates,
    versions,
    version_ids: versions.map((version) => version.version),
  };
}
