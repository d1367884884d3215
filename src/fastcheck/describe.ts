import { dispatchOf } from "./dispatch.ts";

/**
 * A zod 4 schema described as plain data: what a value must be for `safeParse` to succeed and
 * what it returns. The build-time generator (scripts/compile/validators.ts) writes a validator
 * from a description, and records its `deepKey`; `staleValidators()` compares it with the
 * schema's current one (a schema edited since the build).
 *
 * Checks the description cannot see through (a `.refine`, a `.superRefine`) are `live`: the
 * validator runs the schema's own check function, found in `refs` by index.
 */
export type Node = Shape & { checks?: Check[] };

export type Shape =
  | { t: "unknown" }
  | { t: "string" }
  | { t: "number" }
  | { t: "boolean" }
  | { t: "null" }
  | { t: "values"; values: Literal[] }
  | { t: "object"; keys: Key[]; rest: "strip" | "never" | Node }
  | { t: "array"; element: Node }
  | { t: "record"; value: Node }
  | { t: "union"; options: Node[] }
  | { t: "discriminated"; key: string; options: Array<{ values: Literal[]; node: Node }> }
  | { t: "optional"; inner: Node; innerOptional: boolean }
  | { t: "nullable"; inner: Node }
  | { t: "pipe"; in: Node; out: Node }
  /** Always answered by zod (a transform, a default, a lazy schema...). */
  | { t: "unsupported"; what: string };

export type Literal = string | number | boolean | null;

export interface Key {
  key: string;
  /** zod's `optin`/`optout`: an absent key is accepted / left absent. */
  optionalIn: boolean;
  optionalOut: boolean;
  node: Node;
}

export type Check =
  | { c: "min_length" | "max_length" | "length_equals"; n: number }
  | { c: "pattern"; source: string; flags: string }
  | { c: "safeint" }
  | { c: "greater_than" | "less_than"; n: number; inclusive: boolean }
  /** A `dispatchCheck`: `refs[ref]` is its `Dispatch`. */
  | { c: "dispatch"; ref: number; at: string[] }
  /** Any other check: `refs[ref]` is the zod check object, run as zod runs it. */
  | { c: "live"; ref: number }
  | { c: "unsupported"; what: string };

export interface Description {
  node: Node;
  /**
   * The zod check objects of `live` and `dispatch` checks, in the order the description first
   * meets them, with where each is (`._zod.def.shape["a"]._zod.def.checks[0]`, from the schema).
   */
  refs: Array<{ check: unknown; path: string }>;
  /** Hash of `node` (refs are numbered in it). */
  key: string;
}

interface ZodLike {
  _zod: {
    def: Record<string, unknown> & { type: string; checks?: ZodLike[] };
    traits: Set<string>;
    optin?: string;
    optout?: string;
    values?: Set<unknown>;
    propValues?: Record<string, Set<unknown>>;
    check?: unknown;
  };
}

const isZod = (value: unknown): value is ZodLike =>
  typeof value === "object" && value !== null && "_zod" in value;

/**
 * Describes a zod schema.
 *
 * @example describe(z.string().min(1)).node // { t: "string", checks: [{ c: "min_length", n: 1 }] }
 */
export function describe(schema: unknown): Description {
  const refs: Description["refs"] = [];
  const refIndex = new Map<unknown, number>();
  const ref = (check: unknown, path: string): number => {
    let index = refIndex.get(check);
    if (index === undefined) {
      index = refs.length;
      refs.push({ check, path });
      refIndex.set(check, index);
    }
    return index;
  };
  const visiting = new Set<unknown>();

  const checksOf = (schema: ZodLike, type: string, path: string): Check[] => {
    const self = schema._zod.traits.has("$ZodCheck");
    const all = [...(self ? [schema] : []), ...(schema._zod.def.checks ?? [])];
    return all.map((check, i): Check => {
      const at = self && i === 0 ? path : `${path}._zod.def.checks[${self ? i - 1 : i}]`;
      const def = check._zod.def;
      const lengthy = type === "string" || type === "array";
      // Only the checks a validator can inline for this type are described; others run live.
      switch (def.check) {
        case "min_length":
          if (lengthy) return { c: "min_length", n: def.minimum as number };
          break;
        case "max_length":
          if (lengthy) return { c: "max_length", n: def.maximum as number };
          break;
        case "length_equals":
          if (lengthy) return { c: "length_equals", n: def.length as number };
          break;
        case "string_format":
          // These formats check their pattern and nothing else (url, jwt, base64... run code of their own).
          if (
            type === "string" &&
            def.pattern instanceof RegExp &&
            patternOnly.has(def.format as string)
          )
            return { c: "pattern", source: def.pattern.source, flags: def.pattern.flags };
          break;
        case "number_format":
          if (type === "number" && def.format === "safeint") return { c: "safeint" };
          break;
        case "greater_than":
        case "less_than":
          if (type === "number" && typeof def.value === "number")
            return { c: def.check, n: def.value, inclusive: def.inclusive === true };
          break;
        case "overwrite":
          return { c: "unsupported", what: "overwrite" };
        case "custom": {
          const dispatch = dispatchOf(check);
          if (dispatch) return { c: "dispatch", ref: ref(check, at), at: [...(dispatch.at ?? [])] };
          break;
        }
      }
      if (typeof check._zod.check !== "function")
        return { c: "unsupported", what: `check ${String(def.check)}` };
      return { c: "live", ref: ref(check, at) };
    });
  };

  const literals = (values: Iterable<unknown>): Literal[] | undefined => {
    const list: Literal[] = [];
    for (const value of values) {
      if (
        value === null ||
        typeof value === "string" ||
        typeof value === "boolean" ||
        (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0))
      )
        list.push(value);
      else return undefined;
    }
    return list;
  };

  const walk = (schema: unknown, path: string): Node => {
    if (!isZod(schema)) return { t: "unsupported", what: "not a zod schema" };
    if (visiting.has(schema)) return { t: "unsupported", what: "recursive schema" };
    visiting.add(schema);
    try {
      const shape = shapeOf(schema, path);
      const checks = shape.t === "unsupported" ? [] : checksOf(schema, shape.t, path);
      return checks.length ? { ...shape, checks } : shape;
    } finally {
      visiting.delete(schema);
    }
  };

  const shapeOf = (schema: ZodLike, path: string): Shape => {
    const def = schema._zod.def;
    const at = (step: string) => `${path}._zod.def.${step}`;
    if (def.coerce) return { t: "unsupported", what: `coerced ${def.type}` };
    switch (def.type) {
      case "unknown":
      case "any":
        return { t: "unknown" };
      case "string":
      case "number":
      case "boolean":
      case "null":
        return { t: def.type };
      case "enum":
      case "literal": {
        const values = literals(schema._zod.values ?? []);
        return values ? { t: "values", values } : { t: "unsupported", what: `${def.type} values` };
      }
      case "object": {
        const shape = def.shape as Record<string, ZodLike>;
        const keys = Object.keys(shape).map(
          (key): Key => ({
            key,
            optionalIn: shape[key]?._zod.optin === "optional",
            optionalOut: shape[key]?._zod.optout === "optional",
            node: walk(shape[key], at(`shape[${JSON.stringify(key)}]`)),
          }),
        );
        const catchall = def.catchall as ZodLike | undefined;
        const rest =
          catchall === undefined
            ? "strip"
            : catchall._zod.def.type === "never"
              ? "never"
              : walk(catchall, at("catchall"));
        if (typeof rest === "object" && (catchall?._zod.optin || catchall?._zod.optout))
          return { t: "unsupported", what: "optional catchall" };
        return { t: "object", keys, rest };
      }
      case "array":
        return { t: "array", element: walk(def.element, at("element")) };
      case "record": {
        const key = def.keyType as ZodLike;
        if (key._zod.def.type !== "string" || key._zod.def.checks?.length || key._zod.def.coerce)
          return { t: "unsupported", what: "record key other than z.string()" };
        return { t: "record", value: walk(def.valueType, at("valueType")) };
      }
      case "union": {
        const options = def.options as ZodLike[];
        if (typeof def.discriminator === "string") {
          if (def.unionFallback) return { t: "unsupported", what: "union fallback" };
          const key = def.discriminator;
          const described = options.map((option, i) => {
            const values = literals(option._zod.propValues?.[key] ?? []);
            return values?.length ? { values, node: walk(option, at(`options[${i}]`)) } : undefined;
          });
          if (described.some((option) => option === undefined))
            return { t: "unsupported", what: "discriminator values" };
          return {
            t: "discriminated",
            key,
            options: described as Array<{ values: Literal[]; node: Node }>,
          };
        }
        if (def.inclusive === false) return { t: "unsupported", what: "exclusive union" };
        return {
          t: "union",
          options: options.map((option, i) => walk(option, at(`options[${i}]`))),
        };
      }
      case "optional":
        if (schema._zod.traits.has("$ZodExactOptional"))
          return { t: "unsupported", what: "exact optional" };
        return {
          t: "optional",
          inner: walk(def.innerType, at("innerType")),
          innerOptional: (def.innerType as ZodLike)._zod.optin === "optional",
        };
      case "nullable":
        return { t: "nullable", inner: walk(def.innerType, at("innerType")) };
      case "pipe":
        if (schema._zod.traits.has("$ZodCodec")) return { t: "unsupported", what: "codec" };
        return { t: "pipe", in: walk(def.in, at("in")), out: walk(def.out, at("out")) };
      default:
        return { t: "unsupported", what: def.type };
    }
  };

  const node = walk(schema, "");
  return { node, refs, key: hash(JSON.stringify(node)) };
}

/**
 * The key of a schema and of every schema its dispatches can name, recursively: what a generated
 * validator was made from. Costly (a walk of the whole schema): for checks, not the request path.
 *
 * @example deepKey(chatwootBody) === recorded // the validator is up to date
 */
export function deepKey(schema: unknown): string {
  const { key, refs } = describe(schema);
  const named = refs.flatMap(({ check }) => {
    const dispatch = dispatchOf(check);
    return dispatch
      ? dispatch.names.map((name) => `${name}=${deepKey(dispatch.schema(name))}`)
      : [];
  });
  return named.length ? hash(`${key}|${named.join("|")}`) : key;
}

const patternOnly = new Set(["regex", "datetime", "date", "time"]);

/** cyrb53: a 53-bit string hash, as 14 hex digits. */
function hash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}
