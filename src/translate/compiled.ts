/**
 * The compiled mappings (generated at build time by scripts/compile/ into ./generated/): which
 * mapping file has compiled code, and running it. Compiled code is used only for the exact text
 * it was compiled from (its hash is checked once per file and isolate), so a stale build can
 * never run: such a file, an edited copy or a file the compiler left out runs interpreted.
 */
import { type AppError, fail, ok, type Result } from "../errors/index.ts";
import { type CompiledMapping, compiled as shipped } from "./generated/mappings.js";
import { textHash } from "./hash.ts";
import type { MappingFile } from "./mapping.ts";
import { isMappingError, type MappingError, withMessage } from "./runtime/index.ts";

export type { CompiledMapping };

const registry: Record<string, CompiledMapping> = { ...shipped };
const current = new Map<string, CompiledMapping | null>();

/**
 * Adds compiled mappings (the compiler's own test mappings, generated beside the shipped ones).
 * @example registerCompiled((await import("./generated/test-mappings.js")).compiled)
 */
export function registerCompiled(table: Record<string, CompiledMapping>): void {
  Object.assign(registry, table);
  current.clear();
}

/** The compiled code of a shipped mapping file, when there is code for exactly its text. */
export function compiledFor(file: MappingFile): CompiledMapping | undefined {
  if (file.edited) return undefined;
  let entry = current.get(file.path);
  if (entry === undefined) {
    const candidate = registry[file.path];
    entry = candidate && candidate.hash === textHash(file.text) ? candidate : null;
    current.set(file.path, entry);
  }
  return entry ?? undefined;
}

/**
 * Runs compiled code on one input with the given bindings. A failure is the same
 * `mapping_failed` the interpreter gives: `file:line:column: message (code)`.
 */
export function runCompiled(
  file: MappingFile,
  code: CompiledMapping,
  input: unknown,
  bindings: Record<string, unknown>,
  describe: (file: MappingFile, error: unknown, what: string) => AppError,
): Result<unknown> {
  try {
    return ok(code.run(input, bindings));
  } catch (error) {
    return fail(
      describe(file, isMappingError(error) ? withMessage(error as MappingError) : error, "failed"),
    );
  }
}
