import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { enqueueMany } from "../enqueue/index.ts";
import {
  DeadLetter,
  DeadLetterPage,
  defineRoute,
  errors,
  openApiApp,
  Replayed,
  validQuery,
} from "../openapi/schemas.ts";
import {
  deleteDeadLetter,
  getDeadLetter,
  listDeadLetters,
  markReplayed,
  type DeadLetter as StoredDeadLetter,
} from "../storage/index.ts";
import { requeueForReplay } from "../store/index.ts";
import { jsonOnly } from "../validate/index.ts";
import { requireAdmin } from "./auth.ts";
import { readBody } from "./body.ts";
import { replayMatching } from "./bulk-replay.ts";
import { DeadLetterFilterBody, first, limitQuery, ReplayCount } from "./schemas.ts";

type Ctx = Context<{ Bindings: Env }>;

/** Attempts are stored with unix seconds; the API speaks ISO 8601 everywhere. */
const withIsoTimes = (letter: StoredDeadLetter) => ({
  ...letter,
  attempts: letter.attempts.map((attempt) => ({
    ...attempt,
    at: new Date(attempt.at * 1000).toISOString(),
  })),
});

const notFound = (c: Ctx, id: string) =>
  c.json({ error: "not_found", message: `No dead letter with id "${id.slice(0, 100)}".` }, 404);

const ListQuery = z.object({
  limit: limitQuery(20, 100),
  cursor: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx) => {
      const text = first(value);
      if (text === undefined) return undefined;
      const cursor = Number(text);
      if (!Number.isInteger(cursor) || cursor < 0) {
        ctx.addIssue({
          code: "custom",
          message: "cursor must be the `next` value of a previous page.",
        });
        return z.NEVER;
      }
      return cursor;
    })
    .openapi({ type: "string", description: "The `next` value of the previous page" }),
});

const IdParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "A dead letter id" }),
});

const admin = { tags: ["admin"], security: [{ adminToken: [] }] };

/**
 * `GET /deadletters?limit=20&cursor=<next>`: dead letters newest first, each with its source
 * payload, route, every attempt and the last error; `next` is the cursor of the following page.
 * `GET /deadletters/:id`: one dead letter.
 * `POST /deadletters/:id/replay`: queue the event again for the same route; the consumer
 * translates it with the current mappings and skips deliveries already made. Answers 202.
 */
export const deadLetterRoutes = openApiApp<{ Bindings: Env }>();
deadLetterRoutes.use("*", requireAdmin, jsonOnly());

defineRoute(
  deadLetterRoutes,
  createRoute({
    method: "get",
    path: "/",
    ...admin,
    summary: "List dead letters, newest first",
    request: { query: ListQuery },
    responses: {
      200: {
        description: "A page of dead letters; `next` is the cursor of the following page",
        content: { "application/json": { schema: DeadLetterPage } },
      },
      ...errors(400, 401, 503),
    },
  }),
  async (c) => {
    const { limit, cursor } = validQuery(c, ListQuery);
    const page = await listDeadLetters(c.env.DB, limit, cursor);
    return c.json({
      deadLetters: page.items.map(withIsoTimes),
      ...(page.next !== undefined ? { next: String(page.next) } : {}),
    });
  },
);

defineRoute(
  deadLetterRoutes,
  createRoute({
    method: "get",
    path: "/{id}",
    ...admin,
    summary: "One dead letter: the source payload, the route, every attempt and the last error",
    request: { params: IdParams },
    responses: {
      200: {
        description: "The dead letter",
        content: { "application/json": { schema: DeadLetter } },
      },
      ...errors(401, 404, 503),
    },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    const found = await getDeadLetter(c.env.DB, id);
    if (!found) return notFound(c, id);
    return c.json(withIsoTimes(found.letter));
  },
);

defineRoute(
  deadLetterRoutes,
  createRoute({
    method: "post",
    path: "/{id}/replay",
    ...admin,
    summary:
      "Queue a dead letter's event again for its route (translated with the current mappings)",
    request: { params: IdParams },
    responses: {
      202: {
        description: "Queued again; deliveries already made are not re-sent",
        content: { "application/json": { schema: Replayed } },
      },
      ...errors(401, 404, 409, 415, 503),
    },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    const found = await getDeadLetter(c.env.DB, id);
    if (!found) return notFound(c, id);
    const config = loadConfig(c.env);
    const route = found.letter.route;
    if (config.ok && !config.config.routes.some((candidate) => candidate.name === route)) {
      return c.json(
        {
          error: "route_missing",
          message: `The route "${route}" of this dead letter is no longer configured, so nothing was queued. Add a route named "${route}" (ROUTES, or TARGET_FORMAT and DESTINATION_URL for "default") and replay again.`,
          route,
        },
        409,
      );
    }
    // Its event is put back from the letter's copy should it have been pruned; its delivery is
    // queued from attempt 0 (deliveries made before are not sent again), then its message sent.
    await requeueForReplay(c.env, [
      { eventId: found.letter.eventId, route: found.letter.route, restore: found.stored },
    ]);
    await enqueueMany(c.env, [
      { v: 1, event: found.letter.eventId, route: found.letter.route, replay: id },
    ]);
    await markReplayed(c.env.DB, id);
    log("info", "dead letter replayed", { deadLetter: id, route: found.letter.route });
    // An ordered route's replay is delivered at once, out of order (src/deliver/message.ts).
    const ordered =
      config.ok && config.config.routes.some((each) => each.name === route && each.ordered);
    return c.json(
      {
        replayed: id,
        event: found.letter.eventId,
        route: found.letter.route,
        message: ordered
          ? `Queued again: it will be translated with the current mappings and delivered at once, out of order: route "${route}" is ordered, and its conversation has moved on since this event was dead-lettered.`
          : "Queued again: it will be translated with the current mappings and delivered.",
        ...(ordered ? { ordered: false as const } : {}),
      },
      202,
    );
  },
);

defineRoute(
  deadLetterRoutes,
  createRoute({
    method: "post",
    path: "/replay",
    ...admin,
    summary:
      "Replay every dead letter matching a filter (route, source, since), translated with the current mappings",
    request: {
      body: {
        content: { "application/json": { schema: DeadLetterFilterBody } },
        required: false,
      },
    },
    responses: {
      202: {
        description:
          "Queued again; `skipped` counts those whose route no longer exists; `more` when there are more than 5000",
        content: { "application/json": { schema: ReplayCount } },
      },
      ...errors(400, 401, 503),
    },
  }),
  async (c) => {
    const body = await readBody(c, DeadLetterFilterBody);
    if (body instanceof Response) return body;
    const config = loadConfig(c.env);
    if (!config.ok) {
      return c.json(
        { error: "invalid_config", message: `The configuration is invalid: ${config.errors[0]}` },
        503,
      );
    }
    const filter = {
      ...(body.route ? { route: body.route } : {}),
      ...(body.source ? { source: body.source } : {}),
      ...(body.since ? { since: Math.floor(Date.parse(body.since) / 1000) } : {}),
    };
    const routes = new Set(config.config.routes.map((route) => route.name));
    // Replays to ordered routes are delivered at once, out of order: counted in `outOfOrder`.
    const ordered = new Set(config.config.routes.filter((r) => r.ordered).map((r) => r.name));
    const { replayed, skipped, more, outOfOrder } = await replayMatching(
      c.env,
      filter,
      routes,
      ordered,
    );
    log("info", "dead letters replayed", { ...filter, replayed, skipped });
    return c.json(
      {
        replayed,
        ...(skipped ? { skipped } : {}),
        ...(more ? { more } : {}),
        ...(outOfOrder ? { outOfOrder } : {}),
      },
      202,
    );
  },
);

defineRoute(
  deadLetterRoutes,
  createRoute({
    method: "delete",
    path: "/{id}",
    ...admin,
    summary: "Delete a dead letter (it is no longer listed or replayable)",
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...errors(401, 404, 503) },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    if (!(await deleteDeadLetter(c.env.DB, id))) return notFound(c, id);
    log("info", "dead letter deleted", { deadLetter: id });
    return c.body(null, 204);
  },
);
