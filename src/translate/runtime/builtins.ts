/**
 * The JSONata built-in functions compiled mappings can call, with jsonata 2.2.2's signatures and
 * behaviour (strings in strings.ts, higher-order functions in higher-order.ts, the rest here). A mapping calling a built-in not listed here does not compile (it runs interpreted,
 * and `npm run mappings:check` says so).
 */
import type { Builtin } from "./calls.ts";
import { append, boolean, isFn, isNumeric, lookup, push, type Seq, seq, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";
import { each, filter, keysOf, map, sift, sort } from "./higher-order.ts";
import { setKey, string } from "./operators.ts";
import { parseSignature } from "./signature.ts";
import {
  chars,
  contains,
  join,
  replace,
  split,
  substring,
  substringAfter,
  substringBefore,
  trim,
} from "./strings.ts";

export { regex } from "./strings.ts";

function def(implementation: (...args: V[]) => V, signature: string): Builtin {
  return { _jsonata_function: true, implementation, signature: parseSignature(signature) };
}

function count(args: V): number {
  return args === undefined ? 0 : args.length;
}

function sum(args: V): number | undefined {
  if (args === undefined) return undefined;
  let total = 0;
  for (const n of args) total += n;
  return total;
}

function number(arg: V): V {
  if (arg === undefined) return undefined;
  if (typeof arg === "number") return arg;
  if (
    typeof arg === "string" &&
    /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(arg) &&
    !Number.isNaN(Number.parseFloat(arg)) &&
    Number.isFinite(Number(arg))
  )
    return Number.parseFloat(arg);
  if (typeof arg === "string" && /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/.test(arg))
    return Number(arg);
  if (arg === true) return 1;
  if (arg === false) return 0;
  throw { code: "D3030", value: arg, index: 1 } satisfies MappingError;
}

function not(arg: V): V {
  return arg === undefined ? undefined : !boolean(arg);
}

function keys(arg: V): Seq {
  const result = seq();
  if (Array.isArray(arg)) {
    const all: Record<string, true> = Object.create(null);
    for (const item of arg) for (const key of keys(item)) all[key] = true;
    for (const key of Object.keys(all)) push(result, key);
  } else if (arg !== null && typeof arg === "object" && !isFn(arg)) {
    for (const key of Object.keys(arg)) push(result, key);
  }
  return result;
}

const hasOwn = Object.prototype.hasOwnProperty;

function merge(arg: V): V {
  if (arg === undefined) return undefined;
  const result: Record<string, V> = {};
  for (const obj of arg) {
    // Object.assign copies the same keys in the same order, but would set the prototype for
    // an own "__proto__": such an object goes key by key.
    if (obj !== null && typeof obj === "object" && !hasOwn.call(obj, "__proto__"))
      Object.assign(result, obj);
    else for (const key of keysOf(obj)) setKey(result, key, obj[key]);
  }
  return result;
}

function type(value: V): V {
  if (value === undefined) return undefined;
  if (value === null) return "null";
  if (isNumeric(value)) return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (Array.isArray(value)) return "array";
  if (isFn(value)) return "function";
  return "object";
}

function reverse(arr: V): V {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  return [...arr].reverse();
}

function exists(arg: V): boolean {
  return arg !== undefined;
}

/** The built-ins by name (without `$`). */
export const builtins: Record<string, Builtin> = {
  sum: def(sum, "<a<n>:n>"),
  count: def(count, "<a:n>"),
  string: def(string, "<x-b?:s>"),
  substring: def(substring, "<s-nn?:s>"),
  substringBefore: def(substringBefore, "<s-s:s>"),
  substringAfter: def(substringAfter, "<s-s:s>"),
  lowercase: def((s: V) => (s === undefined ? undefined : s.toLowerCase()), "<s-:s>"),
  uppercase: def((s: V) => (s === undefined ? undefined : s.toUpperCase()), "<s-:s>"),
  length: def((s: V) => (s === undefined ? undefined : chars(s).length), "<s-:n>"),
  trim: def(trim, "<s-:s>"),
  contains: def(contains, "<s-(sf):b>"),
  replace: def(replace, "<s-(sf)(sf)n?:s>"),
  split: def(split, "<s-(sf)n?:a<s>>"),
  join: def(join, "<a<s>s?:s>"),
  number: def(number, "<(nsb)-:n>"),
  boolean: def(boolean, "<x-:b>"),
  not: def(not, "<x-:b>"),
  map: def(map, "<af>"),
  filter: def(filter, "<af>"),
  sift: def(sift, "<o-f?:o>"),
  keys: def(keys, "<x-:a<s>>"),
  lookup: def(lookup, "<x-s:x>"),
  append: def(append, "<xx:a>"),
  exists: def(exists, "<x:b>"),
  merge: def(merge, "<a<o>:o>"),
  reverse: def(reverse, "<a:a>"),
  each: def(each, "<o-f:a>"),
  type: def(type, "<x:s>"),
  sort: def(sort, "<af?:a>"),
};
