import { z } from "zod";

/**
 * A refinement that validates a value (or a part of it) against a second schema named by the
 * value itself: the Chatwoot body is checked against its event's payload schema, a dotted body's
 * `data` against its topic's. Declared this way, the build-time validator generator
 * (scripts/compile/validators.ts) sees the dispatch instead of an opaque function: it generates a
 * validator for the schema of every name, and the fast path calls `pick` and that validator.
 */
export interface Dispatch<T> {
  /** The name of the schema `value` (at `at`) must also pass; undefined when `unknown` reports it. */
  pick(value: T): string | undefined;
  /** Every name `pick` can return. */
  names: readonly string[];
  /** The schema of a name. */
  schema(name: string): z.ZodType;
  /** The part of `value` the named schema validates: `[]` the value itself, `["data"]` its `data`. */
  at?: readonly string[];
  /** Reports a value for which `pick` names no schema (nothing: another check reports it). */
  unknown?(value: T, ctx: z.core.$RefinementCtx<T>): void;
}

const rules = new WeakMap<object, Dispatch<never>>();

/**
 * The zod check of a dispatch: each issue of the named schema is reported at its path under `at`,
 * with its message.
 *
 * @example
 * const body = z.looseObject({ event: z.string() }).check(
 *   dispatchCheck({ pick: (b) => b.event, names: Object.keys(schemas), schema: (n) => schemas[n] }),
 * );
 */
export function dispatchCheck<T>(rule: Dispatch<T>): z.core.$ZodCheck<T> {
  const at = rule.at ?? [];
  const check = z.superRefine<T>((value, ctx) => {
    const name = rule.pick(value);
    if (name === undefined) {
      rule.unknown?.(value, ctx);
      return;
    }
    const result = rule.schema(name).safeParse(partAt(value, at));
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
export function dispatchOf(check: unknown): Dispatch<unknown> | undefined {
  return typeof check === "object" && check !== null
    ? (rules.get(check) as Dispatch<unknown> | undefined)
    : undefined;
}

/** `value[at[0]][at[1]]...` (the value passed the object schema holding the check). */
export function partAt(value: unknown, at: readonly string[]): unknown {
  let part = value;
  for (const key of at) part = (part as Record<string, unknown>)[key];
  return part;
}
