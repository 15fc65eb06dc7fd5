import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { ChargeScript } from "./lua-engine.js";
import { DEFAULT_LIMITS, type SandboxLimits } from "./lua-sandbox.js";
import { november, plainEvent, rateScript } from "./lua-test-support.js";
import type { RatingEvent } from "./lua-types.js";

/**
 * The step budget against scripts that try to run without end or to get
 * around the counting (lua-steps.ts, lua-prelude.ts). Each runaway event is
 * stopped with script_instruction_limit and the next event is still rated.
 */

const event = plainEvent;

const small: SandboxLimits = { ...DEFAULT_LIMITS, steps_per_call: 10_000, memory_bytes: 16 * 1024 * 1024 };

const rateWith = (source: string, events: RatingEvent[], limits: SandboxLimits = small) =>
  rateScript(source, events, { limits });

/** The script's body runs when event.run is set; every event then emits "ok". */
const runaway = (body: string) => `
function charge(event)
  if event.run then
${body}
  end
  emit("ok", 1, 1)
end`;

describe("a runaway event stops at the step budget and the next is rated", () => {
  const cases: [string, string][] = [
    ["while true", "while true do end"],
    ["repeat until false", "repeat until false"],
    ["a numeric for to math.huge", "for i = 1, math.huge do end"],
    ["a generic for over a function that never ends", "for x in function() return 1 end do end"],
    ["a goto loop", "::top:: goto top"],
    ["a goto loop through a label before other statements", "local n = 0\n::again:: n = n + 1\ngoto again"],
    ["a goto loop to a label at the end of a block, inside a loop", "while true do do goto skip end ::skip:: end"],
    ["mutual recursion in tail calls", "local a, b\nfunction a() return b() end\nfunction b() return a() end\na()"],
    ["pcall catching the limit error in a loop", "while true do pcall(function() while true do end end) end"],
    ["xpcall whose handler loops", "xpcall(function() error('x') end, function() while true do end end)"],
    ["a string.gsub callback that loops", 'string.gsub("abc", ".", function(c) while true do end end)'],
    ["a table.sort comparator that loops", "table.sort({ 3, 2, 1 }, function(a, b) while true do end end)"],
    ["a loop after a long comment that holds ]] and a loop", "--[==[ ]] while true do end ]=] ]==] while true do end"],
  ];
  it.each(cases)("%s", async (_, body) => {
    const result = await rateWith(runaway(body), [event("e1", { run: true }), event("e2")]);
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_instruction_limit", line: null }]);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
  });

  it("does not let pcall that caught the limit error bill the event", async () => {
    const body = `
    local ok, message = pcall(function() while true do end end)
    emit("escaped", 1, 1, tostring(ok) .. " " .. tostring(message))`;
    const result = await rateWith(runaway(body), [event("e1", { run: true })]);
    expect(result.charges).toEqual([]);
    expect(result.unrated[0]?.code).toBe("script_instruction_limit");
  });

  it("counts steps exactly: the call and each iteration, the same on every run", async () => {
    // 1,000 steps: the call of charge is one, so 999 iterations fit and 1,000 do not.
    const source = "function charge(event)\n  for i = 1, event.n do end\n  emit('ok', 1, 1)\nend";
    const limits = { ...DEFAULT_LIMITS, steps_per_call: 1000, memory_bytes: 16 * 1024 * 1024 };
    const result = await rateWith(source, [event("fits", { n: 999 }), event("over", { n: 1000 })], limits);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["fits"]);
    expect(result.unrated.map((u) => [u.transaction_id, u.code])).toEqual([["over", "script_instruction_limit"]]);
  });

  it("weighs a long loop body by its length: 2,000 statements a turn stop within a second", async () => {
    // Each turn is a step of 1 + 10,004 tokens / 64 = 157: ~640 turns. With a step of one it ran ~1.4 s.
    const body = `local x = 0\nwhile true do ${"x = x + 1 ".repeat(2000)}end`;
    const started = performance.now();
    const result = await rateWith(runaway(body), [event("e1", { run: true }), event("e2")], DEFAULT_LIMITS);
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_instruction_limit" }]);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
    expect((performance.now() - started) / 1000).toBeLessThan(1);
  });

  it("stops deep recursion with a stack overflow error, not a crash, and stays usable", async () => {
    const source = runaway("local function down(n) return down(n + 1) + 1 end\ndown(1)");
    const result = await rateWith(source, [event("e1", { run: true }), event("e2")], {
      ...DEFAULT_LIMITS,
      steps_per_call: 1e9,
    });
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_runtime_error" }]);
    expect(result.unrated[0]?.message).toMatch(/stack overflow/);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
  });

  it("stops recursion through C functions (pcall, gsub, sort) at Lua's C stack limit", async () => {
    const bodies = [
      "local function f(n) local ok, e = pcall(f, n + 1) if not ok then error(e, 0) end end\nf(1)",
      'local function f() return (string.gsub("a", "a", f)) end\nf()',
      "local function f(a, b) table.sort({ 3, 2, 1 }, f) return false end\nf()",
    ];
    for (const body of bodies) {
      const result = await rateWith(runaway(body), [event("e1", { run: true }), event("e2")]);
      expect(result.unrated[0]?.message).toMatch(/stack overflow/);
      expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
    }
  });

  it("offers no way to set a metamethod, so an __index function cannot loop behind the script's back", async () => {
    const body = "local t = setmetatable({}, { __index = function(t, k) while true do end end })\nlocal x = t.y";
    const result = await rateWith(runaway(body), [event("e1", { run: true })]);
    expect(result.unrated[0]).toMatchObject({ code: "script_runtime_error", line: 4 });
    expect(result.unrated[0]?.message).toMatch(/global 'setmetatable'/);
  });

  it("stops finalize and the script's main chunk too", async () => {
    const script = await ChargeScript.compile(
      "function charge() end\nfunction finalize() while true do end end",
      small,
    );
    try {
      const result = script.finalize([], script.loadRates({}), november);
      expect(result.error?.code).toBe("script_instruction_limit");
    } finally {
      script.close();
    }
    const failed = await ChargeScript.compile("repeat until false\nfunction charge() end", small).catch((e) => e);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).details).toMatchObject({ reason: "script_instruction_limit" });
  });
});

describe("counting leaves scripts as written", () => {
  it("does not count code inside strings and long strings, which keep their text", async () => {
    const source = `
local texts = { "while true do end", 'repeat until false', [==[for i = 1, 2 do end ]] ]=] ]==], "a\\"do" }
function charge(event)
  for i = 1, #texts do emit("t" .. i, 1, 1, texts[i]) end
end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.charges.map((c) => c.description)).toEqual([
      "while true do end",
      "repeat until false",
      "for i = 1, 2 do end ]] ]=] ",
      'a"do',
    ]);
  });

  it("keeps goto continue, break, hex floats, .. and ... working", async () => {
    const source = `
local function join(...)
  local s = ""
  for _, v in ipairs({ ... }) do s = s .. v end
  return s
end
function charge(event)
  local n = 0
  for i = 1, 0x1p4 do
    if i % 2 == 0 then goto continue end
    local odd = i
    n = n + odd
    ::continue::
  end
  while true do break end
  emit(join("sum", "_", "odd"), n, 1)
end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.charges.map((c) => [c.code, c.quantity])).toEqual([["sum_odd", "64"]]); // 1 + 3 + … + 15 = 8² = 64
  });

  it("names the script's own line in runtime errors", async () => {
    const source = "function charge(event)\n  for i = 1, 2 do\n    local x = event.missing.field\n  end\nend";
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated[0]).toMatchObject({ code: "script_runtime_error", line: 3 });
  });
});

describe("scripts cannot reach the counter", () => {
  it("refuses the reserved names with their line", async () => {
    const failed = await ChargeScript.compile("function charge()\n  __accrue_steps = 1e18\nend").catch((e) => e);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).code).toBe("script_syntax_error");
    expect((failed as DomainError).details).toMatchObject({ line: 2 });
  });

  it("finds the counter's global gone by the time the script runs", async () => {
    const source = `
local at_load = _G["__acc" .. "rue_take"]
function charge()
  emit(tostring(at_load) .. "/" .. tostring(_G["__acc" .. "rue_take"]), 1, 1)
end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.charges[0]?.code).toBe("nil/nil");
  });

  it("reports Lua's own syntax errors for broken sources, with the line", async () => {
    const sources: [string, number][] = [
      ['function charge()\n  return "open\nend', 2],
      ["function charge()\n--[==[ comment ]]\nend", 3], // Lua names the line it reached: "unfinished long comment (starting at line 2)"
      ["function charge()\n  local x = 3x\nend", 2],
      ["function charge()\n  while true do\nend", 3],
    ];
    for (const [source, line] of sources) {
      const failed = await ChargeScript.compile(source).catch((e) => e);
      expect(failed).toBeInstanceOf(DomainError);
      expect((failed as DomainError).code).toBe("script_syntax_error");
      expect((failed as DomainError).details).toMatchObject({ line });
    }
  });
});
