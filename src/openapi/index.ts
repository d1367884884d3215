import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import pkg from "../../package.json";
import { pageHeaders } from "../pages/headers.ts";

type Document = ReturnType<OpenAPIHono["getOpenAPIDocument"]>;

/**
 * `GET /openapi.json`: the OpenAPI 3.0 document of every documented route, generated from the
 * zod schemas the routes are defined with (src/openapi/schemas.ts and each route's
 * `createRoute`). `GET /docs`: the same document as one self-contained HTML page, rendered here
 * (no script, nothing loaded from elsewhere, so it works offline and under a strict CSP).
 *
 * Call after every documented route group is mounted on `app`.
 */
export function mountApiDocs<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_TOKEN secret. Without it set, the admin routes answer 503.",
  });
  let cached: Document | undefined;
  const document = (): Document => {
    cached ??= app.getOpenAPIDocument({
      openapi: "3.0.3",
      info: {
        title: "Webhook translator",
        version: pkg.version,
        description:
          "Receives chat-platform webhooks, translates each event into another platform's webhook format with JSONata mappings, and delivers it reliably. Errors are JSON `{error, message, issues?}`; nothing a client sends gets a 5xx.",
      },
      tags: [
        { name: "webhooks", description: "Where platforms send their webhooks" },
        { name: "translate", description: "Translation without delivery" },
        { name: "admin", description: "Dead letters and replay (bearer ADMIN_TOKEN)" },
        { name: "operate", description: "Health" },
      ],
    });
    return cached;
  };
  app.get("/openapi.json", (c) =>
    c.json({ ...document(), servers: [{ url: new URL(c.req.url).origin }] }),
  );
  app.get("/docs", (c) => c.html(renderDocs(document()), 200, pageHeaders({ script: false })));
}

const html = (text: unknown) =>
  String(text).replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

/** Escaped text with `code` spans. */
const prose = (text: unknown) => html(text ?? "").replace(/`([^`]+)`/g, "<code>$1</code>");

type Json = Record<string, unknown>;

/** A schema in one line: a link to a named schema, an enum, or its type. */
function brief(schema: Json | undefined): string {
  if (!schema) return "";
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.split("/").pop() ?? ref;
    return `<a href="#schema-${html(name)}">${html(name)}</a>`;
  }
  if (Array.isArray(schema.enum)) return `one of: ${schema.enum.map(html).join(", ")}`;
  for (const key of ["oneOf", "anyOf"] as const) {
    const list = schema[key];
    if (Array.isArray(list)) {
      return list
        .map((s) =>
          typeof (s as Json).title === "string" ? html((s as Json).title) : brief(s as Json),
        )
        .join(" | ");
    }
  }
  if (schema.type === "array") return `${brief(schema.items as Json)}[]`;
  return html(schema.type ?? "any");
}

const block = (schema: unknown) =>
  `<details><summary>schema</summary><pre>${html(JSON.stringify(schema, null, 2))}</pre></details>`;

function content(value: unknown): string {
  const media = (value ?? {}) as Record<string, { schema?: Json }>;
  return Object.entries(media)
    .map(([type, { schema }]) => {
      const detail = schema && !schema.$ref ? block(schema) : "";
      return `<div><code>${html(type)}</code> ${brief(schema)}${detail}</div>`;
    })
    .join("");
}

function operation(path: string, method: string, op: Json): string {
  const params = (op.parameters ?? []) as Json[];
  const responses = (op.responses ?? {}) as Record<string, Json>;
  const body = op.requestBody as Json | undefined;
  const secured = Array.isArray(op.security) && op.security.length > 0;
  return `<section class="op" id="${html(`${method}-${path}`)}">
<h3><span class="m ${html(method)}">${html(method.toUpperCase())}</span> <code>${html(path)}</code></h3>
<p><strong>${prose(op.summary)}</strong></p>
${op.description ? `<p>${prose(op.description)}</p>` : ""}
${secured ? "<p>Needs <code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code>.</p>" : ""}
${
  params.length > 0
    ? `<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>${params
        .map(
          (p) =>
            `<tr><td><code>${html(p.name)}</code>${p.required ? " *" : ""}</td><td>${html(p.in)}</td><td>${brief(p.schema as Json)}</td><td>${prose((p.schema as Json | undefined)?.description ?? p.description ?? "")}</td></tr>`,
        )
        .join("")}</table>`
    : ""
}
${body ? `<h4>Request body</h4>${content(body.content)}` : ""}
<h4>Responses</h4>
<table>${Object.entries(responses)
    .map(
      ([status, r]) =>
        `<tr><td><code>${html(status)}</code></td><td>${prose(r.description)}${content(r.content)}</td></tr>`,
    )
    .join("")}</table>
</section>`;
}

/** The document as one HTML page: every operation, then every named schema. */
export function renderDocs(doc: Document): string {
  const paths = Object.entries((doc.paths ?? {}) as Record<string, Record<string, Json>>);
  const ops = paths.flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, unknown>);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(doc.info.title)} API ${html(doc.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.op{border-top:1px solid #ccc;padding-top:.5rem;margin-top:1.5rem}.m{display:inline-block;min-width:3.5rem;padding:0 .4rem;border-radius:3px;color:#fff;font-size:13px;text-align:center}
.get{background:#2b6cb0}.post{background:#2f855a}.put,.patch{background:#b7791f}.delete{background:#c53030}
nav a{margin-right:.8rem}
</style></head><body>
<h1>${html(doc.info.title)} <small>${html(doc.info.version)}</small></h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="openapi.json">/openapi.json</a> (OpenAPI ${html(doc.openapi)}).</p>
<nav>${ops.map(({ path, method }) => `<a href="#${html(`${method}-${path}`)}">${html(method.toUpperCase())} ${html(path)}</a>`).join(" ")}</nav>
${ops.map(({ path, method, op }) => operation(path, method, op)).join("\n")}
<h2>Schemas</h2>
${schemas.map(([name, schema]) => `<section id="schema-${html(name)}"><h3>${html(name)}</h3><pre>${html(JSON.stringify(schema, null, 2))}</pre></section>`).join("\n")}
</body></html>`;
}
