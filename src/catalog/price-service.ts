import { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { recordCatalogChange } from "./changes.js";
import {
  type ChargeModelsByCurrency,
  chargeModelsJson,
  checkBillableMetric,
  checkEffectiveFrom,
  nextVersionModels,
  readChargeModels,
} from "./model.js";
import { applyOverride } from "./overrides.js";
import { mustFindPlan, mustFindProduct } from "./service.js";
import {
  findPrice,
  findPriceVersion,
  insertPrice,
  insertPriceVersion,
  type PriceFilter,
  type PriceRow,
  type PriceVersionRow,
  priceOverridesRunningFrom,
  pricesQuery,
  priceVersionInEffect,
  priceVersionsQuery,
  updatePriceRow,
  versionsOf,
} from "./store.js";
import {
  overridePatchOf,
  type Price,
  type PriceVersion,
  type PriceVersionJson,
  priceVersionOf,
  priceVersionView,
  priceView,
} from "./views.js";

/** Prices and their versions: amounts per currency, changed only by appending a version. */

type Executor = Deps["db"] | Tx;

export interface NewPrice {
  product: string;
  /** Absent: the price is sold alone (one-off). */
  plan?: string | undefined;
  nickname?: string | null | undefined;
  /** The main currency; a price on a plan is in the plan's currency (the default). */
  currency?: string | undefined;
  charge_model: unknown;
  currency_options?: Record<string, unknown> | undefined;
  billable_metric?: string | null | undefined;
  /** When the first version takes effect; default now. May be in the past, for prices brought over with history. */
  effective_from?: Temporal.Instant | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Sending charge_model or currency_options appends a version from `effective_from` (default now). */
export interface PriceChanges {
  nickname?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  charge_model?: unknown;
  currency_options?: Record<string, unknown> | undefined;
  effective_from?: Temporal.Instant | undefined;
}

export async function mustFindPrice(db: Executor, id: string, lock = false): Promise<PriceRow> {
  const row = await findPrice(db, id, lock);
  if (row === undefined) throw new DomainError("price_not_found", `no price ${id}`, { param: "price" });
  return row;
}

async function priceCurrency(db: Executor, input: NewPrice): Promise<string> {
  const plan = input.plan === undefined ? undefined : await mustFindPlan(db, input.plan);
  if (plan?.status === "archived") {
    throw new DomainError("plan_archived", `plan ${plan.id} is archived`, { param: "plan" });
  }
  const currency = input.currency ?? plan?.currency;
  if (currency === undefined) {
    throw new DomainError("parameter_missing", "a price sold alone needs a currency", { param: "currency" });
  }
  if (plan !== undefined && plan.currency !== currency) {
    throw new DomainError("price_currency_mismatch", `plan ${plan.id} bills in ${plan.currency}, not ${currency}`, {
      param: "currency",
    });
  }
  return currency;
}

function versionRow(
  priceId: string,
  models: ChargeModelsByCurrency,
  effective_from: Temporal.Instant,
  now: Temporal.Instant,
) {
  return {
    id: newId("price_version"),
    price_id: priceId,
    effective_from: toDate(effective_from),
    charge_models: chargeModelsJson(models),
    created_at: toDate(now),
  } satisfies PriceVersionRow;
}

export async function createPrice(deps: Deps, ctx: RequestContext, input: NewPrice): Promise<Price> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const product = await mustFindProduct(tx, input.product);
    if (product.status === "archived") {
      throw new DomainError("product_archived", `product ${product.id} is archived`, { param: "product" });
    }
    const currency = await priceCurrency(tx, input);
    const models = readChargeModels({ ...input, currency });
    const billable_metric = input.billable_metric ?? null;
    checkBillableMetric(billable_metric, models);
    const row: PriceRow = {
      id: newId("price"),
      product_id: product.id,
      plan_id: input.plan ?? null,
      nickname: input.nickname ?? null,
      currency,
      billable_metric,
      status: "active",
      metadata: input.metadata ?? {},
      created_at: toDate(now),
      updated_at: toDate(now),
    };
    const version = versionRow(row.id, models, input.effective_from ?? now, now);
    await insertPrice(tx, row);
    await insertPriceVersion(tx, version);
    const after = priceView(row, [version], now);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "price.created", object_type: "price", object_id: row.id, after },
      now,
    );
    return after;
  });
}

/**
 * A new version must fit every override still running when it starts: an
 * override names tiers by position and amounts in one currency, so a version
 * with fewer tiers or without that currency would leave it meaningless.
 */
async function checkOverridesFit(tx: Tx, priceId: string, models: ChargeModelsByCurrency, from: Temporal.Instant) {
  const misfits: string[] = [];
  for (const override of await priceOverridesRunningFrom(tx, priceId, from)) {
    const model = models[override.currency];
    try {
      if (model === undefined) misfits.push(override.id);
      else applyOverride(model, overridePatchOf(override));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      misfits.push(override.id);
    }
  }
  if (misfits.length > 0) {
    throw new DomainError(
      "price_override_incompatible",
      `the new amounts do not fit the customer overrides ${misfits.join(", ")}; end them first or keep their tiers and currencies`,
      { param: "charge_model", details: { price_overrides: misfits } },
    );
  }
}

async function appendVersion(
  tx: Tx,
  row: PriceRow,
  versions: PriceVersionRow[],
  changes: PriceChanges,
  now: Temporal.Instant,
): Promise<PriceVersionRow> {
  if (row.status === "archived")
    throw new DomainError("price_archived", `price ${row.id} is archived`, { param: "price" });
  const latest = versions.at(-1);
  if (latest === undefined) throw new Error(`price ${row.id} has no version`);
  const effective_from = changes.effective_from ?? now;
  const previous = priceVersionOf(latest, row.currency);
  checkEffectiveFrom({ effective_from, now, latest: previous.effective_from, what: "price_version" });
  const models = nextVersionModels(previous.charge_models, row.currency, changes);
  checkBillableMetric(row.billable_metric, models);
  await checkOverridesFit(tx, row.id, models, effective_from);
  const version = versionRow(row.id, models, effective_from, now);
  await insertPriceVersion(tx, version);
  return version;
}

export async function updatePrice(deps: Deps, ctx: RequestContext, id: string, changes: PriceChanges): Promise<Price> {
  const repriced = changes.charge_model !== undefined || changes.currency_options !== undefined;
  if (changes.effective_from !== undefined && !repriced) {
    throw new DomainError(
      "parameter_missing",
      "effective_from dates new amounts: send charge_model or currency_options",
      {
        param: "charge_model",
      },
    );
  }
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindPrice(tx, id, true);
    const versions = await versionsOf(tx, [id]);
    const row: PriceRow = {
      ...before,
      nickname: changes.nickname === undefined ? before.nickname : changes.nickname,
      metadata: changes.metadata ?? before.metadata,
      updated_at: toDate(now),
    };
    const version = repriced ? await appendVersion(tx, before, versions, changes, now) : undefined;
    await updatePriceRow(tx, row);
    const after = priceView(row, version === undefined ? versions : [...versions, version], now);
    if (version !== undefined) {
      const view = priceVersionView(version, row.currency);
      const change = {
        action: "price_version.created",
        object_type: "price_version",
        object_id: version.id,
        after: view,
      };
      await recordCatalogChange(tx, ctx, change, now);
    }
    const beforeView = priceView(before, versions, now);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "price.updated", object_type: "price", object_id: id, before: beforeView, after },
      now,
    );
    return after;
  });
}

/** An archived price is offered to no one new; subscriptions on it keep their version. */
export async function archivePrice(deps: Deps, ctx: RequestContext, id: string): Promise<Price> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindPrice(tx, id, true);
    const versions = await versionsOf(tx, [id]);
    const row: PriceRow = { ...before, status: "archived", updated_at: toDate(now) };
    await updatePriceRow(tx, row);
    const after = priceView(row, versions, now);
    const beforeView = priceView(before, versions, now);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "price.archived", object_type: "price", object_id: id, before: beforeView, after },
      now,
    );
    return after;
  });
}

/**
 * A price's product and billable metric, which never change: read from the
 * row priceVersionFor keeps in the memo, so an invoice's lines cost no
 * query beyond pricing them.
 */
export async function priceFacts(
  deps: Pick<Deps, "db" | "memo">,
  id: string,
): Promise<{ product: string; billable_metric: string | null }> {
  const row = await memoize(deps, `price:${id}`, () => mustFindPrice(deps.db, id));
  return { product: row.product_id, billable_metric: row.billable_metric };
}

export async function getPrice(deps: Deps, id: string): Promise<Price> {
  const row = await mustFindPrice(deps.db, id);
  return priceView(row, await versionsOf(deps.db, [id]), deps.clock.now());
}

export async function listPrices(deps: Deps, query: PageRequest & PriceFilter): Promise<Page<Price>> {
  const page = await paginate(pricesQuery(deps.db, query), "id", query);
  const versions = await versionsOf(
    deps.db,
    page.data.map((row) => row.id),
  );
  const now = deps.clock.now();
  return {
    data: page.data.map((row) =>
      priceView(
        row,
        versions.filter((version) => version.price_id === row.id),
        now,
      ),
    ),
    has_more: page.has_more,
  };
}

/** Newest first. */
export async function listPriceVersions(
  deps: Deps,
  priceId: string,
  page: PageRequest,
): Promise<Page<PriceVersionJson>> {
  const price = await mustFindPrice(deps.db, priceId);
  const rows = await paginate(priceVersionsQuery(deps.db, priceId), "id", page);
  return { data: rows.data.map((row) => priceVersionView(row, price.currency)), has_more: rows.has_more };
}

/**
 * The version a subscription rates with: the one it was sold on (by id), or
 * the one in effect at an instant. A running subscription keeps its version
 * id until it is changed, so later versions never reach it by accident.
 */
export async function priceVersionFor(
  deps: Pick<Deps, "db" | "memo">,
  priceId: string,
  version: string | Temporal.Instant,
): Promise<PriceVersion> {
  const price = await memoize(deps, `price:${priceId}`, () => mustFindPrice(deps.db, priceId));
  const row =
    version instanceof Temporal.Instant
      ? await priceVersionInEffect(deps.db, priceId, version)
      : await memoize(deps, `price_version:${version}`, () => findPriceVersion(deps.db, version));
  if (row === undefined || row.price_id !== priceId) {
    const which = version instanceof Temporal.Instant ? `in effect at ${version}` : version;
    throw new DomainError("price_version_not_found", `price ${priceId} has no version ${which}`, { param: "version" });
  }
  return priceVersionOf(row, price.currency);
}
