import { Hono } from "hono";
import { toResponseBody } from "../errors/index.ts";
import { formats } from "../formats/index.ts";
import { limitBody, readJsonBody } from "../validate/index.ts";
import { translate } from "./index.ts";

/**
 * `POST /translate/:source/:target`: translate a payload without delivering it.
 * `?trace=1` adds the canonical events and the mapping files that ran.
 */
export const translateRoutes = new Hono().post("/:source/:target", limitBody(), async (c) => {
  const body = await readJsonBody(c);
  if (!body.ok) return c.json(toResponseBody(body.error), body.error.status);
  const trace = ["1", "true"].includes(c.req.query("trace") ?? "");
  const result = await translate(c.req.param("source"), c.req.param("target"), body.value.value, {
    trace,
  });
  if (!result.ok) return c.json(toResponseBody(result.error), result.error.status);
  return c.json(result.value);
});

/** `GET /formats`: every format id with the events it accepts and emits. */
export const formatRoutes = new Hono().get("/", (c) =>
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
