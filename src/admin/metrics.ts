import { createRoute, z } from "@hono/zod-openapi";
import { METRICS_CONTENT_TYPE, renderMetrics } from "../alerts/metrics.ts";
import { AlertEventSchema } from "../alerts/schema.ts";
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { watchRoute } from "../coordinate/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { deadLettersByRoute } from "../storage/index.ts";
import { sourceCounts } from "../store/index.ts";
import { requireAdmin } from "./auth.ts";

/**
 * `GET /metrics` (admin token): Prometheus text exposition. All in parallel: one call per shard
 * of the event store (its per-source counters, a few rows), one per configured route to its
 * RouteGate object (counters, histograms, held, waiting, circuit) and one small D1 read (dead
 * letters kept per route); nothing is counted over the events. See docs/operating-alerts.md.
 */
export const metricsRoutes = openApiApp<{ Bindings: Env }>();
metricsRoutes.use("*", requireAdmin);
// The alert events are described with the API (components), though they are sent, not served.
metricsRoutes.openAPIRegistry.register("AlertEvent", AlertEventSchema);

defineRoute(
  metricsRoutes,
  createRoute({
    method: "get",
    path: "/",
    tags: ["admin"],
    security: [{ adminToken: [] }],
    summary: "Counters, gauges and histograms per source and route, in Prometheus text format",
    responses: {
      200: {
        description:
          "Prometheus text exposition 0.0.4: counters webhook_requests_received_total, webhook_events_accepted_total, webhook_events_duplicates_total (label source), webhook_requests_rejected_total (labels source, code); webhook_deliveries_delivered_total, webhook_delivery_attempts_failed_total, webhook_deliveries_dead_total, webhook_deliveries_filtered_total, webhook_deliveries_skipped_total (labels source, route); gauges webhook_route_held_deliveries, webhook_route_waiting_deliveries, webhook_route_retrying_deliveries, webhook_route_dead_letters, webhook_route_paused, webhook_route_circuit_open (label route), webhook_circuits_open; histograms webhook_delivery_attempt_duration_seconds, webhook_delivery_latency_seconds (label route)",
        content: { "text/plain": { schema: z.string() } },
      },
      ...errors(401, 503),
    },
  }),
  async (c) => {
    const config = loadConfig(c.env);
    if (!config.ok) {
      return c.json(
        {
          error: "invalid_config",
          message: `The configuration is invalid: ${config.errors.join("; ")}`,
        },
        503,
      );
    }
    const read = await Promise.all([
      sourceCounts(c.env),
      deadLettersByRoute(c.env.DB),
      Promise.all(config.config.routes.map((route) => watchRoute(c.env, route))),
    ]).catch((error: unknown) => error as Error);
    if (read instanceof Error) {
      // A partial answer would read as counters going back to zero: none is given.
      return c.json(
        {
          error: "unavailable",
          message: `The counters could not all be read (${read.message.slice(0, 200)}); nothing is answered rather than a partial sum. Prometheus tries again at the next scrape.`,
        },
        503,
      );
    }
    const [sources, dead, watched] = read;
    const samples = config.config.routes.map((route, index) => {
      const seen = watched[index] as Awaited<ReturnType<typeof watchRoute>>;
      return {
        route: route.name,
        meter: seen.meter,
        status: seen.status,
        deadLetters: dead.get(route.name) ?? 0,
      };
    });
    return c.body(await renderMetrics(sources, samples), 200, {
      "Content-Type": METRICS_CONTENT_TYPE,
    });
  },
);
