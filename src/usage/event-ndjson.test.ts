import { describe, expect, it } from "vitest";
import { lineBatches, ndjsonLines } from "./event-ndjson.js";

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function* chunks(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

describe("ndjsonLines", () => {
  it("counts lines and byte offsets across chunks, CRLF and blank lines", async () => {
    // "a\r\n" is 3 bytes, the blank line 1 (ends at 4), "é" 2 bytes + "\n" 1 (ends at 7); "b" without a final line break ends at 8.
    const lines = await collect(ndjsonLines(chunks("a\r", "\n\n\u00e9", "\nb")));
    expect(lines).toEqual([
      { number: 1, text: "a", end_offset: 3 },
      { number: 3, text: "\u00e9", end_offset: 7 },
      { number: 4, text: "b", end_offset: 8 },
    ]);
  });

  it("reports an over-long line without keeping it", async () => {
    const lines = await collect(ndjsonLines(chunks("12345", "6789\nok\n"), { line_bytes_max: 8 }));
    expect(lines).toEqual([
      { number: 1, text: null, end_offset: 10 }, // 9 bytes + line break
      { number: 2, text: "ok", end_offset: 13 },
    ]);
  });

  it("skips what an earlier run committed, keeping the numbering", async () => {
    const lines = await collect(ndjsonLines(chunks("a\nb\nc\n"), { skip_to_offset: 4 }));
    expect(lines).toEqual([{ number: 3, text: "c", end_offset: 6 }]);
  });

  it("continues numbering from where a seeking reader starts", async () => {
    const lines = await collect(ndjsonLines(chunks("c\n"), { start_line: 2, start_offset: 4 }));
    expect(lines).toEqual([{ number: 3, text: "c", end_offset: 6 }]);
  });
});

describe("lineBatches", () => {
  it("groups parsed lines and marks the ones that are not JSON", async () => {
    const batches = await collect(lineBatches(ndjsonLines(chunks('{"a":1}\n{oops\n{"b":2}\n')), 2));
    expect(batches.map((b) => [b.items.length, b.last_line, b.end_offset])).toEqual([
      [2, 2, 14], // 8 + 6 bytes
      [1, 3, 22],
    ]);
    expect(batches[0]?.items[1]).toMatchObject({ line: 2, raw: "{oops", problem: { code: "event_line_not_json" } });
  });
});
