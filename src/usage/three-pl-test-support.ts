import { Temporal } from "temporal-polyfill";
import { approve } from "../access/index.js";
import {
  createPlan,
  createPrice,
  createProduct,
  createRateCard,
  ensureDefault3plRateCard,
  requestRateCardApproval,
} from "../catalog/index.js";
import type { RequestContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { reference3plScript } from "./reference-scripts.js";
import { requestPublish } from "./script-publishing.js";
import { createScript, createVersion } from "./script-service.js";
import type { ScriptJson, ScriptVersionJson } from "./script-views.js";

/**
 * Fixtures shared by the 3PL rating tests: the reference script published
 * with a second person's approval, the default 3PL card, a warehouse
 * account plan billed in arrears, and a customer card approved in force.
 */

export const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "billing_analyst", display_name: "Bea Analyst" },
  request_id: "req_rating",
};
export const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_rating",
};

export const REFERENCE_3PL_SOURCE = reference3plScript().source;

/** The default 3PL card and the reference script, published from `effective_from` (approved by the controller). */
export async function publishReference3pl(
  deps: Deps,
  options: { is_default: boolean; effective_from: string },
): Promise<{ script: ScriptJson; version: ScriptVersionJson }> {
  await ensureDefault3plRateCard(deps, analyst);
  const script = await createScript(deps, analyst, { name: "3PL reference", is_default: options.is_default });
  const version = await createVersion(deps, analyst, script.id, { source: REFERENCE_3PL_SOURCE });
  const { approval } = await requestPublish(deps, analyst, script.id, version.id, {
    effective_from: options.effective_from,
  });
  await approve(deps, controller, approval.id);
  return { script, version };
}

/** A "Warehouse account" fee of `amount` a month on a USD plan billed in arrears. */
export async function warehouseAccountPrice(deps: Deps, amount = "100.00"): Promise<{ id: string }> {
  const product = await createProduct(deps, analyst, { name: "Warehouse account" });
  const plan = await createPlan(deps, analyst, {
    name: "3PL monthly",
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing: "in_arrears",
  });
  const price = await createPrice(deps, analyst, {
    product: product.id,
    plan: plan.id,
    charge_model: { kind: "per_unit", unit_amount: amount },
    effective_from: Temporal.Instant.from("2020-01-01T00:00:00Z"),
  });
  return price;
}

/** A customer card with `rates` over the default, in force from `effective_from` once the controller approves it. */
export async function approvedCustomerCard(
  deps: Deps,
  customer: string,
  rates: Record<string, string>,
  effective_from = "2026-01-01T00:00:00Z",
): Promise<string> {
  const { card } = await createRateCard(deps, analyst, {
    kind: "customer",
    customer,
    rates,
    effective_from: Temporal.Instant.from(effective_from),
  });
  const asked = await requestRateCardApproval(deps, analyst, card.id, "1");
  await approve(deps, controller, asked.approval.id);
  return card.id;
}
