import { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import { type Deps, memoize, remember } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { Decimal } from "../kernel/money.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { recordCatalogChange } from "./changes.js";
import { type ChargeModel, priceQuantity } from "./charge-models.js";
import { existingCustomer } from "./customer-check.js";
import {
  type ChargeModelJson,
  chargeModelIn,
  chargeModelJson,
  checkEffectiveFrom,
  type RatedChargeJson,
  ratedChargeJson,
  withParamPrefix,
} from "./model.js";
import { overridePatchJson, parseOverridePatch } from "./override-patches.js";
import { applyOverride, type ChargeModelOverride } from "./overrides.js";
import { mustFindPrice, priceVersionFor } from "./price-service.js";
import {
  endPriceOverrideRow,
  findPriceOverride,
  insertPriceOverride,
  latestPriceOverride,
  type PriceOverrideRow,
  type PriceVersionRow,
  priceOverridesOf,
  priceOverridesOfCustomers,
  priceOverridesQuery,
  versionsOf,
} from "./store.js";
import { overridePatchOf, type PriceOverride, priceOverrideView, priceVersionOf } from "./views.js";

/**
 * Per-customer overrides and the model a customer is rated on: the price's
 * version in effect, then the customer's patch over it. The plan is never
 * copied, so the plan's other prices, and its later versions, still reach
 * the customer.
 */

export interface NewPriceOverride {
  /** A cus_ id. */
  customer: string;
  /** The currency the patch's amounts are in; default the price's main currency. */
  currency?: string | undefined;
  patch: unknown;
  /** Default now; a newer override ends the previous one at this instant. */
  effective_from?: Temporal.Instant | undefined;
}

/** The customer's patch laid over a model; a misfit names the field under `patch`. */
function overridden(model: ChargeModel, patch: ChargeModelOverride): ChargeModel {
  return withParamPrefix("patch.", () => applyOverride(model, patch), "override.");
}

/** The patch must fit the version in effect when it starts, and every later one. */
function checkPatchFits(
  versions: PriceVersionRow[],
  main: string,
  currency: string,
  patch: ChargeModelOverride,
  from: Temporal.Instant,
) {
  const parsed = versions.map((row) => priceVersionOf(row, main));
  const startIndex = parsed.findLastIndex((version) => Temporal.Instant.compare(version.effective_from, from) <= 0);
  for (const version of parsed.slice(Math.max(startIndex, 0))) {
    overridden(chargeModelIn(version.charge_models, currency), patch);
  }
}

export async function createPriceOverride(
  deps: Deps,
  ctx: RequestContext,
  priceId: string,
  input: NewPriceOverride,
): Promise<PriceOverride> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const customer_id = await existingCustomer(deps, tx, input.customer, { forNewTerms: true });
    // Locked so two overrides for the same customer cannot both be "the latest".
    const price = await mustFindPrice(tx, priceId, true);
    const currency = input.currency ?? price.currency;
    const patch = parseOverridePatch(input.patch, currency);
    const effective_from = input.effective_from ?? now;
    const key = { price_id: priceId, customer_id, currency };
    const latest = await latestPriceOverride(tx, key);
    const latestFrom = latest === undefined ? undefined : fromDate(latest.effective_from);
    checkEffectiveFrom({ effective_from, now, latest: latestFrom, what: "price_override" });
    checkPatchFits(await versionsOf(tx, [priceId]), price.currency, currency, patch, effective_from);
    if (latest !== undefined && latest.ended_at === null) {
      await endOverride(tx, ctx, latest, effective_from, now);
    }
    const row: PriceOverrideRow = {
      id: newId("price_override"),
      ...key,
      patch: overridePatchJson(patch, currency),
      effective_from: toDate(effective_from),
      ended_at: null,
      created_at: toDate(now),
    };
    await insertPriceOverride(tx, row);
    const after = priceOverrideView(row);
    const change = { action: "price_override.created", object_type: "price_override", object_id: row.id, after };
    await recordCatalogChange(tx, ctx, change, now);
    return after;
  });
}

async function endOverride(
  tx: Tx,
  ctx: RequestContext,
  before: PriceOverrideRow,
  at: Temporal.Instant,
  now: Temporal.Instant,
): Promise<PriceOverride> {
  await endPriceOverrideRow(tx, before.id, at);
  const after = priceOverrideView({ ...before, ended_at: toDate(at) });
  await recordCatalogChange(
    tx,
    ctx,
    {
      action: "price_override.ended",
      object_type: "price_override",
      object_id: before.id,
      before: priceOverrideView(before),
      after,
    },
    now,
  );
  return after;
}

/** Ends an override now (or, when it has not started yet, at its start, so it never applies). */
export async function endPriceOverride(deps: Deps, ctx: RequestContext, id: string): Promise<PriceOverride> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindOverride(tx, id, true);
    if (before.ended_at !== null && Temporal.Instant.compare(fromDate(before.ended_at), now) <= 0) {
      throw new DomainError("price_override_ended", `price override ${id} ended at ${fromDate(before.ended_at)}`, {
        param: "id",
      });
    }
    const starts = fromDate(before.effective_from);
    const at = Temporal.Instant.compare(starts, now) > 0 ? starts : now;
    return endOverride(tx, ctx, before, at, now);
  });
}

async function mustFindOverride(db: Deps["db"] | Tx, id: string, lock = false): Promise<PriceOverrideRow> {
  const row = await findPriceOverride(db, id, lock);
  if (row === undefined) throw new DomainError("price_override_not_found", `no price override ${id}`, { param: "id" });
  return row;
}

export async function getPriceOverride(deps: Deps, id: string): Promise<PriceOverride> {
  return priceOverrideView(await mustFindOverride(deps.db, id));
}

export async function listPriceOverrides(
  deps: Deps,
  query: PageRequest & { customer?: string | undefined; price?: string | undefined },
): Promise<Page<PriceOverride>> {
  const page = await paginate(priceOverridesQuery(deps.db, query), "id", query);
  return { data: page.data.map(priceOverrideView), has_more: page.has_more };
}

// ---------------------------------------------------------------- resolution and preview

export interface ResolvedChargeModel {
  price_id: string;
  version_id: string;
  currency: string;
  /** What the customer is rated on: the version's model with their override laid over it. */
  charge_model: ChargeModel;
  override_id: string | null;
}

export interface ChargeModelQuery {
  price: string;
  /** A cus_ id; without one, the price's own amounts. */
  customer?: string | undefined;
  /** The instant whose override applies, and whose version unless `version` is given. Default now. */
  at?: Temporal.Instant | undefined;
  /** The version a subscription was sold on (pv_…). */
  version?: string | undefined;
  currency?: string | undefined;
}

/** The version (the one given, or the one in effect), then the customer's override in effect at `at`. */
/**
 * The customer's override of a price in force at an instant: the latest one
 * started by then and not ended. The key's overrides are read once per memo
 * scope, so a preview pricing many periods asks the database once.
 */
async function overrideInEffect(
  deps: Pick<Deps, "db" | "memo">,
  price_id: string,
  customer_id: string,
  currency: string,
  at: Temporal.Instant,
): Promise<PriceOverrideRow | undefined> {
  const key = { price_id, customer_id, currency };
  const rows = await memoize(deps, `price_overrides:${price_id}:${customer_id}:${currency}`, () =>
    priceOverridesOf(deps.db, key),
  );
  const instant = toDate(at).getTime();
  return rows.find(
    (row) => row.effective_from.getTime() <= instant && (row.ended_at === null || row.ended_at.getTime() > instant),
  );
}

/**
 * Loads the overrides of many customers on many prices at once and keeps
 * them in the memo, so a batch (a billing run's chunk) pricing each
 * customer's items asks the database once instead of once per item.
 * Without a memo in scope it does nothing: there is nowhere to keep them.
 */
export async function prefetchPriceOverrides(
  deps: Pick<Deps, "db" | "memo">,
  held: readonly { customer_id: string; currency: string; price_ids: readonly string[] }[],
): Promise<void> {
  if (deps.memo === undefined || held.length === 0) return;
  const customerIds = [...new Set(held.map((entry) => entry.customer_id))];
  const priceIds = [...new Set(held.flatMap((entry) => entry.price_ids))];
  const rows = await priceOverridesOfCustomers(deps.db, customerIds, priceIds);
  const byKey = new Map<string, PriceOverrideRow[]>();
  for (const row of rows) {
    const key = `price_overrides:${row.price_id}:${row.customer_id}:${row.currency}`;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [row]);
    else list.push(row);
  }
  for (const { customer_id, currency, price_ids } of held) {
    for (const price_id of price_ids) {
      const key = `price_overrides:${price_id}:${customer_id}:${currency}`;
      remember(deps, key, byKey.get(key) ?? []);
    }
  }
}

export async function resolvedChargeModel(deps: Deps, query: ChargeModelQuery): Promise<ResolvedChargeModel> {
  const at = query.at ?? deps.clock.now();
  const version = await priceVersionFor(deps, query.price, query.version ?? at);
  const currency = query.currency ?? version.currency;
  const base = chargeModelIn(version.charge_models, currency);
  const override =
    query.customer === undefined ? undefined : await overrideInEffect(deps, query.price, query.customer, currency, at);
  return {
    price_id: query.price,
    version_id: version.id,
    currency,
    charge_model: override === undefined ? base : overridden(base, overridePatchOf(override)),
    override_id: override?.id ?? null,
  };
}

export interface PricePreview extends RatedChargeJson {
  object: "price_preview";
  price: string;
  version: string;
  customer: string | null;
  price_override: string | null;
  currency: string;
  quantity: string;
  /** The model the amount was rated on, override included. */
  charge_model: ChargeModelJson;
}

/** What a quantity would cost, with the tiers and the reasoning, so an analyst can check a configuration. */
export async function previewPrice(
  deps: Deps,
  priceId: string,
  input: {
    quantity: Decimal;
    currency?: string | undefined;
    customer?: string | undefined;
    at?: Temporal.Instant | undefined;
  },
): Promise<PricePreview> {
  const price = await mustFindPrice(deps.db, priceId);
  if (input.customer !== undefined) await existingCustomer(deps, undefined, input.customer, { forNewTerms: false });
  const resolved = await resolvedChargeModel(deps, { ...input, price: price.id });
  const rated = priceQuantity(resolved.charge_model, input.quantity, resolved.currency);
  return {
    object: "price_preview",
    price: price.id,
    version: resolved.version_id,
    customer: input.customer ?? null,
    price_override: resolved.override_id,
    currency: resolved.currency,
    quantity: input.quantity.toString(),
    charge_model: chargeModelJson(resolved.charge_model, resolved.currency),
    ...ratedChargeJson(rated, resolved.currency),
  };
}
