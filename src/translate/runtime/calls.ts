/**
 * Calling functions from compiled mappings, as jsonata's `apply`: lambdas (compiled JavaScript
 * functions flagged `lambda`), built-ins (objects with an implementation and a signature), the
 * engine's plain functions; tail calls as thunks run by a trampoline (so a tail-recursive mapping
 * loops without growing the stack); and the positions jsonata gives to errors raised inside.
 */
import { mappingFunctions } from "../functions.ts";
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

/**
 * Errors raised by a tail call that a lambda made in place (see `tail`): in jsonata the call
 * runs after the lambda returned, so the lambda's own application does not locate them.
 */
const untold = new WeakSet<object>();

/** Marks an error raised by a tail call made in place. Generated lambdas call it. */
export function tailError(error: V): void {
  if (error !== null && typeof error === "object") untold.add(error);
}

/** What jsonata's applyInner does with an error a lambda (or any function) raised. */
function invoked(error: V, proc: V): void {
  if (error !== null && typeof error === "object" && untold.delete(error)) return;
  locate(error, proc);
}

/** What jsonata's evaluateFunction does with an error from a call. */
function fill(error: V, at: number, token: string): void {
  if (error !== null && typeof error === "object") {
    if (!error.position) error.position = at;
    if (!error.token) error.token = token;
  }
}

/**
 * The engine's functions (src/translate/functions.ts): they never throw and ignore `this`, so
 * calling one directly is what jsonata's apply would do.
 */
const total = new Set<unknown>(Object.values(mappingFunctions));

/** A compiled lambda without a signature: its arguments pass as they are. */
function plainLambda(proc: V): boolean {
  return typeof proc === "function" && proc.lambda === true && proc.signature === undefined;
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
    invoked(error, proc);
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
 * `apply(fn, hofArgs(fn, a, b, c), undefined, depth)` as a higher-order built-in calls its
 * function: a lambda without a signature is called in place (it ignores arguments past its
 * parameters, as `hofArgs` would have left them out).
 */
export function applyEach(fn: V, a: V, b: V, c: V, depth: number): V {
  if (!plainLambda(fn) || typeof fn.arity === "number")
    return apply(fn, hofArgs(fn, a, b, c), undefined, depth);
  state.depth = depth;
  let result: V;
  try {
    result = fn(a, b, c);
  } catch (error) {
    invoked(error, fn);
    throw error;
  }
  return result instanceof Thunk ? trampoline(result, undefined, depth) : result;
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
    fill(error, at, token);
    throw error;
  }
}

/** A lambda about to be called in place: where it is called from, at which depth (as `call`). */
function enter(proc: V, depth: number, at: number, token: string): V {
  proc.token = token;
  proc.position = at;
  state.depth = depth;
  return proc;
}

/** An error from a lambda called in place, located as `call` locates it. */
function failed(error: V, proc: V, at: number, token: string): V {
  invoked(error, proc);
  fill(error, at, token);
  return error;
}

/** The result of a lambda called in place: a tail call it returned runs here, as in `call`. */
function settle(result: V, input: V, depth: number, at: number, token: string): V {
  if (!(result instanceof Thunk)) return result;
  try {
    return trampoline(result, input, depth);
  } catch (error) {
    fill(error, at, token);
    throw error;
  }
}

/**
 * `call` with one argument, without its array: a lambda without a signature and the engine's
 * functions are called in place (the same steps as `call`); anything else goes to `call`.
 * @example R.call1(v_id, x, D + 2, 437, "id", I)
 */
export function call1(proc: V, a: V, depth: number, at: number, token: string, input: V): V {
  if (plainLambda(proc)) {
    let result: V;
    try {
      result = enter(proc, depth, at, token)(a);
    } catch (error) {
      throw failed(error, proc, at, token);
    }
    return settle(result, input, depth, at, token);
  }
  if (total.has(proc)) {
    state.depth = depth;
    return proc(a);
  }
  return call(proc, [a], depth, at, token, input);
}

/** `call` with two arguments (see `call1`). */
export function call2(proc: V, a: V, b: V, depth: number, at: number, token: string, input: V): V {
  if (plainLambda(proc)) {
    let result: V;
    try {
      result = enter(proc, depth, at, token)(a, b);
    } catch (error) {
      throw failed(error, proc, at, token);
    }
    return settle(result, input, depth, at, token);
  }
  if (total.has(proc)) {
    state.depth = depth;
    return proc(a, b);
  }
  return call(proc, [a, b], depth, at, token, input);
}

/** `call` with three arguments (see `call1`). */
export function call3(
  proc: V,
  a: V,
  b: V,
  c: V,
  depth: number,
  at: number,
  token: string,
  input: V,
): V {
  if (plainLambda(proc)) {
    let result: V;
    try {
      result = enter(proc, depth, at, token)(a, b, c);
    } catch (error) {
      throw failed(error, proc, at, token);
    }
    return settle(result, input, depth, at, token);
  }
  if (total.has(proc)) {
    state.depth = depth;
    return proc(a, b, c);
  }
  return call(proc, [a, b, c], depth, at, token, input);
}

/**
 * A tail call a lambda makes in place (its procedure and arguments already evaluated, inside
 * the lambda): an engine function is called now; anything else becomes the thunk jsonata makes,
 * run by the trampoline of whoever applied the lambda. `depth` is that caller's.
 * @example return (T = true, R.tail(B["stringId"], [v_x_723], D - 1, 453, "stringId"))
 */
export function tail(proc: V, args: V[], depth: number, at: number, token: string | undefined): V {
  if (total.has(proc)) {
    state.depth = depth;
    return proc(...args);
  }
  return new Thunk(() => [proc, args, at, token]);
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
