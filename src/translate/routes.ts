import { createRoute, z } from "@hono/zod-openapi";
import { toResponseBody } from "../errors/index.ts";
import { formats } from "../formats/index.ts";
import {
  defineRoute,
  errors,
  FormatList,
  formatParam,
  openApiApp,
  queryText,
  Translation,
  webhookBodySchema,
} from "../openapi/schemas.ts";
import { limitBody, readJsonBody } from "../validate/index.ts";
import { translate } from "./index.ts";

export const translateRoute = createRoute({
  method: "post",
  path: "/{source}/{target}",
  tags: ["translate"],
  summary: "Translate a payload without delivering it",
  description:
    "Validates the payload against the source format, maps each event to the canonical model and then to the target. `source` may be `auto` (the format is detected; the answer says `detected: true`). An event the target cannot express is listed in `skipped`, not an error.",
  middleware: [limitBody()] as const,
  request: {
    params: z.object({ source: formatParam("source", ["auto"]), target: formatParam("target") }),
    query: z.object({
      trace: queryText(
        "`1` or `true` adds the canonical events and the mapping files that ran",
        "1",
      ),
    }),
    body: { required: true, content: { "application/json": { schema: webhookBodySchema() } } },
  },
  responses: {
    200: {
      description: "The deliveries (each `body` is the exact JSON to POST) and the skipped events",
      content: { "application/json": { schema: Translation } },
    },
    ...errors(400, 404, 413, 415, 422),
  },
});

/**
 * `POST /translate/:source/:target`: translate a payload without delivering it.
 * `?trace=1` adds the canonical events and the mapping files that ran.
 */
export const translateRoutes = openApiApp();
defineRoute(translateRoutes, translateRoute, async (c) => {
  const body = await readJsonBody(c);
  if (!body.ok) return c.json(toResponseBody(body.error), body.error.status);
  const trace = ["1", "true"].includes(c.req.query("trace") ?? "");
  const source = c.req.param("source") ?? "";
  const target = c.req.param("target") ?? "";
  const result = await translate(source, target, body.value.value, {
    trace,
    suggest: (id) => `POST it to /translate/${id}/${target}`,
  });
  if (!result.ok) return c.json(toResponseBody(result.error), result.error.status);
  return c.json(result.value);
});

/** `GET /formats`: every format id with the events it accepts and emits. */
export const formatRoutes = openApiApp();
defineRoute(
  formatRoutes,
  createRoute({
    method: "get",
    path: "/",
    tags: ["translate"],
    summary: "The format ids, and the events each accepts and emits",
    responses: {
      200: { description: "Every format", content: { "application/json": { schema: FormatList } } },
    },
  }),
  (c) =>
    c.json({
      formats: formats.map((format) => ({
        id: format.id,
        name: format.name,
        description: format.description,
        ...(format.family ? { family: format.family } : {}),
        accepts: format.accepts ?? Object.keys(format.toCanonical),
        emits: format.emits,
      })),
    }),
);
