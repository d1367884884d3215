import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { safeUrl } from "../config/health.ts";
import { type Config, loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { gateStatus, pauseRoute, resumeRoute } from "../coordinate/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { countsByRoute, dayAgo } from "../storage/index.ts";
import { jsonOnly } from "../validate/index.ts";
import { requireAdmin } from "./auth.ts";
import { RouteList, RouteParams, RouteState } from "./schemas.ts";

type Ctx = Context<{ Bindings: Env }>;
const admin = { tags: ["admin"], security: [{ adminToken: [] }] };

/**
 * `GET /routes`: every configured route with its pause state, held deliveries, rate limit and
 * delivery counts. `POST /routes/:name/pause` and `/resume`: 200 with the new state. The state
 * lives in the route's Durable Object (src/coordinate), so it holds across deploys and isolates.
 */
export const routeRoutes = openApiApp<{ Bindings: Env }>();
routeRoutes.use("*", requireAdmin, jsonOnly());

/** The configuration, or the 503 answer naming its problems. */
function configOr503(c: Ctx): Config | Response {
  const config = loadConfig(c.env);
  if (config.ok) return config.config;
  return c.json(
    {
      error: "invalid_config",
      message: `The configuration is invalid: ${config.errors.join("; ")}`,
      errors: config.errors,
    },
    503,
  );
}

defineRoute(
  routeRoutes,
  createRoute({
    method: "get",
    path: "/",
    ...admin,
    summary: "Every route: paused or not, held deliveries, rate limit, counts of the last 24 h",
    responses: {
      200: {
        description: "The configured routes",
        content: { "application/json": { schema: RouteList } },
      },
      ...errors(401, 503),
    },
  }),
  async (c) => {
    const config = configOr503(c);
    if (config instanceof Response) return config;
    const counts = await countsByRoute(c.env.DB, dayAgo());
    const routes = await Promise.all(
      config.routes.map(async (route) => {
        const state = await gateStatus(c.env, route.name);
        return {
          name: route.name,
          target: route.target,
          url: safeUrl(route.url),
          ...state,
          ...(route.maxPerSecond ? { maxPerSecond: route.maxPerSecond } : {}),
          counts: counts.get(route.name) ?? {},
        };
      }),
    );
    return c.json({ routes });
  },
);

for (const action of ["pause", "resume"] as const) {
  defineRoute(
    routeRoutes,
    createRoute({
      method: "post",
      path: `/{name}/${action}`,
      ...admin,
      summary:
        action === "pause"
          ? "Pause a route: nothing is posted to it; events keep being accepted and are held, however long"
          : "Resume a route: every held delivery is queued again (in batches of 100) and delivered",
      request: { params: RouteParams },
      responses: {
        200: {
          description: "The route's state now",
          content: { "application/json": { schema: RouteState } },
        },
        ...errors(401, 404, 503),
      },
    }),
    async (c) => {
      const config = configOr503(c);
      if (config instanceof Response) return config;
      const name = c.req.param("name") ?? "";
      if (!config.routes.some((route) => route.name === name)) {
        return c.json(
          {
            error: "not_found",
            message: `No route named "${name.slice(0, 64)}"; GET /routes lists them.`,
          },
          404,
        );
      }
      const state =
        action === "pause" ? await pauseRoute(c.env, name) : await resumeRoute(c.env, name);
      log("info", action === "pause" ? "route paused" : "route resumed", {
        route: name,
        held: state.held,
      });
      return c.json({ name, ...state });
    },
  );
}
