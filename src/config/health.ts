import { createRoute } from "@hono/zod-openapi";
import pkg from "../../package.json";
import { adminAccess } from "../admin/auth.ts";
import { defineRoute, ErrorBody, Health, openApiApp } from "../openapi/schemas.ts";
import { shardStub } from "../store/index.ts";
import { whereCompiled } from "../translate/where.ts";
import type { Env } from "./env.ts";
import { devSinkEnabled, loadConfig, routeKeys, verification } from "./index.ts";

/** A URL without its query string or credentials, for showing. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** `probe` resolves within 2 seconds: reachable, and how long it took; else why not. */
async function answers(probe: () => Promise<unknown>) {
  const started = Date.now();
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer within 2000 ms")), 2000);
    });
    await Promise.race([probe(), timeout]).finally(() => clearTimeout(timer));
    return { reachable: true, latencyMs: Date.now() - started };
  } catch (error) {
    return {
      reachable: false,
      latencyMs: Date.now() - started,
      error: String((error as Error)?.message ?? error).slice(0, 200),
    };
  }
}

/** D1 answers a trivial query (`SELECT 1`), within 2 seconds. */
function storageCheck(db: D1Database | undefined) {
  if (!db)
    return { reachable: false, error: "the DB binding is missing (wrangler.toml d1_databases)" };
  return answers(() => db.prepare("SELECT 1").first());
}

/**
 * The event store answers: shard 0 reads an event by its primary key (one Durable Object call,
 * row 1 with a tag no event has: a read of nothing; not row 0, which asks for a lookup of a D1
 * store id and is only for `shard-legacy`), within 2 seconds; the listing index is checked to be bound. Not a check of
 * every shard: an object that refuses is answered 503 where it is used (docs/store.md).
 */
function storeCheck(env: Env) {
  if (!env.EVENT_STORE || !env.EVENT_INDEX) {
    return {
      reachable: false,
      error: "the EVENT_STORE or EVENT_INDEX binding is missing (wrangler.toml durable_objects)",
    };
  }
  return answers(() => shardStub(env, 0).event(0, 1, "00000000"));
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
  summary: "Status and version; with the admin token, routes, sources, storage and queue",
  description:
    "Public: `{status, version}` only, for load balancers and uptime checks: 200 `ok`; 500 `error` when the configuration is invalid (webhooks answer 503 until fixed); 503 `error` when D1 or the event store (shard 0) does not answer or a binding is missing. With `Authorization: Bearer <ADMIN_TOKEN>` the same statuses carry the details: `errors` naming each configuration mistake, the routes (no secrets: only whether each is signed), which sources are verified, the bindings, and `warnings` (no route configured). A wrong bearer token is 401.",
  security: [{}, { adminToken: [] }],
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: Health } } },
    401: {
      description: "A bearer token was sent and it is not the admin token",
      content: { "application/json": { schema: ErrorBody } },
    },
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
 * `GET /health`. Everyone gets `{status, version}` and the status code (200 ok; 500 invalid
 * configuration; 503 storage (D1, the event store) not answering or a binding missing). With the admin token the answer
 * also names the configuration errors, the routes (no secrets: only whether each is signed),
 * which sources are verified, the bindings (D1 answers `SELECT 1`; the queue binding is present)
 * and warnings (no route configured): what a stranger must not learn, since unverified sources
 * are where events can be injected.
 */
export const healthRoutes = openApiApp<{ Bindings: Env }>();
defineRoute(healthRoutes, healthRoute, async (c) => {
  const access = adminAccess(c.env.ADMIN_TOKEN, c.req.header("authorization"));
  if (access === "wrong") {
    return c.json(
      { error: "unauthorized", message: "The bearer token is not the admin token." },
      401,
      { "WWW-Authenticate": 'Bearer realm="health"' },
    );
  }
  const report = await healthReport(c.env);
  const status = report.status === "ok" ? 200 : report.config ? 503 : 500;
  const { config: _, ...detail } = report;
  if (access !== "admin") return c.json({ status: report.status, version: pkg.version }, status);
  return c.json(detail, status);
});

/** Everything `/health` knows; `config` is false when the configuration is invalid. */
async function healthReport(env: Env) {
  const config = loadConfig(env);
  const [storage, store] = await Promise.all([
    storageCheck(env.DB as D1Database | undefined),
    storeCheck(env),
  ]);
  const queue = queueCheck(env.DELIVERY_QUEUE);
  const common = {
    version: pkg.version,
    sources: verification(env),
    adminEnabled: typeof env.ADMIN_TOKEN === "string" && env.ADMIN_TOKEN !== "",
    devSink: devSinkEnabled(env),
    bindings: { storage, store, queue },
  };
  if (!config.ok) {
    return { status: "error" as const, config: false, errors: config.errors, ...common };
  }
  const { routes, settings } = config.config;
  const warnings = [
    ...(routes.length === 0
      ? [
          "No destination is configured: set TARGET_FORMAT and DESTINATION_URL, or ROUTES. Webhooks answer 503 until then.",
        ]
      : []),
    ...common.sources.refused.map((refused) => refused.reason),
  ];
  const down = [
    ...(storage.reachable ? [] : [`storage (D1) is not reachable: ${storage.error}`]),
    ...(store.reachable ? [] : [`the event store is not reachable: ${store.error}`]),
    ...(queue.bound ? [] : [queue.note]),
  ];
  return {
    status: down.length > 0 ? ("error" as const) : ("ok" as const),
    config: true,
    ...common,
    routes: routes.map((route) => ({
      name: route.name,
      sources: route.sources,
      target: route.target,
      url: safeUrl(route.url),
      ...(route.events ? { events: route.events } : {}),
      ...(route.cloudevents ? { cloudevents: route.cloudevents } : {}),
      ...(route.headers ? { headers: Object.keys(route.headers) } : {}),
      ...(route.where !== undefined
        ? { where: route.where, whereCompiled: whereCompiled(route.where) }
        : {}),
      signed: routeKeys(env, route) !== undefined,
    })),
    settings,
    ...(down.length > 0 ? { errors: down } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
