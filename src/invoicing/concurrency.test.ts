import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { finalizeInvoice } from "./finalization.js";
import { createDraft } from "./service.js";

const { db } = await freshDatabase({ poolSize: 24 });
const deps = { db, clock: new TestClock("2026-07-01T12:00:00Z") };
const ctx: RequestContext = { actor: { type: "system", id: "billing", role: "admin" }, request_id: "req_concurrency" };

describe("numbering under concurrency", () => {
  it("gives 20 concurrent finalizations 20 distinct, gapless numbers", async () => {
    const customers = await Promise.all(
      [1, 2, 3, 4].map((n) => createCustomer(deps, ctx, { legal_name: `Customer ${n}`, currency: "USD" })),
    );
    const drafts = [];
    for (let i = 0; i < 20; i++) {
      const customer = customers[i % customers.length]?.id ?? "";
      drafts.push(
        await createDraft(deps, ctx, {
          customer_id: customer,
          lines: [{ description: "Fee", unit_amount: `${i + 1}` }],
        }),
      );
    }
    const finalized = await Promise.all(drafts.map((draft) => finalizeInvoice(deps, ctx, draft.id)));
    const numbers = finalized.map((invoice) => invoice.number).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `INV-2026-${String(i + 1).padStart(6, "0")}`));
  });
});
