/**
 * zod's `safeParse`, answered without zod when a generated validator is sure: for a valid value
 * it returns exactly zod's output (same keys, same key order, same values), built in plain
 * JavaScript; anything else (an invalid value, a check it cannot run) goes to zod, so every
 * failure carries zod's issues and messages.
 *
 * The validators are generated at build time from the schema objects (scripts/compile/
 * validators.ts, run by `npm run compile`, which every build, `npm start`, `npm test` and the
 * bench run first) into ./generated/validators.js.
 */
import type { z } from "zod";
import { deepKey } from "../fastcheck/describe.ts";
import { FAIL, type Factory, UNSURE, type Validator } from "../fastcheck/helpers.ts";
import { roots } from "./generated/validators.js";

const factories = new Map<unknown, Factory>(
  roots.map(([schema, , , factory]) => [schema, factory]),
);
const made = new WeakMap<object, Validator>();

function validatorFor(schema: object): Validator | undefined {
  let validator = made.get(schema);
  if (!validator) {
    validator = factories.get(schema)?.(schema);
    if (validator) made.set(schema, validator);
  }
  return validator;
}

/** What the generated validator alone says: zod's output for a value it is sure of, else not sure. */
export function quickParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { sure: true; data: z.output<S> } | { sure: false } {
  const validator = validatorFor(schema);
  if (!validator) return { sure: false };
  let data: unknown;
  try {
    data = validator(value);
  } catch {
    // A live check that throws: zod decides (and throws the same way).
    return { sure: false };
  }
  return data === FAIL || data === UNSURE
    ? { sure: false }
    : { sure: true, data: data as z.output<S> };
}

/**
 * `schema.safeParse(value)`, without zod on the happy path.
 *
 * @example
 * const parsed = safeParse(CanonicalEvent, output);
 * if (!parsed.success) return fail(contractBroken(file, parsed.error.issues));
 */
export function safeParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  const quick = quickParse(schema, value);
  return quick.sure ? { success: true, data: quick.data } : schema.safeParse(value);
}

/** True when `schema` has a generated validator. */
export function hasValidator(schema: z.ZodType): boolean {
  return factories.has(schema);
}

/**
 * Compares every generated validator with its schema as it is now and drops those made from an
 * older version (their schemas then run on zod alone); returns their names. For code that runs
 * schemas from source without a build (the CLI): it walks every schema, a few ms.
 *
 * @example for (const name of staleValidators()) console.warn(`${name} changed: run npm run compile`);
 */
export function staleValidators(): string[] {
  const stale: string[] = [];
  for (const [schema, name, key] of roots) {
    if (deepKey(schema) === key) continue;
    stale.push(name);
    factories.delete(schema);
    made.delete(schema as object);
  }
  return stale;
}
