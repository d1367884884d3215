/**
 * Direct calls of built-ins whose arguments are already of the types their signature asks for:
 * the compiler calls `fx.<name><argument count>` instead of the generic `call`, which checks the
 * signature on every call. Any other argument goes to the generic call, which checks the
 * signature (and fails) exactly as jsonata does.
 */
import { builtins } from "./builtins.ts";
import { call, Thunk } from "./calls.ts";
import { append, isFn, lookup, norm, state, type V } from "./core.ts";
import { string } from "./operators.ts";

const impl = (name: string) =>
  (builtins[name] as { implementation: (...a: V[]) => V }).implementation;
/**
 * The `input` a lambda passes for a tail call it makes in place: a call the fast path cannot
 * make becomes the thunk jsonata would have made (its caller's trampoline knows the input).
 */
export const TAIL: unique symbol = Symbol("tail call");

const generic = (name: string, args: V[], depth: number, at: number, input: V): V =>
  input === TAIL
    ? new Thunk(() => [builtins[name], args, at, name])
    : call(builtins[name], args, depth, at, name, input);

/** An error raised inside a built-in names the call, as jsonata's apply does. */
function located(error: V, at: number, name: string): V {
  if (error !== null && typeof error === "object") {
    error.position = at;
    if (error.token === undefined) error.token = name;
  }
  return error;
}

const str = (v: V) => v === undefined || typeof v === "string";
/** A non-empty array of objects (what `a<o>` takes as it is). */
function objects(a: V): boolean {
  if (!Array.isArray(a) || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) if (!obj(a[i])) return false;
  return true;
}

/** A non-empty array of strings (what `a<s>` takes as it is). */
function strings(a: V): boolean {
  if (!Array.isArray(a) || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== "string") return false;
  return true;
}
const obj = (v: V) => v !== null && typeof v === "object" && !Array.isArray(v) && !isFn(v);

const count = impl("count");
const keys = impl("keys");
const merge = impl("merge");
const join = impl("join");
const contains = impl("contains");
const substringBefore = impl("substringBefore");
const substringAfter = impl("substringAfter");
const number = impl("number");
const not = impl("not");
const type = impl("type");
const sift = impl("sift");
const each = impl("each");
const map = impl("map");
const replace = impl("replace");
const split = impl("split");
const uppercase = impl("uppercase");
const lowercase = impl("lowercase");
const trim = impl("trim");

/** Fast paths by name and argument count: `(...args, depth, at, input)`. */
export const fx = {
  exists1: (a: V) => a !== undefined,
  type1: (a: V, _depth: number, at: number) => {
    try {
      return type(a);
    } catch (error) {
      throw located(error, at, "type");
    }
  },
  not1: (a: V, _depth: number, at: number) => {
    try {
      return not(a);
    } catch (error) {
      throw located(error, at, "not");
    }
  },
  string1: (a: V, _depth: number, at: number) => {
    try {
      return string(a);
    } catch (error) {
      throw located(error, at, "string");
    }
  },
  count1: (a: V) => count(Array.isArray(a) || a === undefined ? a : [a]),
  keys1: (a: V, _depth: number, at: number) => {
    try {
      return keys(a);
    } catch (error) {
      throw located(error, at, "keys");
    }
  },
  append2: (a: V, b: V, _depth: number, at: number) => {
    try {
      return append(a, b);
    } catch (error) {
      throw located(error, at, "append");
    }
  },
  lookup2: (a: V, b: V, depth: number, at: number, input: V) =>
    typeof b === "string" ? lookup(a, b) : generic("lookup", [a, b], depth, at, input),
  merge1: (a: V, depth: number, at: number, input: V) => {
    if (a === undefined) return undefined;
    if (obj(a)) return merge([a]);
    if (objects(a)) return merge(a);
    return generic("merge", [a], depth, at, input);
  },
  join1: (a: V, depth: number, at: number, input: V) =>
    a === undefined || typeof a === "string"
      ? a // the signature makes a string a one-item array: joined, itself
      : strings(a)
        ? join(a)
        : generic("join", [a], depth, at, input),
  join2: (a: V, b: V, depth: number, at: number, input: V) =>
    (a === undefined || typeof a === "string") && str(b)
      ? a
      : strings(a) && str(b)
        ? join(a, b)
        : generic("join", [a, b], depth, at, input),
  contains2: (a: V, b: V, depth: number, at: number, input: V) =>
    str(a) && str(b) ? contains(a, b) : generic("contains", [a, b], depth, at, input),
  substringBefore2: (a: V, b: V, depth: number, at: number, input: V) =>
    str(a) && str(b) ? substringBefore(a, b) : generic("substringBefore", [a, b], depth, at, input),
  substringAfter2: (a: V, b: V, depth: number, at: number, input: V) =>
    str(a) && str(b) ? substringAfter(a, b) : generic("substringAfter", [a, b], depth, at, input),
  uppercase1: (a: V, depth: number, at: number, input: V) =>
    str(a) ? uppercase(a) : generic("uppercase", [a], depth, at, input),
  lowercase1: (a: V, depth: number, at: number, input: V) =>
    str(a) ? lowercase(a) : generic("lowercase", [a], depth, at, input),
  trim1: (a: V, depth: number, at: number, input: V) =>
    str(a) ? trim(a) : generic("trim", [a], depth, at, input),
  number1: (a: V, depth: number, at: number, input: V) => {
    if (!(str(a) || typeof a === "number" || typeof a === "boolean"))
      return generic("number", [a], depth, at, input);
    try {
      return number(a);
    } catch (error) {
      throw located(error, at, "number");
    }
  },
  replace3: (a: V, b: V, c: V, depth: number, at: number, input: V) => {
    if (!(str(a) && typeof b === "string" && typeof c === "string"))
      return generic("replace", [a, b, c], depth, at, input);
    try {
      return replace(a, b, c);
    } catch (error) {
      throw located(error, at, "replace");
    }
  },
  split2: (a: V, b: V, depth: number, at: number, input: V) =>
    str(a) && typeof b === "string" ? split(a, b) : generic("split", [a, b], depth, at, input),
  sift2: (a: V, f: V, depth: number, at: number, input: V) => {
    if ((a === undefined || obj(a)) && typeof f === "function" && !f.signature) {
      state.depth = depth;
      try {
        return sift(a, f);
      } catch (error) {
        throw located(error, at, "sift");
      }
    }
    return generic("sift", [a, f], depth, at, input);
  },
  each2: (a: V, f: V, depth: number, at: number, input: V) => {
    if ((a === undefined || obj(a)) && typeof f === "function" && !f.signature) {
      state.depth = depth;
      try {
        return each(a, f);
      } catch (error) {
        throw located(error, at, "each");
      }
    }
    return generic("each", [a, f], depth, at, input);
  },
  map2: (a: V, f: V, depth: number, at: number, input: V) => {
    if (Array.isArray(a) && typeof f === "function" && !f.signature) {
      state.depth = depth;
      try {
        return map(a, f);
      } catch (error) {
        throw located(error, at, "map");
      }
    }
    return generic("map", [a, f], depth, at, input);
  },
};

export { norm };
