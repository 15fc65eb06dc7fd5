import { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { recordCatalogChange } from "./changes.js";
import { readRates } from "./rate-card-model.js";
import { findDefaultRateCard, insertRateCard, insertRateCardVersion, rateCardVersions } from "./rate-card-store.js";
import { type RateCard, rateCardView } from "./rate-card-views.js";

/**
 * The default rate card of a third-party logistics (3PL) warehouse: receiving,
 * storage by temperature, pick and pack, packaging, shipping markup, returns,
 * value-added services, project hours and a monthly minimum. The codes are the
 * ones the reference 3PL charge script reads; change a value with a new
 * version, never a code.
 */
export const DEFAULT_3PL_RATES: Readonly<Record<string, { value: string; unit: string; description: string }>> = {
  receiving_carton: { value: "1.25", unit: "carton", description: "per carton received" },
  receiving_pallet: { value: "9.50", unit: "pallet", description: "per pallet received" },
  storage_pallet_day_ambient: { value: "0.55", unit: "pallet-day", description: "per pallet per day, ambient" },
  storage_pallet_day_chilled: { value: "0.85", unit: "pallet-day", description: "per pallet per day, chilled" },
  storage_pallet_day_frozen: { value: "1.10", unit: "pallet-day", description: "per pallet per day, frozen" },
  pick_first_unit: { value: "2.75", unit: "order", description: "first unit of an order" },
  pick_additional_unit: { value: "0.45", unit: "unit", description: "each further unit of an order" },
  pick_per_line: { value: "0.30", unit: "line", description: "per order line" },
  packaging_poly_mailer: { value: "0.35", unit: "package", description: "poly mailer, per package" },
  packaging_small_box: { value: "0.85", unit: "package", description: "small box, per package" },
  packaging_medium_box: { value: "1.35", unit: "package", description: "medium box, per package" },
  packaging_large_box: { value: "2.10", unit: "package", description: "large box, per package" },
  shipping_markup_pct: { value: "8", unit: "percent", description: "percent added to the carrier's ship_cost" },
  returns_per_unit: { value: "1.75", unit: "unit", description: "per unit returned" },
  vas_minute_kitting: { value: "0.80", unit: "minute", description: "kitting, per minute" },
  vas_minute_labeling: { value: "0.65", unit: "minute", description: "labeling, per minute" },
  project_hour_associate: { value: "38.00", unit: "hour", description: "special projects, associate" },
  project_hour_supervisor: { value: "55.00", unit: "hour", description: "special projects, supervisor" },
  project_hour_engineer: { value: "95.00", unit: "hour", description: "special projects, engineer" },
  monthly_minimum: { value: "1500.00", unit: "month", description: "minimum billed per month for the whole account" },
};

export interface Default3plOptions {
  currency?: string | undefined;
  /** Default 2000-01-01: in force for any past activity a demo or a backtest replays. */
  effective_from?: Temporal.Instant | undefined;
}

const LONG_AGO = Temporal.Instant.from("2000-01-01T00:00:00Z");

/**
 * Installs the default 3PL card in a currency, approved, unless a default
 * card in that currency already exists (then it is returned untouched). This
 * is Accrue's own starting point, as a migration would ship it, so it is
 * installed approved by the system; every later change goes through approval.
 */
export async function ensureDefault3plRateCard(
  deps: Deps,
  ctx: RequestContext,
  options: Default3plOptions = {},
): Promise<RateCard> {
  const currency = options.currency ?? "USD";
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const existing = await findDefaultRateCard(tx, currency);
    if (existing !== undefined) return rateCardView(existing, await rateCardVersions(tx, existing.id), now);
    const card = {
      id: newId("rate_card"),
      kind: "default" as const,
      currency,
      customer_id: null,
      name: `3PL default ${currency}`,
      created_at: toDate(now),
    };
    const version = {
      id: newId("rate_card_version"),
      rate_card_id: card.id,
      number: 1,
      status: "approved" as const,
      effective_from: toDate(options.effective_from ?? LONG_AGO),
      rates: readRates(DEFAULT_3PL_RATES),
      note: "The default 3PL rate card shipped with Accrue",
      created_by: ctx.actor.id,
      edited_by: [ctx.actor.id],
      approval_id: null,
      approved_by: ctx.actor.id,
      approved_at: toDate(now),
      affected_periods: null, // installed before any usage is rated with it
      created_at: toDate(now),
      updated_at: toDate(now),
    };
    await insertRateCard(tx, card);
    await insertRateCardVersion(tx, version);
    const after = rateCardView(card, [version], now);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "rate_card.installed", object_type: "rate_card", object_id: card.id, after },
      now,
    );
    return after;
  });
}
