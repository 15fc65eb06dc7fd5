import { TypeID } from "typeid-js";
import { describe, expect, it } from "vitest";
import { eventApiId, eventUuid, newEventUuids } from "./event-ids.js";

describe("event ids", () => {
  it("makes UUIDv7s stamped with the given time that read as uev_ TypeIDs both ways", () => {
    const ids = newEventUuids(200, Date.UTC(2026, 10, 24, 12));
    expect(new Set(ids).size).toBe(200);
    for (const uuid of ids) {
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(eventApiId(uuid)).toBe(TypeID.fromUUID("uev", uuid).toString());
      expect(eventUuid(eventApiId(uuid), "id")).toBe(uuid);
    }
    // The first 48 bits are the milliseconds: 2026-11-24T12:00Z = 1,795,521,600,000 ms = 0x01a2_0d6d_5a00.
    expect(ids[0]?.slice(0, 13)).toBe("01a20d6d-5a00");
  });

  it.each([
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "01a20b00-7d43-7117-9801-60ff49c97118",
    "80000000-0000-7000-8000-000000000001",
  ])("writes %s as typeid-js does", (uuid) => {
    expect(eventApiId(uuid)).toBe(TypeID.fromUUID("uev", uuid).toString());
  });

  it("refuses an id of another kind", () => {
    expect(() => eventUuid("cus_01kav9ft00eq4tqffk4h2m1z8e", "id")).toThrow(/uev_/);
  });
});
