import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instantMilliseconds } from "./lua-instant.js";

/** Every row reads as Date.parse reads it; the figure beside it says why that is the right instant. */
describe("an event's instant, read as Date.parse reads it", () => {
  it.each([
    ["2026-11-03T10:00:00Z", 1_793_700_000_000], // 20,395 days × 86,400 s + 10 h
    ["2026-11-03T10:00:00.123Z", 1_793_700_000_123], // milliseconds kept
    ["1970-01-01T00:00:00Z", 0], // the epoch
    ["1969-12-31T23:59:59.999Z", -1], // just before it, on the fast path too
    ["2024-02-29T12:00:00Z", 1_709_208_000_000], // a leap day
    ["2000-02-29T00:00:00Z", 951_782_400_000], // 2000 is a leap year (divisible by 400)
    ["2026-02-29T00:00:00Z", 1_772_323_200_000], // not a leap year: Date.parse rolls over to 1 March
    ["2100-02-29T00:00:00Z", 4_107_542_400_000], // 2100 is not a leap year (divisible by 100): 1 March
    ["2026-04-31T00:00:00Z", 1_777_593_600_000], // 31 April is 1 May to Date.parse
    ["0050-01-01T00:00:00Z", -60_589_296_000_000], // year 50, not 1950
    ["0000-01-01T00:00:00Z", -62_167_219_200_000], // year 0 (1 BC), a leap year
    ["0000-02-29T00:00:00Z", -62_162_121_600_000], // its leap day
    ["0099-12-31T23:59:59.999Z", -59_011_459_200_001], // the last instant of year 99
    ["9999-12-31T23:59:59.999Z", 253_402_300_799_999], // the last four-digit year
    ["2026-11-03T10:00:00+02:00", 1_793_692_800_000], // an offset: 08:00 UTC
    ["2026-11-03T10:00:00-05:30", 1_793_719_800_000], // a negative offset: 15:30 UTC
    ["2026-11-03T10:00:00.1Z", 1_793_700_000_100], // one fractional digit: 100 ms
    ["2026-11-03T10:00:00.12Z", 1_793_700_000_120], // two: 120 ms
    ["2026-11-03T10:00:00.1239Z", 1_793_700_000_123], // four: the fourth is dropped, not rounded
    ["2026-11-03T10:00Z", 1_793_700_000_000], // no seconds
    ["2026-11-03T24:00:00Z", 1_793_750_400_000], // 24:00 is the next midnight
    ["2026-11-03t10:00:00z", 1_793_700_000_000], // lowercase letters
    ["2026-11-03 10:00:00Z", 1_793_700_000_000], // a space for T
    ["2026-11-03T23:59:60Z", Number.NaN], // no leap seconds
    ["2026-13-01T00:00:00Z", Number.NaN], // month 13
    ["2026-00-03T10:00:00Z", Number.NaN], // month 0
    ["2026-11-00T10:00:00Z", Number.NaN], // day 0
    ["2026-11-32T10:00:00Z", Number.NaN], // day 32
    ["2026-11-03T10:60:00Z", Number.NaN], // minute 60
    ["2026/11/03T10:00:00Z", Number.NaN], // slashes
    ["2026-11-03T10:00:00,123Z", Number.NaN], // a comma before the fraction
    ["2026-1a-03T10:00:00Z", Number.NaN], // a letter for a digit
    ["2026-11-03T1 :00:00Z", Number.NaN], // a space for a digit
    ["2026-11-03T-1:00:00Z", Number.NaN], // a sign for a digit
    ["-026-11-03T10:00:00Z", Number.NaN], // a sign in the year
    ["+02026-11-03T10:00:00Z", Number.NaN], // V8 wants six digits after a sign
    ["", Number.NaN],
  ])("%j is %d", (text, expected) => {
    expect(instantMilliseconds(text)).toBe(expected);
    expect(instantMilliseconds(text)).toBe(Date.parse(text));
  });

  it("reads every instant from year 0 to 9999 in the canonical forms as Date.parse does", () => {
    const latest = Date.parse("9999-12-31T23:59:59.999Z");
    const earliest = Date.parse("0000-01-01T00:00:00Z");
    fc.assert(
      fc.property(fc.integer({ min: earliest, max: latest }), (ms) => {
        const iso = new Date(ms).toISOString();
        const whole = `${iso.slice(0, 19)}Z`;
        expect(instantMilliseconds(iso)).toBe(ms);
        expect(instantMilliseconds(whole)).toBe(Date.parse(whole));
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with Date.parse when any character of a canonical instant is changed", () => {
    const characters = "0123456789-:.TZtz +/,aé";
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom(...characters),
        (ms, fraction, position, character) => {
          const iso = new Date(ms).toISOString();
          const text = fraction ? iso : `${iso.slice(0, 19)}Z`;
          const at = position % text.length;
          const changed = text.slice(0, at) + character + text.slice(at + 1);
          expect(instantMilliseconds(changed)).toBe(Date.parse(changed));
        },
      ),
      { numRuns: 20000 },
    );
  });
});
