import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { webhookId } from "../deliver/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { type Erasure, eraseEvent, eraseKept } from "../storage/index.ts";
import { locate } from "../store/index.ts";
import { requireAdmin } from "./auth.ts";
import { IdParams } from "./schemas.ts";

export const Erased = z
  .object({
    id: z.string(),
    erased: z.literal(true),
    source: z.string(),
    event: z.string(),
    receivedAt: z.string().openapi({ format: "date-time" }),
    erasedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Erased", {
    description: "What is kept of an erased event: that it existed, and when it was erased",
  });

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The answer about an erased event (DELETE, and GET /events/:id with 410). */
export function erasedView(erasure: Erasure) {
  return {
    id: erasure.id,
    erased: true as const,
    source: erasure.source,
    event: erasure.name,
    receivedAt: iso(erasure.receivedAt),
    erasedAt: iso(erasure.erasedAt),
  };
}

/** `GET /events/:id` of an erased event: 410, saying so. */
export function goneAnswer(c: Context, erasure: Erasure): Response {
  return c.json(
    {
      error: "erased",
      message: `Event "${erasure.id}" was erased on request at ${iso(erasure.erasedAt)}: nothing it held is kept.`,
      ...erasedView(erasure),
    },
    410,
  );
}

/** Webhooks per delivery whose dev-sink copies are looked for (a translation rarely makes more). */
const WEBHOOKS_PER_DELIVERY = 10;

/**
 * Erases an event in its shard (EventStore.erase: the payload and what destinations answered go,
 * a delivery not yet made becomes `erased`), then what D1 holds of it (the erasure record, dead
 * letters, the dev sink's copies). An id from before the upgrade is erased in D1 as before.
 *
 * @example const erased = await eraseEverywhere(env, "7.1042.03f9a2c1"); // undefined: no such event
 */
async function eraseEverywhere(env: Env, id: string): Promise<Erasure | undefined> {
  const at = locate(env, id);
  if (!at) return eraseEvent(env.DB, id);
  const { ref, stub } = at;
  const detail = await stub.detail(ref.shard, ref.seq, ref.tag);
  const kept = await stub.erase(ref.seq, ref.tag);
  const routes = detail?.deliveries.map((d) => d.route) ?? [];
  const ids = await Promise.all(
    routes.flatMap((route) =>
      Array.from({ length: WEBHOOKS_PER_DELIVERY }, (_, index) => webhookId(id, route, index)),
    ),
  );
  return eraseKept(env.DB, id, kept, ids);
}

/**
 * `DELETE /events/:id`: erases an event for a person who asks to be forgotten (see
 * src/storage/erase.ts for what goes and what is kept). Idempotent: erasing it again answers the
 * same. Deliveries not yet made are not made.
 */
export const eraseRoutes = openApiApp<{ Bindings: Env }>();
eraseRoutes.use("*", requireAdmin);

defineRoute(
  eraseRoutes,
  createRoute({
    method: "delete",
    path: "/{id}",
    tags: ["admin"],
    security: [{ adminToken: [] }],
    summary:
      "Erase an event: its payload, translations and what destinations answered, from every store; kept: that it existed and was erased",
    request: { params: IdParams },
    responses: {
      200: { description: "Erased", content: { "application/json": { schema: Erased } } },
      ...errors(401, 404),
    },
  }),
  async (c) => {
    const id = c.req.param("id") ?? "";
    const erasure = await eraseEverywhere(c.env, id);
    if (!erasure) {
      return c.json(
        { error: "not_found", message: `No event with id "${id.slice(0, 100)}".` },
        404,
      );
    }
    log("info", "event erased", { eventId: id, source: erasure.source });
    return c.json(erasedView(erasure), 200);
  },
);
