import { z } from "zod";

/**
 * A refinement that validates a value (or a part of it) against a second schema picked from the
 * value itself: the Chatwoot body is checked against its event's payload schema, a dotted body's
 * `data` against its topic's. Declared this way, the build-time validator generator
 * (scripts/compile/validators.ts) sees the dispatch instead of an opaque function: it generates a
 * validator for every schema `all()` lists, and the fast path calls `pick` and that validator.
 */
export interface Dispatch<T> {
  /** The schema `value` (at `at`) must also pass; undefined when `unknown` reports the problem. */
  pick(value: T): z.ZodType | undefined;
  /** Every schema `pick` can return (called by the generator, never on the request path). */
  all(): Iterable<z.ZodType>;
  /** The part of `value` the picked schema validates: `[]` the value itself, `["data"]` its `data`. */
  at?: readonly string[];
  /** Reports a value for which `pick` finds no schema (nothing: another check reports it). */
  unknown?(value: T, ctx: z.core.$RefinementCtx<T>): void;
}

const rules = new WeakMap<object, Dispatch<never>>();

/**
 * The zod check of a dispatch: each issue of the picked schema is reported at its path under `at`,
 * with its message.
 *
 * @example
 * const body = z.looseObject({ event: z.string() }).check(
 *   dispatchCheck({ pick: (b) => schemas[b.event], all: () => Object.values(schemas) }),
 * );
 */
export function dispatchCheck<T>(rule: Dispatch<T>): z.core.$ZodCheck<T> {
  const at = rule.at ?? [];
  const check = z.superRefine<T>((value, ctx) => {
    const schema = rule.pick(value);
    if (!schema) {
      rule.unknown?.(value, ctx);
      return;
    }
    const result = schema.safeParse(partAt(value, at));
    if (!result.success)
      for (const issue of result.error.issues)
        ctx.addIssue({
          ...issue,
          code: "custom",
          path: [...at, ...issue.path],
          message: issue.message,
        });
  });
  rules.set(check, rule as Dispatch<never>);
  return check;
}

/** The dispatch a zod check was made from by `dispatchCheck`, if it was. */
export function dispatchOf(check: object): Dispatch<unknown> | undefined {
  return rules.get(check) as Dispatch<unknown> | undefined;
}

/** `value[at[0]][at[1]]...` (the value passed the object schema holding the check, so each step exists). */
export function partAt(value: unknown, at: readonly string[]): unknown {
  let part = value;
  for (const key of at) part = (part as Record<string, unknown>)[key];
  return part;
}
