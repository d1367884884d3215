/** Types for runtime.js, as much as the workerd bench uses. */
export interface Context {
  waitUntil(promise: Promise<unknown>): void;
}
export const env: Record<string, unknown>;
export function createExecutionContext(): Context;
export function waitOnExecutionContext(ctx: Context): Promise<void>;
export const worker: {
  fetch(request: Request, env: Record<string, unknown>, ctx: Context): Promise<Response>;
};
/** A route as the consumer's gate reads it (src/config Route, the fields the gate uses). */
export interface GateRoute {
  name: string;
  sources: string[] | "*";
  target: string;
  url: string;
  maxPerSecond?: number;
}
export function batchGates(env: Record<string, unknown>): {
  admit(
    route: GateRoute,
    request: { event: string; deliveries: number; tries: number },
  ): Promise<{ kind: string }>;
};
