import { readFileSync } from "node:fs";
import path from "node:path";
import { Temporal } from "temporal-polyfill";
import { approve } from "../access/index.js";
import { createPlan, createPrice, createProduct, ensureDefault3plRateCard } from "../catalog/index.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { createSubscription } from "../subscriptions/index.js";
import { ingestEvents } from "./ingest-service.js";
import { assignScript, requestPublish } from "./script-publishing.js";
import { createScript, createVersion } from "./script-service.js";

/**
 * A small 3PL book for tests of who is rated, late-event jobs and charges
 * stored with drafts: the reference 3PL script (default or not) on the
 * default 3PL card (monthly minimum 1,500.00), and a monthly 100.00 account
 * fee billed in arrears from October 2026.
 */

export const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "billing_analyst", display_name: "Bea Analyst" },
  request_id: "req_rating_book",
};
const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_rating_book",
};

export const OCTOBER = {
  start: Temporal.Instant.from("2026-10-01T00:00:00Z"),
  end: Temporal.Instant.from("2026-11-01T00:00:00Z"),
};

export interface RatingBook {
  script: string;
  client(name: string, options?: { assigned?: boolean; test_clock?: string }): Promise<string>;
  send(
    customer: string,
    events: [type: string, timestamp: string, properties: Record<string, unknown>][],
  ): Promise<void>;
}

export async function ratingBook(deps: Deps, options: { is_default: boolean }): Promise<RatingBook> {
  const source = readFileSync(path.join(import.meta.dirname, "reference", "3pl.lua"), "utf8");
  await ensureDefault3plRateCard(deps, analyst);
  const script = await createScript(deps, analyst, { name: "3PL", is_default: options.is_default });
  const version = await createVersion(deps, analyst, script.id, { source });
  const { approval } = await requestPublish(deps, analyst, script.id, version.id, {
    effective_from: "2026-01-01T00:00:00Z",
  });
  await approve(deps, controller, approval.id);
  const product = await createProduct(deps, analyst, { name: "Account" });
  const plan = await createPlan(deps, analyst, {
    name: "Monthly",
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing: "in_arrears",
  });
  const fee = await createPrice(deps, analyst, {
    product: product.id,
    plan: plan.id,
    charge_model: { kind: "per_unit", unit_amount: "100.00" },
    effective_from: Temporal.Instant.from("2020-01-01T00:00:00Z"),
  });
  let sent = 0;
  return {
    script: script.id,
    async client(name, clientOptions = {}) {
      const customer = await createCustomer(deps, analyst, {
        legal_name: name,
        currency: "USD",
        time_zone: "UTC",
        ...(clientOptions.test_clock === undefined ? {} : { test_clock: clientOptions.test_clock }),
      });
      if (clientOptions.assigned === true) await assignScript(deps, analyst, customer.id, script.id);
      await createSubscription(deps, analyst, {
        customer: customer.id,
        items: [{ price: fee.id }],
        start_at: OCTOBER.start,
      });
      return customer.id;
    },
    async send(customer, events) {
      const outcome = await ingestEvents(
        deps,
        analyst,
        events.map(([type, timestamp, properties]) => ({
          transaction_id: `wms-${++sent}`,
          customer,
          type,
          timestamp,
          properties,
        })),
        { source: "batch" },
      );
      const statuses = outcome.results.map((result) => result.status);
      if (statuses.some((status) => status !== "accepted"))
        throw new Error(`not accepted: ${JSON.stringify(outcome.results)}`);
    },
  };
}
