/**
 * What the generated validators (./generated/validators.js) call. A validator returns the value
 * zod's `safeParse` would return as `data`, `FAIL` when zod would fail for certain, or `UNSURE`.
 */
import { dispatchOf, partAt } from "./dispatch.ts";

/** zod would fail: a union tries its next option; the caller runs zod for the issues. */
export const FAIL: unique symbol = Symbol("fail");
/** The validator cannot tell (a check it cannot run, a schema it was not generated for): run zod. */
export const UNSURE: unique symbol = Symbol("unsure");

/** A generated validator: zod's output, `FAIL` or `UNSURE`. */
export type Validator = (value: unknown) => unknown;
/** Makes the validator of a schema from the schema object (its live checks are read from it). */
export type Factory = (schema: unknown) => Validator;

interface ZodCheck {
  _zod: {
    def: { when?: (payload: { value: unknown; issues: unknown[] }) => boolean };
    check(payload: { value: unknown; issues: unknown[] }): unknown;
  };
}

/** Runs a zod check as zod does on a value that passed everything before it: undefined if it passes. */
export function live(check: unknown, value: unknown): typeof FAIL | typeof UNSURE | undefined {
  const { _zod } = check as ZodCheck;
  const payload = { value, issues: [] as unknown[] };
  if (_zod.def.when && !_zod.def.when(payload)) return undefined;
  if (_zod.check(payload) instanceof Promise) return UNSURE;
  return payload.issues.length ? FAIL : undefined;
}

/**
 * The fast path of a `dispatchCheck` (`check`): given the validator factories of the schemas it
 * names, a function of a value that passed the object schema holding the check: undefined when
 * the named schema accepts it.
 */
export function dispatcher(
  check: unknown,
  factories: Record<string, Factory>,
): (value: unknown) => typeof FAIL | typeof UNSURE | undefined {
  const rule = dispatchOf(check);
  if (!rule) return () => UNSURE;
  const made = new Map<string, Validator>();
  return (value) => {
    const name = rule.pick(value);
    if (name === undefined || !Object.hasOwn(factories, name)) return UNSURE;
    let validator = made.get(name);
    if (!validator) {
      const factory = factories[name] as Factory;
      // A factory without a parameter reads nothing from its schema: do not build it.
      validator = factory.length ? factory(rule.schema(name)) : factory(undefined);
      made.set(name, validator);
    }
    const result = validator(partAt(value, rule.at ?? []));
    return result === FAIL || result === UNSURE ? result : undefined;
  };
}

/** zod's `isPlainObject` (what `z.record` accepts), as zod 4 writes it. */
export function plain(o: unknown): o is Record<string, unknown> {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return false;
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== "function") return true;
  const prot = ctor.prototype;
  if (typeof prot !== "object" || prot === null || Array.isArray(prot)) return false;
  return Object.hasOwn(prot, "isPrototypeOf");
}
