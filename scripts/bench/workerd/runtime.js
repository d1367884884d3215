// The Workers-only modules the workerd bench needs, behind runtime.d.ts: scripts/ is type-checked
// with Node's types (tsconfig -p scripts), where "cloudflare:*" and the Worker's bindings do not exist.
export { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
export { env } from "cloudflare:workers";
export { default as worker } from "../../../src/index.ts";
