import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import {
  applyPurchaseOrderChanges,
  checkNewPurchaseOrder,
  consume,
  purchaseOrderStanding,
  release,
  remainingBalance,
} from "./purchase-order-model.js";

const po = checkNewPurchaseOrder(
  { number: " PO-4500012345 ", valid_from: "2026-01-01", valid_to: "2026-12-31", amount_cap: "10000" },
  "USD",
);
const day = (text: string) => Temporal.PlainDate.from(text);

function code(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return "accepted";
}

describe("purchase orders", () => {
  it("normalises a new PO", () => {
    expect(po).toEqual({
      number: "PO-4500012345",
      description: null,
      valid_from: "2026-01-01",
      valid_to: "2026-12-31",
      amount_cap: "10000.00",
      active: true,
    });
  });

  it.each([
    [{ number: "" }, "parameter_invalid"],
    [{ number: "1", valid_from: "2026-02-01", valid_to: "2026-01-31" }, "purchase_order_dates_invalid"],
    [{ number: "1", valid_to: "2026-02-30" }, "invalid_date"],
    [{ number: "1", amount_cap: "-5" }, "invalid_amount"],
    [{ number: "1", amount_cap: "1.005" }, "invalid_amount"],
  ])("refuses %j with %s", (input, expected) => {
    expect(code(() => checkNewPurchaseOrder(input, "USD"))).toBe(expected);
  });

  it.each([
    ["2025-12-31", "not_yet_valid"],
    ["2026-01-01", "usable"], // both ends inclusive
    ["2026-12-31", "usable"],
    ["2027-01-01", "expired"],
  ])("on %s the PO is %s", (on, standing) => {
    expect(purchaseOrderStanding(po, day(on))).toBe(standing);
  });

  it("consumes up to the cap and no further", () => {
    // 10000.00 cap: 6000.00 + 4000.00 = 10000.00 exactly is allowed; 0.01 more is not.
    const afterFirst = consume(po, new Decimal(0), new Decimal("6000"), day("2026-03-01"), "USD");
    const afterSecond = consume(po, afterFirst, new Decimal("4000"), day("2026-03-01"), "USD");
    expect(afterSecond.toString()).toBe("10000");
    expect(remainingBalance(po, afterSecond)?.toString()).toBe("0");
    expect(code(() => consume(po, afterSecond, new Decimal("0.01"), day("2026-03-01"), "USD"))).toBe(
      "purchase_order_cap_exceeded",
    );
    expect(code(() => consume(po, afterFirst, new Decimal("0"), day("2026-03-01"), "USD"))).toBe("invalid_amount");
    expect(code(() => consume(po, afterFirst, new Decimal("0.001"), day("2026-03-01"), "USD"))).toBe("invalid_amount");
    expect(code(() => consume(po, afterFirst, new Decimal("1"), day("2027-01-01"), "USD"))).toBe(
      "purchase_order_expired",
    );
    expect(code(() => consume({ ...po, active: false }, afterFirst, new Decimal("1"), day("2026-03-01"), "USD"))).toBe(
      "purchase_order_inactive",
    );
  });

  it("consumes without limit when there is no cap", () => {
    const open = { ...po, amount_cap: null };
    expect(consume(open, new Decimal("1000000"), new Decimal("1"), day("2026-06-01"), "USD").toString()).toBe(
      "1000001",
    );
    expect(remainingBalance(open, new Decimal(5))).toBeNull();
  });

  it("releases what was consumed, never more", () => {
    // 6000.00 consumed − 2500.50 released = 3499.50
    expect(release(new Decimal("6000"), new Decimal("2500.50"), "USD").toString()).toBe("3499.5");
    expect(code(() => release(new Decimal("10"), new Decimal("10.01"), "USD"))).toBe("invalid_amount");
  });

  it("never lowers a cap below what was consumed", () => {
    expect(applyPurchaseOrderChanges(po, { amount_cap: "6000" }, new Decimal("6000"), "USD").amount_cap).toBe(
      "6000.00",
    );
    expect(code(() => applyPurchaseOrderChanges(po, { amount_cap: "5999.99" }, new Decimal("6000"), "USD"))).toBe(
      "purchase_order_cap_below_consumed",
    );
    expect(applyPurchaseOrderChanges(po, { valid_to: null }, new Decimal(0), "USD").valid_to).toBeNull();
  });
});
