// The Workers-only modules the workerd bench needs, behind runtime.d.ts: scripts/ is type-checked
// with Node's types (tsconfig -p scripts), where "cloudflare:*" and the Worker's bindings do not exist.
export { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
export { env } from "cloudflare:workers";
// The consumer's route gate (src/coordinate), typed loosely in runtime.d.ts: its own types need
// the Workers types, which scripts/ is not type-checked with.
export { batchGates } from "../../../src/coordinate/index.ts";
export { default as worker } from "../../../src/index.ts";
