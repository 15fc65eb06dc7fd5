import { describe, expect, it } from "vitest";
import { TestClock } from "./clock.js";
import { type Deps, memoize, remember, withMemo } from "./deps.js";

const base: Deps = { db: undefined as never, clock: new TestClock("2026-01-01T00:00:00Z") };

function counter() {
  let calls = 0;
  return {
    load: async () => {
      calls += 1;
      return calls;
    },
    get calls() {
      return calls;
    },
  };
}

describe("memoize", () => {
  it("loads every time when no memo is in scope, so writes always read fresh", async () => {
    const source = counter();
    expect(await memoize(base, "k", source.load)).toBe(1);
    expect(await memoize(base, "k", source.load)).toBe(2);
  });

  it("loads once per key within one memo scope, and again in a new scope", async () => {
    const source = counter();
    const scope = withMemo(base);
    const [a, b] = await Promise.all([memoize(scope, "k", source.load), memoize(scope, "k", source.load)]);
    expect([a, b, source.calls]).toEqual([1, 1, 1]);
    expect(await memoize(scope, "other", source.load)).toBe(2);
    expect(await memoize(withMemo(base), "k", source.load)).toBe(3);
  });

  it("does not remember a failure", async () => {
    const scope = withMemo(base);
    let fail = true;
    const load = async () => {
      if (fail) throw new Error("not yet");
      return "found";
    };
    await expect(memoize(scope, "k", load)).rejects.toThrow("not yet");
    fail = false;
    expect(await memoize(scope, "k", load)).toBe("found");
  });

  it("serves what a page already read", async () => {
    const scope = withMemo(base);
    remember(scope, "k", "from the page");
    expect(await memoize(scope, "k", async () => "from the database")).toBe("from the page");
    remember(base, "k", "nowhere to keep it");
    expect(await memoize(base, "k", async () => "from the database")).toBe("from the database");
  });
});
