import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkEventAge, dedupKey, monthStartMs, parseTimestamp, storableRaw, validateEvent } from "./event-model.js";

const base = {
  transaction_id: "wms-000123",
  customer: "acme-3pl",
  type: "order.shipped",
  timestamp: "2026-11-02T14:05:00Z",
  properties: { units: 3, carrier: "UPS" },
};

describe("validateEvent", () => {
  const rejected: [string, unknown, string, string | undefined][] = [
    ["not an object", [base], "event_invalid", undefined],
    ["null", null, "event_invalid", undefined],
    ["unknown field", { ...base, amount: 1 }, "event_field_invalid", "amount"],
    ["missing transaction_id", { ...base, transaction_id: undefined }, "event_field_missing", "transaction_id"],
    ["empty transaction_id", { ...base, transaction_id: "" }, "event_field_invalid", "transaction_id"],
    [
      "256-character transaction_id",
      { ...base, transaction_id: "x".repeat(256) },
      "event_field_invalid",
      "transaction_id",
    ],
    ["numeric transaction_id", { ...base, transaction_id: 42 }, "event_field_invalid", "transaction_id"],
    ["NUL in transaction_id", { ...base, transaction_id: "a\u0000b" }, "event_field_invalid", "transaction_id"],
    ["unpaired surrogate in customer", { ...base, customer: "a\ud800" }, "event_field_invalid", "customer"],
    ["missing customer", { ...base, customer: null }, "event_field_missing", "customer"],
    ["type with a space", { ...base, type: "order shipped" }, "event_field_invalid", "type"],
    ["missing timestamp", { ...base, timestamp: undefined }, "event_field_missing", "timestamp"],
    ["timestamp without offset", { ...base, timestamp: "2026-11-02T14:05:00" }, "event_field_invalid", "timestamp"],
    ["date only", { ...base, timestamp: "2026-11-02" }, "event_field_invalid", "timestamp"],
    ["30 February", { ...base, timestamp: "2026-02-30T00:00:00Z" }, "event_field_invalid", "timestamp"],
    ["hour 24", { ...base, timestamp: "2026-02-10T24:00:00Z" }, "event_field_invalid", "timestamp"],
    ["epoch number", { ...base, timestamp: 1762092300 }, "event_field_invalid", "timestamp"],
    ["properties array", { ...base, properties: [1] }, "event_field_invalid", "properties"],
    ["properties null", { ...base, properties: null }, "event_field_invalid", "properties"],
    ["NUL inside properties", { ...base, properties: { note: "a\u0000" } }, "event_field_invalid", "properties"],
    [
      "properties over 32 KiB",
      { ...base, properties: { blob: "x".repeat(33_000) } },
      "event_field_invalid",
      "properties",
    ],
  ];
  it.each(rejected)("rejects %s", (_name, raw, code, field) => {
    const result = validateEvent(raw);
    expect(result).toMatchObject({ code });
    expect((result as { field?: string }).field).toBe(field);
  });

  it("accepts a full event and keeps its properties as JSON text", () => {
    expect(validateEvent(base)).toEqual({
      transaction_id: "wms-000123",
      customer: "acme-3pl",
      type: "order.shipped",
      ts_ms: Date.UTC(2026, 10, 2, 14, 5),
      properties: { units: 3, carrier: "UPS" },
      properties_json: '{"units":3,"carrier":"UPS"}',
    });
  });

  it("takes missing properties as {}", () => {
    const { properties: _p, ...bare } = base;
    expect(validateEvent(bare)).toMatchObject({ properties: {}, properties_json: "{}" });
  });

  it("accepts a backslash followed by u0000 as text, which is not a NUL", () => {
    expect(validateEvent({ ...base, properties: { path: "C:\\u0000" } })).toMatchObject({ type: "order.shipped" });
  });
});

describe("parseTimestamp", () => {
  const cases: [string, number | null][] = [
    ["2026-11-02T14:05:00Z", Date.UTC(2026, 10, 2, 14, 5, 0)],
    ["2026-11-02T14:05Z", Date.UTC(2026, 10, 2, 14, 5, 0)], // seconds may be left out
    ["2026-11-02T16:05:00+02:00", Date.UTC(2026, 10, 2, 14, 5, 0)], // 16:05 at +02:00 = 14:05 UTC
    ["2026-11-02T09:35:00-04:30", Date.UTC(2026, 10, 2, 14, 5, 0)], // 09:35 + 4h30 = 14:05 UTC
    ["2026-11-02T14:05:00.1Z", Date.UTC(2026, 10, 2, 14, 5, 0, 100)], // .1 s = 100 ms
    ["2026-11-02T14:05:00.123456789Z", Date.UTC(2026, 10, 2, 14, 5, 0, 123)], // finer than ms is dropped
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)], // 2024 is a leap year
    ["2025-02-29T00:00:00Z", null], // 2025 is not
    ["1900-02-29T00:00:00Z", null], // divisible by 100, not by 400
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)], // divisible by 400
    // Years 0–99 are those years, not 1900–1999 (Date.UTC's reading). 0000-01-01 is 719,528 days
    // before 1970: −62,167,219,200,000 ms. 0026-01-01 is 26 × 365 + 7 leap days (0, 4, …, 24) = 9,497 days
    // later: −62,167,219,200,000 + 9,497 × 86,400,000 = −61,346,678,400,000.
    ["0026-01-01T00:00:00Z", -61_346_678_400_000],
    // Year 0 is divisible by 400, a leap year: 29 February is day 59, −62,167,219,200,000 + 59 × 86,400,000.
    ["0000-02-29T00:00:00Z", -62_162_121_600_000],
    ["2026-13-01T00:00:00Z", null],
    ["2026-11-02T14:60:00Z", null],
    ["2026-11-02T14:05:00+24:00", null],
    ["2026-11-02 14:05:00Z", null],
    ["2026-11-02T14:05:00z", null],
  ];
  it.each(cases)("%s → %s", (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  // The grammar as a regular expression, read the slow way: the hand-written reader must agree with it.
  const GRAMMAR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
  function byGrammar(text: string): number | null {
    const m = GRAMMAR.exec(text);
    if (m === null) return null;
    const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((group) => Number(m[group]));
    const second = Number(m[6] ?? 0);
    const millis = Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"));
    const offset = m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
    // setUTCFullYear, unlike Date.UTC, takes years 0–99 as written.
    const date = new Date(0);
    date.setUTCFullYear(year as number, (month as number) - 1, day);
    date.setUTCHours(hour as number, minute, second, millis);
    const ms = date.getTime() - offset * 60_000;
    const valid =
      (month as number) >= 1 &&
      (month as number) <= 12 &&
      (day as number) >= 1 &&
      date.getUTCDate() === day &&
      (hour as number) <= 23 &&
      (minute as number) <= 59 &&
      second <= 59 &&
      Number(m[10] ?? 0) <= 23 &&
      Number(m[11] ?? 0) <= 59;
    return valid ? ms : null;
  }
  // Near-misses of the grammar: mostly valid pieces, each sometimes out of range, short, long or wrong.
  const piece = (good: string, ...bad: string[]) =>
    fc.oneof({ arbitrary: fc.constant(good), weight: 6 }, fc.constantFrom(...bad));
  const number = (min: number, max: number, width: number, ...bad: string[]) =>
    fc.oneof(
      { arbitrary: fc.integer({ min, max }).map((n) => String(n).padStart(width, "0")), weight: 6 },
      fc.constantFrom(...bad),
    );
  const near = fc
    .tuple(
      number(1900, 2100, 4, "0000", "20266", "202", "2o26"),
      piece("-", "/", ""),
      number(1, 12, 2, "00", "13", "1", "1x"),
      piece("-", "_"),
      number(1, 31, 2, "00", "32", "3"),
      piece("T", "t", " ", ""),
      number(0, 23, 2, "24", "1", "99"),
      piece(":", ";"),
      number(0, 59, 2, "60", "5"),
      fc.oneof(
        fc.constant(""),
        number(0, 59, 2, "60", "6", "").map((d) => `:${d}`),
      ),
      fc.oneof(fc.constant(""), fc.stringMatching(/^\.[0-9]{0,11}$/)),
      fc.oneof(
        fc.constantFrom("Z", "z", "", "ZZ", "+", "+0100", "-00:00x"),
        fc
          .tuple(fc.constantFrom("+", "-"), number(0, 23, 2, "24"), piece(":", ""), number(0, 59, 2, "60"))
          .map((p) => p.join("")),
      ),
    )
    .map((parts) => parts.join(""));

  it("agrees with the grammar on near-miss timestamps", () => {
    fc.assert(
      fc.property(near, (text) => {
        expect(parseTimestamp(text)).toBe(byGrammar(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees with the grammar on any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        expect(parseTimestamp(text)).toBe(byGrammar(text));
      }),
    );
  });
});

describe("checkEventAge", () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  const day = 86_400_000;
  const cases: [string, number, string | null][] = [
    ["now", now, null],
    ["exactly 90 days old", now - 90 * day, null], // the limit itself is still accepted
    ["90 days and 1 ms old", now - 90 * day - 1, "event_too_old"],
    ["5 minutes ahead", now + 5 * 60_000, null], // clock tolerance
    ["5 minutes and 1 ms ahead", now + 5 * 60_000 + 1, "event_in_future"],
  ];
  it.each(cases)("%s", (_name, ts, code) => {
    expect(checkEventAge(ts, now, 90)?.code ?? null).toBe(code);
  });
});

describe("helpers", () => {
  it("puts an instant in its UTC month", () => {
    expect(monthStartMs(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toBe(Date.UTC(2026, 10, 1));
    expect(monthStartMs(Date.UTC(2026, 11, 1))).toBe(Date.UTC(2026, 11, 1));
  });

  it("keys dedup on customer and transaction id without ambiguity", () => {
    expect(dedupKey("cus_a", "b:c")).not.toBe(dedupKey("cus_a:b", "c"));
  });

  it("makes any received text storable", () => {
    expect(storableRaw("a\u0000b\ud800c")).toBe("a\\u0000b\ufffdc");
  });
});
