/**
 * Writes src/translate/generated/validators.js: a plain JavaScript validator for every zod schema
 * the formats and the canonical model export (and every schema their dispatches name), made from
 * the schema objects themselves (src/fastcheck/describe.ts; the code: ./validator-code.ts). zod
 * stays the one declaration; a validator answers zod's output for a valid value and leaves
 * everything else to zod.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { deepKey, describe, type Node } from "../../src/fastcheck/describe.ts";
import { dispatchOf } from "../../src/fastcheck/dispatch.ts";
import { call, type Module, Scope } from "./validator-code.ts";

const root = join(import.meta.dirname, "..", "..");

/** The modules whose exported zod schemas get validators. */
async function schemaModules(): Promise<string[]> {
  const formats = await readdir(join(root, "src/formats"), { withFileTypes: true });
  return [
    "src/canonical/index.ts",
    ...formats
      .filter((entry) => entry.isDirectory())
      .map((entry) => `src/formats/${entry.name}/schema.ts`)
      .sort(),
  ];
}

const isZod = (value: unknown): boolean =>
  typeof value === "object" && value !== null && "_zod" in value;

const unsupported = (node: Node): string[] => {
  const own = [
    ...(node.t === "unsupported" ? [node.what] : []),
    ...(node.checks ?? []).flatMap((check) => (check.c === "unsupported" ? [check.what] : [])),
  ];
  const children: Node[] =
    node.t === "object"
      ? [...node.keys.map((key) => key.node), ...(typeof node.rest === "string" ? [] : [node.rest])]
      : node.t === "array"
        ? [node.element]
        : node.t === "record"
          ? [node.value]
          : node.t === "union"
            ? node.options
            : node.t === "discriminated"
              ? node.options.map((option) => option.node)
              : node.t === "optional" || node.t === "nullable"
                ? [node.inner]
                : node.t === "pipe"
                  ? [node.in, node.out]
                  : [];
  return [...own, ...children.flatMap(unsupported)];
};

/** Generates the module text. */
class Emitter implements Module {
  readonly lines: string[] = [];
  private readonly constants = new Map<string, string>();
  private readonly pureFns = new Map<string, string>();
  private count = 0;

  name(prefix: string): string {
    return `${prefix}${this.count++}`;
  }

  constant(code: string): string {
    let name = this.constants.get(code);
    if (!name) {
      name = this.name("c");
      this.constants.set(code, name);
      this.lines.push(`const ${name} = ${code};`);
    }
    return name;
  }

  private readonly factories = new Map<string, string>();

  /**
   * The name of a module function `(s) => validator` for a schema: it reads the schema's live
   * checks from `s` and makes the validators of the schemas its dispatches name.
   */
  factory(schema: unknown): string {
    const key = deepKey(schema);
    const existing = this.factories.get(key);
    if (existing) return existing;
    const name = this.name("s");
    this.factories.set(key, name);
    const description = describe(schema);
    const setup = description.refs.map(({ path }, i) => `  const r${i} = s${path};`);
    description.refs.forEach(({ check }, i) => {
      const rule = dispatchOf(check);
      if (!rule) return;
      const named = rule.names.map((n) => `${JSON.stringify(n)}: ${this.factory(rule.schema(n))}`);
      setup.push(`  const d${i} = dispatcher(r${i}, { ${named.join(", ")} });`);
    });
    const local: string[] = [];
    const compiled = new Scope(this, local).compile(description.node);
    const entry =
      "pred" in compiled
        ? `(v) => (${compiled.pred("v")} ? v : FAIL)`
        : compiled.skip
          ? `(v) => ${call(compiled, "v")}`
          : compiled.fn;
    // Without live checks the factory takes no schema, and a dispatch need not build one (dotted).
    const param = setup.length ? "s" : "";
    this.lines.push(
      `function ${name}(${param}) {\n${[...setup, ...local].join("\n")}\n  return ${entry};\n}`,
    );
    return name;
  }

  pureFunction(node: Node, body: (name: string) => string): string {
    const key = JSON.stringify(node);
    let name = this.pureFns.get(key);
    if (!name) {
      name = this.name("f");
      this.pureFns.set(key, name);
      this.lines.push(body(name));
    }
    return name;
  }
}

export interface ValidatorsResult {
  /** Schemas with a validator. */
  count: number;
  /** `module:export: what` for each schema whose validator leaves a part to zod. */
  partial: string[];
}

/**
 * Generates the validators of every zod schema the schema modules export (and of every schema
 * their dispatches name) into `out`, which imports those modules: `roots` pairs each exported
 * schema object with its validator factory and the `deepKey` it was made from.
 */
export async function generateValidators(
  out = "src/translate/generated/validators.js",
): Promise<ValidatorsResult> {
  const emitter = new Emitter();
  const imports: string[] = [];
  const roots: string[] = [];
  const partial: string[] = [];
  for (const [m, path] of (await schemaModules()).entries()) {
    const module = (await import(pathToFileURL(join(root, path)).href)) as Record<string, unknown>;
    imports.push(
      `import * as m${m} from ${JSON.stringify(relative(dirname(join(root, out)), join(root, path)))};`,
    );
    for (const [name, schema] of Object.entries(module)) {
      if (!isZod(schema)) continue;
      const missing = [...new Set(unsupported(describe(schema).node))];
      if (missing.length) partial.push(`${path}:${name}: ${missing.join(", ")} left to zod`);
      roots.push(
        `  [m${m}.${name}, ${JSON.stringify(`${path}:${name}`)}, ${JSON.stringify(deepKey(schema))}, ${emitter.factory(schema)}],`,
      );
    }
  }
  const js = `// Generated by scripts/compile/validators.ts from the zod schemas: do not edit (npm run compile rewrites it).
import { dispatcher, FAIL, live, plain, UNSURE } from "../../fastcheck/helpers.ts";
${imports.join("\n")}

${emitter.lines.join("\n")}

/** Every exported schema: [schema, "module:export", deepKey it was generated from, factory]. */
export const roots = [
${roots.join("\n")}
];
`;
  const dts = `// Generated by scripts/compile/validators.ts: do not edit.
import type { Factory } from "../../fastcheck/helpers.ts";
export declare const roots: Array<[schema: unknown, name: string, key: string, factory: Factory]>;
`;
  const file = join(root, out);
  await mkdir(dirname(file), { recursive: true });
  await writeIfChanged(file, js);
  await writeIfChanged(file.replace(/\.js$/, ".d.ts"), dts);
  return { count: roots.length, partial };
}

async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await readFile(file, "utf8").catch(() => undefined);
  if (old !== text) await writeFile(file, text);
}
