/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { Env } from "../config/env.ts";
import { pageHeaders } from "../pages/headers.ts";
import script from "./app.client.js";
import { ConsolePage } from "./page.tsx";

/**
 * `GET /console`: the operator's page (server-rendered with hono/jsx) and `GET /console/app.js`,
 * its script. Served only when ADMIN_TOKEN is set (404 otherwise); the page itself holds no
 * data, and every call it makes needs the token (src/admin). Its headers are every page's
 * (src/pages/headers.ts): nothing but this origin, no inline script, no framing.
 */
export const consoleRoutes = new Hono<{ Bindings: Env }>();

consoleRoutes.use("*", async (c, next) => {
  if (typeof c.env.ADMIN_TOKEN !== "string" || c.env.ADMIN_TOKEN === "") {
    return c.json(
      {
        error: "not_found",
        message: "The console is off: set the ADMIN_TOKEN secret to use it.",
      },
      404,
    );
  }
  await next();
});

consoleRoutes.get("/", (c) =>
  c.html(`<!doctype html>${(<ConsolePage />).toString()}`, 200, pageHeaders({ script: true })),
);

consoleRoutes.get("/app.js", (c) =>
  c.body(script, 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "no-cache",
  }),
);
