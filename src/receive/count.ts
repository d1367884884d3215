import { createMiddleware } from "hono/factory";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { findFormat } from "../formats/index.ts";
import { countAnswer } from "../store/index.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The request reached the event store's admission, which counts it (`GET /metrics`). */
    admitting?: true;
  }
}

/**
 * Counts, for `GET /metrics`, each `POST /webhooks/:source` of a known source that was answered
 * without an admission: rejected (400, 401, 413, 415), refused (503: the configuration) or a
 * handshake (a Support Hunt test POST). One call to one shard after the answer is sent
 * (`waitUntil`: the sender never waits for it). An admitted request is counted by the admission
 * itself, and one the store refused is not counted (the store was not answering). Unknown
 * sources (404) are not counted: a label per arbitrary path would grow without bound.
 *
 * @example webhookRoutes.use("/:source", countAnswers);
 */
export const countAnswers = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  await next();
  if (c.req.method !== "POST" || c.get("admitting")) return;
  const format = findFormat(c.req.param("source") ?? "");
  if (!format.ok) return;
  const counted = countAnswer(c.env, format.value.id, c.res.status).catch((error: unknown) => {
    log("warn", "a rejected request was not counted (GET /metrics)", {
      source: format.value.id,
      status: c.res.status,
      error: String(error).slice(0, 200),
    });
  });
  c.executionCtx.waitUntil(counted);
});
