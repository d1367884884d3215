import { type Context, Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { adminAccess } from "../admin/auth.ts";
import { toResponseBody } from "../errors/index.ts";
import { mappingFiles } from "../formats/index.ts";
import { pageHeaders } from "../pages/headers.ts";
import { translate } from "../translate/index.ts";
import { jsonOnly, limitBody, parseJsonText } from "../validate/index.ts";
import script from "./app.client.js";
import { examples } from "./examples.ts";
import page from "./page.html";

interface PlaygroundEnv {
  Bindings: { PLAYGROUND?: string; ADMIN_TOKEN?: string };
}

/**
 * The playground: pick a source and target, paste or pick a payload, and see the deliveries,
 * skips, errors and canonical event live; edit a mapping file in the page and see the effect.
 * Edits are evaluated for that request only and never saved.
 *
 * Open when `PLAYGROUND = "true"` (local dev). Otherwise the page is served when `ADMIN_TOKEN`
 * is set, and its API needs `Authorization: Bearer <ADMIN_TOKEN>` (the page asks for it).
 */
export const playgroundRoutes = new Hono<PlaygroundEnv>();

const isOpen = (c: Context<PlaygroundEnv>) => c.env?.PLAYGROUND === "true";

const available: MiddlewareHandler<PlaygroundEnv> = async (c, next) => {
  if (!isOpen(c) && !c.env?.ADMIN_TOKEN) {
    return c.json(
      toResponseBody({
        code: "not_found",
        status: 404,
        message: "The playground is off: set PLAYGROUND=true (local dev) or ADMIN_TOKEN.",
      }),
      404,
    );
  }
  await next();
};

const adminOnly: MiddlewareHandler<PlaygroundEnv> = async (c, next) => {
  if (isOpen(c)) return next();
  // The same check as every admin route: `Bearer <ADMIN_TOKEN>` only, in constant time.
  if (adminAccess(c.env.ADMIN_TOKEN, c.req.header("authorization")) !== "admin") {
    return c.json(
      toResponseBody({
        code: "unauthorized",
        status: 401,
        message: "The playground needs Authorization: Bearer <ADMIN_TOKEN>.",
      }),
      401,
    );
  }
  await next();
};

const PlaygroundRequest = z.object({
  source: z.string(),
  target: z.string(),
  /** The payload as typed, so a JSON syntax error is shown like any other error. */
  payload: z.string(),
  /** Edited mapping files: path → text. */
  mappings: z.record(z.string(), z.string()).default({}),
});

playgroundRoutes.use("*", available);

playgroundRoutes.get("/", (c) => c.html(page, 200, pageHeaders({ script: true })));

playgroundRoutes.get("/app.js", (c) =>
  c.body(script, 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
  }),
);

playgroundRoutes.get("/examples", adminOnly, (c) => c.json({ examples }));

playgroundRoutes.post("/translate", limitBody(), adminOnly, jsonOnly(), async (c) => {
  const request = PlaygroundRequest.safeParse(await c.req.json().catch(() => undefined));
  if (!request.success) {
    return c.json(
      {
        error: {
          error: "invalid_payload",
          message: request.error.issues.map((i) => i.message).join("; "),
        },
        mappings: [],
      },
      400,
    );
  }
  const { source, target, payload, mappings } = request.data;
  const body = parseJsonText(payload);
  if (!body.ok) return c.json({ error: toResponseBody(body.error), mappings: [] });
  const result = await translate(source, target, body.value.value, {
    trace: true,
    overrides: new Map(Object.entries(mappings)),
  });
  if (!result.ok) {
    const mapping = result.error.details?.mapping;
    return c.json({
      error: toResponseBody(result.error),
      mappings: typeof mapping === "string" ? filesFor([mapping]) : [],
    });
  }
  const used = [...new Set(result.value.trace?.flatMap((step) => step.mappings) ?? [])];
  return c.json({ translation: result.value, mappings: filesFor(used) });
});

/** The shipped text of each mapping file, for the page's editor. */
function filesFor(paths: string[]): Array<{ path: string; text: string }> {
  const shipped = mappingFiles();
  return paths.flatMap((path) => {
    const file = shipped.get(path);
    return file ? [{ path, text: file.text }] : [];
  });
}
