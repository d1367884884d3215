/**
 * The JavaScript of one validator, node by node (`src/fastcheck/describe.ts` nodes): a node whose
 * output is its input (a string, an enum, an optional number...) becomes a boolean expression,
 * others a function returning zod's output, `FAIL` or `UNSURE`. zod's own parse (zod 4.4,
 * `core/schemas.js`) is the specification: each case below mirrors one of its `parse` functions.
 */
import type { Check, Node } from "../../src/fastcheck/describe.ts";

/** What a Scope writes module-level code into (scripts/compile/validators.ts). */
export interface Module {
  /** A fresh identifier starting with `prefix`. */
  name(prefix: string): string;
  /** A module constant holding `code` (one per distinct code). */
  constant(code: string): string;
  /** A module function for a node reading nothing from its schema (one per distinct node). */
  pureFunction(node: Node, body: (name: string) => string): string;
}

/**
 * A node as code: a test of a variable whose value is the output (`pred`), or a function returning
 * the output, FAIL or UNSURE (`fn`), skipped when `skip` holds (an optional's undefined, a
 * nullable's null: the value is the output).
 */
type Compiled = { pred: (x: string) => string } | { fn: string; skip?: (x: string) => string };

/** The call of a compiled function on a variable (or `undefined`), its skip test first. */
export const call = (compiled: { fn: string; skip?: (x: string) => string }, x: string): string =>
  compiled.skip ? `(${compiled.skip(x)} ? ${x} : ${compiled.fn}(${x}))` : `${compiled.fn}(${x})`;

/** The body of a loop over an array's items or a record's values: `v[key]` checked into `o[key]`. */
function itemLines(item: Compiled, key: string): string[] {
  if ("pred" in item)
    return [`const x = v[${key}];`, `if (!(${item.pred("x")})) return FAIL;`, `o[${key}] = x;`];
  return [
    `const x = v[${key}];`,
    `const y = ${call(item, "x")};`,
    "if (y === FAIL || y === UNSURE) return y;",
    `o[${key}] = y;`,
  ];
}

const pure = (node: Node): boolean => {
  if (node.checks?.some((check) => check.c === "live" || check.c === "dispatch")) return false;
  switch (node.t) {
    case "object":
      return (
        node.keys.every((key) => pure(key.node)) &&
        (typeof node.rest === "string" || pure(node.rest))
      );
    case "array":
      return pure(node.element);
    case "record":
      return pure(node.value);
    case "union":
      return node.options.every(pure);
    case "discriminated":
      return node.options.every((option) => pure(option.node));
    case "optional":
    case "nullable":
      return pure(node.inner);
    case "pipe":
      return pure(node.in) && pure(node.out);
    default:
      return true;
  }
};

/** Compiles the nodes of one schema: pure ones into module functions, those reading live checks into its factory (`local`). */
export class Scope {
  private readonly localFns = new Map<string, string>();
  constructor(
    private readonly emitter: Module,
    private readonly local: string[],
  ) {}

  compile(node: Node): Compiled {
    const pred = this.predicate(node);
    if (pred) {
      // A long test (a nullish id: string or integer) is written once, as a module function.
      const text = pred("x");
      if (text.length < 48) return { pred };
      const name = this.emitter.constant(`(x) => ${text}`);
      return { pred: (x) => `${name}(${x})` };
    }
    const wrapper =
      ((node.t === "optional" && !node.innerOptional) || node.t === "nullable") &&
      !node.checks?.length;
    if (wrapper) {
      const inner = this.compile(node.inner);
      if ("fn" in inner) {
        const own = (x: string) => (node.t === "optional" ? `${x} === undefined` : `${x} === null`);
        const innerSkip = inner.skip;
        return {
          fn: inner.fn,
          skip: innerSkip ? (x) => `${own(x)} || ${innerSkip(x)}` : own,
        };
      }
    }
    const isPure = pure(node);
    const body = (name: string) => `function ${name}(v) {\n${this.body(node)}\n}`;
    if (isPure) return { fn: this.emitter.pureFunction(node, body) };
    const key = JSON.stringify(node);
    let name = this.localFns.get(key);
    if (!name) {
      name = this.emitter.name("g");
      this.localFns.set(key, name);
      this.local.push(body(name));
    }
    return { fn: name };
  }

  /** A boolean expression over a variable when the node's output is its input unchanged. */
  predicate(node: Node): ((x: string) => string) | undefined {
    const checks = node.checks ?? [];
    if (checks.some((check) => !inline(check))) return undefined;
    const all = (base: (x: string) => string) => (x: string) =>
      `(${[base(x), ...checks.map((check) => inlineCheck(check, x, this.emitter))].join(" && ")})`;
    switch (node.t) {
      case "unknown":
        return checks.length ? undefined : () => "true";
      case "string":
        return all((x) => `typeof ${x} === "string"`);
      case "number":
        return all((x) => `typeof ${x} === "number" && Number.isFinite(${x})`);
      case "boolean":
        return all((x) => `typeof ${x} === "boolean"`);
      case "null":
        return all((x) => `${x} === null`);
      case "values": {
        if (node.values.length <= 4)
          return all(
            (x) => `(${node.values.map((v) => `${x} === ${JSON.stringify(v)}`).join(" || ")})`,
          );
        const set = this.emitter.constant(`new Set(${JSON.stringify(node.values)})`);
        return all((x) => `${set}.has(${x})`);
      }
      case "optional": {
        if (checks.length || node.innerOptional) return undefined;
        const inner = this.predicate(node.inner);
        return inner && ((x) => `(${x} === undefined || ${inner(x)})`);
      }
      case "nullable": {
        if (checks.length) return undefined;
        const inner = this.predicate(node.inner);
        return inner && ((x) => `(${x} === null || ${inner(x)})`);
      }
      case "union": {
        if (checks.length) return undefined;
        const options = node.options.map((option) => this.predicate(option));
        if (options.some((option) => option === undefined)) return undefined;
        return (x) =>
          `(${options.map((option) => (option as (x: string) => string)(x)).join(" || ")})`;
      }
      default:
        return undefined;
    }
  }

  /** Statements that leave the output in `o` (or return FAIL / UNSURE), then its checks. */
  body(node: Node): string {
    const lines: string[] = [];
    const checks = node.checks ?? [];
    const lengthChecks = node.t === "array" ? checks.filter(inline) : [];
    switch (node.t) {
      case "object": {
        lines.push(`if (typeof v !== "object" || v === null || Array.isArray(v)) return FAIL;`);
        lines.push("const o = {};", "let x, y;");
        for (const key of node.keys) {
          const k = JSON.stringify(key.key);
          const child = this.compile(key.node);
          const present =
            "pred" in child
              ? `x = v[${k}]; if (!(${child.pred("x")})) return FAIL; o[${k}] = x;`
              : `x = v[${k}]; y = ${call(child, "x")}; if (y === FAIL || y === UNSURE) return y; o[${k}] = y;`;
          // zod's handlePropertyResult: a required key must be present; an absent optional key
          // is left out, unless its schema gives a value for undefined (a default).
          const leftOut =
            key.node.t === "optional" && !key.node.innerOptional && !key.node.checks?.length;
          if (!key.optionalIn) lines.push(`if (!(${k} in v)) return FAIL;`, present);
          else if (leftOut) lines.push(`if (${k} in v) { ${present} }`);
          else {
            lines.push(`if (${k} in v) { ${present} } else {`, this.apply(child, "undefined", "y"));
            lines.push(
              key.optionalOut
                ? `if (y === UNSURE) return UNSURE; if (y !== FAIL && y !== undefined) o[${k}] = y;`
                : `if (y === FAIL || y === UNSURE) return y; if (y !== undefined) o[${k}] = y;`,
              "}",
            );
          }
        }
        if (node.rest === "never" || typeof node.rest === "object") {
          const known = this.emitter.constant(
            `new Set(${JSON.stringify(node.keys.map((key) => key.key))})`,
          );
          lines.push("for (const k in v) {", `if (k === "__proto__" || ${known}.has(k)) continue;`);
          if (node.rest === "never") lines.push("return FAIL;");
          else {
            const rest = this.compile(node.rest);
            if ("pred" in rest && rest.pred("x") === "true") lines.push("o[k] = v[k];");
            else if ("pred" in rest)
              lines.push("x = v[k];", `if (!(${rest.pred("x")})) return FAIL;`, "o[k] = x;");
            else
              lines.push(
                "x = v[k];",
                `y = ${call(rest, "x")};`,
                "if (y === FAIL || y === UNSURE) return y;",
                "o[k] = y;",
              );
          }
          lines.push("}");
        }
        break;
      }
      case "array": {
        lines.push("if (!Array.isArray(v)) return FAIL;");
        // Length first: the outcome is the same (zod fails either way), a huge array costs nothing.
        for (const check of lengthChecks)
          lines.push(`if (!(${inlineCheck(check, "v", this.emitter)})) return FAIL;`);
        const element = this.compile(node.element);
        lines.push(
          "const n = v.length;",
          "const o = new Array(n);",
          "for (let i = 0; i < n; i++) {",
        );
        lines.push(...itemLines(element, "i"));
        lines.push("}");
        break;
      }
      case "record": {
        const value = this.compile(node.value);
        // zod reads Reflect.ownKeys and keeps the enumerable ones: Object.keys, in the same order,
        // when there is no symbol key.
        lines.push(
          "if (!plain(v)) return FAIL;",
          "if (Object.getOwnPropertySymbols(v).length) return UNSURE;",
          "const o = {};",
          "for (const k of Object.keys(v)) {",
          'if (k === "__proto__") continue;',
        );
        lines.push(...itemLines(value, "k"));
        lines.push("}");
        break;
      }
      case "union": {
        lines.push("let o;");
        for (const option of node.options) {
          const compiled = this.compile(option);
          if ("pred" in compiled) lines.push(`if (${compiled.pred("v")}) o = v; else`);
          else lines.push(`if ((o = ${call(compiled, "v")}) !== FAIL) {} else`);
        }
        lines.push("return FAIL;", "if (o === UNSURE) return UNSURE;");
        break;
      }
      case "discriminated": {
        lines.push(
          `if (typeof v !== "object" || v === null || Array.isArray(v)) return FAIL;`,
          "let o;",
        );
        lines.push(`switch (v[${JSON.stringify(node.key)}]) {`);
        for (const option of node.options) {
          const compiled = this.compile(option.node);
          for (const value of option.values) lines.push(`case ${JSON.stringify(value)}:`);
          if ("pred" in compiled) lines.push(`o = ${compiled.pred("v")} ? v : FAIL; break;`);
          else lines.push(`o = ${call(compiled, "v")}; break;`);
        }
        lines.push("default: return FAIL;", "}", "if (o === FAIL || o === UNSURE) return o;");
        break;
      }
      case "optional": {
        const inner = this.compile(node.inner);
        lines.push("let o;");
        if (node.innerOptional)
          lines.push(
            this.apply(inner, "v", "o"),
            "if (v === undefined && o === FAIL) o = undefined;",
          );
        else
          lines.push(
            "if (v === undefined) o = undefined; else {",
            this.apply(inner, "v", "o"),
            "}",
          );
        lines.push("if (o === FAIL || o === UNSURE) return o;");
        break;
      }
      case "nullable": {
        const inner = this.compile(node.inner);
        lines.push("let o;", "if (v === null) o = null; else {", this.apply(inner, "v", "o"), "}");
        lines.push("if (o === FAIL || o === UNSURE) return o;");
        break;
      }
      case "pipe": {
        const input = this.compile(node.in);
        const output = this.compile(node.out);
        lines.push(
          "let o, y;",
          this.apply(input, "v", "y"),
          "if (y === FAIL || y === UNSURE) return y;",
        );
        lines.push(this.apply(output, "y", "o"), "if (o === FAIL || o === UNSURE) return o;");
        break;
      }
      case "unsupported":
        return "  return UNSURE;";
      default: {
        // A scalar with a check read live: its shape as a predicate, the checks below.
        const shape = this.predicate({
          ...node,
          checks: (node.checks ?? []).filter(inline),
        } as Node);
        if (!shape) return "  return UNSURE;";
        lines.push(`if (!(${shape("v")})) return FAIL;`, "const o = v;");
      }
    }
    const scalar = ![
      "object",
      "array",
      "record",
      "union",
      "discriminated",
      "optional",
      "nullable",
      "pipe",
    ].includes(node.t);
    for (const check of checks) {
      if (inline(check)) {
        if (scalar || node.t === "array") continue; // already applied
        lines.push(`if (!(${inlineCheck(check, "o", this.emitter)})) return FAIL;`);
      } else if (check.c === "live") {
        lines.push(`{ const c = live(r${check.ref}, o); if (c !== undefined) return c; }`);
      } else if (check.c === "dispatch") {
        lines.push(`{ const c = d${check.ref}(o); if (c !== undefined) return c; }`);
      } else lines.push("return UNSURE;");
    }
    lines.push("return o;");
    return lines.map((line) => `  ${line}`).join("\n");
  }

  /** `target = <compiled>(value)` as a statement: FAIL when a predicate says no. */
  private apply(compiled: Compiled, value: string, target: string): string {
    return "pred" in compiled
      ? `${target} = (${compiled.pred(value)}) ? ${value} : FAIL;`
      : `${target} = ${call(compiled, value)};`;
  }
}

const inline = (check: Check): boolean =>
  check.c === "min_length" ||
  check.c === "max_length" ||
  check.c === "length_equals" ||
  check.c === "pattern" ||
  check.c === "safeint" ||
  check.c === "greater_than" ||
  check.c === "less_than";

function inlineCheck(check: Check, x: string, emitter: Module): string {
  switch (check.c) {
    case "min_length":
      return `${x}.length >= ${check.n}`;
    case "max_length":
      return `${x}.length <= ${check.n}`;
    case "length_equals":
      return `${x}.length === ${check.n}`;
    case "pattern": {
      const re = emitter.constant(
        `new RegExp(${JSON.stringify(check.source)}, ${JSON.stringify(check.flags)})`,
      );
      return /[gy]/.test(check.flags)
        ? `((${re}.lastIndex = 0), ${re}.test(${x}))`
        : `${re}.test(${x})`;
    }
    case "safeint":
      return `Number.isSafeInteger(${x})`;
    case "greater_than":
      return `${x} ${check.inclusive ? ">=" : ">"} ${check.n}`;
    case "less_than":
      return `${x} ${check.inclusive ? "<=" : "<"} ${check.n}`;
    default:
      throw new Error(`not an inline check: ${check.c}`);
  }
}
