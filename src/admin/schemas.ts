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
  "waiting",
  "erased",
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
    pausedBy: z.enum(["operator", "automatic"]).optional().openapi({
      description:
        "Who paused it: an operator, or the route's failure (pauseAfterMinutes); either way it holds its events until resumed",
    }),
    held: z.number().openapi({ description: "Deliveries held by the pause, delivered on resume" }),
    maxPerSecond: z
      .number()
      .optional()
      .openapi({ description: "The rate limit (deliveries per second); none when absent" }),
    ordered: z.boolean().optional().openapi({
      description:
        "Each conversation's events are delivered in order (GET /routes/{name}/conversations)",
    }),
    conversations: z
      .number()
      .optional()
      .openapi({ description: "An ordered route: conversations with events not yet settled" }),
    waiting: z.number().optional().openapi({
      description: "An ordered route: events waiting behind their conversation's head",
    }),
    headers: z
      .array(z.string())
      .optional()
      .openapi({
        description: "The names of the route's own headers (their values are never shown)",
        example: ["Authorization"],
      }),
    where: z.string().optional().openapi({
      description: "The route's JSONata predicate over the canonical event",
      example: "inbox.id = 7",
    }),
    counts: z.record(z.string(), z.number()).openapi({
      description: "Deliveries by status, changed in the last 24 hours",
      example: { delivered: 120, retrying: 2, dead: 1 },
    }),
    alerts: z
      .object({
        state: z.enum(["ok", "failing", "paused"]).openapi({
          description: "failing: route.failing was raised and no attempt has succeeded since",
        }),
        failures: z.number().openapi({ description: "Failed attempts in a row" }),
        failingSince: z.string().optional().openapi({ format: "date-time" }),
        recent: z
          .array(
            z.object({ id: z.string(), type: z.string(), time: z.string(), summary: z.string() }),
          )
          .openapi({
            description: "The last alerts raised for the route (newest first, at most 10)",
          }),
      })
      .optional()
      .openapi({ description: "The route's alert state (docs/operating-alerts.md)" }),
  })
  .openapi("Route");

export const RouteList = z.object({ routes: z.array(RouteView) }).openapi("RouteList");

export const RouteState = z
  .object({
    name: z.string(),
    paused: z.boolean(),
    pausedAt: iso("When it was paused").optional(),
    pausedBy: z.enum(["operator", "automatic"]).optional().openapi({
      description:
        "Who paused it: an operator, or the route's failure (pauseAfterMinutes); either way it holds its events until resumed",
    }),
    held: z.number(),
    conversations: z.number().optional(),
    waiting: z.number().optional(),
  })
  .openapi("RouteState");

export const ConversationLines = z
  .object({
    route: z.string(),
    total: z.number().openapi({ description: "Conversations with events not yet settled" }),
    conversations: z.array(
      z.object({
        conversation: z.string().openapi({ example: "1:207" }),
        waiting: z.number().openapi({ description: "Events behind the head" }),
        headSince: iso("Since when the head has been the one to deliver"),
        head: z.object({
          event: z.string().openapi({ description: "The event the conversation waits on" }),
          name: z.string().optional(),
          status: z.string().optional().openapi({ description: "Its delivery status" }),
          attempts: z.number(),
          lastStatus: z.number().optional(),
          lastError: z.string().optional(),
          nextTry: iso("When it is tried next (retrying)").optional(),
        }),
      }),
    ),
  })
  .openapi("ConversationLines");

export const DeliveryStatus = z.enum(DELIVERY_STATUSES).openapi({
  description:
    "queued, retrying, delivered, dead (a dead letter holds it), filtered (the route's `where` or `events` left nothing), skipped (the target cannot express it), paused (held while the route is paused), waiting (an ordered route: behind an earlier event of its conversation), erased (the event was erased before it was delivered)",
});

export const EventsQuery = z.object({
  source: textQuery("A source format id", "hoory"),
  route: textQuery("A route name: events with a delivery to it", "default"),
  status: textQuery("A delivery status: events with a delivery in it", "dead").refine(
    (value) => value === undefined || (DELIVERY_STATUSES as readonly string[]).includes(value),
    { message: `status must be one of: ${DELIVERY_STATUSES.join(", ")}.` },
  ),
  since: sinceQuery,
  limit: limitQuery(50, 100),
  cursor: textQuery("The `next` value of the previous page"),
});

const DeliveryView = z
  .object({
    route: z.string(),
    target: z
      .string()
      .optional()
      .openapi({ description: "The route's target format; absent when the route was removed" }),
    status: z
      .string()
      .openapi({ description: "One of the delivery statuses (see DeliveryStatus)" }),
    attempts: z.number().openapi({ description: "Attempts made so far" }),
    lastStatus: z.number().optional().openapi({ description: "HTTP status of the last attempt" }),
    lastError: z.string().optional().openapi({
      description:
        "Why it is not delivered: the last failure, or the reason it was filtered or skipped",
    }),
    deliveredAt: iso("When it was delivered").optional(),
  })
  .openapi("EventDelivery", {
    description: "One route's delivery of an event: the same fields in /events and /events/{id}",
  });

export const EventView = z
  .object({
    id: z.string().openapi({ description: "The id the 202 answer listed in `accepted`" }),
    source: z.string(),
    event: z.string(),
    receivedAt: iso("When the Worker accepted it"),
    deliveries: z.array(DeliveryView),
  })
  .openapi("Event");

export const EventPage = z
  .object({
    events: z.array(EventView),
    next: z.string().optional().openapi({
      description:
        "The cursor of the next page. A page's work is bounded, so with a rare filter a page may hold fewer than `limit` events (even none) and still have a `next`",
    }),
  })
  .openapi("EventPage");

export const AttemptView = z
  .object({
    at: iso("When the attempt started"),
    status: z.number().optional().openapi({ description: "The destination's HTTP status" }),
    durationMs: z.number().optional().openapi({
      description:
        "How long it took; absent for the attempt that succeeded (the store keeps every failed attempt, and of a success only its status and time, on the delivery)",
    }),
    error: z.string().optional().openapi({ description: "Why it failed (no status: timeout...)" }),
  })
  .openapi("Attempt");

export const EventDetail = z
  .object({
    id: z.string(),
    source: z.string(),
    event: z.string(),
    receivedAt: iso("When the Worker accepted it"),
    payload: z.unknown().openapi({ description: "The source event as received" }),
    deliveries: z.array(
      DeliveryView.extend({
        status: z.string().optional().openapi({ description: "Absent: no delivery row (yet)" }),
        history: z.array(AttemptView).openapi({ description: "Every attempt, oldest first" }),
        translation: z.unknown().optional().openapi({
          description:
            "What the current mappings make of it for this route: `{deliveries: [{event, body}], skipped}` or `{error}`",
        }),
      }),
    ),
  })
  .openapi("EventDetail");

export const IdParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "An id" }),
});

export const ReplayBody = z
  .object({ route: z.string().min(1).max(64).optional() })
  .openapi("ReplayRequest");

export const DeadLetterFilterBody = z
  .object({
    route: z.string().min(1).max(64).optional(),
    source: z.string().min(1).max(64).optional(),
    since: z
      .string()
      .refine((text) => !Number.isNaN(Date.parse(text)), {
        message: "since must be an ISO 8601 time, such as 2026-11-29T22:00:00Z.",
      })
      .optional(),
  })
  .openapi("DeadLetterFilter");

export const ReplayCount = z
  .object({
    replayed: z.number().openapi({ description: "How many deliveries were queued again" }),
    skipped: z
      .number()
      .optional()
      .openapi({ description: "Dead letters left alone: their route no longer exists" }),
    more: z
      .boolean()
      .optional()
      .openapi({ description: "More matched than one request replays: send it again" }),
    outOfOrder: z.number().optional().openapi({
      description:
        "Of those replayed, how many go to ordered routes: they are delivered at once, out of their conversation's order",
    }),
  })
  .openapi("ReplayCount");

export const Activity = z
  .object({
    from: iso("Start of the window (24 hours ago)"),
    to: iso("End of the window (now)"),
    minutes: z.array(
      z.object({
        at: iso("The minute"),
        delivered: z.number().openapi({ description: "Attempts answered 2xx" }),
        failed: z.number().openapi({ description: "Attempts answered otherwise, or not at all" }),
        dead: z.number().openapi({ description: "Dead letters made" }),
      }),
    ),
  })
  .openapi("Activity");
