/**
 * Function signatures (`<s-nn?:s>`), checked as jsonata checks them before a built-in or a
 * lambda with a signature runs: each argument's type symbol matched against the parameters,
 * the context standing in for a missing `-` argument, a single value passed where an array is
 * expected becoming a one-item array, and the same T0410 / T0411 / T0412 errors on a mismatch.
 */
import { isFn, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";

interface Param {
  pattern: string;
  type: string;
  array?: boolean;
  subtype?: string;
  context?: RegExp;
}

export interface Signature {
  definition: string;
  validate(args: V[], context: V): V[];
}

const ARRAY_OF: Record<string, string> = {
  a: "arrays",
  b: "booleans",
  f: "functions",
  n: "numbers",
  o: "objects",
  s: "strings",
};

/** The type symbol of a value: s n b l o a f, or m (missing). */
export function symbolOf(value: V): string {
  if (isFn(value)) return "f";
  switch (typeof value) {
    case "string":
      return "s";
    case "number":
      return "n";
    case "boolean":
      return "b";
    case "object":
      return value === null ? "l" : Array.isArray(value) ? "a" : "o";
    default:
      return "m";
  }
}

function closing(text: string, start: number, open: string, close: string): number {
  let depth = 1;
  let at = start;
  while (at < text.length) {
    at++;
    const c = text.charAt(at);
    if (c === close) {
      depth--;
      if (depth === 0) break;
    } else if (c === open) depth++;
  }
  return at;
}

/**
 * What each type symbol matches among the symbols of the arguments (`m` stands for a missing
 * argument): `a` takes any value, a single one becoming an array; `j` any JSON value; `x` any.
 */
const SYMBOL_PATTERN: Record<string, string> = {
  s: "[sm]",
  n: "[nm]",
  b: "[bm]",
  l: "[lm]",
  o: "[om]",
  a: "[asnblfom]",
  f: "f",
  j: "[asnblom]",
  x: "[asnblfom]",
};

/** Reads a signature once; `validate` is then called on every call. */
export function parseSignature(definition: string): Signature {
  const params: Param[] = [];
  let param: Param = { pattern: "", type: "" };
  let prev: Param = param;
  const next = () => {
    params.push(param);
    prev = param;
    param = { pattern: "", type: "" };
  };
  for (let at = 1; at < definition.length; at++) {
    const c = definition.charAt(at);
    if (c === ":") break;
    const pattern = SYMBOL_PATTERN[c];
    if (pattern !== undefined) {
      param.pattern = pattern;
      param.type = c;
      if (c === "a") param.array = true;
      next();
      continue;
    }
    switch (c) {
      case "-":
        prev.context = new RegExp(prev.pattern);
        prev.pattern += "?";
        break;
      case "?":
      case "+":
        prev.pattern += c;
        break;
      case "(": {
        const end = closing(definition, at, "(", ")");
        const choice = definition.substring(at + 1, end);
        param.pattern = `[${choice}m]`;
        param.type = `(${choice})`;
        at = end;
        next();
        break;
      }
      case "<": {
        const end = closing(definition, at, "<", ">");
        prev.subtype = definition.substring(at + 1, end);
        at = end;
        break;
      }
    }
  }
  const whole = new RegExp(`^${params.map((p) => `(${p.pattern})`).join("")}$`);
  // One argument per parameter, each of a type its parameter takes as it is: the regular
  // expression could only match one symbol per group, so the arguments pass unchanged. Not for
  // `+` (a group may take several) nor `a` (a single value becomes an array).
  const direct = params.some((p) => p.pattern.endsWith("+") || p.type === "a")
    ? undefined
    : params.map((p) => p.pattern.replace(/[[\]?]/g, ""));

  const mismatch = (args: V[], supplied: string): never => {
    let partial = "^";
    let goodTo = 0;
    for (const p of params) {
      partial += p.pattern;
      const match = supplied.match(partial);
      if (match === null) break;
      goodTo = match[0].length;
    }
    throw { code: "T0410", value: args[goodTo], index: goodTo + 1 } satisfies MappingError;
  };

  return {
    definition,
    validate(args, context) {
      if (direct !== undefined && args.length === direct.length) {
        let i = 0;
        while (i < args.length && (direct[i] as string).includes(symbolOf(args[i]))) i++;
        if (i === args.length) return args;
      }
      let supplied = "";
      for (const arg of args) supplied += symbolOf(arg);
      const matched = whole.exec(supplied);
      if (!matched) return mismatch(args, supplied);
      const out: V[] = [];
      let argIndex = 0;
      params.forEach((p, i) => {
        const match = matched[i + 1] as string;
        if (match === "") {
          if (p.context) {
            if (!p.context.test(symbolOf(context)))
              throw { code: "T0411", value: context, index: argIndex + 1 } satisfies MappingError;
            out.push(context);
          } else {
            out.push(args[argIndex]);
            argIndex++;
          }
          return;
        }
        for (const single of match.split("")) {
          let arg = args[argIndex];
          if (p.type === "a") {
            if (single === "m") arg = undefined;
            else {
              let ok = true;
              if (p.subtype !== undefined) {
                if (single !== "a" && match !== p.subtype) ok = false;
                else if (single === "a" && arg.length > 0) {
                  const itemType = symbolOf(arg[0]);
                  if (itemType !== p.subtype.charAt(0)) ok = false;
                  else ok = arg.every((item: V) => symbolOf(item) === itemType);
                }
              }
              if (!ok)
                throw {
                  code: "T0412",
                  value: arg,
                  index: argIndex + 1,
                  type: ARRAY_OF[p.subtype as string],
                } satisfies MappingError;
              if (single !== "a") arg = [arg];
            }
          }
          out.push(arg);
          argIndex++;
        }
      });
      return out;
    },
  };
}
