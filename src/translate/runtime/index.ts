/**
 * The runtime of compiled mappings: what generated code (src/translate/generated/, written by
 * `scripts/compile/`) imports. See scripts/compile/README.md for how a mapping becomes code.
 */
export { builtins, regex } from "./builtins.ts";
export {
  apply,
  call,
  call1,
  call2,
  call3,
  isBuiltin,
  isLambda,
  lambda,
  pipe,
  Thunk,
  tail,
  tailError,
} from "./calls.ts";
export {
  append,
  boolean,
  deep,
  filter,
  index,
  isNumeric,
  LIMITS,
  lookup,
  nameStep,
  names,
  norm,
  normKeep,
  path,
  push,
  seq,
  seq1,
  state,
  step,
  truthy,
  U,
  unwrap,
  vnames,
  wrapInput,
} from "./core.ts";
export { isMappingError, type MappingError, withMessage } from "./errors.ts";
export { fx, TAIL } from "./fast.ts";
export {
  and,
  arith,
  array,
  compare,
  concat,
  ctx,
  eq,
  group,
  groupData,
  inArray,
  ne,
  negate,
  or,
  setKey,
  string,
} from "./operators.ts";
export { parseSignature } from "./signature.ts";
