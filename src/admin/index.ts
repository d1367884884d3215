import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { enqueueOne } from "../enqueue/index.ts";
import { getDeadLetter, listDeadLetters, markReplayed, restoreEvent } from "../storage/index.ts";
import { constantTimeEqual } from "../verify/crypto.ts";

type Ctx = Context<{ Bindings: Env }>;

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. With no ADMIN_TOKEN the admin
 * routes are closed (503 saying so), never open.
 */
const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : "";
  if (token === "") {
    return c.json(
      {
        error: "admin_disabled",
        message:
          "The admin routes are disabled: set the ADMIN_TOKEN secret (wrangler secret put ADMIN_TOKEN) to use them.",
      },
      503,
    );
  }
  const given = c.req.header("authorization")?.match(/^\s*Bearer\s+(.+?)\s*$/i)?.[1];
  if (!given || !constantTimeEqual(given, token)) {
    return c.json(
      {
        error: "unauthorized",
        message: given
          ? "The bearer token is not the admin token."
          : "Send Authorization: Bearer <ADMIN_TOKEN>.",
      },
      401,
      { "WWW-Authenticate": 'Bearer realm="deadletters"' },
    );
  }
  await next();
};

const notFound = (c: Ctx, id: string) =>
  c.json({ error: "not_found", message: `No dead letter with id "${id.slice(0, 100)}".` }, 404);

/**
 * `GET /deadletters?limit=20&cursor=<next>`: dead letters newest first, each with its source
 * payload, route, every attempt and the last error; `next` is the cursor of the following page.
 * `POST /deadletters/:id/replay`: queue the event again for the same route; the consumer
 * translates it with the current mappings and skips deliveries already made. Answers 202.
 */
export const deadLetterRoutes = new Hono<{ Bindings: Env }>()
  .use("*", requireAdmin)
  .get("/", async (c) => {
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return c.json(
        { error: "invalid_query", message: "limit must be an integer from 1 to 100." },
        400,
      );
    }
    const cursorText = c.req.query("cursor");
    const cursor = cursorText === undefined ? undefined : Number(cursorText);
    if (cursor !== undefined && (!Number.isInteger(cursor) || cursor < 0)) {
      return c.json(
        { error: "invalid_query", message: "cursor must be the `next` value of a previous page." },
        400,
      );
    }
    const page = await listDeadLetters(c.env.DB, limit, cursor);
    return c.json({
      deadLetters: page.items,
      ...(page.next !== undefined ? { next: String(page.next) } : {}),
    });
  })
  .get("/:id", async (c) => {
    const found = await getDeadLetter(c.env.DB, c.req.param("id"));
    if (!found) return notFound(c, c.req.param("id"));
    return c.json(found.letter);
  })
  .post("/:id/replay", async (c) => {
    const id = c.req.param("id");
    const found = await getDeadLetter(c.env.DB, id);
    if (!found) return notFound(c, id);
    await restoreEvent(c.env.DB, found.stored);
    await enqueueOne(c.env, {
      v: 1,
      event: found.letter.eventId,
      route: found.letter.route,
      replay: id,
    });
    await markReplayed(c.env.DB, id);
    log("info", "dead letter replayed", { deadLetter: id, route: found.letter.route });
    return c.json(
      {
        replayed: id,
        event: found.letter.eventId,
        route: found.letter.route,
        message: "Queued again: it will be translated with the current mappings and delivered.",
      },
      202,
    );
  });
