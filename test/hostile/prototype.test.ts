/**
 * `__proto__`, `constructor` and `prototype` keys anywhere in a payload (and as event names) are
 * plain data: every fixture carrying them is answered with a 2xx or a 4xx, and afterwards no
 * prototype in this isolate has changed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { fixtures } from "../fixtures.ts";
import { endpointsFor, expectClientAnswer, formatIds, post, routedEnv } from "./helpers.ts";

const env = routedEnv();

const prototypes = {
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
};
const before = Object.fromEntries(
  Object.entries(prototypes).map(([name, proto]) => [
    name,
    Reflect.ownKeys(proto).map(String).sort(),
  ]),
);

function expectNoPollution() {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.create(null).polluted).toBeUndefined();
  for (const [name, proto] of Object.entries(prototypes)) {
    expect(Reflect.ownKeys(proto).map(String).sort(), name).toEqual(before[name]);
  }
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(Object.prototype.toString.call({})).toBe("[object Object]");
}

afterAll(expectNoPollution);

const poison = () =>
  JSON.parse(
    '{"__proto__": {"polluted": "yes", "toString": "x"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"}}',
  ) as Record<string, unknown>;

/** A copy of `value` with the poison keys added to every object in it (as own, enumerable keys). */
function poisoned(value: unknown, everywhere: boolean, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item) => poisoned(item, everywhere, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    out[key] = poisoned(child, everywhere, depth + 1);
  if (everywhere || depth === 0) {
    for (const [key, child] of Object.entries(poison())) {
      Object.defineProperty(out, key, {
        value: child,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

describe("prototype keys in payloads", () => {
  it.each(formatIds.map((id, index) => [id, index] as const))(
    "every %s fixture with __proto__/constructor keys at the top and in every object",
    async (source, index) => {
      const all = fixtures.filter(
        (f) => f.format === source || (source === "chatwoot" && f.format === "chatwoot"),
      );
      expect(all.length).toBeGreaterThan(0);
      // The corpus holds up to ~75 fixtures per format: a fixed, evenly spread subset of about
      // 12 per format keeps this test proportionate (the same subset every run).
      const step = Math.max(1, Math.ceil(all.length / 12));
      const own = all.filter((_, i) => i % step === 0);
      for (const fixture of own) {
        for (const everywhere of [false, true]) {
          const text = JSON.stringify(poisoned(fixture.body, everywhere));
          expect(text).toContain('"__proto__"');
          for (const path of endpointsFor(source, index + fixture.name.length)) {
            await expectClientAnswer(
              await post(env, path, text, {
                "content-type": "application/json",
                "x-chatwoot-delivery": crypto.randomUUID(),
              }),
              `${path} ${fixture.format}/${fixture.name}`,
            );
          }
          expectNoPollution();
        }
      }
    },
    60_000,
  );

  it("prototype names as event names, topics, message types and ids", async () => {
    for (const name of ["__proto__", "constructor", "prototype", "valueOf", "hasOwnProperty"]) {
      for (const [index, source] of formatIds.entries()) {
        const fixture = fixtures.find((f) => f.format === source);
        if (!fixture) continue;
        const copy = structuredClone(fixture.body) as Record<string, unknown>;
        if (source === "supporthunt") {
          for (const e of copy.events as Array<{
            event: { type: string; payload: { message?: { type: string } } };
          }>) {
            e.event.type = name;
            if (e.event.payload.message) e.event.payload.message.type = name;
          }
        } else {
          copy.event = source === "dotted" ? `message.create.${name}.${name}` : name;
          copy.id = name;
        }
        for (const path of endpointsFor(source, index)) {
          await expectClientAnswer(await post(env, path, JSON.stringify(copy)), path);
        }
      }
    }
    expectNoPollution();
  });
});
