import jsonata from "jsonata";
import { type AppError, fail, ok, type Result } from "../errors/index.ts";
import { compiledFor, runCompiled } from "./compiled.ts";
import { mappingFunctions } from "./functions.ts";

/** A JSONata mapping file: its path in the repository (for messages and traces) and its text. */
export interface MappingFile {
  path: string;
  text: string;
  /** An edited copy (CLI `--mapping`, playground): compiled for this use only, never cached. */
  edited?: boolean;
}

/**
 * Guardrails for every evaluation: `stack` bounds the evaluation depth (runaway recursion),
 * `sequence` bounds the length of any sequence a mapping builds. JSONata's `timeout` is not used:
 * functions defined in a shared library (evaluated once per isolate) keep the clock of the
 * evaluation that defined them, so every later call would time out once the library is older
 * than the timeout. A mapping that loops without recursing is stopped by the Worker's CPU limit.
 */
export const MAPPING_LIMITS = { stack: 250, sequence: 50_000 } as const;

const compiled = new Map<string, jsonata.Expression>();

/** Names a mapping file in the repository. @example mapping("mappings/dotted/from-canonical/message.jsonata", text) */
export function mapping(path: string, text: string): MappingFile {
  return { path, text };
}

/**
 * Compiles a shipped mapping once per isolate; edited copies are compiled each time and not kept,
 * so live editing cannot grow memory. A syntax error comes back as `file:line:column: message`.
 */
export function compile(file: MappingFile): Result<jsonata.Expression> {
  const cached = file.edited ? undefined : compiled.get(file.path);
  if (cached) return ok(cached);
  try {
    const expression = jsonata(file.text, { ...MAPPING_LIMITS });
    if (!file.edited) compiled.set(file.path, expression);
    return ok(expression);
  } catch (error) {
    return fail(mappingError(file, error, "does not compile"));
  }
}

/**
 * Evaluates a mapping on one input, with the shared functions and the given variables bound:
 * its compiled code when `compiled` is asked for and the file has some, else the interpreter.
 */
export async function evaluate(
  file: MappingFile,
  input: unknown,
  variables: Record<string, unknown> = {},
  compiled = false,
): Promise<Result<unknown>> {
  const code = compiled ? compiledFor(file) : undefined;
  if (code)
    return runCompiled(file, code, input, { ...mappingFunctions, ...variables }, mappingError);
  const expression = compile(file);
  if (!expression.ok) return expression;
  try {
    return ok(await expression.value.evaluate(input, { ...mappingFunctions, ...variables }));
  } catch (error) {
    return fail(mappingError(file, error, "failed"));
  }
}

const libraries = new Map<string, unknown>();

/**
 * The value of a shared library file (usually an object or a function), evaluated with the
 * format's variables once per isolate, format and path (compiled or interpreted: a compiled
 * mapping gets the compiled library's functions); an edited copy is evaluated on each use.
 */
export async function loadLibrary(
  file: MappingFile,
  variables: Record<string, unknown>,
  compiled = false,
): Promise<Result<unknown>> {
  const key = `${compiled ? "compiled" : "interpreted"}:${String(variables.format)}:${file.path}`;
  if (!file.edited && libraries.has(key)) return ok(libraries.get(key));
  const value = await evaluate(file, {}, variables, compiled);
  if (value.ok && !file.edited) libraries.set(key, value.value);
  return value;
}

/**
 * `loadLibrary` for a library with compiled code, synchronously (compiled code never awaits).
 * @example loadCompiledLibrary(readers, { format: "chatwoot", platform: "Chatwoot" })
 */
export function loadCompiledLibrary(
  file: MappingFile,
  variables: Record<string, unknown>,
): Result<unknown> {
  const key = `compiled:${String(variables.format)}:${file.path}`;
  if (libraries.has(key)) return ok(libraries.get(key));
  const code = compiledFor(file);
  if (!code) return fail(mappingError(file, new Error("no compiled code"), "failed"));
  const value = runCompiled(file, code, {}, { ...mappingFunctions, ...variables }, mappingError);
  if (value.ok) libraries.set(key, value.value);
  return value;
}

/**
 * Drops the interpreter's cached value of a library after an evaluation that used it failed.
 * jsonata counts evaluation depth on the environment a function was defined in, and an error
 * leaves that count raised: a library's functions keep the environment of the library's own
 * evaluation, so without this, failures add up until every call stops with D1011.
 */
export function forgetLibrary(file: MappingFile, format: string): void {
  libraries.delete(`interpreted:${format}:${file.path}`);
}

/** `file:line:column` of a character offset in a mapping's text. */
export function location(file: MappingFile, position: number | undefined): string {
  if (position === undefined || position < 0) return file.path;
  const before = file.text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${file.path}:${line}:${column}`;
}

export function mappingError(file: MappingFile, error: unknown, what: string): AppError {
  const detail = error as { message?: string; position?: number; code?: string };
  const where = location(file, detail.position);
  const message = `${where}: ${detail.message ?? String(error)}${detail.code ? ` (${detail.code})` : ""}`;
  return {
    code: "mapping_failed",
    status: 422,
    message: `mapping ${what}: ${message}`,
    details: { mapping: file.path, location: where },
  };
}
