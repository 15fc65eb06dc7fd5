import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { parseCurrency } from "../kernel/money.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { parseInterval } from "../kernel/periods.js";
import { recordCatalogChange } from "./changes.js";
import type { BillingTiming, CatalogStatus } from "./model.js";
import {
  findPlan,
  findProduct,
  insertPlan,
  insertProduct,
  type PlanRow,
  type ProductRow,
  plansQuery,
  productsQuery,
  updatePlanRow,
  updateProductRow,
} from "./store.js";
import { type Plan, type Product, planView, productView } from "./views.js";

/** Products and plans: what is sold, and the terms it is sold on. */

export interface NewProduct {
  name: string;
  description?: string | null | undefined;
  unit_label?: string | null | undefined;
  tax_code?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
}

export type ProductChanges = Partial<NewProduct>;

type Executor = Deps["db"] | Tx;

export async function mustFindProduct(db: Executor, id: string, lock = false): Promise<ProductRow> {
  const row = await findProduct(db, id, lock);
  if (row === undefined) throw new DomainError("product_not_found", `no product ${id}`, { param: "product" });
  return row;
}

export async function mustFindPlan(db: Executor, id: string, lock = false): Promise<PlanRow> {
  const row = await findPlan(db, id, lock);
  if (row === undefined) throw new DomainError("plan_not_found", `no plan ${id}`, { param: "plan" });
  return row;
}

/** `undefined` keeps the field, `null` clears it. */
function changed<T>(value: T | undefined, before: T): T {
  return value === undefined ? before : value;
}

export async function createProduct(deps: Deps, ctx: RequestContext, input: NewProduct): Promise<Product> {
  const now = deps.clock.now();
  const row: ProductRow = {
    id: newId("product"),
    name: input.name,
    description: input.description ?? null,
    unit_label: input.unit_label ?? null,
    tax_code: input.tax_code ?? null,
    status: "active",
    metadata: input.metadata ?? {},
    created_at: toDate(now),
    updated_at: toDate(now),
  };
  return inTransaction(deps.db, async (tx) => {
    await insertProduct(tx, row);
    const after = productView(row);
    await recordCatalogChange(
      tx,
      ctx,
      { action: "product.created", object_type: "product", object_id: row.id, after },
      now,
    );
    return after;
  });
}

async function changeProduct(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  action: string,
  change: (before: ProductRow) => ProductRow,
): Promise<Product> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindProduct(tx, id, true);
    const row = { ...change(before), updated_at: toDate(now) };
    await updateProductRow(tx, row);
    const after = productView(row);
    await recordCatalogChange(
      tx,
      ctx,
      { action, object_type: "product", object_id: id, before: productView(before), after },
      now,
    );
    return after;
  });
}

export async function updateProduct(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: ProductChanges,
): Promise<Product> {
  return changeProduct(deps, ctx, id, "product.updated", (before) => ({
    ...before,
    name: changes.name ?? before.name,
    description: changed(changes.description, before.description),
    unit_label: changed(changes.unit_label, before.unit_label),
    tax_code: changed(changes.tax_code, before.tax_code),
    metadata: changes.metadata ?? before.metadata,
  }));
}

/** An archived product takes no new prices; the prices it has keep billing. */
export async function archiveProduct(deps: Deps, ctx: RequestContext, id: string): Promise<Product> {
  return changeProduct(deps, ctx, id, "product.archived", (before) => ({ ...before, status: "archived" }));
}

export async function getProduct(deps: Deps, id: string): Promise<Product> {
  return productView(await mustFindProduct(deps.db, id));
}

export async function listProducts(
  deps: Deps,
  query: PageRequest & { status?: CatalogStatus | undefined },
): Promise<Page<Product>> {
  const page = await paginate(productsQuery(deps.db, query), "id", query);
  return { data: page.data.map(productView), has_more: page.has_more };
}

// ---------------------------------------------------------------- plans

export interface NewPlan {
  name: string;
  description?: string | null | undefined;
  interval: { unit: string; count: number };
  currency: string;
  billing_timing: BillingTiming;
  trial_days?: number | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Interval, currency and billing timing are the terms subscriptions were sold on: they never change. */
export interface PlanChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  trial_days?: number | undefined;
  metadata?: Record<string, string> | undefined;
}

export async function createPlan(deps: Deps, ctx: RequestContext, input: NewPlan): Promise<Plan> {
  const now = deps.clock.now();
  const interval = parseInterval(input.interval);
  const row: PlanRow = {
    id: newId("plan"),
    name: input.name,
    description: input.description ?? null,
    interval_unit: interval.unit,
    interval_count: interval.count,
    currency: parseCurrency(input.currency, "currency"),
    billing_timing: input.billing_timing,
    trial_days: input.trial_days ?? 0,
    status: "active",
    metadata: input.metadata ?? {},
    created_at: toDate(now),
    updated_at: toDate(now),
  };
  return inTransaction(deps.db, async (tx) => {
    await insertPlan(tx, row);
    const after = planView(row);
    await recordCatalogChange(tx, ctx, { action: "plan.created", object_type: "plan", object_id: row.id, after }, now);
    return after;
  });
}

async function changePlan(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  action: string,
  change: (before: PlanRow) => PlanRow,
): Promise<Plan> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFindPlan(tx, id, true);
    const row = { ...change(before), updated_at: toDate(now) };
    await updatePlanRow(tx, row);
    const after = planView(row);
    await recordCatalogChange(
      tx,
      ctx,
      { action, object_type: "plan", object_id: id, before: planView(before), after },
      now,
    );
    return after;
  });
}

/** A new trial length applies to subscriptions started from now on. */
export async function updatePlan(deps: Deps, ctx: RequestContext, id: string, changes: PlanChanges): Promise<Plan> {
  return changePlan(deps, ctx, id, "plan.updated", (before) => ({
    ...before,
    name: changes.name ?? before.name,
    description: changed(changes.description, before.description),
    trial_days: changes.trial_days ?? before.trial_days,
    metadata: changes.metadata ?? before.metadata,
  }));
}

/** An archived plan takes no new prices or subscriptions; running subscriptions keep it. */
export async function archivePlan(deps: Deps, ctx: RequestContext, id: string): Promise<Plan> {
  return changePlan(deps, ctx, id, "plan.archived", (before) => ({ ...before, status: "archived" }));
}

export async function getPlan(deps: Deps, id: string): Promise<Plan> {
  return planView(await mustFindPlan(deps.db, id));
}

export async function listPlans(
  deps: Deps,
  query: PageRequest & { status?: CatalogStatus | undefined; currency?: string | undefined },
): Promise<Page<Plan>> {
  const page = await paginate(plansQuery(deps.db, query), "id", query);
  return { data: page.data.map(planView), has_more: page.has_more };
}
