import type { EventProblem } from "./event-model.js";
import type { IngestItem } from "./ingest-service.js";

/**
 * NDJSON read as a stream: one event per line, any size of input, memory
 * bounded by one batch. Byte offsets are counted exactly (readline does not
 * give them), so an import can record where its last committed batch ended
 * and start again there.
 */

/** A line longer than this is rejected without being held in memory. */
const LINE_BYTES_MAX = 1024 * 1024;
const NEWLINE = 0x0a;

export interface NdjsonLine {
  /** 1-based. */
  number: number;
  /** The line without its line break; null when it was longer than the limit. */
  text: string | null;
  /** Byte offset just after this line's line break. */
  end_offset: number;
}

export interface NdjsonOptions {
  /** Lines ending at or before this offset are skipped (a resumed import over a stream that cannot seek). */
  skip_to_offset?: number;
  /** The line number and offset the source starts at (a resumed import that could seek). */
  start_line?: number;
  start_offset?: number;
  line_bytes_max?: number;
}

function decodeLine(parts: Buffer[], length: number): string {
  const whole = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
  const end = whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
  return whole.toString("utf8", 0, end);
}

/** Splits a byte stream into lines; blank lines are counted but not yielded. */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  options: NdjsonOptions = {},
): AsyncGenerator<NdjsonLine> {
  const limit = options.line_bytes_max ?? LINE_BYTES_MAX;
  const skipTo = options.skip_to_offset ?? 0;
  let number = options.start_line ?? 0;
  let offset = options.start_offset ?? 0;
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  const finish = (end: number): NdjsonLine | null => {
    number++;
    const line = { number, text: tooLong ? null : decodeLine(parts, length), end_offset: end };
    parts = [];
    length = 0;
    tooLong = false;
    if (end <= skipTo || line.text?.trim() === "") return null;
    return line;
  };
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start);
      const stop = newline === -1 ? bytes.length : newline;
      if (!tooLong && length + (stop - start) > limit) {
        tooLong = true;
        parts = [];
      }
      // The part is copied only when it has to outlive the chunk (a line crossing chunks).
      if (!tooLong) parts.push(newline === -1 ? Buffer.from(bytes.subarray(start, stop)) : bytes.subarray(start, stop));
      length += stop - start;
      offset += stop - start;
      if (newline === -1) break;
      offset += 1;
      start = newline + 1;
      const line = finish(offset);
      if (line !== null) yield line;
    }
  }
  if (length > 0 || tooLong) {
    const line = finish(offset);
    if (line !== null) yield line;
  }
}

const NOT_JSON: EventProblem = { code: "event_line_not_json", message: "the line is not valid JSON" };
const TOO_LONG: EventProblem = {
  code: "event_line_too_long",
  message: `the line is longer than ${LINE_BYTES_MAX} bytes`,
};

/** One line as an item to ingest: parsed, or carrying why it could not be. */
function itemOfLine(line: NdjsonLine): IngestItem {
  if (line.text === null) return { event: null, line: line.number, raw: "", problem: TOO_LONG };
  try {
    return { event: JSON.parse(line.text), line: line.number, raw: line.text };
  } catch {
    return { event: null, line: line.number, raw: line.text, problem: NOT_JSON };
  }
}

export interface LineBatch {
  items: IngestItem[];
  /** Offset after the batch's last line, and that line's number: where a resumed import starts. */
  end_offset: number;
  last_line: number;
}

/** Groups lines into batches of `size`; the next batch is read only when the caller asks for it (backpressure). */
export async function* lineBatches(lines: AsyncIterable<NdjsonLine>, size: number): AsyncGenerator<LineBatch> {
  let batch: LineBatch = { items: [], end_offset: 0, last_line: 0 };
  for await (const line of lines) {
    batch.items.push(itemOfLine(line));
    batch.end_offset = line.end_offset;
    batch.last_line = line.number;
    if (batch.items.length >= size) {
      yield batch;
      batch = { items: [], end_offset: 0, last_line: 0 };
    }
  }
  if (batch.items.length > 0) yield batch;
}
