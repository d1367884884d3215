import { createRoute } from "@hono/zod-openapi";
import pkg from "../../package.json";
import { defineRoute, Health, openApiApp } from "../openapi/schemas.ts";
import type { Env } from "./env.ts";
import { devSinkEnabled, loadConfig, routeKeys, verification } from "./index.ts";

/** Shows a destination without its query string or credentials (they may carry tokens). */
/** A URL without its query string or credentials, for showing. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** D1 answers a trivial query (`SELECT 1`), within 2 seconds. */
async function storageCheck(db: D1Database | undefined) {
  if (!db)
    return { reachable: false, error: "the DB binding is missing (wrangler.toml d1_databases)" };
  const started = Date.now();
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer within 2000 ms")), 2000);
    });
    await Promise.race([db.prepare("SELECT 1").first(), timeout]).finally(() =>
      clearTimeout(timer),
    );
    return { reachable: true, latencyMs: Date.now() - started };
  } catch (error) {
    return {
      reachable: false,
      latencyMs: Date.now() - started,
      error: String((error as Error)?.message ?? error).slice(0, 200),
    };
  }
}

/**
 * The queue binding is only checked to be there: a Queue has no read or ping, and a send would
 * enqueue a message. A queue that is down shows as 503 `unavailable` on webhooks.
 */
function queueCheck(queue: unknown) {
  const bound = typeof (queue as Queue | undefined)?.sendBatch === "function";
  return {
    bound,
    note: bound
      ? "binding present; not sent to (a send would enqueue a message)"
      : "the DELIVERY_QUEUE binding is missing (wrangler.toml queues.producers)",
  };
}

export const healthRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["operate"],
  summary: "Version, routes (no secrets), verified sources, storage and queue",
  description:
    "200 when the configuration is valid and storage answers. 500 `status: error` with `errors` naming each configuration mistake (webhooks answer 503 until fixed). 503 `status: error` when D1 does not answer or a binding is missing. With no route configured, `warnings` says so (webhooks answer 503).",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: Health } } },
    500: {
      description: "The configuration is invalid",
      content: { "application/json": { schema: Health } },
    },
    503: {
      description: "Storage or the queue is not available",
      content: { "application/json": { schema: Health } },
    },
  },
});

/**
 * `GET /health`: 200 `{status: "ok"}` with the version, the routes (no secrets: only whether each
 * is signed), which sources are verified, and the bindings (D1 answers `SELECT 1`; the queue
 * binding is present); 500 `{status: "error", errors: [...]}` naming each configuration mistake;
 * 503 when storage does not answer or a binding is missing. With no route configured it says so
 * in `warnings` (webhooks answer 503).
 */
export const healthRoutes = openApiApp<{ Bindings: Env }>();
defineRoute(healthRoutes, healthRoute, async (c) => {
  const config = loadConfig(c.env);
  const sources = verification(c.env);
  const storage = await storageCheck(c.env.DB as D1Database | undefined);
  const queue = queueCheck(c.env.DELIVERY_QUEUE);
  const common = {
    version: pkg.version,
    sources,
    adminEnabled: typeof c.env.ADMIN_TOKEN === "string" && c.env.ADMIN_TOKEN !== "",
    devSink: devSinkEnabled(c.env),
    bindings: { storage, queue },
  };
  if (!config.ok) {
    return c.json({ status: "error", errors: config.errors, ...common }, 500);
  }
  const { routes, settings } = config.config;
  const down = [
    ...(storage.reachable ? [] : [`storage (D1) is not reachable: ${storage.error}`]),
    ...(queue.bound ? [] : [queue.note]),
  ];
  return c.json(
    {
      status: down.length > 0 ? "error" : "ok",
      ...common,
      routes: routes.map((route) => ({
        name: route.name,
        sources: route.sources,
        target: route.target,
        url: safeUrl(route.url),
        ...(route.events ? { events: route.events } : {}),
        ...(route.cloudevents ? { cloudevents: route.cloudevents } : {}),
        signed: routeKeys(c.env, route) !== undefined,
      })),
      settings,
      ...(down.length > 0 ? { errors: down } : {}),
      ...(routes.length === 0
        ? {
            warnings: [
              "No destination is configured: set TARGET_FORMAT and DESTINATION_URL, or ROUTES. Webhooks answer 503 until then.",
            ],
          }
        : {}),
    },
    down.length > 0 ? 503 : 200,
  );
});
