import fc from "fast-check";
import { TypeID, typeid } from "typeid-js";
import { describe, expect, it } from "vitest";
import { ID_PREFIXES, type IdKind, isId, newId } from "./ids.js";

/**
 * Accrue writes its ids itself (a billing run makes ten an invoice); they
 * must be exactly the TypeIDs typeid-js makes and reads, and isId must accept
 * exactly what typeid-js accepts for the kind.
 */

const kinds = Object.keys(ID_PREFIXES) as IdKind[];

describe("ids", () => {
  it("makes TypeIDs of the kind's prefix holding a UUIDv7 stamped now", () => {
    for (const kind of kinds) {
      const before = Date.now();
      const id = newId(kind);
      const after = Date.now();
      const parsed = TypeID.fromString(id);
      expect(parsed.getType()).toBe(ID_PREFIXES[kind]);
      const uuid = parsed.toUUID();
      // Version 7 in the 13th hex digit, the RFC 4122 variant (8, 9, a or b) in the 17th.
      expect(uuid[14]).toBe("7");
      expect("89ab").toContain(uuid[19]);
      const ms = Number.parseInt(uuid.replaceAll("-", "").slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
      expect(isId(kind, id)).toBe(true);
    }
  });

  it("never repeats and sorts in the order made, within a millisecond too", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("invoice"));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
    // Ids of one kind compare as their UUIDs do.
    const uuids = ids.map((id) => TypeID.fromString(id).toUUID());
    expect(uuids).toEqual([...uuids].sort());
  });

  it("accepts exactly what typeid-js accepts for the kind", () => {
    const reference = (kind: IdKind, value: string) => {
      try {
        return TypeID.fromString(value).getType() === ID_PREFIXES[kind];
      } catch {
        return false;
      }
    };
    const samples = [...kinds.map((kind) => typeid(ID_PREFIXES[kind]).toString()), ...kinds.map((kind) => newId(kind))];
    const candidate = fc.oneof(
      // A real id changed in one place: a character replaced, dropped, doubled or upper-cased.
      fc
        .tuple(fc.constantFrom(...samples), fc.nat(), fc.constantFrom(..."0789ailoquz_ACXZ-"), fc.nat(3))
        .map(([id, at, char, how]) => {
          const i = at % id.length;
          if (how === 0) return id.slice(0, i) + char + id.slice(i + 1);
          if (how === 1) return id.slice(0, i) + id.slice(i + 1);
          if (how === 2) return id.slice(0, i) + char + id.slice(i);
          return id.toUpperCase();
        }),
      fc.constantFrom(...samples),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...kinds), candidate, (kind, value) => {
        expect(isId(kind, value)).toBe(reference(kind, value));
      }),
      { numRuns: 20_000 },
    );
    expect(isId("invoice", 42)).toBe(false);
    expect(isId("invoice", newId("customer"))).toBe(false);
  });
});
