/**
 * Calling functions from compiled mappings, as jsonata's `apply`: lambdas (compiled JavaScript
 * functions flagged `lambda`), built-ins (objects with an implementation and a signature), the
 * engine's plain functions; tail calls as thunks run by a trampoline (so a tail-recursive mapping
 * loops without growing the stack); and the positions jsonata gives to errors raised inside.
 */
import { state, type V } from "./core.ts";
import type { MappingError } from "./errors.ts";
import type { Signature } from "./signature.ts";

/** A compiled lambda. */
export type Lambda = ((...args: V[]) => V) & {
  lambda: true;
  signature?: Signature;
  token?: string;
  position?: number;
};

/** A built-in function as a value (what `$string` evaluates to). */
export interface Builtin {
  _jsonata_function: true;
  implementation: (...args: V[]) => V;
  signature: Signature;
  token?: string;
  position?: number;
}

/** Marks a compiled function as a JSONata lambda. */
export function lambda(fn: (...args: V[]) => V, signature?: Signature): Lambda {
  const l = fn as Lambda;
  l.lambda = true;
  if (signature) l.signature = signature;
  return l;
}

export function isLambda(value: V): value is Lambda {
  return typeof value === "function" && value.lambda === true;
}

export function isBuiltin(value: V): value is Builtin {
  return value !== null && typeof value === "object" && value._jsonata_function === true;
}

/** A pending tail call: evaluates the callee and its arguments, then the trampoline calls it. */
export class Thunk {
  constructor(readonly run: () => [V, V[], number, string | undefined]) {}
}

function locate(error: V, proc: V): void {
  if (error === null || typeof error !== "object" || !proc) return;
  if (error.token === undefined && proc.token !== undefined) error.token = proc.token;
  error.position = proc.position || error.position;
}

/** One application, without the trampoline (jsonata's applyInner). */
function applyOnce(proc: V, args: V[], input: V, depth: number): V {
  state.depth = depth;
  try {
    if (isLambda(proc))
      return proc(...(proc.signature ? proc.signature.validate(args, input) : args));
    if (isBuiltin(proc)) return proc.implementation(...proc.signature.validate(args, input));
    if (typeof proc === "function") return proc.apply(input, args);
    throw { code: "T1006" } satisfies MappingError;
  } catch (error) {
    locate(error, proc);
    throw error;
  }
}

function trampoline(result: V, input: V, depth: number): V {
  let r = result;
  while (r instanceof Thunk) {
    state.depth = depth;
    const [next, args, at, token] = r.run();
    if (next === undefined || next === null)
      throw new TypeError(
        `Cannot set properties of ${next} (setting '${token === undefined ? "position" : "token"}')`,
      );
    if (typeof next === "object" || typeof next === "function") {
      const target = next as { token?: string; position?: number };
      if (token !== undefined) target.token = token;
      target.position = at;
    }
    r = applyOnce(next, args, input, depth);
  }
  return r;
}

/**
 * Applies a function value to arguments (jsonata's `apply`), as a built-in does with the
 * function it was given. `depth` is the evaluation depth of the caller.
 */
export function apply(proc: V, args: V[], input: V, depth: number): V {
  return trampoline(applyOnce(proc, args, input, depth), input, depth);
}

/**
 * A function call in a mapping (`$f(a, b)`): the call's position `at` and the callee's name
 * `token` end up on any error raised inside, as in the interpreter.
 */
export function call(proc: V, args: V[], depth: number, at: number, token: string, input: V): V {
  if (isLambda(proc) || isBuiltin(proc)) {
    proc.token = token;
    proc.position = at;
  }
  try {
    return trampoline(applyOnce(proc, args, input, depth), input, depth);
  } catch (error) {
    if (error !== null && typeof error === "object") {
      const e = error as { position?: number; token?: string };
      if (!e.position) e.position = at;
      if (!e.token) e.token = token;
    }
    throw error;
  }
}

/** Arguments a higher-order built-in passes: as many as the function declares (at least one). */
export function hofArgs(fn: V, a: V, b: V, c: V): V[] {
  const arity =
    typeof fn.arity === "number"
      ? fn.arity
      : isBuiltin(fn)
        ? fn.implementation.length
        : typeof fn.length === "number"
          ? fn.length
          : 1;
  if (arity >= 3) return [a, b, c];
  if (arity >= 2) return [a, b];
  return [a];
}

/** `value ~> $f` where `$f` is a function value (not a call): `$f(value)`, or a composition. */
export function pipe(value: V, func: V, depth: number, at: number): V {
  if (!isFnValue(func)) throw { code: "T2006", position: at, value: func } satisfies MappingError;
  if (isFnValue(value))
    return lambda((x: V) =>
      apply(func, [apply(value, [x], undefined, state.depth)], undefined, state.depth),
    );
  return apply(func, [value], undefined, depth);
}

function isFnValue(value: V): boolean {
  return (
    typeof value === "function" ||
    isBuiltin(value) ||
    (value !== null && typeof value === "object" && value._jsonata_lambda === true)
  );
}
