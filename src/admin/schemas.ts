import { z } from "@hono/zod-openapi";

/**
 * The zod schemas of the admin API (/events, /routes, /deadletters): they validate parameters and
 * queries, and `GET /openapi.json` is generated from them. Every time is ISO 8601.
 */

export const DELIVERY_STATUSES = [
  "queued",
  "retrying",
  "delivered",
  "dead",
  "filtered",
  "skipped",
  "paused",
] as const;

const iso = (description: string) =>
  z.string().openapi({ description, example: "2026-11-29T22:30:00.000Z", format: "date-time" });

/** The first value of a query parameter (a repeated one arrives as a list). */
export const first = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value[0] : value;
const queryValue = z.union([z.string(), z.array(z.string())]).optional();

/** `limit`: 1 to `max`, `fallback` when absent. */
export const limitQuery = (fallback: number, max: number) =>
  queryValue
    .transform((value, ctx) => {
      const text = first(value);
      const limit = text === undefined ? fallback : Number(text);
      if (!Number.isInteger(limit) || limit < 1 || limit > max) {
        ctx.addIssue({ code: "custom", message: `limit must be an integer from 1 to ${max}.` });
        return z.NEVER;
      }
      return limit;
    })
    .openapi({ type: "integer", minimum: 1, maximum: max, default: fallback });

/** An optional text filter of at most 200 characters. */
export const textQuery = (description: string, example?: string) =>
  queryValue
    .transform((value, ctx) => {
      const text = first(value)?.trim();
      if (text === undefined || text === "") return undefined;
      if (text.length > 200) {
        ctx.addIssue({ code: "custom", message: "A filter is at most 200 characters." });
        return z.NEVER;
      }
      return text;
    })
    .openapi({ type: "string", description, ...(example ? { example } : {}) });

/** An ISO 8601 time (or unix seconds) in a query, as unix seconds. */
export const sinceQuery = queryValue
  .transform((value, ctx) => {
    const text = first(value)?.trim();
    if (text === undefined || text === "") return undefined;
    const seconds = /^\d+$/.test(text) ? Number(text) : Date.parse(text) / 1000;
    if (!Number.isFinite(seconds)) {
      ctx.addIssue({
        code: "custom",
        message: "since must be an ISO 8601 time, such as 2026-11-29T22:00:00Z.",
      });
      return z.NEVER;
    }
    return Math.floor(seconds);
  })
  .openapi({
    type: "string",
    format: "date-time",
    description: "Only what was received at or after this time (ISO 8601)",
  });

export const RouteParams = z.object({
  name: z
    .string()
    .openapi({ param: { name: "name", in: "path" }, description: "A route name", example: "crm" }),
});

export const RouteView = z
  .object({
    name: z.string(),
    target: z.string(),
    url: z.string().openapi({ description: "Without query string or credentials" }),
    paused: z.boolean(),
    pausedAt: iso("When it was paused").optional(),
    held: z.number().openapi({ description: "Deliveries held by the pause, delivered on resume" }),
    maxPerSecond: z
      .number()
      .optional()
      .openapi({ description: "The rate limit (deliveries per second); none when absent" }),
    counts: z.record(z.string(), z.number()).openapi({
      description: "Deliveries by status, changed in the last 24 hours",
      example: { delivered: 120, retrying: 2, dead: 1 },
    }),
  })
  .openapi("Route");

export const RouteList = z.object({ routes: z.array(RouteView) }).openapi("RouteList");

export const RouteState = z
  .object({
    name: z.string(),
    paused: z.boolean(),
    pausedAt: iso("When it was paused").optional(),
    held: z.number(),
  })
  .openapi("RouteState");
