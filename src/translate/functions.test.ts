import fc from "fast-check";
import { v5 as uuidv5 } from "uuid";
import { describe, expect, it } from "vitest";
import { iso, numericId, spacedTime, stringId, unix, uuid } from "./functions.ts";

describe("$iso", () => {
  it.each([
    [1781950520, "2026-06-20T10:15:20.000Z"],
    ["1781950520", "2026-06-20T10:15:20.000Z"],
    [1781950530.412345, "2026-06-20T10:15:30.412Z"],
    ["2026-06-20T10:15:30.123Z", "2026-06-20T10:15:30.123Z"],
    ["2020-03-03 13:05:57 UTC", "2020-03-03T13:05:57.000Z"],
    ["2023-09-01 14:13:32.141788", "2023-09-01T14:13:32.141Z"],
    ["2023-08-29T04:27:48.183000+00:00", "2023-08-29T04:27:48.183Z"],
    ["Sat Jun 20 2026 12:15:20 GMT+0200", "2026-06-20T10:15:20.000Z"],
  ])("reads %j", (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([[null], [undefined], [""], ["not a date"], [0], [-5], [{}], [Number.NaN]])(
    "gives nothing for %j",
    (input) => {
      expect(iso(input)).toBeUndefined();
    },
  );

  it("round-trips through every target representation to the second", () => {
    fc.assert(
      fc.property(fc.integer({ min: 946684800, max: 4102444800 }), (seconds) => {
        const time = iso(seconds) as string;
        expect(unix(time)).toBe(seconds);
        expect(iso(spacedTime(time))).toBe(time);
        expect(unix(iso(time))).toBe(seconds);
      }),
    );
  });

  it("reads the common shapes exactly as the general path does", () => {
    // A leading space skips the fast reader of the common shapes: the general path reads it.
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const time = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 60 }),
        second: fc.integer({ min: 0, max: 61 }),
        fraction: fc.option(fc.stringMatching(/^[0-9]{0,8}$/)),
        separator: fc.constantFrom("T", " ", "t", "-"),
        zone: fc.constantFrom("", "Z", " UTC", "UTC", "z", "+00:00", " Z", "Z "),
      })
      .map(
        (t) =>
          `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.separator}${pad(t.hour, 2)}:` +
          `${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction === null ? "" : `.${t.fraction}`}${t.zone}`,
      );
    fc.assert(
      fc.property(time, (text) => {
        expect(iso(text)).toBe(iso(` ${text}`));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives back a time already written as it writes them only when it is a real day", () => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const time = fc
      .tuple(
        fc.integer({ min: 990, max: 2401 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 27, max: 31 }),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(([y, m, d, ms]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T23:59:59.${pad(ms, 3)}Z`);
    fc.assert(
      fc.property(time, (text) => {
        expect(iso(text)).toBe(iso(` ${text}`));
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on any input", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        iso(value);
      }),
    );
  });
});

describe("ids", () => {
  it("keeps numbers numeric and carries anything else as a string", () => {
    expect(numericId(42)).toBe(42);
    expect(numericId("42")).toBe(42);
    expect(numericId("042")).toBe("042");
    expect(numericId("5c1a9740abcdb128d0e90e80")).toBe("5c1a9740abcdb128d0e90e80");
    expect(numericId("99999999999999999999")).toBe("99999999999999999999");
    expect(numericId(null)).toBeUndefined();
    expect(stringId(207)).toBe("207");
    expect(stringId("")).toBeUndefined();
  });

  it("derives the same UUIDv5 from the same name, and different ones from different names", () => {
    expect(uuid("chatwoot:message_created:654")).toBe(uuid("chatwoot:message_created:654"));
    expect(uuid("chatwoot:message_created:654")).not.toBe(uuid("chatwoot:message_created:655"));
    expect(uuid("x")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("derives a UUIDv5 from the UTF-8 of the name, even one with a lone surrogate", () => {
    expect(uuid("héllo")).toBe(uuidv5("héllo", "6f1d3b1e-8c2a-5b4e-9a57-4f2d2c9e7a10"));
    expect(uuid("\ud800")).toBe(uuid("\ufffd"));
  });
});
