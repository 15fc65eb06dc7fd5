import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { priceVersionAt } from "./price-versions.js";
import { thrown } from "./test-support.js";

describe("priceVersionAt", () => {
  const instant = (text: string) => Temporal.Instant.from(text);
  const versions = [
    { id: "march", effective_from: instant("2024-03-01T00:00:00Z") },
    { id: "january", effective_from: instant("2024-01-01T00:00:00Z") },
  ];

  it.each([
    ["2024-01-01T00:00:00Z", "january"], // a boundary belongs to the version starting there
    ["2024-02-29T23:59:59.999999999Z", "january"], // [Jan 1, Mar 1) is half-open
    ["2024-03-01T00:00:00Z", "march"],
    ["2030-01-01T00:00:00Z", "march"], // the last version holds until a newer one exists
  ])("%s → %s", (at, id) => {
    expect(priceVersionAt(versions, instant(at)).id).toBe(id);
  });

  it("finds nothing before the first version", () => {
    expect(thrown(() => priceVersionAt(versions, instant("2023-12-31T23:59:59Z"))).code).toBe(
      "price_version_not_found",
    );
    expect(thrown(() => priceVersionAt([], instant("2024-01-01T00:00:00Z"))).code).toBe("price_version_not_found");
  });

  it("refuses two versions taking effect at once", () => {
    const twice = [...versions, { id: "again", effective_from: instant("2024-03-01T00:00:00Z") }];
    expect(thrown(() => priceVersionAt(twice, instant("2024-04-01T00:00:00Z"))).code).toBe("invalid_price_versions");
  });
});
