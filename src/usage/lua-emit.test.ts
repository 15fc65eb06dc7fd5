import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { ChargeScript } from "./lua-engine.js";
import { november, plainEvent, rateScript } from "./lua-test-support.js";
import type { RatingEvent } from "./lua-types.js";

/** emit(code, quantity, unit_price, description, dimensions): charges without returning tables. */

const event = plainEvent;
const rateWith = (source: string, events: RatingEvent[], rates: Record<string, string> = {}) =>
  rateScript(source, events, { rates });

describe("emit", () => {
  it("gives the same charges as returning tables", async () => {
    const returned = `
      function charge(event, rates)
        return {
          { code = "pick", quantity = event.units, unit_price = rates.pick, description = "Pick" },
          { code = "ship", quantity = 1, unit_price = event.cost, dimensions = { carrier = event.carrier, level = "ground" } },
          { code = "box", quantity = 1, unit_price = "0.35", dimensions = { box = "small" } },
        }
      end`;
    const emitted = `
      function charge(event, rates)
        emit("pick", event.units, rates.pick, "Pick")
        emit("ship", 1, event.cost, nil, { level = "ground", carrier = event.carrier })
        emit("box", 1, "0.35", nil, { box = "small" })
      end`;
    const events = [
      event("e1", { units: 3, cost: 4.5, carrier: "UPS" }),
      event("e2", { units: 1, cost: 12.25, carrier: "DHL" }),
      event("e3", { units: 2, cost: 4.5, carrier: "UPS" }),
    ];
    const a = await rateWith(returned, events, { pick: "0.45" });
    const b = await rateWith(emitted, events, { pick: "0.45" });
    expect(b).toEqual(a);
    expect(b.charges.slice(0, 3)).toEqual([
      expect.objectContaining({ code: "pick", quantity: "3", unit_price: "0.45", amount: "1.35", description: "Pick" }), // 3 × 0.45
      expect.objectContaining({ code: "ship", amount: "4.5", dimensions: { carrier: "UPS", level: "ground" } }), // 1 × 4.50
      expect.objectContaining({ code: "box", unit_price: "0.35", amount: "0.35", dimensions: { box: "small" } }), // 1 × 0.35
    ]);
  });

  it("refuses a charge it cannot bill with the line, drops the event's other charges and goes on", async () => {
    const source = `
      function charge(event)
        emit("first", 1, 1)
        if event.n == 2 then
          emit("bad", {}, 1)
        end
        if event.n == 3 then emit("first", 1, 1/0) end
        if event.n == 4 then error("boom") end
      end`;
    const result = await rateWith(
      source,
      [1, 2, 3, 4, 5].map((n) => event(`e${n}`, { n })),
    );
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e1", "e5"]);
    expect(result.unrated.map((u) => [u.transaction_id, u.code, u.line])).toEqual([
      ["e2", "script_invalid_charge", 5], // the line of emit("bad", …)
      ["e3", "script_invalid_charge", null], // a known code with a non-finite float is refused on the host, without a line
      ["e4", "script_runtime_error", 8],
    ]);
  });

  it("refuses a known code with a quantity or unit price of the wrong type just as an unknown one, with the line", async () => {
    // The host sees the wrong type and rates the event again alone in strict mode, where emit names the line.
    const source = `
      function charge(event)
        emit("first", 1, 1)
        if event.n == 2 then emit("first", {}, 1) end
        if event.n == 3 then emit("first", 1, nil) end
        if event.n == 4 then emit("fresh", true, 1) end
        emit("last", 2, 3)
      end`;
    const result = await rateWith(
      source,
      [1, 2, 3, 4, 5].map((n) => event(`e${n}`, { n })),
    );
    expect(result.charges.map((c) => [c.transaction_id, c.code])).toEqual([
      ["e1", "first"],
      ["e1", "last"],
      ["e5", "first"],
      ["e5", "last"],
    ]);
    expect(result.unrated).toEqual([
      {
        transaction_id: "e2",
        event_index: 1,
        code: "script_invalid_charge",
        message: "script:4: charge 2: quantity must be a number or a decimal string, not table",
        line: 4,
      },
      {
        transaction_id: "e3",
        event_index: 2,
        code: "script_invalid_charge",
        message: "script:5: charge 2: unit_price must be a number or a decimal string, not nil",
        line: 5,
      },
      {
        transaction_id: "e4",
        event_index: 3,
        code: "script_invalid_charge",
        message: "script:6: charge 2: quantity must be a number or a decimal string, not boolean",
        line: 6,
      },
    ]);
  });

  it("keeps every digit of integers beyond 2^53 and of decimal text on the short path", async () => {
    const source = `
      function charge(event)
        emit("n", 1, 1)
        emit("n", math.maxinteger, 1)
        emit("n", -9007199254740993, "0.000000000042")
        emit("n", 2^60, 1)
        emit("n", "lots", 1)
      end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated).toMatchObject([
      { code: "script_invalid_charge", message: "charge n: quantity is text that is not a decimal number", line: null },
    ]);
    const kept = await rateWith(source.replace('emit("n", "lots", 1)', ""), [event("e1")]);
    expect(kept.charges.map((c) => [c.quantity, c.unit_price])).toEqual([
      ["1", "1"],
      ["9223372036854775807", "1"], // math.maxinteger, exact
      ["-9007199254740993", "0.000000000042"], // -(2^53 + 1): a float could not hold it
      ["1152921504606847000", "1"], // 2^60 as a float: its shortest form, as before
    ]);
  });

  it("stops an event that emits without end at the budget, and caps the charges of one event", async () => {
    const source = `
      function charge(event)
        if event.n == 1 then while true do emit("loop", 1, 1) end end
        if event.n == 2 then for i = 1, 1001 do emit("many", 1, 1) end end
        emit("ok", 1, 1)
      end`;
    const result = await rateWith(
      source,
      [1, 2, 3].map((n) => event(`e${n}`, { n })),
    );
    expect(result.charges.map((c) => [c.transaction_id, c.code])).toEqual([["e3", "ok"]]);
    expect(result.unrated.map((u) => [u.transaction_id, u.code])).toEqual([
      ["e1", "script_instruction_limit"],
      ["e2", "script_invalid_charge"], // 1,001 charges: one more than an event may make
    ]);
  });

  it("works in finalize, and only while rating", async () => {
    const script = await ChargeScript.compile(`
      function charge() end
      function finalize(period, rates) emit("platform", 1, rates.fee, "Platform fee") end`);
    try {
      const result = script.finalize([], script.loadRates({ fee: "99" }), november);
      expect(result.error).toBeNull();
      expect(result.charges).toEqual([
        expect.objectContaining({ code: "platform", amount: "99", minimum: null }), // 1 × 99, exact
      ]);
    } finally {
      script.close();
    }
    const failed = await ChargeScript.compile(`emit("x", 1, 1)\nfunction charge() end`).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).code).toBe("script_load_error");
  });
});
