import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { toResponseBody } from "../errors/index.ts";
import { parseJsonText } from "../validate/index.ts";

/**
 * An admin route's optional JSON body, validated with its zod schema: an empty body is `{}`.
 * Returns the parsed value, or the 400 answer naming the first problem.
 *
 * @example const body = await readBody(c, ReplayBody); if (body instanceof Response) return body;
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S> | Response> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    const parsed = parseJsonText(text);
    if (!parsed.ok) return c.json(toResponseBody(parsed.error), 400);
    value = parsed.value.value;
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    return c.json(
      {
        error: "invalid_request",
        message: `${issue?.path.length ? `${issue.path.join(".")}: ` : ""}${issue?.message ?? "invalid body"}`,
      },
      400,
    );
  }
  return result.data;
}
