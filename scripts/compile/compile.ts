/**
 * Compiles one JSONata mapping to JavaScript at build time. The text is parsed by jsonata's own
 * parser (its AST), so the language is exactly jsonata's; each node becomes JavaScript that calls
 * the runtime (src/translate/runtime/) for the semantics and is specialised where the AST already
 * says enough (field-name paths, literal object keys, variables resolved to JavaScript variables,
 * built-ins known by name). A construct this compiler does not handle throws `Unsupported` with
 * its position; the file then runs on the interpreter (`npm run mappings:check` lists it).
 */
import jsonata from "jsonata";
import { fx } from "../../src/translate/runtime/fast.ts";
import {
  BUILTINS,
  constant,
  fieldPath,
  frameBinds,
  hasLambda,
  literal,
  OTHER_BUILTINS,
  plainNode,
  sameNode,
} from "./ast.ts";

export { BUILTINS };

// biome-ignore lint/suspicious/noExplicitAny: jsonata's AST is untyped
type Node = any;

/** A construct the compiler does not handle, at a character offset of the mapping. */
export class Unsupported extends Error {
  constructor(
    message: string,
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

const LIMIT = 250;

/** Constants shared by the mappings of one generated module (key lists, regexes, signatures). */
export class Pool {
  readonly lines: string[] = [];
  private readonly seen = new Map<string, string>();
  add(prefix: string, code: string): string {
    const known = this.seen.get(code);
    if (known) return known;
    const name = `${prefix}${this.lines.length}`;
    this.lines.push(`const ${name} = ${code};`);
    this.seen.set(code, name);
    return name;
  }
}

interface Scope {
  vars: Map<string, string>;
  /** Variables of this frame known to be assigned at the current point of emission. */
  assigned: Set<string>;
  parent?: Scope;
}

/** The JavaScript function being emitted: its temporaries are declared at its start. */
interface Fn {
  temps: string[];
  /** True when a tail call is made in place (the lambda marks its errors: `T`). */
  tail?: boolean;
  /** The evaluation depth `D` when it is known at compile time (the top level: 1). */
  depth?: number;
  /** Object temporaries (context, object, value) free for the next object built. */
  spare?: [string, string, string][];
}

interface Ctx {
  /** JavaScript expression for the context value `$`. */
  input: string;
  /** True when `input` may be the top-level array wrapper. */
  top: boolean;
  scope: Scope;
  fn: Fn;
}

let counter = 0;
const fresh = (prefix: string) => `${prefix}${++counter}`;

function jsName(name: string): string {
  return `v_${name.replace(/[^A-Za-z0-9_]/g, "_")}_${++counter}`;
}

function newScope(parent: Scope | undefined, names: Iterable<string>): Scope {
  const vars = new Map<string, string>();
  for (const name of names) vars.set(name, jsName(name));
  return { vars, assigned: new Set(), parent };
}

export class Compiler {
  constructor(private readonly pool: Pool) {}

  /** The mapping as a JavaScript function expression `(input, B) => result`. */
  compile(text: string): string {
    const ast = jsonata(text).ast() as Node;
    const names = new Set<string>();
    frameBinds(ast, names);
    const scope = newScope(undefined, names);
    const fn: Fn = { temps: [], depth: 1 };
    const body = this.emit(ast, { input: "I", top: true, scope, fn }, 0);
    const decls = [...scope.vars.values(), ...fn.temps];
    return `(input, B) => {
  const D = 1;
  const I = R.wrapInput(input);
  ${decls.length ? `let ${decls.map((d) => (d.startsWith("v_") ? `${d} = U` : d)).join(", ")};` : ""}
  return ${body};
}`;
  }

  /**
   * jsonata's depth guardrail for a node at static depth `k` below `D`. Where `D` is known (the
   * top level, outside any function) the check is decided here: no code, or the error itself.
   */
  private check(c: Ctx, k: number, code: string): string {
    const depth = c.fn.depth;
    if (depth !== undefined) return depth > LIMIT - k ? "R.deep()" : code;
    // When the first thing the code evaluates is a check of a deeper node (stricter), with
    // nothing run before it, this check could never be the one that throws, and both throw the
    // same error: it is left out.
    const first = this.leadingCheck(code);
    if (first !== undefined && first <= LIMIT - k) return code;
    const checked = `(D > ${LIMIT - k} ? R.deep() : ${code})`;
    this.checks.add(checked);
    return checked;
  }

  /** Code that `check` wrapped: exactly one check around its node's value. */
  private readonly checks = new Set<string>();

  /**
   * The threshold of the depth check that `code` evaluates before anything else, if any: the code
   * is a check, or a runtime call (`R.f(...)`, `R.fx.f(...)`) whose first argument is one
   * (JavaScript evaluates the callee, a module export, then the first argument).
   */
  private leadingCheck(code: string): number | undefined {
    if (this.checks.has(code)) return Number(/^\(D > (\d+) /.exec(code)?.[1]);
    const call = /^R\.(?:fx\.)?\w+\(/.exec(code);
    if (!call) return undefined;
    const start = call[0].length;
    const end = argumentEnd(code, start);
    return end === undefined ? undefined : this.leadingCheck(code.slice(start, end));
  }

  /** A node's value as jsonata's evaluate returns it, at static depth `k` below `D`. */
  emit(n: Node, c: Ctx, k: number): string {
    if (n.group) throw new Unsupported("grouping (`{...}` after a path)", n.position);
    if (n.keepArray) throw new Unsupported("`[]` (keep singleton arrays)", n.position);
    if (n.focus || n.index || n.tuple || n.ancestor)
      throw new Unsupported("`@` / `#` bindings", n.position);
    let code = this.core(n, c, k);
    let sequence = ["path", "function", "apply"].includes(n.type);
    for (const p of n.predicate ?? []) {
      if (p.type !== "filter") throw new Unsupported(`predicate ${p.type}`, p.position);
      code = this.filter(code, p.expr, c, k + 1);
      sequence = true;
    }
    if (sequence && n.type !== "path") code = `R.norm(${code})`;
    return this.check(c, k, code);
  }

  private filter(value: string, pred: Node, c: Ctx, k: number): string {
    if (pred.type === "number") return `R.index(${value}, ${literal(pred.value)})`;
    const item = fresh("x");
    return `R.filter(${value}, (${item}) => ${this.emit(pred, { ...c, input: item, top: false }, k)})`;
  }

  private core(n: Node, c: Ctx, k: number): string {
    switch (n.type) {
      case "string":
      case "number":
      case "value":
        return literal(n.value);
      case "regex":
        return `R.regex(${this.pool.add("RE", String(n.value))}, ${n.position})`;
      case "variable":
        return this.variable(n, c);
      case "path":
        return this.path(n, c, k);
      case "binary":
        return this.binary(n, c, k);
      case "unary":
        return this.unary(n, c, k);
      case "condition": {
        const once = this.once(n, c, k);
        if (once !== undefined) return once;
        const cond = this.emit(n.condition, c, k + 1);
        const then = this.emit(n.then, c, k + 1);
        const otherwise = n.else === undefined ? "undefined" : this.emit(n.else, c, k + 1);
        // true, false or undefined: JavaScript's truth is jsonata's there.
        const test = this.booleanValued(n.condition, c) ? cond : `R.truthy(${cond})`;
        return `(${test} ? ${then} : ${otherwise})`;
      }
      case "block":
        return this.block(n, c, k);
      case "bind": {
        const target = this.resolveLocal(n.lhs.value, c.scope);
        if (!target) throw new Unsupported("assignment outside a frame", n.position);
        const value = this.emit(n.rhs, c, k + 1);
        return `(${target} = ${value})`;
      }
      case "function":
        return this.call(n, c, k, undefined);
      case "lambda":
        return n.thunk ? this.thunk(n, c) : this.lambda(n, c);
      case "apply":
        return this.applyTo(n, c, k);
      default:
        throw new Unsupported(`${n.type} expressions`, n.position);
    }
  }

  /**
   * `x ?? y` (jsonata: `$exists(x) ? x : y`, x parsed twice) and `x ? x : y`, where x is a path of
   * field names (pure, and the same value both times): x is evaluated once, at the depth of its
   * first evaluation.
   */
  private once(n: Node, c: Ctx, k: number): string | undefined {
    if (n.else === undefined || !fieldPath(n.then)) return undefined;
    const cond = n.condition;
    const tmp = fresh("t");
    const otherwise = () => this.emit(n.else, c, k + 1);
    if (
      cond.type === "function" &&
      !cond.predicate &&
      cond.procedure.type === "variable" &&
      cond.procedure.value === "exists" &&
      !cond.procedure.predicate &&
      !cond.procedure.stages &&
      cond.arguments.length === 1 &&
      this.isBuiltin("exists", c.scope) &&
      sameNode(cond.arguments[0], n.then)
    ) {
      c.fn.temps.push(tmp);
      const value = this.emit(cond.arguments[0], c, k + 2);
      return `((${tmp} = ${value}) !== undefined ? ${tmp} : ${otherwise()})`;
    }
    if (sameNode(cond, n.then)) {
      c.fn.temps.push(tmp);
      const value = this.emit(cond, c, k + 1);
      return `(R.truthy(${tmp} = ${value}) ? ${tmp} : ${otherwise()})`;
    }
    return undefined;
  }

  private resolveLocal(name: string, scope: Scope): string | undefined {
    return scope.vars.get(name);
  }

  /** A variable's value: `$` the context, `$$` the input, then frames inward out, then bindings. */
  private variable(n: Node, c: Ctx): string {
    const name: string = n.value;
    if (name === "") return c.top ? `R.unwrap(${c.input})` : c.input;
    if (name === "$") return "input";
    return this.lookupVar(name, c.scope);
  }

  private lookupVar(name: string, scope: Scope | undefined): string {
    if (!scope) return this.free(name);
    const js = scope.vars.get(name);
    if (js === undefined) return this.lookupVar(name, scope.parent);
    if (scope.assigned.has(name)) return js;
    return `(${js} !== U ? ${js} : ${this.lookupVar(name, scope.parent)})`;
  }

  /** True when `$name` is a built-in here: no frame defines it. */
  private isBuiltin(name: string, scope: Scope | undefined): boolean {
    for (let at = scope; at; at = at.parent) if (at.vars.has(name)) return false;
    return BUILTINS.has(name);
  }

  private free(name: string): string {
    if (BUILTINS.has(name)) return `R.builtins.${name}`;
    if (OTHER_BUILTINS.has(name)) throw new Unsupported(`$${name}()`, undefined);
    return `B[${JSON.stringify(name)}]`;
  }

  private path(n: Node, c: Ctx, k: number): string {
    if (n.keepSingletonArray) throw new Unsupported("`[]` in a path", undefined);
    const steps: Node[] = n.steps;
    for (const s of steps)
      if (n.tuple || s.focus || s.index || s.tuple || s.ancestor)
        throw new Unsupported("`@` / `#` bindings", s.position);
    const plain = (s: Node) => s.type === "name" && !s.stages && !s.predicate;
    const absolute = steps[0].type === "variable";
    if (steps.every(plain)) {
      const keys = this.pool.add("K", JSON.stringify(steps.map((s) => s.value)));
      return this.check(c, k + 1, `R.names(${c.input}, ${keys})`);
    }
    if (absolute && steps.length > 1 && !steps[0].stages && steps.slice(1).every(plain)) {
      const keys = this.pool.add("K", JSON.stringify(steps.slice(1).map((s) => s.value)));
      return `R.vnames(${this.emit(steps[0], c, k + 1)}, ${keys})`;
    }
    const fns = steps.map((s, i) => {
      if (i === 0 && s.consarray) {
        const all = fresh("s");
        return `(${all}) => ${this.stepValue(s, { ...c, input: all, top: false }, k + 1)}`;
      }
      if (plain(s)) return this.pool.add("N", `R.nameStep(${JSON.stringify(s.value)})`);
      const item = fresh("x");
      // An absolute path's first step runs once, on the context itself (maybe the input's wrapper).
      const top = i === 0 && absolute && c.top;
      return `(${item}) => ${this.stepValue(s, { ...c, input: item, top }, k + 1)}`;
    });
    return `R.path(${c.input}, ${absolute}, [${fns.join(", ")}], ${Boolean(steps[0].consarray)})`;
  }

  /** A path step on one item: the node, then its stages (filters). */
  private stepValue(s: Node, c: Ctx, k: number): string {
    if (s.type === "sort") throw new Unsupported("order-by `^(...)`", s.position);
    if (s.type === "wildcard" || s.type === "descendant" || s.type === "parent")
      throw new Unsupported(`${s.type} steps`, s.position);
    let code: string;
    if (s.type === "name")
      code = this.check(c, k, `R.norm(R.lookup(${c.input}, ${JSON.stringify(s.value)}))`);
    else code = this.emit(s, c, k);
    for (const stage of s.stages ?? []) {
      if (stage.type !== "filter")
        throw new Unsupported(`path stage ${stage.type}`, stage.position);
      code = this.filter(code, stage.expr, c, k + 1);
    }
    return code;
  }

  /** True when a node's value is always true, false or undefined. */
  private booleanValued(n: Node, c: Ctx): boolean {
    if (!plainNode(n)) return false;
    if (n.type === "binary")
      return ["=", "!=", "<", "<=", ">", ">=", "and", "or", "in"].includes(n.value);
    return (
      n.type === "function" &&
      n.procedure.type === "variable" &&
      plainNode(n.procedure) &&
      (n.procedure.value === "exists" || n.procedure.value === "not") &&
      n.arguments.length === 1 &&
      this.isBuiltin(n.procedure.value, c.scope)
    );
  }

  private binary(n: Node, c: Ctx, k: number): string {
    const op: string = n.value;
    if ((op === "=" || op === "!=") && (constant(n.lhs) || constant(n.rhs))) {
      // A comparison with a literal string, number, boolean or null: jsonata's deep equality is
      // `===` there. The literal's own depth check is the other side's (same depth, nothing
      // observable between them).
      const [other, value] = constant(n.rhs) ? [n.lhs, n.rhs] : [n.rhs, n.lhs];
      const code = this.emit(other, c, k + 1);
      if (op === "=") return `(${code} === ${literal(value.value)})`;
      const tmp = fresh("t");
      c.fn.temps.push(tmp);
      return `((${tmp} = ${code}) !== undefined && ${tmp} !== ${literal(value.value)})`;
    }
    const lhs = this.emit(n.lhs, c, k + 1);
    const rhs = this.emit(n.rhs, c, k + 1);
    switch (op) {
      case "=":
        return `R.eq(${lhs}, ${rhs})`;
      case "!=":
        return `R.ne(${lhs}, ${rhs})`;
      case "<":
      case "<=":
      case ">":
      case ">=":
        return `R.compare("${op}", ${lhs}, ${rhs}, ${n.position})`;
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        return `R.arith("${op}", ${lhs}, ${rhs}, ${n.position})`;
      case "&":
        return `R.concat(${lhs}, ${rhs}, ${n.position})`;
      case "in":
        return `R.inArray(${lhs}, ${rhs})`;
      case "and":
        return `R.and(${lhs}, () => ${rhs}, ${n.position})`;
      case "or":
        return `R.or(${lhs}, () => ${rhs}, ${n.position})`;
      default:
        throw new Unsupported(`the ${op} operator`, n.position);
    }
  }

  private unary(n: Node, c: Ctx, k: number): string {
    switch (n.value) {
      case "-":
        return `R.negate(${this.emit(n.expression, c, k + 1)}, ${n.position})`;
      case "[": {
        const items: Node[] = n.expressions;
        const values = items.map((item) => this.emit(item, c, k + 1));
        const nested = this.pool.add(
          "A",
          JSON.stringify(items.map((item) => item.type === "unary" && item.value === "[")),
        );
        return `R.array([${values.join(", ")}], ${nested}, ${Boolean(n.consarray)})`;
      }
      case "{":
        return this.object(n, c, k);
      default:
        throw new Unsupported(`unary ${n.value}`, n.position);
    }
  }

  /** `{...}`: literal keys on a single context are built directly; anything else groups. */
  private object(n: Node, c: Ctx, k: number): string {
    const pairs: Node[][] = n.lhs;
    const generic = () => {
      const fns = pairs.map(([key, value]) => {
        const item = fresh("x");
        const ctx = fresh("x");
        return `[(${item}) => ${this.emit(key, { ...c, input: item, top: false }, k + 1)}, (${ctx}) => ${this.emit(value, { ...c, input: ctx, top: false }, k + 1)}]`;
      });
      return `R.group(${c.input}, [${fns.join(", ")}], ${n.position})`;
    };
    const keys = pairs.map(([key]) => (key.type === "string" ? (key.value as string) : undefined));
    const literalKeys =
      keys.every((key) => key !== undefined) &&
      new Set(keys).size === keys.length &&
      !keys.some((key) => key === "_jsonata_lambda" || key === "_jsonata_function");
    if (!literalKeys) return generic();
    if (pairs.length === 0) return `(Array.isArray(${c.input}) ? ${generic()} : {})`;
    // Literal keys: every item of an array context lands in every key, so all values share one
    // context. The interpreter evaluates values in Object.keys order (integer-like keys first).
    const order: Record<string, number> = {};
    keys.forEach((key, i) => {
      order[key as string] = i;
    });
    // A lambda in a value captures the context: then it gets a binding of its own (a parameter),
    // not a temporary of the enclosing function that a later evaluation would overwrite.
    const captured = pairs.some(([, value]) => hasLambda(value));
    // Otherwise the three temporaries are only live while this object is built: an object built
    // after it (a sibling, never one inside it) reuses them, so a function declares a few.
    const spare = captured ? undefined : c.fn.spare?.pop();
    const [ctx, obj, tmp] = spare ?? [fresh("c"), fresh("o"), fresh("t")];
    if (!captured && !spare) c.fn.temps.push(ctx, obj, tmp);
    const inner: Ctx = { ...c, input: ctx, top: false };
    const sets = Object.keys(order).map((key) => {
      const value = this.emit((pairs[order[key] as number] as Node[])[1], inner, k + 1);
      const target =
        key === "__proto__"
          ? `R.setKey(${obj}, "__proto__", ${tmp})`
          : `(${obj}${/^[A-Za-z_$][\w$]*$/.test(key as string) ? `.${key}` : `[${JSON.stringify(key)}]`} = ${tmp})`;
      return `((${tmp} = ${value}) !== undefined && ${target})`;
    });
    if (!captured) {
      c.fn.spare ??= [];
      c.fn.spare.push([ctx, obj, tmp]);
    }
    const data = `R.ctx(${c.input})`;
    if (captured)
      return this.check(
        c,
        k + 1,
        `((${ctx}) => { let ${tmp}; const ${obj} = {}; ${sets.join("; ")}; return ${obj}; })(${data})`,
      );
    return this.check(c, k + 1, `(${ctx} = ${data}, ${obj} = {}, ${sets.join(", ")}, ${obj})`);
  }

  private block(n: Node, c: Ctx, k: number): string {
    const items: Node[] = n.expressions;
    if (items.length === 0) return "undefined";
    const names = new Set<string>();
    for (const item of items) frameBinds(item, names);
    if (names.size === 0) return `(${items.map((item) => this.emit(item, c, k + 1)).join(", ")})`;
    const scope = newScope(c.scope, names);
    const inner: Ctx = { ...c, scope };
    const statements = items.map((item, i) => {
      const code = this.emit(item, inner, k + 1);
      if (item.type === "bind") scope.assigned.add(item.lhs.value);
      return i === items.length - 1 ? `return ${code};` : `${code};`;
    });
    const decls = [...scope.vars.values()].map((v) => `${v} = U`).join(", ");
    return `(() => { let ${decls}; ${statements.join(" ")} })()`;
  }

  private args(nodes: Node[], c: Ctx, k: number): string[] {
    return nodes.map((arg) => this.emit(arg, c, k));
  }

  private procedure(n: Node, c: Ctx, k: number): { code: string; token: string } {
    const proc = n.procedure;
    if (proc.type === "path") throw new Unsupported("calling a field (missing `$`?)", n.position);
    const token = proc.type === "variable" ? proc.value : String(proc.value);
    return { code: this.emit(proc, c, k), token };
  }

  /** The runtime's fast path (`R.fx.<name><count>`) for a call of a built-in by name, if it has one. */
  private fastBuiltin(proc: Node, count: number, c: Ctx): string | undefined {
    const direct = `${proc.value}${count}`;
    return proc.type === "variable" &&
      !proc.predicate &&
      !proc.stages &&
      this.isBuiltin(proc.value, c.scope) &&
      Object.hasOwn(fx, direct)
      ? direct
      : undefined;
  }

  /** `$f(a, b)`; with `first`, the value piped in by `~>` goes first. */
  private call(n: Node, c: Ctx, k: number, first: string | undefined): string {
    if (n.type === "partial") throw new Unsupported("partial application", n.position);
    if (n.arguments.some((a: Node) => a.type === "operator" && a.value === "?"))
      throw new Unsupported("partial application", n.position);
    const proc = n.procedure;
    const direct = this.fastBuiltin(proc, n.arguments.length + (first === undefined ? 0 : 1), c);
    if (direct) {
      const args = this.args(n.arguments, c, k + 1);
      const all = first === undefined ? args : [first, ...args];
      return this.check(
        c,
        k + 1,
        `R.fx.${direct}(${[...all, `D + ${k}`, String(n.position), c.input].join(", ")})`,
      );
    }
    const { code, token } = this.procedure(n, c, k + 1);
    const args = this.args(n.arguments, c, k + 1);
    const all = first === undefined ? args : [first, ...args];
    const rest = `D + ${k}, ${n.position}, ${JSON.stringify(token)}, ${c.input}`;
    if (all.length >= 1 && all.length <= 3)
      return `R.call${all.length}(${code}, ${all.join(", ")}, ${rest})`;
    return `R.call(${code}, [${all.join(", ")}], ${rest})`;
  }

  private applyTo(n: Node, c: Ctx, k: number): string {
    const lhs = this.emit(n.lhs, c, k + 1);
    if (n.rhs.type === "function") {
      const tmp = fresh("t");
      c.fn.temps.push(tmp);
      return `(${tmp} = ${lhs}, ${this.call(n.rhs, c, k, tmp)})`;
    }
    const func = this.emit(n.rhs, c, k + 1);
    return `R.pipe(${lhs}, ${func}, D + ${k}, ${n.position})`;
  }

  /**
   * A tail call in a lambda. jsonata returns it as a thunk that the caller's trampoline runs; here
   * the procedure and arguments are evaluated in place (at the same depth the thunk would use).
   * A built-in with a fast path and the engine's functions are called at once; anything else
   * becomes the thunk. `T` marks what follows as the tail call: its errors skip the lambda's own
   * location, as the thunk's would.
   */
  private thunk(n: Node, c: Ctx): string {
    const call = n.body;
    if (call.arguments.some((a: Node) => a.type === "operator" && a.value === "?"))
      throw new Unsupported("partial application", call.position);
    const proc = call.procedure;
    if (proc.type === "path")
      throw new Unsupported("calling a field (missing `$`?)", call.position);
    const token = proc.type === "variable" ? JSON.stringify(proc.value) : "undefined";
    c.fn.tail = true;
    const direct = this.fastBuiltin(proc, call.arguments.length, c);
    if (direct) {
      const args = this.args(call.arguments, c, 0);
      return `(T = true, R.fx.${direct}(${[...args, "D - 1", String(proc.position), "R.TAIL"].join(", ")}))`;
    }
    const code = this.emit(proc, c, 0);
    const args = this.args(call.arguments, c, 0);
    return `(T = true, R.tail(${code}, [${args.join(", ")}], D - 1, ${proc.position}, ${token}))`;
  }

  private lambda(n: Node, c: Ctx): string {
    const params: string[] = n.arguments.map((a: Node) => a.value);
    const names = new Set<string>();
    frameBinds(n.body, names);
    const scope = newScope(c.scope, [...params, ...names]);
    for (const p of params) scope.assigned.add(p);
    const fn: Fn = { temps: [] };
    const body = this.emit(n.body, { ...c, scope, fn }, 0);
    const paramJs = params.map((p) => scope.vars.get(p) as string);
    const locals = [...names]
      .filter((name) => !params.includes(name))
      .map((name) => `${scope.vars.get(name)} = U`);
    const decls = [...locals, ...fn.temps];
    const signature = n.signature
      ? `, ${this.pool.add("SIG", `R.parseSignature(${JSON.stringify(n.signature.definition)})`)}`
      : "";
    const ret = fn.tail
      ? `let T = false; try { return ${body}; } catch (e) { if (T) R.tailError(e); throw e; }`
      : `return ${body};`;
    return `R.lambda((${paramJs.join(", ")}) => { const D = R.state.depth + 1; ${decls.length ? `let ${decls.join(", ")}; ` : ""}${ret} }${signature})`;
  }
}

/**
 * Where the argument starting at `from` ends (the index of the `,` or `)` after it), reading the
 * generated code's brackets and string literals (JSON-quoted; the code has no regex or template
 * literals: patterns are pooled constants).
 */
function argumentEnd(code: string, from: number): number | undefined {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"') {
      for (i++; i < code.length && code[i] !== '"'; i++) if (code[i] === "\\") i++;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      if (depth === 0) return ch === ")" ? i : undefined;
      depth--;
    } else if (ch === "," && depth === 0) return i;
  }
  return undefined;
}
