/**
 * The string built-ins of compiled mappings (jsonata 2.2.2's behaviour): regular expressions as
 * matcher functions, substring, trim, contains, replace, split, join.
 */
import { apply } from "./calls.ts";
import { isFn, state, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";

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

export function match(matcher: V, str: string): V {
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

export function chars(str: string): string[] {
  return Array.from(str);
}

export function substring(str: V, start: number, length?: number): V {
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

export function substringBefore(str: V, part: string): V {
  if (str === undefined) return undefined;
  const at = str.indexOf(part);
  return at > -1 ? str.substr(0, at) : str;
}

export function substringAfter(str: V, part: string): V {
  if (str === undefined) return undefined;
  const at = str.indexOf(part);
  return at > -1 ? str.substr(at + part.length) : str;
}

export function trim(str: V): V {
  if (str === undefined) return undefined;
  let result = str.replace(/[ \t\n\r]+/gm, " ");
  if (result.charAt(0) === " ") result = result.substring(1);
  if (result.charAt(result.length - 1) === " ") result = result.substring(0, result.length - 1);
  return result;
}

export function contains(str: V, token: V): V {
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

export function replace(str: V, pattern: V, replacement: V, limit?: number): V {
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

export function split(str: V, separator: V, limit?: number): V {
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

export function join(strs: V, separator?: string): V {
  if (strs === undefined) return undefined;
  return strs.join(separator === undefined ? "" : separator);
}
