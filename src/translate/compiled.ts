/**
 * The compiled mappings (generated at build time by scripts/compile/ into ./generated/): which
 * mapping file has compiled code, and running it. Compiled code is used only for the exact text
 * it was compiled from (compared once per file and isolate), so a stale build can never run: such
 * a file, an edited copy or a file the compiler left out runs interpreted.
 */
import { type AppError, fail, ok, type Result } from "../errors/index.ts";
import { type CompiledMapping, compiled as shipped } from "./generated/mappings.js";
import type { MappingFile } from "./mapping.ts";
import { isMappingError, type MappingError, withMessage } from "./runtime/index.ts";

export type { CompiledMapping };

const registry: Record<string, CompiledMapping> = { ...shipped };
/** Per path, the text last checked and its code (null: none for that text). */
const current = new Map<string, { text: string; code: CompiledMapping | null }>();

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
  // The same string object on every call of a shipped file: the comparison is then immediate.
  if (entry === undefined || entry.text !== file.text) {
    const candidate = registry[file.path];
    // The whole text, not a hash of it: comparing two strings is native and costs microseconds,
    // hashing them in JavaScript costs milliseconds on a cold isolate.
    entry = { text: file.text, code: candidate && candidate.text === file.text ? candidate : null };
    current.set(file.path, entry);
  }
  return entry.code ?? undefined;
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
