import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { type Config, loadConfig, type Route } from "../config/index.ts";

type Ctx = Context<{ Bindings: Env }>;

/** The configuration, or the 503 answer naming its problems. */
export function configOr503(c: Ctx): Config | Response {
  const config = loadConfig(c.env);
  if (config.ok) return config.config;
  return c.json(
    {
      error: "invalid_config",
      message: `The configuration is invalid: ${config.errors.join("; ")}`,
      errors: config.errors,
    },
    503,
  );
}

/**
 * The route named in the path (`:name`) when the configuration has it; else the 503 or 404 to answer.
 *
 * @example const route = configuredRouteOf(c); if (route instanceof Response) return route;
 */
export function configuredRouteOf(c: Ctx): Route | Response {
  const config = configOr503(c);
  if (config instanceof Response) return config;
  const name = c.req.param("name") ?? "";
  const route = config.routes.find((each) => each.name === name);
  if (route) return route;
  return c.json(
    {
      error: "not_found",
      message: `No route named "${name.slice(0, 64)}"; GET /routes lists them.`,
    },
    404,
  );
}
