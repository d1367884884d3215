import { Hono } from "hono";
import { deadLetterRoutes } from "./admin/index.ts";
import { healthRoutes } from "./config/health.ts";
import { log } from "./config/log.ts";
import { devSinkRoutes } from "./dev/index.ts";
import { toResponseBody } from "./errors/index.ts";
import { playgroundRoutes } from "./playground/index.ts";
import { webhookRoutes } from "./receive/index.ts";
import { formatRoutes, translateRoutes } from "./translate/routes.ts";

/** The HTTP surface of the Worker. Each concern mounts its own routes. */
export const app = new Hono();

// One JSON log line per request: method, path, status, latency (never bodies or headers).
app.use("*", async (c, next) => {
  const started = Date.now();
  await next();
  log(c.res.status >= 500 ? "error" : "info", "request", {
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    status: c.res.status,
    latencyMs: Date.now() - started,
  });
});

app.route("/translate", translateRoutes);
app.route("/formats", formatRoutes);
app.route("/webhooks", webhookRoutes);
app.route("/deadletters", deadLetterRoutes);
app.route("/health", healthRoutes);
app.route("/dev/sink", devSinkRoutes);
app.route("/playground", playgroundRoutes);

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
