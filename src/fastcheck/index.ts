/**
 * zod's `safeParse`, answered without zod when a generated validator is sure: for a valid value
 * it returns exactly zod's output (same keys, same key order, same values), built in plain
 * JavaScript; anything else (an invalid value, a check it cannot run, a schema it has no
 * validator for) goes to zod, so every failure carries zod's issues and messages.
 *
 * Validators are generated at build time (scripts/compile/validators.ts, run by `npm run compile`)
 * and found by the hash of the schema's description, so a schema edited since the build simply
 * runs on zod until the next build.
 */
import type { z } from "zod";
import { describe } from "./describe.ts";
import { validators } from "./generated/validators.js";
import { FAIL, UNSURE } from "./helpers.ts";

type Validator = (value: unknown) => unknown;

const found = new WeakMap<object, Validator | null>();

function validatorFor(schema: object): Validator | null {
  let validator = found.get(schema);
  if (validator === undefined) {
    const { key, refs } = describe(schema);
    const make = Object.hasOwn(validators, key) ? validators[key] : undefined;
    validator = make ? make(refs, run) : null;
    found.set(schema, validator);
  }
  return validator;
}

function run(schema: unknown, value: unknown): unknown {
  const validator = validatorFor(schema as object);
  return validator ? validator(value) : UNSURE;
}

/** What the generated validator alone says: zod's output for a value it is sure of, else `unsure`. */
export function quickParse<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { sure: true; data: z.output<S> } | { sure: false } {
  let data: unknown;
  try {
    data = run(schema, value);
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

/** True when `schema` has a generated validator (for tests). */
export function hasValidator(schema: z.ZodType): boolean {
  return validatorFor(schema) !== null;
}
