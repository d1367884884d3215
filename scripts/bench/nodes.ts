/**
 * Section 1, "where the time goes": how many JSONata expression nodes each representative pair
 * evaluates, per mapping file. JSONata calls a `__evaluate_entry` callback, when one is bound, for
 * every node it evaluates; it is bound on the compiled (cached) expressions for the count and
 * unbound afterwards, so timed sections never see it. Library functions are counted under the
 * library file, where they were defined.
 */
import { formatIds } from "../../src/formats/index.ts";
import { translate } from "../../src/translate/index.ts";
import { compile } from "../../src/translate/mapping.ts";
import { type Fixture, representative } from "./fixtures.ts";

export interface NodeCount {
  source: string;
  target: string;
  nodes: number;
  perFile: Array<{ path: string; nodes: number }>;
}

const ENTRY = Symbol.for("jsonata.__evaluate_entry") as unknown as string;

/** Mapping files (path → text) that the pairs run, read back from their traces. */
async function filesRun(
  runs: Array<[string, string, unknown]>,
  texts: (path: string) => Promise<string>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [source, target, body] of runs) {
    const result = await translate(source, target, body, { trace: true });
    if (!result.ok) continue;
    for (const step of result.value.trace ?? []) {
      for (const path of step.mappings) if (!files.has(path)) files.set(path, await texts(path));
    }
  }
  return files;
}

export async function nodeCounts(
  fixtures: Fixture[],
  texts: (path: string) => Promise<string>,
): Promise<NodeCount[]> {
  const runs: Array<[string, string, unknown]> = representative(fixtures).flatMap(
    ({ source, fixture }) => formatIds.map((target) => [source, target, fixture.body] as const),
  ) as Array<[string, string, unknown]>;
  const files = await filesRun(runs, texts);
  const counts = new Map<string, number>();
  const expressions = [...files].map(([path, text]) => {
    const compiled = compile({ path, text });
    if (!compiled.ok) throw new Error(compiled.error.message);
    return { path, expression: compiled.value };
  });
  for (const { path, expression } of expressions) {
    expression.assign(ENTRY, () => {
      counts.set(path, (counts.get(path) ?? 0) + 1);
    });
  }
  const out: NodeCount[] = [];
  try {
    for (const [source, target, body] of runs) {
      counts.clear();
      // On the interpreter: compiled code evaluates no jsonata nodes, so the hook would never fire.
      const result = await translate(source, target, body, { interpret: true });
      if (!result.ok) continue;
      const perFile = [...counts].map(([path, nodes]) => ({ path, nodes }));
      out.push({
        source,
        target,
        nodes: perFile.reduce((sum, f) => sum + f.nodes, 0),
        perFile,
      });
    }
  } finally {
    for (const { expression } of expressions) expression.assign(ENTRY, undefined);
  }
  return out;
}
