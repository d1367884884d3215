/**
 * What the generated validators (./generated/validators.js) call. A validator returns the value
 * zod's `safeParse` would return as `data`, `FAIL` when zod would fail for certain, or `UNSURE`.
 */
import { type Dispatch, partAt } from "./dispatch.ts";

/** zod would fail: a union tries its next option; the caller runs zod for the issues. */
export const FAIL: unique symbol = Symbol("fail");
/** The validator cannot tell (a check it cannot run, a schema it was not generated for): run zod. */
export const UNSURE: unique symbol = Symbol("unsure");

/** Runs a schema's validator, `UNSURE` when there is none (given to validators by the runtime). */
export type Run = (schema: unknown, value: unknown) => unknown;

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

/** A `dispatchCheck` on a value that passed its object schema: undefined if it passes. */
export function dispatch(
  rule: unknown,
  value: unknown,
  run: Run,
): typeof FAIL | typeof UNSURE | undefined {
  const { pick, at } = rule as Dispatch<unknown>;
  const schema = pick(value);
  if (!schema) return UNSURE;
  const result = run(schema, partAt(value, at ?? []));
  return result === FAIL || result === UNSURE ? result : undefined;
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
