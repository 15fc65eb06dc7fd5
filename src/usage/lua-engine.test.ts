import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { ChargeScript } from "./lua-engine.js";
import { DEFAULT_LIMITS } from "./lua-sandbox.js";
import type { RatingContext, RatingEvent } from "./lua-types.js";

const context: RatingContext = {
  customer: "c1",
  currency: "USD",
  time_zone: "America/New_York",
  period_start: "2026-11-01T04:00:00Z",
  period_end: "2026-12-01T05:00:00Z",
};

function event(id: string, properties: RatingEvent["properties"] = {}, type = "x", timestamp = "2026-11-10T15:00:00Z") {
  return { transaction_id: id, type, timestamp, customer: "c1", properties };
}

async function rateWith(
  source: string,
  events: RatingEvent[],
  rates: Record<string, string> = {},
  limits?: Parameters<typeof ChargeScript.compile>[1],
) {
  const script = await ChargeScript.compile(source, limits);
  try {
    const loaded = script.loadRates(rates);
    return script.rate(events, loaded, context);
  } finally {
    script.close();
  }
}

async function compileError(source: string): Promise<DomainError> {
  const error = await ChargeScript.compile(source).then(
    (script) => {
      script.close();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe("compiling a charge script", () => {
  it("reports a syntax error with its line", async () => {
    const error = await compileError("function charge(event)\n  return {\nend\n");
    expect(error.code).toBe("script_syntax_error");
    expect(error.details).toMatchObject({ line: 3 });
  });

  it("requires a global charge function and a function finalize when there is one", async () => {
    expect((await compileError("local function charge() end")).code).toBe("script_missing_charge");
    expect((await compileError("function charge() end\nfinalize = 3")).code).toBe("script_invalid_finalize");
  });

  it("reports an error while loading with its line", async () => {
    const error = await compileError("local x = nil\nlocal y = x.field\nfunction charge() end");
    expect(error.code).toBe("script_load_error");
    expect(error.details).toMatchObject({ line: 2 });
  });
});

describe("the sandbox", () => {
  it("offers only base, string, table and math, without loaders, clock or randomness", async () => {
    const names = [
      "io",
      "os",
      "debug",
      "package",
      "require",
      "load",
      "loadstring",
      "dofile",
      "loadfile",
      "collectgarbage",
      "print",
      "coroutine",
      "utf8",
      "getmetatable",
      "setmetatable",
      "rawset",
      "rawget",
      "string.dump",
      "math.random",
      "math.randomseed",
    ];
    const source = `
      local names = { ${names.map((name) => `"${name}"`).join(", ")} }
      local function lookup(path)
        local value = _G
        for part in string.gmatch(path, "[^.]+") do
          if value == nil then return nil end
          value = value[part]
        end
        return value
      end
      function charge(event)
        local present = {}
        for _, name in ipairs(names) do
          if lookup(name) ~= nil then present[#present + 1] = name end
        end
        return { code = "present:" .. table.concat(present, ","), quantity = 1, unit_price = 0 }
      end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.charges[0]?.code).toBe("present:");
  });

  it("keeps no state between events: globals and libraries are read-only after loading", async () => {
    const source = `
      count = 0
      function charge(event)
        if event.n == 1 then count = count + 1 end
        if event.n == 2 then string.upper = nil end
        if event.n == 3 then rates_seen = 1 end
        return { code = "ok", quantity = 1, unit_price = 0 }
      end`;
    const result = await rateWith(source, [event("e1", { n: 1 }), event("e2", { n: 2 }), event("e3", { n: 3 })]);
    expect(result.charges).toEqual([]);
    expect(result.unrated.map((u) => [u.transaction_id, u.line])).toEqual([
      ["e1", 4],
      ["e2", 5],
      ["e3", 6],
    ]);
    expect(result.unrated[0]?.message).toMatch(/cannot change _G.count/);
  });

  it("marks an event that fails unrated with the script line, and rates the rest", async () => {
    const source = `
      function charge(event, rates)
        local per_unit = rates.unit
        return { code = "units", quantity = event.units * 1, unit_price = per_unit }
      end`;
    const result = await rateWith(source, [event("e1", { units: 2 }), event("e2"), event("e3", { units: 3 })], {
      unit: "0.5",
    });
    expect(result.charges.map((c) => [c.transaction_id, c.amount])).toEqual([
      ["e1", "1"], // 2 × 0.50 = 1.00
      ["e3", "1.5"], // 3 × 0.50 = 1.50
    ]);
    expect(result.unrated).toEqual([
      {
        transaction_id: "e2",
        event_index: 1,
        code: "script_runtime_error",
        message: expect.stringMatching(/^script:4: attempt to perform arithmetic on a nil value \(field 'units'\)/),
        line: 4,
      },
    ]);
  });

  it("names the script line of an error raised inside a library function", async () => {
    const source = "function charge(event)\n  return string.rep(nil, 2)\nend";
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated[0]).toMatchObject({ code: "script_runtime_error", line: 2 });
  });

  it("stops a runaway event at the instruction budget, even through pcall, and goes on", async () => {
    const source = `
      function charge(event)
        if event.loop then
          while true do pcall(function() while true do end end) end
        end
        return { code = "ok", quantity = 1, unit_price = 1 }
      end`;
    const result = await rateWith(
      source,
      [event("e1", { loop: true }), event("e2")],
      {},
      {
        ...DEFAULT_LIMITS,
        memory_bytes: 16 * 1024 * 1024,
      },
    );
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_instruction_limit", line: null }]);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
  });

  it("does not let a script that catches the limit error bill the event", async () => {
    const source = `
      function charge(event)
        pcall(function() while true do end end)
        return { code = "escaped", quantity = 1, unit_price = 1 }
      end`;
    const result = await rateWith(
      source,
      [event("e1")],
      {},
      { ...DEFAULT_LIMITS, steps_per_call: 50_000, memory_bytes: 16 * 1024 * 1024 },
    );
    expect(result.charges).toEqual([]);
    expect(result.unrated[0]?.code).toBe("script_instruction_limit");
  });

  it("stops an event at the memory cap and stays usable", async () => {
    const source = `
      function charge(event)
        if event.hog then
          local parts = {}
          for i = 1, 1e9 do parts[i] = string.rep("x", 4000) .. i end
        end
        return { code = "ok", quantity = 1, unit_price = 1 }
      end`;
    const result = await rateWith(
      source,
      [event("e1"), event("e2", { hog: true }), event("e3")],
      {},
      {
        ...DEFAULT_LIMITS,
        steps_per_call: 1e9,
        memory_bytes: 8 * 1024 * 1024,
      },
    );
    expect(result.unrated).toMatchObject([{ transaction_id: "e2", code: "script_memory_limit" }]);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e1", "e3"]);
  });
});

describe("charges", () => {
  it("reads floats through their shortest decimal form and decimal strings exactly", async () => {
    const source = `
      function charge(event, rates)
        return {
          { code = "float", quantity = 0.1 + 0.2, unit_price = 3 },
          { code = "text", quantity = "0.3", unit_price = "0.000000000042" },
          { code = "pct", quantity = event.cost, unit_price = rates.pct / 100 },
        }
      end`;
    const result = await rateWith(source, [event("e1", { cost: 19.99 })], { pct: "7.5" });
    expect(result.charges.map((c) => [c.code, c.quantity, c.unit_price, c.amount])).toEqual([
      // the float 0.1 + 0.2 really is 0.30000000000000004; × 3, exact (its line rounds it to 0.90)
      ["float", "0.30000000000000004", "3", "0.90000000000000012"],
      ["text", "0.3", "0.000000000042", "0.0000000000126"], // 0.3 × 0.000000000042, every digit kept
      ["pct", "19.99", "0.075", "1.49925"], // 19.99 × 0.075 = 1.49925 (its line: 1.50)
    ]);
  });

  it("accepts one charge, a list or nil, and refuses a charge it cannot bill", async () => {
    const source = `
      function charge(event)
        if event.n == 1 then return { code = "one", quantity = 2, unit_price = 1, dimensions = { b = "y", a = 1 } } end
        if event.n == 2 then return nil end
        if event.n == 3 then return { { code = "ok", quantity = 1, unit_price = 1 }, { code = "bad", quantity = "lots", unit_price = 1 } } end
        if event.n == 4 then return { { code = "ok", quantity = 1, unit_price = 1 }, { code = "", quantity = 1, unit_price = 1 } } end
        return { code = "nan", quantity = 0/0, unit_price = 1 }
      end`;
    const events = [1, 2, 3, 4, 5].map((n) => event(`e${n}`, { n }));
    const result = await rateWith(source, events);
    expect(result.charges).toEqual([
      expect.objectContaining({ transaction_id: "e1", code: "one", amount: "2", dimensions: { a: "1", b: "y" } }),
    ]);
    expect(result.unrated.map((u) => [u.transaction_id, u.code])).toEqual([
      ["e3", "script_invalid_charge"],
      ["e4", "script_invalid_charge"],
      ["e5", "script_invalid_charge"],
    ]);
  });

  it("gives ctx.date in the customer's time zone and the period bounds", async () => {
    const source = `
      function charge(event, rates, ctx)
        local d = ctx.date(event.timestamp)
        return { code = string.format("%04d-%02d-%02d %02d:%02d wd%d", d.year, d.month, d.day, d.hour, d.minute, d.weekday),
          quantity = 1, unit_price = 0, description = tostring(ctx.period_start) .. "/" .. tostring(ctx.period_end) }
      end`;
    const result = await rateWith(source, [
      event("e1", {}, "x", "2026-11-03T02:30:00Z"), // New York, after DST ended on Nov 1: UTC−5
      event("e2", {}, "x", "2026-11-01T05:59:00Z"),
      event("e3", {}, "x", "2026-11-30T23:00:00Z"),
    ]);
    expect(result.charges.map((c) => c.code)).toEqual([
      "2026-11-02 21:30 wd1", // Monday
      "2026-11-01 01:59 wd7", // 05:59Z is still EDT (UTC−4): the clocks go back at 06:00Z; a Sunday
      "2026-11-30 18:00 wd1",
    ]);
    expect(result.charges[0]?.description).toBe("1793505600/1796101200");
  });
});
