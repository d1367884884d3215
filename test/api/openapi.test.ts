/**
 * The API description (`/openapi.json`, `/docs`), `/health`, request logs, and that validating
 * parameters with zod did not change any answer.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import pkg from "../../package.json";
import type { Env } from "../../src/config/env.ts";
import { adminHealth, call, testEnv } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const admin = { headers: { Authorization: "Bearer admin-token" } };

describe("/openapi.json", () => {
  it("describes every public route, generated from the route schemas", async () => {
    const response = await call(testEnv(), "/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Doc;
    expect(doc.openapi).toBe("3.0.3");
    expect(doc.info.version).toBe(pkg.version);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /webhooks/{source}",
        "POST /webhooks/{source}",
        "POST /translate/{source}/{target}",
        "GET /formats",
        "GET /health",
        "GET /metrics",
        "GET /deadletters",
        "GET /deadletters/{id}",
        "POST /deadletters/{id}/replay",
        "GET /routes",
        "GET /routes/{name}/conversations",
        "POST /routes/{name}/pause",
        "POST /routes/{name}/resume",
        "DELETE /deadletters/{id}",
        "POST /deadletters/replay",
        "GET /events",
        "GET /events/{id}",
        "POST /events/{id}/replay",
        "POST /routes/{name}/test",
        "DELETE /events/{id}",
        "GET /activity",
      ].sort(),
    );
    const post = doc.paths["/webhooks/{source}"]?.post as Operation;
    expect(post.parameters?.map((p) => `${p.in}:${p.name}`)).toContain("path:source");
    expect(post.requestBody).toBeDefined();
    for (const status of ["400", "401", "404", "413", "415", "503"]) {
      expect(post.responses[status]?.content?.["application/json"]?.schema.$ref, status).toBe(
        "#/components/schemas/Error",
      );
    }
    const translate = doc.paths["/translate/{source}/{target}"]?.post as Operation;
    expect(Object.keys(translate.responses)).toEqual(
      expect.arrayContaining(["200", "400", "404", "413", "415", "422"]),
    );
    expect(doc.components.securitySchemes.adminToken).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    for (const [path, method] of [
      ["/deadletters", "get"],
      ["/deadletters/{id}", "get"],
      ["/deadletters/{id}/replay", "post"],
      ["/routes", "get"],
      ["/routes/{name}/pause", "post"],
      ["/routes/{name}/resume", "post"],
      ["/deadletters/{id}", "delete"],
      ["/deadletters/replay", "post"],
      ["/events", "get"],
      ["/events/{id}", "get"],
      ["/events/{id}/replay", "post"],
      ["/routes/{name}/test", "post"],
      ["/events/{id}", "delete"],
      ["/activity", "get"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, path).toEqual([{ adminToken: [] }]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["Error", "Accepted", "Translation", "Health", "DeadLetter"]),
    );
    // One name for an event's per-route state: `deliveries` in the list and in the detail.
    const schemas = doc.components.schemas as Record<string, { properties?: object }>;
    expect(Object.keys(schemas.Event?.properties ?? {})).toContain("deliveries");
    expect(Object.keys(schemas.EventDetail?.properties ?? {})).toContain("deliveries");
    expect(Object.keys(schemas.EventDetail?.properties ?? {})).not.toContain("routes");
  });

  it("/docs renders it as one page that loads nothing from elsewhere", async () => {
    const response = await call(testEnv(), "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await response.text();
    for (const path of ["/webhooks/{source}", "/translate/{source}/{target}", "/deadletters"]) {
      expect(page).toContain(path);
    }
    expect(page).not.toMatch(/<script|<link|src=|href="(https?:)?\/\//i);
  });
});

describe("answers unchanged by zod validation of parameters", () => {
  it("dead letter queries keep their 400 invalid_query answers", async () => {
    const env = testEnv({ ADMIN_TOKEN: "admin-token" });
    for (const [query, message] of [
      ["limit=abc", "limit must be an integer from 1 to 100."],
      ["limit=0", "limit must be an integer from 1 to 100."],
      ["limit=101&cursor=-1", "limit must be an integer from 1 to 100."],
      ["cursor=-1", "cursor must be the `next` value of a previous page."],
      ["cursor=x", "cursor must be the `next` value of a previous page."],
    ]) {
      const response = await call(env, `/deadletters?${query}`, admin);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toEqual({ error: "invalid_query", message });
    }
    expect((await call(env, "/deadletters?limit=5&limit=x", admin)).status).toBe(200);
    // Authentication still comes first.
    expect((await call(env, "/deadletters?limit=abc")).status).toBe(401);
  });

  it("a repeated query parameter is not an error", async () => {
    const response = await call(
      testEnv(),
      "/webhooks/dotted?type=subscribe&challenge=a&challenge=b",
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("a");
    const translated = await call(testEnv(), "/translate/auto/dotted?trace=1&trace=0", {
      json: { event: "nothing" },
    });
    expect(translated.status).toBe(400);
    expect(((await translated.json()) as { error: string }).error).toBe("undetectable_format");
  });

  it("an unknown format id is still 404 unknown_format listing the formats", async () => {
    const response = await call(testEnv(), "/translate/nope/dotted", { json: { a: 1 } });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: string; formats: string[] };
    expect(body.error).toBe("unknown_format");
    expect(body.formats).toContain("hoory");
  });
});

describe("/health", () => {
  it("reports version, routes with their delivery mode, storage and queue", async () => {
    const env = testEnv({
      ROUTES: [
        {
          name: "ce",
          sources: ["hoory"],
          target: "dotted",
          url: "https://example.com/ce?token=hidden",
          cloudevents: "structured",
        },
      ],
    });
    const response = await adminHealth(env);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("hidden");
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      status: "ok",
      version: pkg.version,
      bindings: {
        storage: { reachable: true },
        store: { reachable: true },
        queue: { bound: true },
      },
    });
    expect(body.bindings.queue.note).toContain("not sent to");
    expect(body.routes[0]).toMatchObject({ name: "ce", cloudevents: "structured", signed: false });
  });

  it("answers 503 when storage does not answer", async () => {
    const broken = {
      prepare: () => ({
        first: () => Promise.reject(new Error("D1 is down")),
      }),
    };
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/" });
    const response = await adminHealth({ ...env, DB: broken as unknown as D1Database });
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      errors: string[];
      bindings: { storage: { reachable: boolean } };
    };
    expect(body.status).toBe("error");
    expect(body.bindings.storage.reachable).toBe(false);
    expect(body.errors.join()).toContain("D1 is down");
  });

  it("answers 503 when the event store does not answer", async () => {
    const refusing = {
      idFromName: (name: string) => name,
      get: () => ({ event: () => Promise.reject(new Error("shard is overloaded")) }),
    };
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/" });
    const response = await adminHealth({
      ...env,
      EVENT_STORE: refusing as unknown as Env["EVENT_STORE"],
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      errors: string[];
      bindings: { storage: { reachable: boolean }; store: { reachable: boolean } };
    };
    expect(body.bindings).toMatchObject({
      storage: { reachable: true },
      store: { reachable: false },
    });
    expect(body.errors.join()).toContain("the event store is not reachable: shard is overloaded");
    // The public answer says only that it is not ok.
    const open = await call({ ...env, EVENT_STORE: refusing } as unknown as Env, "/health");
    expect(open.status).toBe(503);
    expect(await open.json()).toEqual({ status: "error", version: pkg.version });
  });

  it("rejects an unknown CloudEvents mode, naming the field", async () => {
    const env = testEnv({
      ROUTES: [
        { name: "x", sources: "*", target: "dotted", url: "https://e.com/", cloudevents: "xml" },
      ],
    });
    const body = (await (await adminHealth(env)).json()) as { errors: string[] };
    expect(body.errors).toEqual(['ROUTES[0].cloudevents: must be "binary" or "structured"']);
  });
});

describe("request logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("one JSON line per request with request id, source, status and latency; no body", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    vi.spyOn(console, "warn").mockImplementation((line: string) => lines.push(line));
    const response = await call(testEnv(), "/translate/hoory/dotted", {
      json: { secretive: "payload-text-here" },
    });
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const entries = lines.map((line) => JSON.parse(line));
    const request = entries.find((entry) => entry.message === "request");
    expect(request).toMatchObject({
      level: "info",
      requestId,
      method: "POST",
      path: "/translate/hoory/dotted",
      source: "hoory",
      target: "dotted",
      status: 400,
    });
    expect(typeof request.latencyMs).toBe("number");
    expect(lines.join("\n")).not.toContain("payload-text-here");
  });

  it("a webhook's own log lines carry the same request id", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/" });
    const accepted = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": crypto.randomUUID() },
    });
    expect(accepted.status).toBe(202);
    const requestId = accepted.headers.get("x-request-id");
    const own = lines.map((line) => JSON.parse(line)).filter((e) => e.requestId === requestId);
    expect(own.map((entry) => entry.message).sort()).toEqual(["request", "webhook accepted"]);
  });
});
