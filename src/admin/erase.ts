import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { type Erasure, eraseEvent } from "../storage/index.ts";
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
    const erasure = await eraseEvent(c.env.DB, id);
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
