/**
 * The higher-order built-ins of compiled mappings: $map, $filter, $sift, $each, $sort, calling
 * the functions they are given as jsonata's `apply` does.
 */
import { apply, applyEach } from "./calls.ts";
import { boolean, isNumeric, push, seq, state, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";
import { setKey } from "./operators.ts";

export function map(arr: V, func: V): V {
  if (arr === undefined) return undefined;
  const depth = state.depth;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    const res = applyEach(func, arr[i], i, arr, depth);
    if (res !== undefined) push(result, res);
  }
  return result;
}

export function filter(arr: V, func: V): V {
  if (arr === undefined) return undefined;
  const depth = state.depth;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    if (boolean(applyEach(func, arr[i], i, arr, depth))) push(result, arr[i]);
  }
  return result;
}

export function keysOf(arg: V): string[] {
  return typeof arg === "object" && arg !== null ? Object.keys(arg) : [];
}

export function sift(arg: V, func: V): V {
  const depth = state.depth;
  const result: Record<string, V> = {};
  let any = false;
  for (const key of keysOf(arg)) {
    const entry = arg[key];
    if (boolean(applyEach(func, entry, key, arg, depth))) {
      setKey(result, key, entry);
      any = true;
    }
  }
  return any ? result : undefined;
}

export function each(obj: V, func: V): V {
  const depth = state.depth;
  const result = seq();
  for (const key of keysOf(obj)) {
    const value = applyEach(func, obj[key], key, obj, depth);
    if (value !== undefined) push(result, value);
  }
  return result;
}

export function sort(arr: V, comparator: V): V {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  let before: (a: V, b: V) => V;
  if (comparator === undefined) {
    const numbers = arr.every((v: V) => isNumeric(v));
    const strings = arr.every((v: V) => typeof v === "string");
    if (!numbers && !strings) throw { code: "D3070", index: 1 } satisfies MappingError;
    before = (a, b) => a > b;
  } else {
    const depth = state.depth;
    before = (a, b) => apply(comparator, [a, b], undefined, depth);
  }
  const mergeSorted = (l: V[], r: V[]): V[] => {
    const out: V[] = [];
    let i = 0;
    let j = 0;
    while (i < l.length && j < r.length) {
      if (before(l[i], r[j])) out.push(r[j++]);
      else out.push(l[i++]);
    }
    while (i < l.length) out.push(l[i++]);
    while (j < r.length) out.push(r[j++]);
    return out;
  };
  const msort = (a: V[]): V[] => {
    if (a.length <= 1) return a;
    const middle = Math.floor(a.length / 2);
    return mergeSorted(msort(a.slice(0, middle)), msort(a.slice(middle)));
  };
  return msort(arr);
}
