/**
 * The generated validators (src/translate/validators.ts) against zod itself: for every fixture, every canonical
 * event the fixtures translate to, mutated and random inputs, a validator either says "not sure"
 * or returns exactly zod's output, key order included; and a failure is zod's, message for message.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CanonicalEvent } from "../src/canonical/index.ts";
import { describe as describeSchema } from "../src/fastcheck/describe.ts";
import { findFormat, formatIds } from "../src/formats/index.ts";
import { translate } from "../src/translate/index.ts";
import {
  hasValidator,
  quickParse,
  safeParse,
  staleValidators,
} from "../src/translate/validators.ts";
import { fixtures } from "./fixtures.ts";
import { mutationsOf, pathsOf, setAt } from "./mutate.ts";

const schemaOf = (format: string): z.ZodType => {
  const found = findFormat(format);
  if (!found.ok) throw new Error(found.error.message);
  return found.value.schema;
};

// The tests below get 30 s each (they take a second or two; a loaded machine is slower).

/** The validator is unsure, or sure and right: zod succeeds with the same output, key order included. */
function agrees(schema: z.ZodType, value: unknown): boolean {
  const quick = quickParse(schema, value);
  if (!quick.sure) return false;
  const zod = schema.safeParse(value);
  expect(zod.success, "the validator accepted what zod rejects").toBe(true);
  if (!zod.success) return true;
  expect(JSON.stringify(quick.data)).toBe(JSON.stringify(zod.data));
  expect(quick.data).toStrictEqual(zod.data);
  return true;
}

/** Canonical events of every fixture, as the to-canonical mappings produce them. */
const canonical: Array<{ name: string; event: unknown }> = [];

beforeAll(async () => {
  for (const fixture of fixtures) {
    const result = await translate(fixture.format, "dotted", fixture.body, { trace: true });
    if (!result.ok) continue;
    for (const step of result.value.trace ?? [])
      if (step.canonical)
        canonical.push({ name: `${fixture.format}/${fixture.name}`, event: step.canonical });
  }
}, 60_000);

describe("every fixture", () => {
  it("is accepted by its format's validator with exactly zod's output", () => {
    for (const fixture of fixtures) {
      const schema = schemaOf(fixture.format);
      expect(agrees(schema, fixture.body), `${fixture.format}/${fixture.name}: not sure`).toBe(
        true,
      );
    }
  }, 30_000);

  it("translates to canonical events the canonical validator accepts with zod's output", () => {
    expect(canonical.length).toBeGreaterThan(fixtures.length / 2);
    for (const { name, event } of canonical)
      expect(agrees(CanonicalEvent, event), `${name}: not sure`).toBe(true);
  }, 30_000);

  it("every format's schema has a validator", () => {
    for (const id of formatIds) expect(hasValidator(schemaOf(id)), id).toBe(true);
    expect(hasValidator(CanonicalEvent)).toBe(true);
  });
});

/** A value with keys reordered, an extra key, or a key present but undefined somewhere inside. */
function reshapedOf(value: unknown): fc.Arbitrary<unknown> {
  const objectPaths = [[], ...pathsOf(value)].filter((path) => {
    let at = value;
    for (const key of path) at = (at as Record<string | number, unknown>)[key];
    return typeof at === "object" && at !== null && !Array.isArray(at);
  });
  const change = fc.tuple(
    fc.constantFrom(...objectPaths),
    fc.constantFrom("reverse", "extra", "undefined", "proto"),
    fc.string({ maxLength: 8 }),
  );
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    let current = structuredClone(value);
    for (const [path, how, key] of changes) {
      let at = current;
      for (const step of path) at = (at as Record<string | number, unknown>)?.[step];
      if (typeof at !== "object" || at === null) continue;
      const object = at as Record<string, unknown>;
      const entries = Object.entries(object);
      const rebuilt =
        how === "reverse"
          ? Object.fromEntries(entries.reverse())
          : how === "extra"
            ? { ...object, [key || "extra"]: { nested: [key] } }
            : how === "undefined"
              ? { ...object, [entries[0]?.[0] ?? key]: undefined }
              : JSON.parse(
                  JSON.stringify({ ...object, __proto__x: 1 }).replace(
                    '"__proto__x"',
                    '"__proto__"',
                  ),
                );
      current = path.length === 0 ? rebuilt : setAt(current, path, rebuilt);
    }
    return current;
  });
}

describe("mutated fixtures", () => {
  const sample =
    fc.sample(fc.shuffledSubarray(fixtures, { minLength: 40, maxLength: 40 }), {
      numRuns: 1,
      seed: 1414,
    })[0] ?? fixtures;

  it("wrong types, nulls and missing keys: unsure or zod's output", () => {
    for (const fixture of sample) {
      const schema = schemaOf(fixture.format);
      fc.assert(
        fc.property(mutationsOf(fixture.body), (body) => {
          agrees(schema, body);
        }),
        { numRuns: 25, seed: 7 },
      );
    }
  }, 30_000);

  it("reordered keys, extra keys, undefined values, __proto__ keys: unsure or zod's output", () => {
    let sure = 0;
    for (const fixture of sample) {
      const schema = schemaOf(fixture.format);
      fc.assert(
        fc.property(reshapedOf(fixture.body), (body) => {
          if (agrees(schema, body)) sure++;
        }),
        { numRuns: 15, seed: 11 },
      );
    }
    // Most of these stay valid: the validator must answer them, not hand them all to zod.
    expect(sure).toBeGreaterThan(sample.length * 5);
  }, 30_000);

  it("canonical events, mutated and reshaped: unsure or zod's output", () => {
    const events =
      fc.sample(fc.shuffledSubarray(canonical, { minLength: 30, maxLength: 30 }), {
        numRuns: 1,
        seed: 5,
      })[0] ?? canonical;
    for (const { event } of events) {
      fc.assert(
        fc.property(fc.oneof(mutationsOf(event), reshapedOf(event)), (value) => {
          agrees(CanonicalEvent, value);
        }),
        { numRuns: 20, seed: 13 },
      );
    }
  }, 30_000);
});

describe("random values", () => {
  it("unsure or zod's output, for every format's schema and the canonical one", () => {
    const schemas = [...formatIds.map(schemaOf), CanonicalEvent];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.jsonValue({ maxDepth: 4 }), (schema, value) => {
        agrees(schema, value);
      }),
      { numRuns: 300, seed: 3 },
    );
  }, 30_000);
});

describe("failures", () => {
  it("carry zod's issues, paths and messages", () => {
    for (const fixture of fixtures.slice(0, 60)) {
      const schema = schemaOf(fixture.format);
      fc.assert(
        fc.property(mutationsOf(fixture.body), (body) => {
          const ours = safeParse(schema, body);
          const zods = schema.safeParse(body);
          expect(ours.success).toBe(zods.success);
          if (!ours.success && !zods.success)
            expect(ours.error.issues).toStrictEqual(zods.error.issues);
        }),
        { numRuns: 5, seed: 17 },
      );
    }
  }, 30_000);
});

describe("drift", () => {
  it("a changed check, pattern, literal or key changes the description", () => {
    const keys = [
      z.string().min(1),
      z.string().min(2),
      z.string().regex(/a/),
      z.string().regex(/b/),
      z.enum(["a", "b"]),
      z.enum(["a", "c"]),
      z.object({ a: z.string() }),
      z.object({ b: z.string() }),
      z.looseObject({ a: z.string() }),
      z.object({ a: z.string().optional() }),
      z.number().int(),
      z.number(),
    ].map((schema) => describeSchema(schema).key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("the validators were generated from the schemas as they are", () => {
    expect(staleValidators()).toStrictEqual([]);
  });

  // Last: it leaves CanonicalEvent without its validator in this isolate.
  it("a schema changed since the build is found and runs on zod alone", () => {
    const shape = CanonicalEvent.shape as Record<string, z.ZodType>;
    const id = shape.id as z.ZodType;
    const event = canonical[0]?.event as Record<string, unknown>;
    try {
      shape.id = z.string().min(1000);
      expect(staleValidators()).toStrictEqual(["src/canonical/index.ts:CanonicalEvent"]);
      expect(hasValidator(CanonicalEvent)).toBe(false);
      expect(safeParse(CanonicalEvent, event).success).toBe(false);
    } finally {
      shape.id = id;
    }
    expect(safeParse(CanonicalEvent, event)).toStrictEqual(CanonicalEvent.safeParse(event));
  });
});
