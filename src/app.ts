import { OpenAPIHono } from "@hono/zod-openapi";
import {
  activityRoutes,
  deadLetterRoutes,
  eraseRoutes,
  eventRoutes,
  metricsRoutes,
  routeRoutes,
  routeTestRoutes,
} from "./admin/index.ts";
import { healthRoutes } from "./config/health.ts";
import { log } from "./config/log.ts";
import { consoleRoutes } from "./console/index.tsx";
import { devSinkRoutes } from "./dev/index.ts";
import { toResponseBody } from "./errors/index.ts";
import { formatIds } from "./formats/index.ts";
import { mountApiDocs } from "./openapi/index.ts";
import { playgroundRoutes } from "./playground/index.ts";
import { webhookRoutes } from "./receive/index.ts";
import { formatRoutes, translateRoutes } from "./translate/routes.ts";

/**
 * The HTTP surface of the Worker. Each concern mounts its own routes; those built with
 * `openApiApp` (src/openapi/schemas.ts) are described in `GET /openapi.json` and `GET /docs`.
 */
export const app = new OpenAPIHono();

declare module "hono" {
  interface ContextVariableMap {
    /** Set for every request (see the log middleware); routes add it to their own log lines. */
    requestId: string;
  }
}

const known = new Set(formatIds);

/** The format ids named by a webhook or translate path (only known ids: never arbitrary text). */
function formatsOf(path: string): { source?: string; target?: string } {
  const [, area, source, target] = path.split("/");
  if (area !== "webhooks" && area !== "translate") return {};
  return {
    ...(source && (known.has(source) || source === "auto") ? { source } : {}),
    ...(area === "translate" && target && known.has(target) ? { target } : {}),
  };
}

/**
 * One JSON log line per request: request id, method, path, status, latency, and the source (and
 * target) format of webhook and translate paths; never bodies, headers or query strings. The
 * request id is Cloudflare's `cf-ray` when there is one (so it matches the dashboard), and is
 * answered as `X-Request-Id`.
 */
app.use("*", async (c, next) => {
  const started = Date.now();
  const requestId = c.req.header("cf-ray")?.slice(0, 64) || crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  c.header("X-Request-Id", requestId);
  const path = new URL(c.req.url).pathname;
  log(c.res.status >= 500 ? "error" : "info", "request", {
    requestId,
    method: c.req.method,
    path: path.slice(0, 200),
    ...formatsOf(path),
    status: c.res.status,
    latencyMs: Date.now() - started,
  });
});

app.route("/translate", translateRoutes);
app.route("/formats", formatRoutes);
app.route("/webhooks", webhookRoutes);
app.route("/deadletters", deadLetterRoutes);
app.route("/routes", routeRoutes);
app.route("/routes", routeTestRoutes);
app.route("/events", eventRoutes);
app.route("/events", eraseRoutes);
app.route("/activity", activityRoutes);
app.route("/console", consoleRoutes);
app.route("/health", healthRoutes);
app.route("/metrics", metricsRoutes);
app.route("/dev/sink", devSinkRoutes);
app.route("/playground", playgroundRoutes);
mountApiDocs(app);

app.notFound((c) =>
  c.json(
    toResponseBody({
      code: "not_found",
      status: 404,
      message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    }),
    404,
  ),
);

app.onError((error, c) => {
  console.error(
    JSON.stringify({ level: "error", message: "unhandled error", error: String(error) }),
  );
  return c.json(
    {
      error: "internal_error",
      message: "Something went wrong on our side; the request was not processed.",
    },
    500,
  );
});
