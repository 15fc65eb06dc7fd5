import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { parseCsv } from "./csv.js";

const fields = (text: string) => parseCsv(text).map((record) => record.fields);

describe("parseCsv (RFC 4180)", () => {
  it.each([
    [
      "a,b,c\n1,2,3\n",
      [
        ["a", "b", "c"],
        ["1", "2", "3"],
      ],
    ],
    [
      "a,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "a,b\n1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ], // no final line break
    [
      "a,b\r1,2\r",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ], // old Mac line ends
    ["a,,c\n", [["a", "", "c"]]],
    ["a,b,\n", [["a", "b", ""]]],
    ['"a,1","b ""quoted""",c\n', [["a,1", 'b "quoted"', "c"]]],
    ['"line one\nline two",x\n', [["line one\nline two", "x"]]],
    ['"",""\n', [["", ""]]],
    [
      "\uFEFFa,b\n1,2\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ], // Excel's byte-order mark
    [
      "a,b\n\n1,2\n\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ], // blank lines skipped
    [" a , b \n", [[" a ", " b "]]], // spaces are data
    ["Zürich,東京,١٢٣\n", [["Zürich", "東京", "١٢٣"]]],
    ["", []],
  ])("%j", (text, expected) => {
    expect(fields(text)).toEqual(expected);
  });

  it("tells the line each record starts on, across quoted line breaks", () => {
    const records = parseCsv('h1,h2\n"multi\nline",x\nlast,y\n');
    expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
  });

  it.each([
    ['a,b"c\n', 1], // a quote inside an unquoted field
    ['a,"b"c\n', 1], // text after the closing quote
    ['h\n"never closed\n', 2],
    ['h\nok\n"x" ,y\n', 3],
  ])("refuses %j naming line %i", (text, line) => {
    try {
      parseCsv(text);
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("csv_malformed");
      expect((error as DomainError).details).toEqual({ line });
    }
  });
});
