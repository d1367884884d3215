import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { alertState } from "../alerts/state.ts";
import type { Env } from "../config/env.ts";
import { safeUrl } from "../config/health.ts";
import { log } from "../config/log.ts";
import { type GateStatus, gateOf, pauseRoute, resumeRoute } from "../coordinate/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { begin } from "../store/index.ts";
import { jsonOnly } from "../validate/index.ts";
import { requireAdmin } from "./auth.ts";
import { configOr503, configuredRouteOf } from "./configured.ts";
import { ConversationLines, RouteList, RouteParams, RouteState } from "./schemas.ts";

type Ctx = Context<{ Bindings: Env }>;
const admin = { tags: ["admin"], security: [{ adminToken: [] }] };

/**
 * `GET /routes`: every configured route with its pause state, held deliveries, rate limit and
 * delivery counts. `POST /routes/:name/pause` and `/resume`: 200 with the new state. The state
 * lives in the route's Durable Object (src/coordinate), so it holds across deploys and isolates.
 * `GET /routes/:name/conversations`: an ordered route's conversations with events not yet
 * settled, each with the event it waits on.
 */
export const routeRoutes = openApiApp<{ Bindings: Env }>();
routeRoutes.use("*", requireAdmin, jsonOnly());

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
    const routes = await Promise.all(
      config.routes.map(async (route) => {
        const { status: state, health, meter, counts } = await gateOf(c.env, route.name).watch();
        return {
          name: route.name,
          target: route.target,
          url: safeUrl(route.url),
          ...state,
          ...(route.maxPerSecond ? { maxPerSecond: route.maxPerSecond } : {}),
          ...(route.ordered ? { ordered: true } : {}),
          ...(route.headers ? { headers: Object.keys(route.headers) } : {}),
          ...(route.where !== undefined ? { where: route.where } : {}),
          counts: countsOf(counts, state, meter.retrying),
          alerts: alertState(state, health),
        };
      }),
    );
    return c.json({ routes });
  },
);

/**
 * A route's counts as `/routes` shows them: deliveries that ended in the last 24 hours by outcome
 * (counted by the route's object as they end, src/store/counts.ts), and what it holds now:
 * retrying, paused (held by a pause), waiting (behind their conversation's head).
 */
function countsOf(ended: Record<string, number>, state: GateStatus, retrying: number) {
  return {
    ...ended,
    ...(retrying > 0 ? { retrying } : {}),
    ...(state.held > 0 ? { paused: state.held } : {}),
    ...(state.waiting ? { waiting: state.waiting } : {}),
  };
}

/** Conversations one answer lists (longest-waiting first); `total` counts them all. */
const LINES_SHOWN = 100;

defineRoute(
  routeRoutes,
  createRoute({
    method: "get",
    path: "/{name}/conversations",
    ...admin,
    summary:
      "An ordered route's conversations with events not yet delivered: the event each waits on (its attempts, next try) and how many wait behind it",
    request: { params: RouteParams },
    responses: {
      200: {
        description: "Up to 100 conversations, longest-waiting first (none for an unordered route)",
        content: { "application/json": { schema: ConversationLines } },
      },
      ...errors(401, 404, 503),
    },
  }),
  async (c) => {
    const name = configuredRoute(c);
    if (name instanceof Response) return name;
    const { total, lines } = await gateOf(c.env, name).lines(LINES_SHOWN);
    const conversations = await Promise.all(
      lines.map(async (line) => {
        const { event, delivery: state } = await begin(c.env, line.head, name);
        return {
          conversation: line.conversation,
          waiting: line.waiting,
          headSince: new Date(line.headSince).toISOString(),
          head: {
            event: line.head,
            ...(event ? { name: event.name } : {}),
            ...(state ? { status: state.status } : {}),
            attempts: state?.attempts ?? 0,
            ...(state?.lastStatus !== undefined ? { lastStatus: state.lastStatus } : {}),
            ...(state?.lastError !== undefined ? { lastError: state.lastError } : {}),
            ...(state?.status === "retrying"
              ? { nextTry: new Date(state.dueAt * 1000).toISOString() }
              : {}),
          },
        };
      }),
    );
    return c.json({ route: name, total, conversations });
  },
);

/** The name of the route in the path when the configuration has it; else the 503 or 404 to answer. */
function configuredRoute(c: Ctx): string | Response {
  const route = configuredRouteOf(c);
  return route instanceof Response ? route : route.name;
}

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
      const name = configuredRoute(c);
      if (name instanceof Response) return name;
      const state =
        action === "pause"
          ? await pauseRoute(c.env, name, (work) => c.executionCtx.waitUntil(work))
          : await resumeRoute(c.env, name);
      log("info", action === "pause" ? "route paused" : "route resumed", {
        route: name,
        held: state.held,
      });
      return c.json({ name, ...state });
    },
  );
}
