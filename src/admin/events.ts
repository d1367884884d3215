import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { type Config, eventAllowed, loadConfig, routesFor } from "../config/index.ts";
import { log } from "../config/log.ts";
import { type DeliveryMessage, enqueueMany } from "../enqueue/index.ts";
import { findFormat } from "../formats/index.ts";
import { defineRoute, errors, openApiApp, validQuery } from "../openapi/schemas.ts";
import { type AttemptRecord, type DeliverySummary, erasureOf } from "../storage/index.ts";
import { requeueForReplay, getEvent as storedEvent } from "../store/index.ts";
import { decodeListCursor, encodeListCursor } from "../store/listing.ts";
import { parsed } from "../store/ops.ts";
import { type Detail, eventDetail, listEvents } from "../store/views.ts";
import { translateEvent } from "../translate/index.ts";
import { jsonOnly } from "../validate/index.ts";
import { requireAdmin } from "./auth.ts";
import { readBody } from "./body.ts";
import { goneAnswer } from "./erase.ts";
import {
  EventDetail,
  EventPage,
  EventsQuery,
  IdParams,
  ReplayBody,
  ReplayCount,
} from "./schemas.ts";

type Ctx = Context<{ Bindings: Env }>;
const admin = { tags: ["admin"], security: [{ adminToken: [] }] };
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * `GET /events`: accepted events newest first, each with its deliveries (per route: status,
 * attempts, last HTTP status); filters `source`, `route`, `status`, `since`; cursor paging.
 * `GET /events/:id`: one event with its payload and, per route, every attempt and what the
 * current mappings make of it. `POST /events/:id/replay`: translate again and deliver again.
 * The events are read from the sharded store (src/store/views.ts, docs/store.md "Listing").
 */
export const eventRoutes = openApiApp<{ Bindings: Env }>();
eventRoutes.use("*", requireAdmin, jsonOnly());

const notFound = (c: Ctx, id: string) =>
  c.json({ error: "not_found", message: `No event with id "${id.slice(0, 100)}".` }, 404);

/** One route's delivery of an event, as /events and /events/:id show it. */
function deliveryView(
  route: string,
  target: string | undefined,
  state: DeliverySummary | undefined,
  attempts = state?.attempts ?? 0,
) {
  return {
    route,
    ...(target ? { target } : {}),
    ...(state ? { status: state.status } : {}),
    attempts: Math.max(attempts, state?.attempts ?? 0),
    ...(state?.lastStatus ? { lastStatus: state.lastStatus } : {}),
    ...(state?.lastError ? { lastError: state.lastError } : {}),
    ...(state?.deliveredAt ? { deliveredAt: iso(state.deliveredAt) } : {}),
  };
}

/** An attempt as /events/:id shows it: no duration for a success (see `historyOf`). */
type Attempted = Omit<AttemptRecord, "durationMs"> & { durationMs?: number };

/**
 * Every attempt of an event, oldest first per route: the failed ones as the shard keeps them, and
 * the one that succeeded from its delivery row (the store keeps no attempt row for a success, so
 * its duration is not known).
 */
function historyOf(detail: Detail): Attempted[] {
  const failed = detail.failures.map((a) => ({
    route: a.route,
    at: a.at,
    status: a.status,
    durationMs: a.latencyMs,
    ...(a.error ? { error: a.error } : {}),
  }));
  const succeeded = detail.deliveries.flatMap((d) =>
    d.status === "delivered" && d.deliveredAt !== undefined
      ? [{ route: d.route, at: d.deliveredAt, status: d.lastStatus ?? 200 }]
      : [],
  );
  return [...failed, ...succeeded];
}

function config503(c: Ctx): Config | Response {
  const config = loadConfig(c.env);
  if (config.ok) return config.config;
  return c.json(
    { error: "invalid_config", message: `The configuration is invalid: ${config.errors[0]}` },
    503,
  );
}

defineRoute(
  eventRoutes,
  createRoute({
    method: "get",
    path: "/",
    ...admin,
    summary: "Accepted events, newest first, with each route's delivery status",
    request: { query: EventsQuery },
    responses: {
      200: {
        description: "A page of events; `next` is the cursor of the following page",
        content: { "application/json": { schema: EventPage } },
      },
      ...errors(400, 401, 503),
    },
  }),
  async (c) => {
    const query = validQuery(c, EventsQuery);
    const cursor = query.cursor === undefined ? undefined : decodeListCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      return c.json(
        { error: "invalid_query", message: "cursor must be the `next` value of a previous page." },
        400,
      );
    }
    const loaded = loadConfig(c.env);
    const targets = new Map(
      (loaded.ok ? loaded.config.routes : []).map((route) => [route.name, route.target]),
    );
    const page = await listEvents(
      c.env,
      {
        ...(query.source ? { source: query.source } : {}),
        ...(query.route ? { route: query.route } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
      },
      query.limit,
      cursor,
    );
    return c.json({
      events: page.items.map((event) => ({
        id: event.id,
        source: event.source,
        event: event.event,
        receivedAt: iso(event.receivedAt),
        deliveries: event.deliveries.map((d) => deliveryView(d.route, targets.get(d.route), d)),
      })),
      ...(page.next ? { next: encodeListCursor(page.next) } : {}),
    });
  },
);

defineRoute(
  eventRoutes,
  createRoute({
    method: "get",
    path: "/{id}",
    ...admin,
    summary: "One event: its payload and, per route, every attempt and its current translation",
    request: { params: IdParams },
    responses: {
      200: { description: "The event", content: { "application/json": { schema: EventDetail } } },
      ...errors(401, 404, 410, 503),
    },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    const detail = await eventDetail(c.env, id);
    if (!detail || detail.erased) {
      const erasure = await erasureOf(c.env.DB, id);
      return erasure ? goneAnswer(c, erasure) : notFound(c, id);
    }
    const event = parsed(detail.event);
    const states = detail.deliveries;
    const attempts = historyOf(detail);
    const loaded = loadConfig(c.env);
    const configured = loaded.ok ? routesFor(loaded.config, event.source) : [];
    const names = new Set([
      ...states.map((d) => d.route),
      ...configured.map((route) => route.name),
      ...attempts.map((a) => a.route),
    ]);
    const source = findFormat(event.source);
    const list = await Promise.all(
      [...names].sort().map(async (name) => {
        const route = configured.find((each) => each.name === name);
        const target = route ? findFormat(route.target) : undefined;
        let translation: unknown;
        if (route && target?.ok && source.ok) {
          const result = await translateEvent(source.value, target.value, {
            name: event.name,
            ...(event.dispatch ? { dispatch: event.dispatch } : {}),
            payload: event.payload,
          });
          translation = result.ok
            ? {
                deliveries: result.value.deliveries
                  .filter((d) => eventAllowed(route, d.event))
                  .map((d) => ({ event: d.event, body: d.body })),
                skipped: result.value.skipped,
              }
            : { error: result.error.message };
        }
        const state = states.find((d) => d.route === name);
        const history = attempts.filter((a) => a.route === name);
        return {
          ...deliveryView(name, route?.target, state, history.length),
          history: history.map((a) => ({
            at: iso(a.at),
            ...(a.status > 0 ? { status: a.status } : {}),
            ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
            ...(a.error ? { error: a.error } : {}),
          })),
          ...(translation !== undefined ? { translation } : {}),
        };
      }),
    );
    return c.json({
      id: event.id,
      source: event.source,
      event: event.name,
      receivedAt: iso(event.receivedAt),
      payload: event.payload,
      deliveries: list,
    });
  },
);

defineRoute(
  eventRoutes,
  createRoute({
    method: "post",
    path: "/{id}/replay",
    ...admin,
    summary:
      "Translate the event again with the current mappings and deliver it again (one route, or every route taking its source)",
    request: {
      params: IdParams,
      body: { content: { "application/json": { schema: ReplayBody } }, required: false },
    },
    responses: {
      202: {
        description: "Queued again (delivered even if it was delivered before)",
        content: { "application/json": { schema: ReplayCount } },
      },
      ...errors(400, 401, 404, 409, 503),
    },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    const body = await readBody(c, ReplayBody);
    if (body instanceof Response) return body;
    const config = config503(c);
    if (config instanceof Response) return config;
    const event = await storedEvent(c.env, id);
    // An erased event keeps its row on its shard with no payload (EventStore.erase): nothing to
    // replay, and it must never be delivered again.
    if (!event || event.payload === null) return notFound(c, id);
    const routes = body.route
      ? config.routes.filter((route) => route.name === body.route)
      : routesFor(config, event.source);
    if (routes.length === 0) {
      return c.json(
        {
          error: "route_gone",
          message: body.route
            ? `Route "${body.route}" no longer exists (GET /routes lists the routes): nothing was replayed.`
            : `No route takes events from ${event.source} any more: nothing was replayed.`,
        },
        409,
      );
    }
    const messages: DeliveryMessage[] = routes.map((route) => ({
      v: 1,
      event: id,
      route: route.name,
      again: true,
    }));
    // Its earlier successes are forgotten, so that a retry of the replay skips only what the
    // replay itself delivered.
    await requeueForReplay(
      c.env,
      messages.map((m) => ({ eventId: m.event, route: m.route })),
      { redeliver: true },
    );
    await enqueueMany(c.env, messages);
    log("info", "event replayed", { eventId: id, routes: routes.map((route) => route.name) });
    return c.json({ replayed: routes.length }, 202);
  },
);
