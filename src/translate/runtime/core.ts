/**
 * The semantics every compiled mapping shares, written once: JSONata sequences (arrays flagged
 * `sequence`, flattened and collapsed to a single value the way jsonata 2.2.2 does), path steps,
 * predicates, operators and the guardrails. Generated code (scripts/compile/) calls these; it
 * never re-implements them. Everything here is synchronous.
 */
import type { MappingError } from "./errors.ts";

// biome-ignore lint/suspicious/noExplicitAny: values are whatever JSON and mappings make them
export type V = any;

/** An array made by evaluation (as opposed to one from the input or an array constructor). */
export type Seq = V[] & {
  sequence?: boolean;
  keepSingleton?: boolean;
  cons?: boolean;
  outerWrapper?: boolean;
  tupleStream?: boolean;
};

/** The guardrails, as for the interpreter (src/translate/mapping.ts MAPPING_LIMITS). */
export const LIMITS = { stack: 250, sequence: 50_000 };

/**
 * The evaluation depth of the function call being made: set by a call site before it calls a
 * function, read by the function's body (its nodes are one deeper).
 */
export const state = { depth: 0 };

/** Thrown where jsonata's depth guardrail would stop the evaluation. */
export function deep(): never {
  throw { code: "D1011", value: LIMITS.stack } satisfies MappingError;
}

export function seq(): Seq {
  const s: Seq = [];
  s.sequence = true;
  return s;
}

/** A sequence of one value (even `undefined`, as jsonata's createSequence(x)). */
export function seq1(value: V): Seq {
  const s: Seq = [value];
  s.sequence = true;
  return s;
}

/** Appends to a sequence, within the sequence-length guardrail. */
export function push(s: Seq, value: V): void {
  if (s.length >= LIMITS.sequence)
    throw { code: "D2015", value: LIMITS.sequence } satisfies MappingError;
  s.push(value);
}

/**
 * Appends every item of an array, as jsonata's `forEach` flattening does: a hole of a sparse
 * array (which no JSON input has, but a test's mutation can make) is skipped, an `undefined` kept.
 */
export function pushAll(s: Seq, items: V[]): void {
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    if (item !== undefined || j in items) push(s, item);
  }
}

export function isSeq(value: V): boolean {
  return Array.isArray(value) && (value as Seq).sequence === true;
}

/** jsonata's `isFunction`: a compiled lambda, a native function, or an object flagged as one. */
export function isFn(value: V): boolean {
  return (
    typeof value === "function" ||
    (value !== null &&
      typeof value === "object" &&
      (value._jsonata_function === true || value._jsonata_lambda === true))
  );
}

/** What every evaluated node returns: an empty sequence is nothing, a one-item sequence its item. */
export function norm(result: V): V {
  if (result && isSeq(result) && !result.tupleStream) {
    if (result.length === 0) return undefined;
    if (result.length === 1) return result.keepSingleton ? result : result[0];
  }
  return result;
}

/** `norm` for a node written with `[]` (keep a singleton as an array). */
export function normKeep(result: V): V {
  if (result && isSeq(result) && !result.tupleStream) result.keepSingleton = true;
  return norm(result);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A field of an object, or of every object in an array (one level of arrays flattened). */
export function lookup(input: V, key: string): V {
  if (Array.isArray(input)) {
    const result = seq();
    for (let i = 0; i < input.length; i++) {
      const res = lookup(input[i], key);
      if (res === undefined) continue;
      if (Array.isArray(res)) pushAll(result, res);
      else push(result, res);
    }
    return result;
  }
  if (input === null || typeof input !== "object") return undefined;
  const value = input[key];
  return value !== undefined && hasOwn.call(input, key) && !isFn(input) ? value : undefined;
}

/**
 * One step of a path over its input sequence: the step on each item, results flattened one
 * level; on the last step, a single array from the input is kept as it is.
 */
export function step(input: Seq, f: (item: V) => V, last: boolean): Seq {
  const result = seq();
  for (let i = 0; i < input.length; i++) {
    const res = f(input[i]);
    if (res !== undefined) push(result, res);
  }
  if (last && result.length === 1 && Array.isArray(result[0]) && !isSeq(result[0]))
    return result[0];
  const out = seq();
  for (let i = 0; i < result.length; i++) {
    const res = result[i];
    if (!Array.isArray(res) || (res as Seq).cons) push(out, res);
    else pushAll(out, res);
  }
  return out;
}

/**
 * A path: `absolute` when its first step is a variable (evaluated once, not per item);
 * `consFirst` when its first step is an array constructor (evaluated on the whole input).
 */
export function path(
  input: V,
  absolute: boolean,
  steps: Array<(item: V) => V>,
  consFirst = false,
): V {
  let s: Seq = Array.isArray(input) && !absolute ? input : seq1(input);
  let r: V;
  for (let i = 0; i < steps.length; i++) {
    const f = steps[i] as (item: V) => V;
    r = i === 0 && consFirst ? f(s) : step(s, f, i === steps.length - 1);
    if (r === undefined || r.length === 0) break;
    s = r;
  }
  return norm(r);
}

/** The step function of a plain field name (`name`). */
export function nameStep(key: string): (item: V) => V {
  return (item) => norm(lookup(item, key));
}

/** A path of plain field names (`a.b.c`) on the context: the common case, without allocations. */
export function names(input: V, keys: readonly string[]): V {
  if (Array.isArray(input)) return namesFrom(input, keys, 0);
  let v = input;
  const last = keys.length - 1;
  for (let i = 0; i <= last; i++) {
    const key = keys[i] as string;
    if (v === null || typeof v !== "object") return undefined;
    let r = v[key];
    // Read first: most misses end here, before the own-key and function checks.
    if (r === undefined || !hasOwn.call(v, key) || isFn(v)) return undefined;
    if (Array.isArray(r)) {
      r = norm(r);
      if (r === undefined) return undefined;
      if (!Array.isArray(r)) {
        if (i === last) return r;
        v = r;
        continue;
      }
      if (i === last) return isSeq(r) ? norm(step(seq1(r), identity, true)) : r;
      return namesFrom((r as Seq).cons ? seq1(r) : step(seq1(r), identity, false), keys, i + 1);
    }
    v = r;
  }
  return v;
}

/** A path of field names after a variable (`$v.a.b`). */
export function vnames(value: V, keys: readonly string[]): V {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const s = step(seq1(value), identity, false);
    return s.length === 0 ? undefined : namesFrom(s, keys, 0);
  }
  return names(value, keys);
}

function identity(v: V): V {
  return v;
}

function namesFrom(input: Seq, keys: readonly string[], from: number): V {
  let s = input;
  let r: V;
  for (let i = from; i < keys.length; i++) {
    const key = keys[i] as string;
    r = step(s, (item) => norm(lookup(item, key)), i === keys.length - 1);
    if (r === undefined || r.length === 0) break;
    s = r;
  }
  return norm(r);
}

/** A predicate `[...]` that is not a number literal: keeps the items it selects. */
export function filter(input: V, pred: (item: V) => V): Seq {
  const results = seq();
  if (input?.tupleStream) results.tupleStream = true;
  const items: Seq = Array.isArray(input) ? input : seq1(input);
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    let res = pred(item);
    if (isNumeric(res)) res = [res];
    if (isArrayOfNumbers(res)) {
      for (let j = 0; j < res.length; j++) {
        let ii = Math.floor(res[j]);
        if (ii < 0) ii = items.length + ii;
        if (ii === index) push(results, item);
      }
    } else if (boolean(res)) push(results, item);
  }
  return results;
}

/** A number predicate (`[0]`, `[-1]`). */
export function index(input: V, n: number): V {
  let results = seq();
  if (input?.tupleStream) results.tupleStream = true;
  const items: Seq = Array.isArray(input) ? input : seq1(input);
  let i = Math.floor(n);
  if (i < 0) i = items.length + i;
  const item = items[i];
  if (item !== undefined) {
    if (Array.isArray(item)) results = item;
    else push(results, item);
  }
  return results;
}

/** jsonata's `isNumeric`: a number that is not NaN (an infinite one is an error). */
export function isNumeric(n: V): boolean {
  if (typeof n !== "number") return false;
  if (Number.isNaN(n)) return false;
  if (!Number.isFinite(n)) throw { code: "D1001", value: n } satisfies MappingError;
  return true;
}

function isArrayOfNumbers(arg: V): boolean {
  if (!Array.isArray(arg)) return false;
  for (let i = 0; i < arg.length; i++) if (!isNumeric(arg[i])) return false;
  return true;
}

/** The effective boolean value (`$boolean`): undefined stays undefined. */
export function boolean(arg: V): boolean | undefined {
  if (arg === undefined) return undefined;
  if (Array.isArray(arg)) {
    if (arg.length === 1) return boolean(arg[0]);
    if (arg.length > 1) {
      for (let i = 0; i < arg.length; i++) if (boolean(arg[i])) return true;
    }
    return false;
  }
  if (typeof arg === "string") return arg.length > 0;
  if (isNumeric(arg)) return arg !== 0;
  if (arg !== null && typeof arg === "object" && !isFn(arg)) return Object.keys(arg).length > 0;
  return arg === true;
}

/** A condition's truth (`? :`, predicates): undefined is false. */
export function truthy(arg: V): boolean {
  return boolean(arg) === true;
}

/** `$append` and array construction: concatenation, a single value counting as one item. */
export function append(arg1: V, arg2: V): V {
  if (arg1 === undefined) return arg2;
  if (arg2 === undefined) return arg1;
  const a: V[] = Array.isArray(arg1) ? arg1 : seq1(arg1);
  const b: V[] = Array.isArray(arg2) ? arg2 : [arg2];
  const size = a.length + b.length;
  if (size > LIMITS.sequence) throw { code: "D2015", value: size } satisfies MappingError;
  return a.concat(b);
}

/** A frame's variable before its assignment ran: reads fall through to the enclosing frame. */
export const U: unique symbol = Symbol("unassigned");

/** The input of an evaluation: an array is wrapped so that it is treated as one value. */
export function wrapInput(input: V): V {
  if (!Array.isArray(input) || isSeq(input)) return input;
  const s = seq1(input);
  s.outerWrapper = true;
  return s;
}

/** `$` at the top level: the input itself, not its wrapper. */
export function unwrap(input: V): V {
  return input?.outerWrapper ? input[0] : input;
}
