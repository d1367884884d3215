/**
 * JSONata operators and constructors for compiled mappings, with jsonata's errors: an error from
 * the operator itself carries the operator's position (`at`), as in the interpreter.
 */
import { append, isFn, isNumeric, LIMITS, push, seq, seq1, truthy, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";

function raise(error: MappingError, at: number, token: string): never {
  error.position = at;
  error.token = token;
  throw error;
}

/** `=` (deep equality; `undefined` on either side is false). */
export function eq(lhs: V, rhs: V): boolean {
  if (lhs === undefined || rhs === undefined) return false;
  return deepEqual(lhs, rhs);
}

/** `!=` */
export function ne(lhs: V, rhs: V): boolean {
  if (lhs === undefined || rhs === undefined) return false;
  return !deepEqual(lhs, rhs);
}

function deepEqual(lhs: V, rhs: V): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs !== "object" || typeof rhs !== "object" || lhs === null || rhs === null)
    return false;
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    if (lhs.length !== rhs.length) return false;
    for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false;
    return true;
  }
  const lkeys = Object.getOwnPropertyNames(lhs).sort();
  const rkeys = Object.getOwnPropertyNames(rhs).sort();
  if (lkeys.length !== rkeys.length) return false;
  for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
  for (const key of lkeys) if (!deepEqual(lhs[key], rhs[key])) return false;
  return true;
}

/** `<`, `<=`, `>`, `>=`: numbers with numbers, strings with strings. */
export function compare(op: string, lhs: V, rhs: V, at: number): boolean | undefined {
  const lt = typeof lhs;
  const rt = typeof rhs;
  const lok = lt === "undefined" || lt === "string" || lt === "number";
  const rok = rt === "undefined" || rt === "string" || rt === "number";
  if (!lok || !rok)
    raise({ code: "T2010", value: !(lt === "string" || lt === "number") ? lhs : rhs }, at, op);
  if (lt === "undefined" || rt === "undefined") return undefined;
  if (lt !== rt) raise({ code: "T2009", value: lhs, value2: rhs }, at, op);
  switch (op) {
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    default:
      return lhs >= rhs;
  }
}

/** `+ - * / %` */
export function arith(op: string, lhs: V, rhs: V, at: number): number | undefined {
  try {
    if (lhs !== undefined && !isNumeric(lhs)) throw { code: "T2001", value: lhs };
    if (rhs !== undefined && !isNumeric(rhs)) throw { code: "T2002", value: rhs };
  } catch (error) {
    raise(error as MappingError, at, op);
  }
  if (lhs === undefined || rhs === undefined) return undefined;
  switch (op) {
    case "+":
      return lhs + rhs;
    case "-":
      return lhs - rhs;
    case "*":
      return lhs * rhs;
    case "/":
      return lhs / rhs;
    default:
      return lhs % rhs;
  }
}

/** `&`: both sides as strings (`$string`), undefined as "". */
export function concat(lhs: V, rhs: V, at: number): string {
  if (typeof lhs === "string" && typeof rhs === "string") return lhs + rhs;
  try {
    return (
      (lhs === undefined ? "" : (string(lhs) as string)) +
      (rhs === undefined ? "" : (string(rhs) as string))
    );
  } catch (error) {
    raise(error as MappingError, at, "&");
  }
}

/** `in`: strict membership in an array (or equality with a single value). */
export function inArray(lhs: V, rhs: V): boolean {
  if (lhs === undefined || rhs === undefined) return false;
  if (!Array.isArray(rhs)) return rhs === lhs;
  for (let i = 0; i < rhs.length; i++) if (rhs[i] === lhs) return true;
  return false;
}

/** `and` / `or`: an error on the right side carries the operator's position. */
export function and(lhs: V, rhs: () => V, at: number): boolean {
  try {
    return truthy(lhs) && truthy(rhs());
  } catch (error) {
    raise(error as MappingError, at, "and");
  }
}

export function or(lhs: V, rhs: () => V, at: number): boolean {
  try {
    return truthy(lhs) || truthy(rhs());
  } catch (error) {
    raise(error as MappingError, at, "or");
  }
}

/** Unary minus. */
export function negate(value: V, at: number): number | undefined {
  if (value === undefined) return undefined;
  if (isNumeric(value)) return -value;
  throw { code: "D1002", position: at, token: "-", value } satisfies MappingError;
}

/**
 * `$string` (and `&`): strings as they are, functions as "", anything else as compact JSON with
 * non-integers at 15 significant digits.
 */
// `prettify = false`, not `prettify?`: the function's length (1) is the arity a higher-order
// built-in gives it, as jsonata's own `string` has.
export function string(arg: V, prettify = false): string | undefined {
  if (arg === undefined) return undefined;
  switch (typeof arg) {
    case "string":
      return arg;
    case "number":
      if (!Number.isFinite(arg)) throw { code: "D3001", value: arg } satisfies MappingError;
      // JSON's text of a finite number is its String(): what JSON.stringify below would give.
      return String(Number.isInteger(arg) ? arg : Number(arg.toPrecision(15)));
    case "boolean":
      return arg ? "true" : "false";
  }
  if (arg === null) return "null";
  if (isFn(arg)) return "";
  const value =
    Array.isArray(arg) && (arg as { outerWrapper?: boolean }).outerWrapper ? arg[0] : arg;
  const space = prettify ? 2 : 0;
  // The replacer (a call per value) changes nothing in plain JSON: skip it there.
  if (plain(value, 0)) return JSON.stringify(value, null, space);
  return JSON.stringify(value, replacer, space);
}

function replacer(_key: string, val: V): V {
  if (val !== undefined && val !== null && isNumeric(val))
    return Number.isInteger(val) ? val : Number(val.toPrecision(15));
  return val && isFn(val) ? "" : val;
}

/**
 * True when `replacer` would return every value of `value` unchanged: no non-integer or
 * non-finite number, no function. Deep values (past 100 levels) are left to the replacer.
 */
function plain(value: V, depth: number): boolean {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value);
    case "string":
    case "boolean":
    case "undefined":
      return true;
    case "object":
      if (value === null) return true;
      if (depth > 100) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!plain(value[i], depth + 1)) return false;
        return true;
      }
      if (isFn(value) || typeof value.toJSON === "function") return false;
      for (const key in value)
        if (hasOwn.call(value, key) && !plain(value[key], depth + 1)) return false;
      return true;
    default:
      return false;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * An array constructor `[a, b]`: each item's value appended (a sequence or array flattened one
 * level), except items that are array constructors themselves, which stay nested.
 */
export function array(items: V[], nested: readonly boolean[], cons: boolean): V[] {
  let result: V[] = [];
  for (let i = 0; i < items.length; i++) {
    const value = items[i];
    if (value === undefined) continue;
    if (nested[i]) result.push(value);
    else if (!Array.isArray(value)) {
      if (result.length >= LIMITS.sequence)
        throw { code: "D2015", value: result.length + 1 } satisfies MappingError;
      result.push(value);
    } else if (value.length + result.length > LIMITS.sequence || !dense(value))
      result = append(result, value); // the guardrail's error, or a sparse array's holes kept
    else for (let j = 0; j < value.length; j++) result.push(value[j]);
  }
  if (cons)
    Object.defineProperty(result, "cons", { enumerable: false, configurable: false, value: true });
  return result;
}

function dense(items: V[]): boolean {
  for (let j = 0; j < items.length; j++) if (items[j] === undefined && !(j in items)) return false;
  return true;
}

/** Sets a key of a constructed object; `__proto__` and friends become plain own keys. */
export function setKey(target: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
}

/**
 * An object constructor on an array context (or with computed keys): jsonata's grouping.
 * `pairs` holds, per key/value pair, the key's and the value's evaluation.
 */
export function group(
  input: V,
  pairs: ReadonlyArray<readonly [(item: V) => V, (context: V) => V]>,
  at: number,
): Record<string, V> {
  const items: V[] = Array.isArray(input) ? input : seq1(input);
  if (items.length === 0) items.push(undefined);
  const groups = new Map<string, { data: V; index: number }>();
  const order: Record<string, true> = Object.create(null);
  for (const item of items) {
    for (let p = 0; p < pairs.length; p++) {
      const pair = pairs[p] as readonly [(item: V) => V, (context: V) => V];
      const key = pair[0](item);
      if (typeof key !== "string" && key !== undefined)
        throw { code: "T1003", position: at, value: key } satisfies MappingError;
      if (key === undefined) continue;
      if (key === "_jsonata_lambda" || key === "_jsonata_function")
        throw { code: "D1013", position: at, value: key } satisfies MappingError;
      const entry = groups.get(key);
      if (entry) {
        if (entry.index !== p)
          throw { code: "D1009", position: at, value: key } satisfies MappingError;
        entry.data = append(entry.data, item);
      } else {
        groups.set(key, { data: item, index: p });
        order[key] = true;
      }
    }
  }
  const result: Record<string, V> = {};
  // Object.keys order: integer-like keys first, as jsonata iterates its groups.
  for (const key of Object.keys(order)) {
    const entry = groups.get(key) as { data: V; index: number };
    const value = (pairs[entry.index] as readonly [(item: V) => V, (context: V) => V])[1](
      entry.data,
    );
    if (value !== undefined) setKey(result, key, value);
  }
  return result;
}

export { push, seq };

/**
 * The context of every value of an object constructor with literal keys on an array: the items
 * appended together (one item: the item itself; none: undefined), as jsonata's grouping gives.
 * jsonata pushes `undefined` into an empty array context, even one that is part of the input
 * (`{"a": [[]]}.a.{"k": 1}`); so does this, or a later read of that input would differ.
 */
export function groupData(items: V[]): V {
  if (items.length === 0) {
    items.push(undefined);
    return undefined;
  }
  let data = items[0];
  for (let i = 1; i < items.length; i++) data = append(data, items[i]);
  return data;
}

/**
 * The context an object constructor with literal keys evaluates its values on: an array's items
 * grouped (`groupData`), anything else as it is. One call instead of the same test written out at
 * every object in the generated code.
 * @example R.ctx(I)
 */
export function ctx(input: V): V {
  return Array.isArray(input) ? groupData(input) : input;
}
