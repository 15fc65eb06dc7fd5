import { describe, expect, it } from "vitest";
import { parseDate, parseInstant, parseTimeZone } from "./time.js";

describe("parseTimeZone", () => {
  it.each([
    ["America/New_York", "America/New_York"],
    ["UTC", "UTC"],
    ["Asia/Kathmandu", "Asia/Kathmandu"],
    ["America/Port-au-Prince", "America/Port-au-Prince"], // a hyphen in the name
    ["Etc/GMT+5", "Etc/GMT+5"], // an IANA name, though a fixed offset
    ["america/new_york", "America/New_York"], // IANA names are case-insensitive; the canonical case is returned
  ])("accepts %j as %j", (text, expected) => {
    expect(parseTimeZone(text)).toBe(expected);
  });

  it.each([
    ["+05:00"],
    ["-03:00"],
    ["Mars/Olympus"],
    [""],
    ["America/New York"],
    ["../etc/passwd"],
    ["EST "],
    [5],
    [null],
  ])("rejects %j with invalid_time_zone", (text) => {
    expect(() => parseTimeZone(text, "timezone")).toThrow(
      expect.objectContaining({ code: "invalid_time_zone", param: "timezone" }),
    );
  });
});

describe("parseDate", () => {
  it.each([["2024-02-29"], ["2100-02-28"], ["0001-01-01"]])("accepts %j", (text) => {
    expect(parseDate(text).toString()).toBe(text);
  });

  it.each([
    ["2023-02-29"], // 2023 is not a leap year
    ["2100-02-29"], // nor is 2100
    ["2024-04-31"],
    ["2024-2-1"],
    ["20240229"],
    ["2024-02-29T00:00"],
    [" 2024-02-29"],
    ["+002024-02-29"],
    [20240229],
  ])("rejects %j with invalid_date", (text) => {
    expect(() => parseDate(text, "due_date")).toThrow(
      expect.objectContaining({ code: "invalid_date", param: "due_date" }),
    );
  });
});

describe("parseInstant", () => {
  it.each([
    ["2024-03-10T07:00:00Z", "2024-03-10T07:00:00Z"],
    ["2024-03-10T02:00:00-05:00", "2024-03-10T07:00:00Z"], // 02:00 at UTC−5 is 07:00 UTC
    ["2024-01-01T05:45:00+05:45", "2024-01-01T00:00:00Z"], // Kathmandu
    ["2024-03-10T07:00:00.123456789Z", "2024-03-10T07:00:00.123456789Z"], // nanoseconds survive
  ])("accepts %j as %s", (text, expected) => {
    expect(parseInstant(text).toString()).toBe(expected);
  });

  it.each([
    ["2024-03-10T07:00:00"], // no offset: a different instant in every zone
    ["2024-03-10"],
    ["2024-02-30T00:00:00Z"],
    ["2024-03-10T25:00:00Z"],
    ["2024-03-10 07:00:00Z"],
    ["2024-03-10T07:00Z"],
    ["2024-03-10T07:00:00Z[America/New_York]"],
    ["1710054000"],
    [1710054000],
  ])("rejects %j with invalid_date", (text) => {
    expect(() => parseInstant(text, "starts_at")).toThrow(
      expect.objectContaining({ code: "invalid_date", param: "starts_at" }),
    );
  });
});
