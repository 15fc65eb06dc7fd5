import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { numberArrayLiteral, textArrayLiteral } from "./event-store.js";

const { db } = await freshDatabase({ poolSize: 2 });

async function roundTrip(values: readonly (string | null)[]): Promise<(string | null)[]> {
  const result = await sql<{ a: (string | null)[] }>`select ${textArrayLiteral(values)}::text[] as a`.execute(db);
  return result.rows[0]?.a ?? [];
}

describe("array literals", () => {
  // Each list goes through PostgreSQL's array parser and must come back as sent.
  const lists: [string, (string | null)[]][] = [
    ["plain text", ["a", "cus_01kav9ft00eq4tqffk4h2m1z8e", "order.shipped"]],
    ["empty list", []],
    ["empty string and spaces kept", ["", " ", "  padded  "]],
    ["the text NULL is data, null is NULL", ["NULL", "null", null, "x"]],
    ["commas, braces, quotes", ["a,b", "{c}", 'say "hi"', "'single'"]],
    ["backslashes", ["C:\\path", "\\", '\\"', "end\\"]],
    ["JSON text as sent to jsonb", ['{"units":3,"note":"say \\"hi\\"","path":"C:\\\\x"}']],
    ["a newline takes the slow path", ["line\none", 'quote"d', null, "tab\there"]],
    ["control characters and a backslash before them", ["\u0001", "\\\n", "\u001f\\"]],
    ["beyond ASCII", ["café", "🚚", "\u2028", "日本"]],
  ];
  it.each(lists)("%s", async (_name, values) => {
    expect(await roundTrip(values)).toEqual(values);
  });

  it("writes numbers as int8 elements", async () => {
    const values = [0, -1, 1_795_521_600_000, Number.MAX_SAFE_INTEGER];
    const result = await sql<{ a: string[] }>`select ${numberArrayLiteral(values)}::int8[] as a`.execute(db);
    expect(result.rows[0]?.a.map(Number)).toEqual(values);
  });
});
