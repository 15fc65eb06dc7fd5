import { Temporal } from "temporal-polyfill";
import { createCustomer } from "../customers/index.js";
import type { Deps } from "../kernel/deps.js";
import { createSubscription } from "../subscriptions/index.js";
import { ingestEvents } from "./ingest-service.js";
import { assignScript } from "./script-publishing.js";
import { analyst, publishReference3pl, warehouseAccountPrice } from "./three-pl-test-support.js";

export { analyst };

/**
 * A small 3PL book for tests of who is rated, late-event jobs and charges
 * stored with drafts: the reference 3PL script (default or not) on the
 * default 3PL card (monthly minimum 1,500.00), and a monthly 100.00
 * warehouse account fee billed in arrears from October 2026.
 */

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
  const { script } = await publishReference3pl(deps, {
    is_default: options.is_default,
    effective_from: "2026-01-01T00:00:00Z",
  });
  const fee = await warehouseAccountPrice(deps);
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
