import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { instantText, instantToText } from "./clock.js";

describe("instantText writes a stored instant exactly as Temporal.Instant does", () => {
  it.each([
    ["2026-02-01T00:00:00Z", "whole seconds: no fraction"],
    ["2026-02-01T00:00:00.5Z", "500 ms: one digit, trailing zeros dropped"],
    ["2026-02-01T00:00:00.05Z", "50 ms: two digits"],
    ["2026-02-01T00:00:00.123Z", "123 ms: three digits"],
    ["2024-02-29T23:59:59.999Z", "the last millisecond of a leap day"],
    ["1970-01-01T00:00:00Z", "the epoch"],
  ])("%s (%s)", (text) => {
    const instant = Temporal.Instant.from(text);
    const date = new Date(instant.epochMilliseconds);
    expect(instantText(date)).toBe(instant.toString());
    expect(instantText(date)).toBe(text);
  });
});

describe("instantToText", () => {
  it.each([
    ["2026-02-01T00:00:00Z"],
    ["2026-02-01T00:00:00.25Z"],
    // Below a millisecond the fast path does not apply: Temporal's own text, digits kept.
    ["2026-02-01T00:00:00.000001Z"],
    ["2026-02-01T00:00:00.123456789Z"],
  ])("%s", (text) => {
    expect(instantToText(Temporal.Instant.from(text))).toBe(Temporal.Instant.from(text).toString());
  });
});
