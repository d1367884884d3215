import type { MiddlewareHandler } from "hono";
import type { Env } from "../config/env.ts";
import { constantTimeEqual } from "../crypto/index.ts";

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time, on every admin route
 * (/deadletters, /events, /routes). With no ADMIN_TOKEN the admin routes are closed (503 saying
 * so), never open.
 *
 * @example adminRoutes.use("*", requireAdmin);
 */
export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = typeof c.env.ADMIN_TOKEN === "string" ? c.env.ADMIN_TOKEN : "";
  if (token === "") {
    return c.json(
      {
        error: "admin_disabled",
        message:
          "The admin routes are disabled: set the ADMIN_TOKEN secret (wrangler secret put ADMIN_TOKEN) to use them.",
      },
      503,
    );
  }
  const given = c.req.header("authorization")?.match(/^\s*Bearer\s+(.+?)\s*$/i)?.[1];
  if (!given || !constantTimeEqual(given, token)) {
    return c.json(
      {
        error: "unauthorized",
        message: given
          ? "The bearer token is not the admin token."
          : "Send Authorization: Bearer <ADMIN_TOKEN>.",
      },
      401,
      { "WWW-Authenticate": 'Bearer realm="admin"' },
    );
  }
  await next();
};
