import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AppError, fail, ok, type Result, toResponseBody } from "../errors/index.ts";
import { LIMITS } from "../limits/index.ts";

const tooLarge: AppError = {
  code: "payload_too_large",
  status: 413,
  message: `The body is larger than ${LIMITS.bodyBytes} bytes (1 MiB), the most this service accepts.`,
};

/** Rejects bodies over `LIMITS.bodyBytes` with a 413, whether or not Content-Length is sent. */
export const limitBody = (): MiddlewareHandler =>
  bodyLimit({ maxSize: LIMITS.bodyBytes, onError: (c) => c.json(toResponseBody(tooLarge), 413) });

/** A parsed JSON body and the exact text it came from (signatures are computed over the text). */
export interface JsonBody {
  text: string;
  value: unknown;
}

const notJson = (type: string | undefined): AppError => ({
  code: "unsupported_media_type",
  status: 415,
  message: type
    ? `Content-Type "${type.slice(0, 100)}" is not JSON: send the body as JSON with "Content-Type: application/json".`
    : 'No Content-Type: send the body as JSON with "Content-Type: application/json".',
});

/**
 * Reads a request body as JSON: checks the content type, parses, and bounds the nesting depth.
 * Errors are 415 (no Content-Type, or one that is not JSON: see `isJsonType`) or 400 (empty,
 * not parseable, too deep).
 */
export async function readJsonBody(c: Context): Promise<Result<JsonBody>> {
  const type = c.req.header("content-type");
  if (!type || !isJsonType(type)) return fail(notJson(type));
  const text = await c.req.text();
  return parseJsonText(text);
}

/**
 * For POST routes whose body is optional or read by other means (the playground, admin routes,
 * the dev sink): a request that carries a body must say it is JSON, else `415`. A request with
 * no body (`curl -X POST .../replay`) passes.
 */
export const jsonOnly = (): MiddlewareHandler => async (c, next) => {
  const type = c.req.header("content-type");
  const hasBody = c.req.raw.body !== null && c.req.header("content-length") !== "0";
  if (hasBody && (!type || !isJsonType(type))) {
    return c.json(toResponseBody(notJson(type)), 415);
  }
  await next();
};

/** Parses JSON text into a value, with the depth limit applied. */
export function parseJsonText(text: string): Result<JsonBody> {
  if (text.trim() === "") {
    return fail({
      code: "invalid_json",
      status: 400,
      message: "The body is empty: send the webhook payload as JSON.",
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail({
      code: "invalid_json",
      status: 400,
      message: `The body is not valid JSON: ${(error as Error).message.slice(0, 200)}`,
    });
  }
  if (exceedsDepth(value, LIMITS.depth)) {
    return fail({
      code: "invalid_payload",
      status: 400,
      message: `The body nests objects or arrays more than ${LIMITS.depth} levels deep.`,
      issues: [{ path: "", message: `nesting deeper than ${LIMITS.depth} levels` }],
    });
  }
  return ok({ text, value });
}

/**
 * `application/json` or `application/<anything>+json` (`application/cloudevents+json`), with any
 * parameters (`; charset=utf-8`). Nothing else: not `text/plain`, not `text/json`.
 *
 * @example isJsonType("application/json; charset=UTF-8") // true
 * @example isJsonType("text/plain") // false
 */
export function isJsonType(type: string): boolean {
  const mediaType = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[^/\s]+\+json$/.test(mediaType);
}

/** True when `value` nests deeper than `max` (checked without recursion, so any depth is safe). */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
