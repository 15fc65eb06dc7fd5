import { describe, expect, it } from "vitest";
import { countSteps, ScriptSourceError, STEP, STEP_PREFIX } from "./lua-steps.js";

/** Where the step budget counts: written here as " @ " in place of the inserted step, " @N " for one of weight N. */
const marked = (source: string) => {
  const counted = countSteps(source);
  expect(counted.startsWith(STEP_PREFIX)).toBe(true);
  const [before, after] = STEP.split(" - 1 ");
  return counted
    .slice(STEP_PREFIX.length)
    .split(` ${STEP} `)
    .join(" @")
    .replaceAll(new RegExp(` ${literal(before as string)} - (\\d+) ${literal(after as string)} `, "g"), " @$1");
};
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("countSteps", () => {
  const cases: [string, string, string][] = [
    ["a while body", "while x do y() end", "while x do @ y() end"],
    ["a numeric for body", "for i = 1, math.huge do end", "for i = 1, math.huge do @ end"],
    ["a generic for body", "for k, v in pairs(t) do end", "for k, v in pairs(t) do @ end"],
    ["a repeat body", "repeat x() until false", "repeat @ x() until false"],
    ["a plain do block is not a loop", "do x() end", "do x() end"],
    ["a function body", "function f(a, ...) return a end", "function f(a, ...) @ return a end"],
    [
      "a method and a local function",
      "function t.a.b:c() end local function g() end",
      "function t.a.b:c() @ end local function g() @ end",
    ],
    [
      "an anonymous function in a loop condition",
      "while (function() return true end)() do end",
      "while (function() @ return true end)() do @ end",
    ],
    [
      "a function in a for header",
      "for i = f(function() do end end), 2 do end",
      "for i = f(function() @ do end end), 2 do @ end",
    ],
    [
      "nested loops and an if",
      "while a do if b then for i=1,2 do end else repeat until c end end",
      "while a do @ if b then for i=1,2 do @ end else repeat @ until c end end",
    ],
    ["a label before a statement", "::top:: x() goto top", "::top:: @ x() goto top"],
    [
      "a label at the end of a block gets none (goto continue)",
      "for i=1,2 do if c then goto continue end local x = 1 ::continue:: end",
      "for i=1,2 do @ if c then goto continue end local x = 1 ::continue:: end",
    ],
    ["a label before until is not at the end of its block", "repeat ::again:: until x", "repeat @ ::again:: @ until x"],
    ["labels and semicolons before end", "do ::a:: ; ::b:: end", "do ::a:: ; ::b:: end"],
    ["a label at the end of the chunk", "x() ::done::", "x() ::done::"],
    [
      "code inside strings and comments is not counted",
      "s = 'while true do end' .. [[for i=1,2 do end]] --[==[ repeat until x ]] ]==]",
      "s = 'while true do end' .. [[for i=1,2 do end]] --[==[ repeat until x ]] ]==]",
    ],
    ["a loop after a long comment with ]] in it", "--[==[ ]] ]==] while x do end", "--[==[ ]] ]==] while x do @ end"],
    ["keywords as fields are names", "t.x = a.b; t['do'] = 1", "t.x = a.b; t['do'] = 1"],
    [
      "a returned library call is kept off a tail call, so its errors name the line",
      "function f(s) return s:upper() end return string.format('%d', x); return tonumber 'x'",
      "function f(s) @ return __accrue_pass( s:upper()) end return __accrue_pass( string.format('%d', x)); return __accrue_pass( tonumber 'x')",
    ],
    [
      "the script's own tail calls and other returns stay as written",
      "return g(1) return string.find(s, p), 1 return t[s:find(p)] return (string.rep)(s, 2)",
      "return g(1) return string.find(s, p), 1 return t[s:find(p)] return (string.rep)(s, 2)",
    ],
    // A step weighs 1, plus 1 per comparison and 1 per 64 tokens of the code it pays for (lua-steps.ts).
    [
      "a comparison in a loop body",
      "for i = 1, 2 do if a == b then end end",
      "for i = 1, 2 do @2 if a == b then end end",
    ],
    [
      "a while condition runs each turn: its loop pays for it",
      "while a <= b and c ~= d do end",
      "while a <= b and c ~= d do @3 end",
    ],
    [
      "a function pays for its body, nested loops included; the loop for its own",
      "function f() if x > 1 then end for i = 1, 2 do y = i >= 2 end end",
      "function f() @3 if x > 1 then end for i = 1, 2 do @2 y = i >= 2 end end",
    ],
    [
      "a label pays to the end of its function, where a goto may come back from",
      "function f() ::top:: if a < b then goto top end end x = a < b",
      "function f() @2 ::top:: @2 if a < b then goto top end end x = a < b",
    ],
    [
      "a repeat pays to the end of its function, its until condition included",
      "repeat x() until a < b",
      "repeat @2 x() until a < b",
    ],
    // 64 statements of 5 tokens and the loop's own 4: 324 tokens, 5 more steps.
    ["a long loop body", `while x do ${"y = y + 1 ".repeat(64)}end`, `while x do @6 ${"y = y + 1 ".repeat(64)}end`],
  ];
  it.each(cases)("%s", (_, source, expected) => expect(marked(source)).toBe(expected));

  it("keeps every line where it was", () => {
    const source = "local t = {}\nfunction f()\n  for i = 1, 3 do\n    t[i] = [[\nx]]\n  end\nend\n";
    const counted = countSteps(source);
    expect(counted.split("\n").length).toBe(source.split("\n").length);
    expect(counted.split("\n").slice(4)).toEqual(source.split("\n").slice(4));
  });

  const refusals: [string, string, string][] = [
    [
      "a reserved name",
      "local x = 1\nlocal __accrue_steps = 1e18",
      "script:2: names starting with __accrue are reserved",
    ],
    [
      "a reserved parameter name",
      "function f(\n__accrue_over) end",
      "script:2: names starting with __accrue are reserved",
    ],
    ["a token the lexer cannot read", "x = 1\ny = 'open", "script:2: unfinished string"],
  ];
  it.each(refusals)("refuses %s with its line", (_, source, message) => {
    expect(() => countSteps(source)).toThrow(ScriptSourceError);
    expect(() => countSteps(source)).toThrow(message);
  });
});
