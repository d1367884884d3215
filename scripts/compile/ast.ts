/**
 * What the compiler reads off jsonata's AST without emitting code: the built-ins by name, the
 * variables a frame binds, and the shapes it specialises (literals, field paths, equal subtrees).
 */

// biome-ignore lint/suspicious/noExplicitAny: jsonata's AST is untyped
type Node = any;

/** The built-ins the runtime implements (src/translate/runtime/builtins.ts). */
export const BUILTINS = new Set([
  "sum",
  "count",
  "string",
  "substring",
  "substringBefore",
  "substringAfter",
  "lowercase",
  "uppercase",
  "length",
  "trim",
  "contains",
  "replace",
  "split",
  "join",
  "number",
  "boolean",
  "not",
  "map",
  "filter",
  "sift",
  "keys",
  "lookup",
  "append",
  "exists",
  "merge",
  "reverse",
  "each",
  "type",
  "sort",
]);

/** jsonata built-ins the runtime does not implement: a mapping naming one is not compiled. */
export const OTHER_BUILTINS = new Set([
  "max",
  "min",
  "average",
  "pad",
  "match",
  "formatNumber",
  "formatBase",
  "formatInteger",
  "parseInteger",
  "floor",
  "ceil",
  "round",
  "abs",
  "sqrt",
  "power",
  "random",
  "zip",
  "single",
  "reduce",
  "spread",
  "error",
  "assert",
  "shuffle",
  "distinct",
  "base64encode",
  "base64decode",
  "encodeUrlComponent",
  "encodeUrl",
  "decodeUrlComponent",
  "decodeUrl",
  "eval",
  "toMillis",
  "fromMillis",
  "clone",
  "now",
  "millis",
]);

/** The variables a frame assigns: binds in its expressions, not inside nested blocks or lambdas. */
export function frameBinds(node: Node, out: Set<string>): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) frameBinds(item, out);
    return;
  }
  if (node.type === "block") return;
  if (node.type === "lambda" && !node.thunk) return;
  if (node.type === "bind") out.add(node.lhs.value);
  for (const [key, value] of Object.entries(node)) {
    if (key === "position" || key === "signature") continue;
    frameBinds(value, out);
  }
}

/** True when a lambda is defined inside (it would capture the context of one evaluation). */
export function hasLambda(node: Node): boolean {
  if (node === null || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some(hasLambda);
  if (node.type === "lambda" && !node.thunk) return true;
  return Object.entries(node).some(([key, value]) => key !== "signature" && hasLambda(value));
}

/** A path of field names, maybe after a variable (`a.b`, `$v.a`): pure, never fails. */
export function fieldPath(n: Node): boolean {
  if (n.type !== "path" || n.keepSingletonArray || n.tuple || n.predicate || n.stages) return false;
  return n.steps.every(
    (s: Node, i: number) =>
      (s.type === "name" || (i === 0 && s.type === "variable" && s.value !== "")) &&
      !s.stages &&
      !s.predicate &&
      !s.focus &&
      !s.index &&
      !s.tuple &&
      !s.ancestor &&
      !s.group &&
      !s.keepArray,
  );
}

/** A node without predicates, stages, grouping or bindings on it. */
export function plainNode(n: Node): boolean {
  return !(
    n.predicate ||
    n.stages ||
    n.group ||
    n.keepArray ||
    n.focus ||
    n.index ||
    n.tuple ||
    n.ancestor
  );
}

/** A literal string, number, true, false or null. */
export function constant(n: Node): boolean {
  return (n.type === "string" || n.type === "number" || n.type === "value") && plainNode(n);
}

/** The same expression (positions aside). */
export function sameNode(a: Node, b: Node): boolean {
  const strip = (_key: string, value: unknown) => (_key === "position" ? undefined : value);
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}

export function literal(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") {
    if (Object.is(value, -0)) return "-0";
    return Number.isFinite(value) ? String(value) : value > 0 ? "Infinity" : "-Infinity";
  }
  return JSON.stringify(value);
}
