/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { Env } from "../config/env.ts";
import { devSinkEnabled } from "../config/index.ts";
import { pageHeaders } from "../pages/headers.ts";
import script from "./app.client.js";
import chart from "./chart.client.js";
import { ConsolePage } from "./page.tsx";
import routes from "./routes.client.js";
import ui from "./ui.client.js";

/**
 * `GET /console`: the operator's page (server-rendered with hono/jsx) and its scripts,
 * `GET /console/app.js` (a module) and those it imports: `chart.js`, `routes.js`, `ui.js`.
 * Served only when ADMIN_TOKEN is set (404 otherwise); the page itself holds no data, and every
 * call it makes needs the token (src/admin). Its headers are every page's (src/pages/headers.ts):
 * nothing but this origin, no inline script, no framing.
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
  c.html(
    `<!doctype html>${(<ConsolePage local={devSinkEnabled(c.env)} />).toString()}`,
    200,
    pageHeaders({ script: true }),
  ),
);

for (const [path, text] of [
  ["/app.js", script],
  ["/chart.js", chart],
  ["/routes.js", routes],
  ["/ui.js", ui],
] as const) {
  consoleRoutes.get(path, (c) =>
    c.body(text, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
    }),
  );
}
