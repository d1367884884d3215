import { type Hook, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, Env } from "hono";
import { formatIds, formats } from "../formats/index.ts";

/**
 * The zod schemas of the HTTP API, shared by the routes (which validate their parameters and
 * queries with them) and by `GET /openapi.json` (generated from the same routes). Payload bodies
 * are validated by each format's own zod schema (`src/formats/<id>/schema.ts`); the document
 * carries those as JSON Schema (see `webhookBodySchema`).
 */

/** Every error answer: `{error, message, issues?, ...}` (src/errors `toResponseBody`). */
export const ErrorBody = z
  .looseObject({
    error: z
      .string()
      .openapi({ description: "A code a program can match", example: "invalid_payload" }),
    message: z.string().openapi({ description: "What happened and what to do, for a person" }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Each invalid field of the payload (400 invalid_payload)" }),
  })
  .openapi("Error", {
    description:
      "An error. Some codes add facts: `formats` (404 unknown_format), `mapping` and `location` (422 mapping_failed), `reason` (401), `stored` and `queued` (503 unavailable: the events kept, which will be delivered, and those already on the queue).",
  });

const errorDescriptions: Record<number, string> = {
  400: "Invalid: `invalid_json` (empty or not JSON), `invalid_payload` (not a valid webhook of the source format; `issues` names each field), `undetectable_format`, `invalid_query`",
  401: "Verification failed (`unauthorized`; `reason`: missing_signature, missing_timestamp, bad_signature, stale_timestamp, missing_token, bad_token) or a wrong bearer token",
  403: "A subscription check refused (`forbidden`): the verify token does not match the configured one, or none is configured",
  404: "Unknown format id (`unknown_format`, `formats` lists the known ones) or no such resource (`not_found`)",
  409: "The dead letter's route is no longer configured (`route_missing`, `route` names it): nothing was queued",
  410: "The event was erased on request (`erased`, with `erasedAt`): nothing it held is kept",
  413: "The body is larger than 1 MiB (`payload_too_large`)",
  415: "The Content-Type is not `application/json` or `application/*+json` (`unsupported_media_type`)",
  422: "A mapping file failed on this payload (`mapping_failed`; `mapping` and `location` name the file, line and column); a test send whose sample the target cannot express (`nothing_to_send`)",
  503: "Not available now: `invalid_config` (the configuration is broken: the operator sees why in the logs and the admin `/health`), `no_destination` (nothing was kept), `unavailable` (the queue refused messages: the events listed in `stored` are kept and will be delivered; retrying the same request is safe), `admin_disabled` (no ADMIN_TOKEN)",
};

/** The documented error answers of a route, by status. */
export function errors<const S extends readonly number[]>(...statuses: S) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: errorDescriptions[status] ?? "Error",
        content: { "application/json": { schema: ErrorBody } },
      },
    ]),
  ) as {
    [K in S[number]]: {
      description: string;
      content: { "application/json": { schema: typeof ErrorBody } };
    };
  };
}

/**
 * A format id in a path. Any text passes this schema, so that an unknown id is answered by the
 * route itself (404 `unknown_format` listing the known ids, after the checks that come first);
 * the document lists the known ids.
 */
export const formatParam = (name: string, extra: string[] = []) =>
  z.string().openapi({
    param: { name, in: "path" },
    enum: [...extra, ...formatIds],
    example: extra[0] ?? "hoory",
  });

/**
 * A webhook body of any format, as JSON Schema generated from the formats' zod schemas (input
 * side, so defaults and transforms do not show). Given to the document as plain JSON Schema:
 * the body is read and validated by the route itself (size, Content-Type, JSON, then the
 * format's schema), which answers in the documented error shape.
 */
let bodySchema: Record<string, unknown> | undefined;
export function webhookBodySchema(): Record<string, unknown> {
  bodySchema ??= {
    description:
      "A webhook body as the source platform sends it; `src/formats/<id>/schema.ts` defines each.",
    oneOf: formats.map((format) => ({
      title: format.id,
      ...(z.toJSONSchema(format.schema, {
        target: "openapi-3.0",
        io: "input",
        unrepresentable: "any",
      }) as Record<string, unknown>),
    })),
  };
  return bodySchema;
}

/**
 * A query parameter the route reads itself: the first value counts, and a repeated parameter
 * (which arrives as a list) passes too, so this never answers differently from the route.
 */
export const queryText = (description: string, example: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (Array.isArray(value) ? value[0] : value))
    .openapi({ type: "string", description, example });

export const Accepted = z
  .object({
    accepted: z.array(z.string()).openapi({ description: "Ids of the events accepted now" }),
    duplicates: z
      .array(z.string())
      .openapi({ description: "Ids of the events these repeated (last 24 hours)" }),
  })
  .openapi("Accepted");

export const Translation = z
  .object({
    source: z.string(),
    target: z.string(),
    detected: z.boolean().optional().openapi({ description: "True when `source` was `auto`" }),
    deliveries: z.array(
      z.object({
        event: z.string().openapi({ description: "The target's event name" }),
        body: z.unknown().openapi({ description: "The exact JSON to POST" }),
      }),
    ),
    skipped: z.array(z.object({ event: z.string(), reason: z.string() })),
    trace: z
      .array(
        z.object({
          event: z.string(),
          canonical: z.unknown().optional(),
          mappings: z.array(z.string()),
          interpreted: z.array(z.string()).optional().openapi({
            description:
              "The files among `mappings` that ran on the JSONata interpreter (edited, or not compiled); absent when all ran compiled",
          }),
        }),
      )
      .optional()
      .openapi({
        description: "With `?trace=1`: the canonical events and the mapping files that ran",
      }),
  })
  .openapi("Translation");

export const FormatList = z
  .object({
    formats: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        family: z.string().optional(),
        accepts: z.array(z.string()),
        emits: z.array(z.string()),
      }),
    ),
  })
  .openapi("Formats");

/** `/health`: everyone gets `status` and `version`; the rest needs the admin token. */
export const Health = z
  .object({
    status: z.enum(["ok", "error"]),
    version: z.string(),
    sources: z
      .object({
        environment: z.string().optional().openapi({
          description:
            "ENVIRONMENT: set in deployed environments, where unsigned sources are refused",
        }),
        verified: z.array(z.string()).openapi({ description: "WEBHOOK_SECRET_<SOURCE> is set" }),
        unverified: z.array(z.string()),
        unsignedAllowed: z.array(z.string()).openapi({
          description:
            "Deployed, without a secret, accepted because WEBHOOK_UNSIGNED_<SOURCE> is true",
        }),
        refused: z.array(z.object({ source: z.string(), reason: z.string() })).openapi({
          description:
            "Deployed, without a secret and not allowed unsigned: webhooks answer 503 invalid_config; `reason` says what to set",
        }),
      })
      .optional()
      .openapi({ description: "Admin token only" }),
    adminEnabled: z.boolean().optional(),
    devSink: z.boolean().optional(),
    bindings: z
      .object({
        storage: z.object({
          reachable: z.boolean(),
          latencyMs: z.number().optional(),
          error: z.string().optional(),
        }),
        store: z
          .object({
            reachable: z.boolean(),
            latencyMs: z.number().optional(),
            error: z.string().optional(),
          })
          .openapi({
            description:
              "The event store (Durable Object shards): shard 0 answers a read within 2 seconds",
          }),
        queue: z.object({
          bound: z.boolean(),
          note: z.string(),
        }),
      })
      .optional(),
    routes: z
      .array(
        z.object({
          name: z.string(),
          sources: z.union([z.literal("*"), z.array(z.string())]),
          target: z.string(),
          url: z.string().openapi({ description: "Without query string or credentials" }),
          events: z.array(z.string()).optional(),
          cloudevents: z.enum(["binary", "structured"]).optional(),
          headers: z
            .array(z.string())
            .optional()
            .openapi({ description: "Names of the route's own headers (values never shown)" }),
          where: z.string().optional(),
          whereCompiled: z.boolean().optional().openapi({
            description: "The build compiled this `where` (else it runs on the interpreter)",
          }),
          signed: z.boolean(),
        }),
      )
      .optional(),
    settings: z
      .object({
        retryBaseSeconds: z.number(),
        retryMaxSeconds: z.number(),
        maxAttempts: z.number(),
        timeoutMs: z.number(),
      })
      .optional(),
    warnings: z.array(z.string()).optional(),
    errors: z.array(z.string()).optional(),
  })
  .openapi("Health", {
    description:
      "Without the admin token only `status` and `version`; with `Authorization: Bearer <ADMIN_TOKEN>` every field.",
  });

const Attempt = z.object({
  webhookId: z.string(),
  attempt: z.number(),
  status: z.number().openapi({ description: "HTTP status, 0 when there was no answer" }),
  error: z.string().optional(),
  latencyMs: z.number(),
  at: z.string().openapi({ description: "When the attempt started (ISO 8601)" }),
});

export const DeadLetter = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    state: z.enum(["dead", "replayed"]),
    replays: z.number(),
    replayedAt: z.string().optional(),
    eventId: z.string(),
    source: z.string(),
    event: z.string(),
    route: z.string(),
    target: z.string().optional(),
    payload: z.unknown().openapi({ description: "The source event as received" }),
    attempts: z.array(Attempt),
    lastError: z.string(),
  })
  .openapi("DeadLetter");

export const DeadLetterPage = z
  .object({
    deadLetters: z.array(DeadLetter),
    next: z.string().optional().openapi({ description: "The cursor of the next page" }),
  })
  .openapi("DeadLetterPage");

export const Replayed = z
  .object({
    replayed: z.string(),
    event: z.string(),
    route: z.string(),
    message: z.string(),
    ordered: z.literal(false).optional().openapi({
      description:
        "Present when the route is ordered: the replay is delivered at once, out of its conversation's order (the message says so)",
    }),
  })
  .openapi("Replayed");

/**
 * Answers a parameter or query that fails its schema in the shape every route uses:
 * 400 `{"error": "invalid_query", "message": <the first problem>}` (`invalid_request` for other
 * parts of a request).
 */
export const defaultHook =
  <E extends Env>(): Hook<unknown, E, string, unknown> =>
  (result, c) => {
    if (result.success) return;
    return c.json(
      {
        error: result.target === "query" ? "invalid_query" : "invalid_request",
        message: result.error.issues[0]?.message ?? "The request is invalid.",
      },
      400,
    );
  };

/** A route group whose routes are described in `/openapi.json`. */
export const openApiApp = <E extends Env>() =>
  new OpenAPIHono<E>({ defaultHook: defaultHook<E>() });

/**
 * Adds a documented route to a group. The handlers answer plain `Response`s in the shapes the
 * schemas describe (errors through `toResponseBody`), so the typed-response check of
 * `app.openapi` is not applied; the schemas document, the route tests hold them to it.
 */
export function defineRoute<E extends Env, R extends RouteConfig>(
  app: OpenAPIHono<E>,
  route: R,
  handler: (c: Context<E>) => Response | Promise<Response>,
): void {
  app.openapi(route, handler as never);
}

/** The query after its schema validated it (the route's `request.query`). */
export function validQuery<S extends z.ZodType>(c: Context, _schema: S): z.output<S> {
  return (c.req.valid as (target: "query") => z.output<S>)("query");
}
