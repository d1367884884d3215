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
