import { describe, expect, it } from "vitest";
import { runOutcomeMessage } from "../../web/src/billing.js";

describe("what a finished billing run says", () => {
  it.each([
    [{ invoices_created: 3, invoices_finalized: 0, failed: 0 }, "3 draft invoices created, 0 failed."],
    [{ invoices_created: 1, invoices_finalized: 0, failed: 2 }, "1 draft invoice created, 2 failed."],
    [{ invoices_created: 3, invoices_finalized: 2, failed: 0 }, "3 invoices created (2 finalized), 0 failed."],
    [{ invoices_created: 1, invoices_finalized: 1, failed: 0 }, "1 invoice created (1 finalized), 0 failed."],
  ])("%o → %s", (run, message) => {
    expect(runOutcomeMessage(run)).toBe(message);
  });
});
