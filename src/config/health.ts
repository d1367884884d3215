import { Hono } from "hono";
import pkg from "../../package.json";
import type { Env } from "./env.ts";
import { devSinkEnabled, loadConfig, routeSecret, verification } from "./index.ts";

/** Shows a destination without its query string or credentials (they may carry tokens). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * `GET /health`: 200 `{status: "ok"}` with the version, the routes (no secrets: only whether each
 * is signed) and which sources are verified; 500 `{status: "error", errors: [...]}` naming each
 * configuration mistake. With no route configured it says so in `warnings` (webhooks answer 503).
 */
export const healthRoutes = new Hono<{ Bindings: Env }>().get("/", (c) => {
  const config = loadConfig(c.env);
  const sources = verification(c.env);
  const common = {
    version: pkg.version,
    sources,
    adminEnabled: typeof c.env.ADMIN_TOKEN === "string" && c.env.ADMIN_TOKEN !== "",
    devSink: devSinkEnabled(c.env),
  };
  if (!config.ok) {
    return c.json({ status: "error", errors: config.errors, ...common }, 500);
  }
  const { routes, settings } = config.config;
  return c.json({
    status: "ok",
    ...common,
    routes: routes.map((route) => ({
      name: route.name,
      sources: route.sources,
      target: route.target,
      url: safeUrl(route.url),
      ...(route.events ? { events: route.events } : {}),
      signed: routeSecret(c.env, route) !== undefined,
    })),
    settings,
    ...(routes.length === 0
      ? {
          warnings: [
            "No destination is configured: set TARGET_FORMAT and DESTINATION_URL, or ROUTES. Webhooks answer 503 until then.",
          ],
        }
      : {}),
  });
});
