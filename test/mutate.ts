import fc from "fast-check";

export type Path = Array<string | number>;

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (typeof value !== "object" || value === null) return out;
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path);
    pathsOf(child, path, out);
  }
  return out;
}

/** A deep copy of `value` with the thing at `path` replaced (or removed when `replacement` is `REMOVE`). */
export function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

export const REMOVE = Symbol("remove");

/** Values of the wrong type for almost any field, plus arbitrary JSON. */
const wrongValues = fc.oneof(
  fc.constantFrom<unknown>(
    REMOVE,
    null,
    "",
    0,
    -1,
    1.5,
    true,
    [],
    {},
    "x".repeat(300),
    "\ud800",
    "__proto__",
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Arbitrary mutations of a fixture: one to three fields removed or replaced by wrong values. */
export function mutationsOf(fixture: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(fixture);
  if (paths.length === 0) return fc.constant(fixture);
  const change = fc.tuple(fc.constantFrom(...paths), wrongValues);
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) =>
    changes.reduce<unknown>((current, [path, replacement]) => {
      try {
        return setAt(current, path, replacement);
      } catch {
        return current; // the path vanished with an earlier change
      }
    }, fixture),
  );
}
