import { createRoute } from "@hono/zod-openapi";
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { gateOf } from "../coordinate/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { dayAgo, nowSeconds } from "../storage/index.ts";
import { mergeMinutes } from "../store/counts.ts";
import { requireAdmin } from "./auth.ts";
import { Activity } from "./schemas.ts";

const admin = { tags: ["admin"], security: [{ adminToken: [] }] };
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * `GET /activity`: delivery attempts per minute by outcome over the last 24 hours, for the
 * console's chart. Each route's RouteGate counts them as the consumer reports its batches
 * (src/store/counts.ts): one call per configured route, nothing counted over the events.
 */
export const activityRoutes = openApiApp<{ Bindings: Env }>();
activityRoutes.use("*", requireAdmin);

defineRoute(
  activityRoutes,
  createRoute({
    method: "get",
    path: "/",
    ...admin,
    summary: "Delivery attempts per minute by outcome over the last 24 hours (for the chart)",
    responses: {
      200: {
        description: "Minutes with any activity, oldest first",
        content: { "application/json": { schema: Activity } },
      },
      ...errors(401, 503),
    },
  }),
  async (c) => {
    const from = dayAgo();
    const config = loadConfig(c.env);
    const routes = config.ok ? config.config.routes : [];
    // One call per configured route to its RouteGate, which counts as deliveries happen.
    const minutes = mergeMinutes(
      await Promise.all(routes.map((route) => gateOf(c.env, route.name).activity(from * 1000))),
    );
    return c.json({
      from: iso(from),
      to: iso(nowSeconds()),
      minutes: minutes.map((m) => ({ ...m, at: iso(m.at) })),
    });
  },
);
