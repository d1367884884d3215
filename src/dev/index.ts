import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Env } from "../config/env.ts";
import { devSinkEnabled } from "../config/index.ts";
import { sinkList, sinkRecord } from "../storage/index.ts";
import { jsonOnly } from "../validate/index.ts";

/**
 * The local sink destination, for `npm start`: `POST /dev/sink` (or any path under it) records the
 * request's headers and body and answers 200, or the status a path `/dev/sink/status/<code>`
 * names (`/dev/sink/status/410`: a destination that refuses, to try dead letters and replays
 * locally); `GET /dev/sink?limit=20` lists the last ones, newest first, each with its headers,
 * its body parsed (`body`) and as received (`raw`: the text a signature covers, for verifying it).
 * The routes do not exist (404) unless `DEV_SINK` is "true". Bodies are stored in D1 and only the
 * last 100 are kept.
 */
export const devSinkRoutes = new Hono<{ Bindings: Env }>()
  .use("*", async (c, next) => {
    if (!devSinkEnabled(c.env)) return c.notFound();
    await next();
  })
  .get("/", async (c) => {
    const limit = Math.min(100, Math.max(1, Number(c.req.query("limit") ?? 20) || 20));
    return c.json({ deliveries: await sinkList(c.env.DB, limit) });
  })
  .post("/*", jsonOnly(), async (c) => {
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const seq = await sinkRecord(c.env.DB, {
      path: new URL(c.req.url).pathname,
      headers,
      body: await c.req.text(),
    });
    const asked = Number(new URL(c.req.url).pathname.match(/\/status\/(\d{3})$/)?.[1]);
    const status = asked >= 200 && asked <= 599 ? asked : 200;
    return c.json({ recorded: seq }, status as ContentfulStatusCode);
  });
