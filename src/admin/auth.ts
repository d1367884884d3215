import type { MiddlewareHandler } from "hono";
import type { Env } from "../config/env.ts";
import { constantTimeEqual } from "../crypto/index.ts";

/** What an `Authorization` header proves about the caller, given the deployment's `ADMIN_TOKEN`. */
export type AdminAccess =
  /** `Authorization: Bearer <ADMIN_TOKEN>`. */
  | "admin"
  /** No `ADMIN_TOKEN` is set: nobody is admin. */
  | "disabled"
  /** No bearer token was sent. */
  | "anonymous"
  /** A bearer token was sent and it is not the admin token. */
  | "wrong";

/**
 * Checks `Authorization: Bearer <token>` against `ADMIN_TOKEN`, in constant time. Routes that
 * answer everyone but tell the admin more (`/health`) use it directly; admin routes use
 * `requireAdmin`.
 *
 * @example adminAccess(c.env.ADMIN_TOKEN, c.req.header("authorization")) // "admin" | "anonymous" | ...
 */
export function adminAccess(adminToken: unknown, authorization: string | undefined): AdminAccess {
  const token = typeof adminToken === "string" ? adminToken : "";
  if (token === "") return "disabled";
  const given = authorization?.match(/^\s*Bearer\s+(.+?)\s*$/i)?.[1];
  if (!given) return "anonymous";
  return constantTimeEqual(given, token) ? "admin" : "wrong";
}

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time, on every admin route
 * (/deadletters, /events, /routes). With no ADMIN_TOKEN the admin routes are closed (503 saying
 * so), never open.
 *
 * @example adminRoutes.use("*", requireAdmin);
 */
export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const access = adminAccess(c.env.ADMIN_TOKEN, c.req.header("authorization"));
  if (access === "disabled") {
    return c.json(
      {
        error: "admin_disabled",
        message:
          "The admin routes are turned off: no ADMIN_TOKEN is set. Deployed: npx wrangler secret put ADMIN_TOKEN. Locally, npm start sets one and prints it.",
      },
      503,
    );
  }
  if (access !== "admin") {
    return c.json(
      {
        error: "unauthorized",
        message:
          access === "wrong"
            ? "The bearer token is not the admin token."
            : "Send Authorization: Bearer <ADMIN_TOKEN>.",
      },
      401,
      { "WWW-Authenticate": 'Bearer realm="admin"' },
    );
  }
  await next();
};
