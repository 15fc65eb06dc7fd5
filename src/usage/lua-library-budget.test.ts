import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type SandboxLimits } from "./lua-sandbox.js";
import { plainEvent, rateScript } from "./lua-test-support.js";
import type { RatingEvent } from "./lua-types.js";

/**
 * Library functions written in C pay steps for their work
 * (lua-prelude-library.ts): each bomb below would run for seconds or
 * minutes inside a single step without that, and now stops with
 * script_instruction_limit, naming the function and the script line, at
 * the default budget and within a bound on time. Ordinary use still works.
 */

const event = plainEvent;

const rateWith = (source: string, events: RatingEvent[], limits: SandboxLimits = DEFAULT_LIMITS) =>
  rateScript(source, events, { limits });

/** The body runs when event.run is set, its last line on line 5; every event then emits "ok". */
const runaway = (setup: string, body: string) => `
function charge(event)
  if event.run then
    ${setup}
    ${body}
  end
  emit("ok", 1, 1)
end`;

/** A table of 10,000 numbers, built with 10,000 steps. */
const TEN_THOUSAND = "local t = {} for i = 1, 10000 do t[i] = i % 251 end";
/** The longest string a call may make is 4,096 characters (lua-sandbox.ts). */
const BIG_STRING = 'local s = string.rep("a", 4000)';

describe("a library call that would work past the budget stops at it", () => {
  const cases: [string, string, string, RegExp][] = [
    // Each turn pays 62 steps for string.rep and 15.6 for the string it makes: the string is the first to run out.
    ["string.rep in a loop", "", 'while true do local s = string.rep("x", 4000) end', /making a string of 4000/],
    ["s:rep through the string metatable", "", 'while true do local s = ("x"):rep(1e7) end', /string\.rep of 10000000/],
    ["one huge string.rep", "", 'local s = string.rep("x", 1e7, ",")', /string\.rep of 10000000 copies/],
    [
      "a backtracking string.find",
      BIG_STRING,
      'local at = string.find(s, ".-.-.-.-b")',
      /string\.find over 4000 characters with the pattern ".-.-.-.-b"/,
    ],
    ["a backtracking s:match", BIG_STRING, 'local m = s:match("(a*)*b")', /string\.match/],
    ["a backtracking string.gmatch", BIG_STRING, 'for x in string.gmatch(s, "a-a-a-b") do end', /string\.gmatch/],
    ["a backtracking string.gsub", BIG_STRING, 'local r = string.gsub(s, "%a+%a+b", "")', /string\.gsub/],
    ["a plain string.find in a loop", BIG_STRING, 'while true do string.find(s, "aab", 1, true) end', /string\.find/],
    [
      "string.format of a long string in a loop",
      BIG_STRING,
      'while true do local r = string.format("%s", s) end',
      /string\.format made 4000 characters/,
    ],
    ["string.upper in a loop", BIG_STRING, "while true do local r = s:upper() end", /string\.upper/],
    [
      "string.byte over a long range in a loop",
      BIG_STRING,
      "while true do local r = s:byte(1, 4000) end",
      /string\.byte of 4000 bytes/,
    ],
    [
      "table.concat in a loop",
      'local t = {} for i = 1, 10000 do t[i] = "" end',
      "while true do local r = table.concat(t) end",
      /table\.concat of 10000 elements/,
    ],
    ["table.sort in a loop", TEN_THOUSAND, "while true do table.sort(t) end", /table\.sort of 10000 elements/],
    [
      "table.sort with a comparator",
      TEN_THOUSAND,
      "while true do table.sort(t, function(a, b) return a > b end) end",
      /table\.sort of 10000 elements/,
    ],
    [
      "table.unpack of a huge range",
      "",
      "local r = select('#', table.unpack({}, 1, 1e8))",
      /table\.unpack of 100000000 elements/,
    ],
    ["table.move of a huge range", "", "table.move({}, 1, 1e9, 2)", /table\.move of 1000000000 elements/],
    [
      "table.insert at the front in a loop",
      TEN_THOUSAND,
      "while true do table.insert(t, 1, 0) end",
      /table\.insert moving/,
    ],
    [
      "tonumber of a long string in a loop",
      BIG_STRING,
      "while true do local n = tonumber(s) end",
      /tonumber of 4000 characters/,
    ],
    [
      "pcall around string.rep in a loop",
      "",
      'while true do pcall(string.rep, "x", 1e9) end',
      /string\.rep of 1000000000 copies/,
    ],
  ];
  it.each(cases)("%s", async (_, setup, body, detail) => {
    const started = performance.now();
    const result = await rateWith(runaway(setup, body), [event("e1", { run: true }), event("e2")]);
    const seconds = (performance.now() - started) / 1000;
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_instruction_limit" }]);
    expect(result.unrated[0]?.message).toMatch(detail);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
    // Each stops within the default budget's worth of work: well under a second on this machine, not minutes.
    expect(seconds).toBeLessThan(3);
  });

  it("names the script line of the library call that ran out", async () => {
    const result = await rateWith(runaway(BIG_STRING, 'local at = string.find(s, ".-.-.-.-b")'), [
      event("e1", { run: true }),
    ]);
    expect(result.unrated[0]).toMatchObject({ code: "script_instruction_limit", line: 5 });
  });

  it("names the line of a library call in a return statement too", async () => {
    const source =
      'function charge(event)\n  local s = string.rep("a", 4000)\n  return string.find(s, ".-.-.-.-b")\nend';
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated[0]).toMatchObject({ code: "script_instruction_limit", line: 3 });
  });

  it("does not let pcall that caught a library limit bill the event", async () => {
    const body = 'local ok = pcall(string.rep, "x", 1e9)\n    emit("escaped", 1, 1)';
    const result = await rateWith(runaway("", body), [event("e1", { run: true })]);
    expect(result.charges).toEqual([]);
    expect(result.unrated[0]?.code).toBe("script_instruction_limit");
  });

  it("pays exactly: string.rep of 64 × n characters takes n steps, and the string n / 4 more", async () => {
    // 80 steps, the call of charge one. n = 63: 63 for string.rep, then its 4,032 characters 15.75 (one
    // step per 256, lua-allocator.ts): 79.75 fits. n = 64: string.rep's 64 fit (65), its string's 16 do not
    // (81), so the string is refused, with no line. n = 80: string.rep itself is 1 over, on line 2.
    const source = "function charge(event)\n  local s = string.rep('x', 64 * event.n)\n  emit('ok', 1, 1)\nend";
    const limits = { ...DEFAULT_LIMITS, steps_per_call: 80 };
    const events = [event("fits", { n: 63 }), event("string", { n: 64 }), event("over", { n: 80 })];
    const result = await rateWith(source, events, limits);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["fits"]);
    expect(result.unrated.map((u) => [u.transaction_id, u.code, u.line, u.message])).toEqual([
      [
        "string",
        "script_instruction_limit",
        null,
        "the script ran past its step budget making a string of 4096 characters",
      ],
      [
        "over",
        "script_instruction_limit",
        2,
        "the script ran past its step budget in a library call: script:2: string.rep of 5120 copies",
      ],
    ]);
  });
});

describe("scripts cannot reach the unpaid library functions", () => {
  it("sees the same paying functions through string methods, with no getmetatable, rawget or rawequal", async () => {
    const source = `
function charge(event)
  local s = ""
  emit(tostring(s.rep == string.rep and s.find == string.find and s.format == string.format), 1, 1)
  emit(tostring(getmetatable) .. tostring(rawget) .. tostring(rawequal) .. tostring(debug), 1, 1)
end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.charges.map((c) => c.code)).toEqual(["true", "nilnilnilnil"]);
  });
});

describe("ordinary library use still works", () => {
  it("formats, matches, substitutes, sorts and joins as before", async () => {
    const source = `
function charge(event)
  local sku = "ABC-123-xl"
  local family, number = sku:match("^(%u+)-(%d+)")
  local date = string.format("%04d-%02d-%02d", 2026, 11, 24)
  local y, m, d = string.match(date, "(%d+)-(%d+)-(%d+)")
  local words = {}
  for word in string.gmatch(" pick  pack  ship ", "%a+") do words[#words + 1] = word end
  table.sort(words)
  table.insert(words, 1, "first")
  local last = table.remove(words)
  local spaced = string.gsub("a  b   c", "%s+", " ")
  local text = table.concat({ family, number, date, y .. m .. d, table.concat(words, ","), last, spaced,
    string.format("%.2f", 3.14159), tostring(tonumber("42") + 1), ("x"):rep(3, "-"), string.upper("ok"),
    tostring(string.find("warehouse", "house", 1, true)), string.char(string.byte("AZ", 1, 2)),
    tostring(select("#", table.unpack({ 1, 2, 3 }))) }, "|")
  emit("ok", 1, 1, text)
end`;
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated).toEqual([]);
    expect(result.charges[0]?.description).toBe(
      "ABC|123|2026-11-24|20261124|first,pack,pick|ship|a b c|3.14|43|x-x-x|OK|5|AZ|3",
    );
  });

  it("keeps Lua's own messages and the line for bad arguments", async () => {
    const source = 'function charge(event)\n  local s = string.format("%d", "x")\nend';
    const result = await rateWith(source, [event("e1")]);
    expect(result.unrated[0]).toMatchObject({ code: "script_runtime_error", line: 2 });
    expect(result.unrated[0]?.message).toMatch(/bad argument #2 to 'format'/);
  });
});
