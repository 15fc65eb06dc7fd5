import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { ChargeScript } from "./lua-engine.js";
import { DEFAULT_LIMITS, type SandboxLimits } from "./lua-sandbox.js";
import { november, plainEvent, rateScript } from "./lua-test-support.js";
import type { RatingEvent } from "./lua-types.js";

/**
 * Strings pay for themselves (lua-allocator.ts): `..` is a VM instruction,
 * so before this a script could double a string to megabytes in ~22 steps
 * and then copy, compare or hash it once a step, for seconds. Now a call
 * may make no string longer than 4,096 characters (script_string_limit),
 * and each long string it makes takes a step per 256 characters. Each bomb
 * below stops at once, the next event is rated, and the whole run stays
 * well under a second.
 */

const event = plainEvent;

/** Rated with the time it took (compiling included; the bombs' bound is far above it). */
async function rateWith(source: string, events: RatingEvent[], limits: SandboxLimits = DEFAULT_LIMITS) {
  const started = performance.now();
  const result = await rateScript(source, events, { limits });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

/** The body runs when event.run is set; every event then emits "ok". */
const runaway = (body: string) => `
function charge(event)
  if event.run then
    ${body}
  end
  emit("ok", 1, 1)
end`;

/** Two equal strings of 2^n characters, made by doubling: n steps each. */
const doubled = (n: number) =>
  `local a, b = "x", "x" for i = 1, ${n} do a = a .. a end for i = 1, ${n} do b = b .. b end`;

describe("a script that makes long strings stops at once", () => {
  const cases: [string, string, string, RegExp][] = [
    [
      "doubling a string, then copying it every step",
      "script_string_limit",
      'local s = "x" for i = 1, 22 do s = s .. s end while true do local c = s .. "y" end',
      /made a string of 8192 characters, longer than the 4096 a string may hold/,
    ],
    [
      "copying a string of 4,000 characters every step",
      "script_instruction_limit",
      'local s = string.rep("x", 4000) while true do local c = s .. "y" end',
      /ran past its step budget making a string of 4001 characters/,
    ],
    [
      "comparing two doubled strings every step",
      "script_string_limit",
      `${doubled(22)} while a == b and a <= b do end`,
      /a string of 8192 characters/,
    ],
    [
      "looking up a doubled string as a table key every step",
      "script_string_limit",
      `${doubled(22)} local t = { [a] = 1 } while t[b] do end`,
      /a string of 8192 characters/,
    ],
    [
      "pcall around the doubling, in a loop",
      "script_string_limit",
      'local f = function() local s = "x" for i = 1, 30 do s = s .. s end end while true do pcall(f) end',
      /a string of 8192 characters/,
    ],
    [
      "table.concat of a big table",
      "script_string_limit",
      'local t = {} for i = 1, 5000 do t[i] = "ab" end local s = table.concat(t)',
      /a string of 10000 characters/,
    ],
  ];
  it.each(cases)("%s", async (_, code, body, message) => {
    const result = await rateWith(runaway(body), [event("e1", { run: true }), event("e2")]);
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code, line: null }]);
    expect(result.unrated[0]?.message).toMatch(message);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
    expect(result.seconds).toBeLessThan(1);
  });

  it("does not let pcall that caught the refusal bill the event", async () => {
    const body = 'local ok = pcall(function() return string.rep("x", 5000) end)\n    emit("escaped", 1, 1)';
    const result = await rateWith(runaway(body), [event("e1", { run: true })]);
    expect(result.charges).toEqual([]);
    expect(result.unrated[0]?.code).toBe("script_string_limit");
  });

  it("stops finalize the same way", async () => {
    const source =
      'function charge(event) end\nfunction finalize(period)\n  local s = ("x"):rep(3000) .. ("y"):rep(3000)\nend';
    const script = await ChargeScript.compile(source);
    try {
      const result = script.finalize([], script.loadRates({}), november);
      expect(result.error).toMatchObject({ code: "script_string_limit", line: null });
      expect(result.error?.message).toMatch(/a string of 6000 characters/);
    } finally {
      script.close();
    }
  });
});

describe("comparing and hashing the longest strings a call may make stays bounded", () => {
  // Each turn compares two distinct 4,096-character strings (memcmp and strcoll over all of them) or
  // looks one up as a key: a whole budget of 100,000 steps of it measured ~0.07-0.25 s here.
  const cases: [string, string][] = [
    ["==", `${doubled(12)} while a == b do end`],
    ["<=", `${doubled(12)} while a <= b do end`],
    ["a table key", `${doubled(12)} local t = { [a] = 1 } while t[b] do end`],
    // Each comparison written in a loop is a step of its own (lua-steps.ts): ten a turn took ~2.9 s without.
    ["ten <= a turn", `${doubled(12)} while ${Array(10).fill("a <= b").join(" and ")} do end`],
  ];
  it.each(cases)("%s in a loop runs out of steps within a second", async (_, body) => {
    const result = await rateWith(runaway(body), [event("e1", { run: true }), event("e2")]);
    expect(result.unrated).toMatchObject([{ transaction_id: "e1", code: "script_instruction_limit" }]);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["e2"]);
    expect(result.seconds).toBeLessThan(1);
  });
});

describe("ordinary strings", () => {
  it("may be up to 4,096 characters, counted exactly", async () => {
    const source = `
function charge(event)
  local s = string.rep("ab", event.n // 2) .. string.rep("c", event.n % 2)
  emit("ok", 1, 1, tostring(#s))
end`;
    const result = await rateWith(source, [event("fits", { n: 4096 }), event("over", { n: 4097 })]);
    expect(result.charges.map((c) => [c.transaction_id, c.description])).toEqual([["fits", "4096"]]);
    expect(result.unrated).toMatchObject([{ transaction_id: "over", code: "script_string_limit" }]);
    expect(result.unrated[0]?.message).toBe(
      "the script made a string of 4097 characters, longer than the 4096 a string may hold",
    );
  });

  it("pay one step per 256 characters, the same on every run", async () => {
    // 1,000 steps: the call 1; string.rep floor(999 / 64) = 15 and its string 999 / 256 = 3.902, 980.098 left;
    // a turn 1 and its "x" .. s of 1,000 characters 1000 / 256 = 3.906. 199 turns leave 3.754; the 200th
    // turn's string needs 3.906 with 2.754 left.
    const source = `
function charge(event)
  local s = string.rep("y", 999)
  for i = 1, event.n do local c = "x" .. s end
  emit("ok", 1, 1)
end`;
    const limits = { ...DEFAULT_LIMITS, steps_per_call: 1000 };
    const events = [event("fits", { n: 199 }), event("over", { n: 200 }), event("again", { n: 200 })];
    const result = await rateWith(source, events, limits);
    expect(result.charges.map((c) => c.transaction_id)).toEqual(["fits"]);
    expect(result.unrated.map((u) => [u.transaction_id, u.message])).toEqual([
      ["over", "the script ran past its step budget making a string of 1000 characters"],
      ["again", "the script ran past its step budget making a string of 1000 characters"],
    ]);
  });

  it("from events may be longer: the host made them, and the script can read them", async () => {
    const source = 'function charge(event)\n  emit("ok", #event.note, 1, event.note:sub(1, 3))\nend';
    const result = await rateWith(source, [event("e1", { note: "abc".repeat(5000) })]);
    expect(result.unrated).toEqual([]);
    expect(result.charges.map((c) => [c.quantity, c.description])).toEqual([["15000", "abc"]]);
  });
});
