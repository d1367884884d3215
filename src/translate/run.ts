/**
 * Running one mapping file of a format: with `$format`, `$platform`, the format's variables and
 * the libraries the file names bound. A shipped file with compiled code runs synchronously (its
 * bindings prepared once per isolate, format and file); anything else (an edited copy, a file left
 * to the interpreter, `interpret: true`, a compiled failure to report) goes through the async
 * interpreter path.
 */
import type { Result } from "../errors/index.ts";
import type { FormatDefinition } from "../formats/types.ts";
import { type CompiledMapping, compiledFor, runCompiled } from "./compiled.ts";
import { mappingFunctions } from "./functions.ts";
import {
  evaluate,
  forgetLibrary,
  loadCompiledLibrary,
  loadLibrary,
  type MappingFile,
  mappingError,
} from "./mapping.ts";

/** A value now, or later when the interpreter had to run. */
export type Maybe<T> = T | Promise<T>;

/** `f(value)` now when the value is there, else when it arrives. @example andThen(run(...), (r) => r.ok) */
export function andThen<T, U>(value: Maybe<T>, f: (v: T) => Maybe<U>): Maybe<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** What `runMapping` needs of the caller's options (see TranslateOptions in index.ts). */
export interface RunOptions {
  overrides?: ReadonlyMap<string, string>;
  interpret?: boolean;
}

/** Which mapping files ran for one source event (see TraceStep in index.ts). */
export interface RunTrace {
  mappings: string[];
  interpreted?: string[];
}

/** A shipped file ready to run compiled: its code, its bindings, the libraries they hold. */
interface Plan {
  code: CompiledMapping;
  bindings: Record<string, unknown>;
  libraries: string[];
}

const plans = new Map<string, Plan | null>();

/**
 * Runs one mapping file of a format (or its edited copy) on an input; records the files that ran
 * in the trace. Compiled code answers synchronously; a compiled failure is reported as the
 * interpreter reports it (which call site an error names can depend on the order in which the
 * interpreter's concurrent branches ran), and only if the interpreter does not fail too (a
 * compiler bug, caught by the equivalence tests) is the compiled code's own error returned.
 *
 * @example const output = await runMapping(dotted, file, event.payload, {});
 */
export function runMapping(
  format: FormatDefinition,
  file: MappingFile,
  input: unknown,
  options: RunOptions,
  trace?: RunTrace,
): Maybe<Result<unknown>> {
  const plan = options.interpret ? undefined : planFor(format, file);
  if (plan && !touched(plan, file, options.overrides)) {
    trace?.mappings.push(file.path, ...plan.libraries);
    const result = runCompiled(file, plan.code, input, plan.bindings, mappingError);
    if (result.ok) return result;
    return interpreted(format, file, input, { ...options, interpret: true }).then((again) =>
      again.ok ? result : again,
    );
  }
  return interpreted(format, file, input, options, trace);
}

function touched(plan: Plan, file: MappingFile, overrides?: ReadonlyMap<string, string>): boolean {
  if (!overrides || overrides.size === 0) return false;
  return overrides.has(file.path) || plan.libraries.some((path) => overrides.has(path));
}

/** The compiled plan of a shipped file for a format, made once per isolate; null if there is none. */
function planFor(format: FormatDefinition, file: MappingFile): Plan | undefined {
  const key = `${format.id}\n${file.path}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = makePlan(format, file);
    plans.set(key, plan);
  }
  return plan ?? undefined;
}

function makePlan(format: FormatDefinition, file: MappingFile): Plan | null {
  const code = compiledFor(file);
  if (!code) return null;
  const variables = baseVariables(format);
  const libraries: string[] = [];
  for (const [name, library] of librariesNamedBy(format, file)) {
    if (!compiledFor(library)) return null;
    const value = loadCompiledLibrary(library, { ...variables });
    if (!value.ok) return null; // the interpreter path reports it
    variables[name] = value.value;
    libraries.push(library.path);
  }
  return { code, bindings: { ...mappingFunctions, ...variables }, libraries };
}

function baseVariables(format: FormatDefinition): Record<string, unknown> {
  return { format: format.id, platform: format.name, ...format.variables };
}

function withOverride(file: MappingFile, options: RunOptions): MappingFile {
  const text = options.overrides?.get(file.path);
  return text === undefined ? file : { path: file.path, text, edited: true };
}

/** The general path: edited copies, files without compiled code, `interpret: true`. */
async function interpreted(
  format: FormatDefinition,
  file: MappingFile,
  input: unknown,
  options: RunOptions,
  trace?: RunTrace,
): Promise<Result<unknown>> {
  trace?.mappings.push(file.path);
  const mapping = withOverride(file, options);
  const variables = baseVariables(format);
  const libraries = librariesNamedBy(format, mapping).map(
    ([name, library]) => [name, withOverride(library, options)] as const,
  );
  // Compiled only when the file and every library it names are: a compiled mapping calls the
  // compiled library's functions, an interpreted one the interpreter's.
  const compiled =
    !options.interpret &&
    compiledFor(mapping) !== undefined &&
    libraries.every(([, library]) => compiledFor(library) !== undefined);
  for (const [name, library] of libraries) {
    const value = await loadLibrary(library, { ...variables }, compiled);
    if (!value.ok) return value;
    variables[name] = value.value;
    trace?.mappings.push(library.path);
  }
  if (trace && !compiled) {
    trace.interpreted ??= [];
    trace.interpreted.push(file.path, ...libraries.map(([, library]) => library.path));
  }
  const result = await evaluate(mapping, input, variables, compiled);
  if (!result.ok && !compiled)
    for (const [, library] of libraries) forgetLibrary(library, format.id);
  if (result.ok || !compiled) return result;
  const again = await interpreted(format, file, input, { ...options, interpret: true });
  return again.ok ? result : again;
}

const librariesByFile = new WeakMap<MappingFile, Array<[string, MappingFile]>>();

/** The format's libraries a mapping file names (`$readers`), found once per file. */
function librariesNamedBy(
  format: FormatDefinition,
  mapping: MappingFile,
): Array<[string, MappingFile]> {
  let named = librariesByFile.get(mapping);
  if (!named) {
    named = Object.entries(format.libraries ?? {}).filter(([name]) =>
      mapping.text.includes(`$${name}`),
    );
    librariesByFile.set(mapping, named);
  }
  return named;
}
