import { describe, expect, it } from "vitest";
import { LuaLexError, tokenize } from "./lua-lexer.js";

/** The lexer must read a source token for token as Lua 5.4 does: what is code, what is string or comment. */

const tokens = (source: string) => tokenize(source).map((token) => `${token.kind}:${token.text}`);

describe("tokenize", () => {
  const cases: [string, string, string[]][] = [
    ["keywords and names", "while x do end", ["keyword:while", "name:x", "keyword:do", "keyword:end", "eof:"]],
    ["a loop inside a string is one string", '"while true do end"', ['string:"while true do end"', "eof:"]],
    ["single quotes and an escaped quote", "'it\\'s' x", ["string:'it\\'s'", "name:x", "eof:"]],
    ["an escaped backslash before the quote ends the string", '"a\\\\" do', ['string:"a\\\\"', "keyword:do", "eof:"]],
    ["an escaped line break continues the string", '"a\\\nb" c', ['string:"a\\\nb"', "name:c", "eof:"]],
    ["\\z skips the line breaks after it", '"a\\z\n\n   b" c', ['string:"a\\z\n\n   b"', "name:c", "eof:"]],
    ["escapes \\x, \\u{} and \\ddd", '"\\x41\\u{48}\\065" x', ['string:"\\x41\\u{48}\\065"', "name:x", "eof:"]],
    ["a long string", "[[while true do end]] x", ["string:[[while true do end]]", "name:x", "eof:"]],
    [
      "a long string of level 2 holds ]] and ]=]",
      "[==[ a ]] b ]=] c ]==] d",
      ["string:[==[ a ]] b ]=] c ]==]", "name:d", "eof:"],
    ],
    ["a long comment hides code", "--[[ while true do end ]] x", ["name:x", "eof:"]],
    ["a long comment of level 2 is not closed by ]]", "--[==[ ]] while true do end ]==] x", ["name:x", "eof:"]],
    ["--[= without a second [ is a short comment to the line end", "--[==x while\ny", ["name:y", "eof:"]],
    ["--[ alone is a short comment", "--[ while true do end\ny", ["name:y", "eof:"]],
    ["a short comment ends at \\r", "-- c\rdo", ["keyword:do", "eof:"]],
    [
      "hex float with a binary exponent",
      "0x1p4 0x.8P-1 0xA.Bp+2",
      ["number:0x1p4", "number:0x.8P-1", "number:0xA.Bp+2", "eof:"],
    ],
    [
      "decimal numerals",
      "3 3.0 .5 5. 1e10 1E-3 0xff",
      ["number:3", "number:3.0", "number:.5", "number:5.", "number:1e10", "number:1E-3", "number:0xff", "eof:"],
    ],
    [
      "concatenation, varargs and a field",
      "a..b ... c.d",
      ["name:a", "symbol:..", "name:b", "symbol:...", "name:c", "symbol:.", "name:d", "eof:"],
    ],
    ["a number then .. needs a space", "1 ..2", ["number:1", "symbol:..", "number:2", "eof:"]],
    ["labels and goto", "::top:: goto top", ["symbol:::", "name:top", "symbol:::", "keyword:goto", "name:top", "eof:"]],
    [
      "two-character operators",
      "a//b<<c>>d~=e<=f>=g==h",
      [
        "name:a",
        "symbol://",
        "name:b",
        "symbol:<<",
        "name:c",
        "symbol:>>",
        "name:d",
        "symbol:~=",
        "name:e",
        "symbol:<=",
        "name:f",
        "symbol:>=",
        "name:g",
        "symbol:==",
        "name:h",
        "eof:",
      ],
    ],
    [
      "an index is not a long string",
      "t[ [[k]] ] = t[1]",
      [
        "name:t",
        "symbol:[",
        "string:[[k]]",
        "symbol:]",
        "symbol:=",
        "name:t",
        "symbol:[",
        "number:1",
        "symbol:]",
        "eof:",
      ],
    ],
    ["non-ASCII text inside a string and a comment", '"Größe" -- ü\nx', ['string:"Größe"', "name:x", "eof:"]],
  ];
  it.each(cases)("%s", (_, source, expected) => expect(tokens(source)).toEqual(expected));

  it("counts lines as Lua does: \\n, \\r, \\r\\n and \\n\\r each end one line, inside long strings too", () => {
    const lines = tokenize("a\r\nb\n\rc\rd\n[[x\r\ny]] e --[[\n\n]] f").map((token) => [token.text, token.line]);
    expect(lines).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
      ["[[x\r\ny]]", 5],
      ["e", 6],
      ["f", 8],
      ["", 8],
    ]);
  });
});

describe("tokenize refuses what Lua cannot read, with the line", () => {
  const cases: [string, string, string, number][] = [
    ["an unterminated string", 'x = 1\ny = "abc', "unfinished string", 2],
    ["a line break inside a quoted string", 'y = "ab\ncd"', "unfinished string", 1],
    ["a backslash at the end of the source", 'y = "ab\\', "unfinished string", 1],
    ["an unterminated long string", "x\ny = [==[ abc ]=] ]]", "unfinished long string (starting at line 2)", 2],
    ["an unterminated long comment", "x\n--[==[ abc ]] \n", "unfinished long comment (starting at line 2)", 2],
    ["an invalid long string delimiter", "x = [=x", "invalid long string delimiter", 1],
    ["a numeral touching a letter", "x = 3x", "malformed number near '3x'", 1],
    ["a numeral with two dots", "x = 1..2", "malformed number near '1..2'", 1],
    ["a hex numeral without digits", "x = 0x", "malformed number near '0x'", 1],
    ["an exponent without digits", "x = 1e+", "malformed number near '1e+'", 1],
    ["a character Lua has no token for", "x = 1\n@", "unexpected symbol near '@'", 2],
    ["a NUL outside a string", "x = 1\0", "unexpected symbol near '\0'", 1],
  ];
  it.each(cases)("%s", (_, source, message, line) => {
    let caught: unknown;
    try {
      tokenize(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LuaLexError);
    expect((caught as LuaLexError).message).toBe(message);
    expect((caught as LuaLexError).line).toBe(line);
  });
});
