import { Hono } from "hono";
import { toResponseBody } from "./errors/index.ts";
import { playgroundRoutes } from "./playground/index.ts";
import { formatRoutes, translateRoutes } from "./translate/routes.ts";

/** The HTTP surface of the Worker. Each concern mounts its own routes. */
export const app = new Hono();

app.route("/translate", translateRoutes);
app.route("/formats", formatRoutes);
app.route("/playground", playgroundRoutes);

app.notFound((c) =>
  c.json(
    toResponseBody({
      code: "not_found",
      status: 404,
      message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    }),
    404,
  ),
);

app.onError((error, c) => {
  console.error(
    JSON.stringify({ level: "error", message: "unhandled error", error: String(error) }),
  );
  return c.json(
    {
      error: "internal_error",
      message: "Something went wrong on our side; the request was not processed.",
    },
    500,
  );
});
