import { describe, expect, it } from "vitest";
import { eventRatingOf, type RatingFacts, type RatingStatus, ratingStatusOf } from "./rating-status-model.js";

const scriptError = {
  code: "script_error",
  message: "attempt to compare nil with number",
  script_line: 57,
  script_version_id: "scv_1",
};
const facts = (overrides: Partial<RatingFacts>): RatingFacts => ({
  charges: 0,
  amount: null,
  currency: null,
  error: null,
  covered: false,
  scripted: true,
  ...overrides,
});

describe("ratingStatusOf", () => {
  it.each<[string, RatingFacts, RatingStatus]>([
    ["charges from the latest rating", facts({ charges: 3, amount: "6.15", currency: "USD", covered: true }), "rated"],
    ["the latest rating's error", facts({ error: scriptError, covered: true }), "unrated"],
    // Billed by an earlier rating, but the script now fails on it: the error is what needs fixing.
    [
      "an error beside charges already billed",
      facts({ charges: 1, amount: "2.75", currency: "USD", error: scriptError }),
      "unrated",
    ],
    ["a rating after it arrived left nothing", facts({ covered: true }), "no_charge"],
    ["no rating since it arrived", facts({}), "pending"],
    // Billed by meters alone: no script will ever rate it, so it is not waiting.
    ["no charge script rates the customer", facts({ scripted: false }), "not_scripted"],
    // Charges from when a script still rated the customer stay what they were.
    [
      "charges from a script since unassigned",
      facts({ charges: 1, amount: "2.75", currency: "USD", scripted: false }),
      "rated",
    ],
  ])("%s → %s", (_case, input, status) => {
    expect(ratingStatusOf(input)).toBe(status);
  });
});

describe("eventRatingOf", () => {
  it("sends the amount in the currency's minor unit and names the script version", () => {
    // 2.75 + 0.90 + 2.50 = 6.15, summed by the database as 6.150000000000
    expect(eventRatingOf(facts({ charges: 3, amount: "6.150000000000", currency: "USD" }))).toEqual({
      charges: 3,
      amount: "6.15",
      currency: "USD",
      error: null,
    });
    expect(eventRatingOf(facts({ error: scriptError })).error).toEqual({
      code: "script_error",
      message: "attempt to compare nil with number",
      script_line: 57,
      script_version: "scv_1",
    });
  });
});
