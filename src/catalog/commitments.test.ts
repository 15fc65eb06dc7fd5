import { describe, expect, it } from "vitest";
import { trueUpLine } from "./commitments.js";
import { d, thrown } from "./test-support.js";

describe("trueUpLine", () => {
  it.each<[string, string, string, "period" | "term", string | undefined]>([
    ["usage short of the commitment", "1000.00", "640.00", "period", "360.00"], // 1,000.00 − 640.00
    ["usage met it exactly", "1000.00", "1000.00", "period", undefined],
    ["usage above it", "1000.00", "1200.00", "term", undefined],
    ["credits count as zero", "1000.00", "-50.00", "period", "1000.00"], // never more than the commitment
    ["JPY", "100000", "99999", "term", "1"],
  ])("%s", (_name, commitment, billed, scope, expected) => {
    const currency = commitment.includes(".") ? "USD" : "JPY";
    const line = trueUpLine({ commitment_amount: d(commitment), billed_amount: d(billed), currency, scope });
    expect(line?.amount.toFixed()).toBe(expected === undefined ? undefined : d(expected).toFixed());
  });

  it("describes the shortfall", () => {
    const line = trueUpLine({ commitment_amount: d("1000"), billed_amount: d("640"), currency: "USD", scope: "term" });
    expect(line?.description).toBe(
      "Minimum commitment true-up for the term: committed 1000.00 USD, billed 640.00 USD, shortfall 360.00 USD",
    );
  });

  it("refuses a commitment in fractions of a cent", () => {
    const action = () =>
      trueUpLine({ commitment_amount: d("100.005"), billed_amount: d("0"), currency: "USD", scope: "period" });
    expect(thrown(action)).toMatchObject({ code: "invalid_commitment", param: "commitment_amount" });
  });
});
