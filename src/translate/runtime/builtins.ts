/**
 * The JSONata built-in functions compiled mappings can call, with jsonata 2.2.2's signatures and
 * behaviour. A mapping calling a built-in not listed here does not compile (it runs interpreted,
 * and `npm run mappings:check` says so).
 */
import { apply, type Builtin, hofArgs } from "./calls.ts";
import {
  append,
  boolean,
  isFn,
  isNumeric,
  lookup,
  push,
  type Seq,
  seq,
  state,
  type V,
} from "./core.ts";
import type { MappingError } from "./errors.ts";
import { string } from "./operators.ts";
import { parseSignature } from "./signature.ts";

function def(implementation: (...args: V[]) => V, signature: string): Builtin {
  return { _jsonata_function: true, implementation, signature: parseSignature(signature) };
}

/** A regular expression literal as jsonata makes it: a matcher function over a string. */
export function regex(pattern: RegExp, at: number): (str: string, from?: number) => V {
  const re = new RegExp(pattern.source, pattern.flags);
  const matcher = (str: string, from?: number): V => {
    re.lastIndex = from || 0;
    const match = re.exec(str);
    if (match === null) return undefined;
    return {
      match: match[0],
      start: match.index,
      end: match.index + match[0].length,
      groups: match.slice(1),
      next: () => {
        if (re.lastIndex >= str.length) return undefined;
        const following = matcher(str, re.lastIndex);
        if (following && following.match === "")
          throw { code: "D1004", position: at, value: pattern.source } satisfies MappingError;
        return following;
      },
    };
  };
  return matcher;
}

function match(matcher: V, str: string): V {
  const result = apply(matcher, [str], undefined, state.depth);
  if (
    result &&
    !(
      typeof result.start === "number" ||
      result.end === "number" ||
      Array.isArray(result.groups) ||
      isFn(result.next)
    )
  )
    throw { code: "T1010" } satisfies MappingError;
  return result;
}

function chars(str: string): string[] {
  return Array.from(str);
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

function substring(str: V, start: number, length?: number): V {
  if (str === undefined) return undefined;
  const all = chars(str);
  const from = all.length + start < 0 ? 0 : start;
  if (length !== undefined) {
    if (length <= 0) return "";
    const end = from >= 0 ? from + length : all.length + from + length;
    return all.slice(from, end).join("");
  }
  return all.slice(from).join("");
}

function substringBefore(str: V, part: string): V {
  if (str === undefined) return undefined;
  const at = str.indexOf(part);
  return at > -1 ? str.substr(0, at) : str;
}

function substringAfter(str: V, part: string): V {
  if (str === undefined) return undefined;
  const at = str.indexOf(part);
  return at > -1 ? str.substr(at + part.length) : str;
}

function trim(str: V): V {
  if (str === undefined) return undefined;
  let result = str.replace(/[ \t\n\r]+/gm, " ");
  if (result.charAt(0) === " ") result = result.substring(1);
  if (result.charAt(result.length - 1) === " ") result = result.substring(0, result.length - 1);
  return result;
}

function contains(str: V, token: V): V {
  if (str === undefined || token === undefined) return undefined;
  if (typeof token === "string") return str.indexOf(token) !== -1;
  return match(token, str) !== undefined;
}

function substitute(replacement: string, found: { match: string; groups: string[] }): string {
  let out = "";
  let position = 0;
  let index = replacement.indexOf("$", position);
  while (index !== -1 && position < replacement.length) {
    out += replacement.substring(position, index);
    position = index + 1;
    const next = replacement.charAt(position);
    if (next === "$") {
      out += "$";
      position++;
    } else if (next === "0") {
      out += found.match;
      position++;
    } else {
      const maxDigits =
        found.groups.length === 0 ? 1 : Math.floor(Math.log(found.groups.length) * Math.LOG10E) + 1;
      let group = Number.parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && group > found.groups.length)
        group = Number.parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      if (!Number.isNaN(group)) {
        if (found.groups.length > 0) {
          const sub = found.groups[group - 1];
          if (sub !== undefined) out += sub;
        }
        position += group.toString().length;
      } else out += "$";
    }
    index = replacement.indexOf("$", position);
  }
  return out + replacement.substring(position);
}

function replace(str: V, pattern: V, replacement: V, limit?: number): V {
  if (str === undefined) return undefined;
  if (pattern === "") throw { code: "D3010", value: pattern, index: 2 } satisfies MappingError;
  if ((limit as number) < 0) throw { code: "D3011", value: limit, index: 4 } satisfies MappingError;
  const depth = state.depth;
  const replacer =
    typeof replacement === "string"
      ? (found: V) => substitute(replacement, found)
      : (found: V) => apply(replacement, [found], undefined, depth);
  let result = "";
  let position = 0;
  if (limit === undefined || limit > 0) {
    let n = 0;
    if (typeof pattern === "string") {
      let index = str.indexOf(pattern, position);
      while (index !== -1 && (limit === undefined || n < limit)) {
        result += str.substring(position, index) + replacement;
        position = index + pattern.length;
        n++;
        index = str.indexOf(pattern, position);
      }
      result += str.substring(position);
    } else {
      let found = match(pattern, str);
      if (found === undefined) return str;
      while (found !== undefined && (limit === undefined || n < limit)) {
        result += str.substring(position, found.start);
        const replaced = replacer(found);
        if (typeof replaced !== "string")
          throw { code: "D3012", value: replaced } satisfies MappingError;
        result += replaced;
        position = found.start + found.match.length;
        n++;
        found = match(found.next, undefined as unknown as string);
      }
      result += str.substring(position);
    }
  } else result = str;
  return result;
}

function split(str: V, separator: V, limit?: number): V {
  if (str === undefined) return undefined;
  if ((limit as number) < 0) throw { code: "D3020", value: limit, index: 3 } satisfies MappingError;
  let result: string[] = [];
  if (limit === undefined || limit > 0) {
    if (typeof separator === "string") result = str.split(separator, limit);
    else {
      let n = 0;
      let found = match(separator, str);
      if (found !== undefined) {
        let start = 0;
        while (found !== undefined && (limit === undefined || n < limit)) {
          result.push(str.substring(start, found.start));
          start = found.end;
          found = match(found.next, undefined as unknown as string);
          n++;
        }
        if (limit === undefined || n < limit) result.push(str.substring(start));
      } else result.push(str);
    }
  }
  return result;
}

function join(strs: V, separator?: string): V {
  if (strs === undefined) return undefined;
  return strs.join(separator === undefined ? "" : separator);
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

function map(arr: V, func: V): V {
  if (arr === undefined) return undefined;
  const depth = state.depth;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    const res = apply(func, hofArgs(func, arr[i], i, arr), undefined, depth);
    if (res !== undefined) push(result, res);
  }
  return result;
}

function filter(arr: V, func: V): V {
  if (arr === undefined) return undefined;
  const depth = state.depth;
  const result = seq();
  for (let i = 0; i < arr.length; i++) {
    if (boolean(apply(func, hofArgs(func, arr[i], i, arr), undefined, depth))) push(result, arr[i]);
  }
  return result;
}

function keysOf(arg: V): string[] {
  return typeof arg === "object" && arg !== null ? Object.keys(arg) : [];
}

function sift(arg: V, func: V): V {
  const depth = state.depth;
  const result: Record<string, V> = {};
  let any = false;
  for (const key of keysOf(arg)) {
    const entry = arg[key];
    if (boolean(apply(func, hofArgs(func, entry, key, arg), undefined, depth))) {
      setOwn(result, key, entry);
      any = true;
    }
  }
  return any ? result : undefined;
}

function each(obj: V, func: V): V {
  const depth = state.depth;
  const result = seq();
  for (const key of keysOf(obj)) {
    const value = apply(func, hofArgs(func, obj[key], key, obj), undefined, depth);
    if (value !== undefined) push(result, value);
  }
  return result;
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

function setOwn(target: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
}

function merge(arg: V): V {
  if (arg === undefined) return undefined;
  const result: Record<string, V> = {};
  for (const obj of arg) for (const key of keysOf(obj)) setOwn(result, key, obj[key]);
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

function sort(arr: V, comparator: V): V {
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
