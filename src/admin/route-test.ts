import { createRoute, z } from "@hono/zod-openapi";
import { CanonicalEvent } from "../canonical/index.ts";
import { SAMPLE_NAMES, SAMPLES, type SampleName } from "../canonical/samples.ts";
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { signedRequest, timeoutOf } from "../deliver/index.ts";
import { sendOnce } from "../deliver/send.ts";
import { formatPath } from "../errors/index.ts";
import { findFormat } from "../formats/index.ts";
import { defineRoute, errors, openApiApp } from "../openapi/schemas.ts";
import { fromCanonical } from "../translate/index.ts";
import { runWhere } from "../translate/where.ts";
import { jsonOnly } from "../validate/index.ts";
import { requireAdmin } from "./auth.ts";
import { readBody } from "./body.ts";
import { configuredRouteOf } from "./configured.ts";
import { RouteParams } from "./schemas.ts";

/** How much of the destination's answer a test send returns. */
export const TEST_ANSWER_BYTES = 1024;

const TestRequest = z
  .object({
    sample: z
      .enum(SAMPLE_NAMES as [SampleName, ...SampleName[]], {
        error: `sample must be one of: ${SAMPLE_NAMES.join(", ")}`,
      })
      .optional()
      .openapi({ description: "A canonical sample (default `message`)" }),
    event: z
      .unknown()
      .optional()
      .openapi({ description: "A canonical event of your own, instead of a sample" }),
  })
  .openapi("RouteTestRequest");

const TestResult = z
  .object({
    route: z.string(),
    test: z.literal(true),
    webhookId: z.string().openapi({ description: "`test-<uuid>`: marks the POST as a test" }),
    event: z.string().openapi({ description: "The target event name sent" }),
    status: z.number().openapi({ description: "The destination's HTTP status (0: no answer)" }),
    durationMs: z.number(),
    answer: z.string().openapi({ description: "The first 1 KB of the destination's answer" }),
    error: z.string().optional().openapi({ description: "Why there was no answer" }),
    where: z.boolean().optional().openapi({
      description: "What the route's `where` says of this event (sent all the same)",
    }),
  })
  .openapi("RouteTestResult");

/**
 * `POST /routes/:name/test`: translates a canonical sample (or the caller's canonical event) to
 * the route's target and POSTs it to the route's URL, signed and with the route's headers like
 * any delivery, with `webhook-id: test-<uuid>`. Answers with the destination's status, time and
 * the first 1 KB of its answer. Nothing is stored: no event, attempt or count, no rate limit
 * slot; a paused route is tested all the same.
 */
export const routeTestRoutes = openApiApp<{ Bindings: Env }>();
routeTestRoutes.use("*", requireAdmin, jsonOnly());

defineRoute(
  routeTestRoutes,
  createRoute({
    method: "post",
    path: "/{name}/test",
    tags: ["admin"],
    security: [{ adminToken: [] }],
    summary: "Send a test event to a route's destination and see its answer (nothing is stored)",
    request: {
      params: RouteParams,
      body: { content: { "application/json": { schema: TestRequest } }, required: false },
    },
    responses: {
      200: {
        description: "Sent: the destination's answer (whatever its status)",
        content: { "application/json": { schema: TestResult } },
      },
      ...errors(400, 401, 404, 422, 503),
    },
  }),
  async (c) => {
    const route = configuredRouteOf(c);
    if (route instanceof Response) return route;
    const body = await readBody(c, TestRequest);
    if (body instanceof Response) return body;
    let canonical: CanonicalEvent = SAMPLES[body.sample ?? "message"];
    if (body.event !== undefined) {
      const parsed = CanonicalEvent.safeParse(body.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return c.json(
          {
            error: "invalid_request",
            message: `event is not a canonical event: ${issue ? `${formatPath(["event", ...issue.path])}: ${issue.message}` : ""} (mappings/README.md describes the model)`,
          },
          400,
        );
      }
      canonical = parsed.data;
    }
    const target = findFormat(route.target);
    if (!target.ok) return c.json({ error: "invalid_config", message: target.error.message }, 503);
    const translated = await fromCanonical(target.value, canonical);
    if (!translated.ok)
      return c.json({ error: "mapping_failed", message: translated.error.message }, 422);
    const [delivery] = translated.value.deliveries;
    if (!delivery) {
      const reason = translated.value.skipped[0]?.reason ?? "nothing to send";
      return c.json(
        {
          error: "nothing_to_send",
          message: `${reason}: try another sample (${SAMPLE_NAMES.join(", ")}).`,
        },
        422,
      );
    }
    const where = route.where === undefined ? undefined : await runWhere(route.where, canonical);
    const id = `test-${crypto.randomUUID()}`;
    const request = await signedRequest(c.env, route, target.value, {
      id,
      type: delivery.event,
      source: route.cloudeventsSource ?? "/routes/test",
      time: new Date().toISOString(),
      data: delivery.body,
    });
    const loaded = loadConfig(c.env); // valid: configuredRouteOf answered 503 otherwise
    const timeout = loaded.ok ? timeoutOf(route, loaded.config.settings) : 10_000;
    const sent = await sendOnce(
      route.url,
      request.headers,
      request.body,
      timeout,
      () => TEST_ANSWER_BYTES,
    );
    log("info", "test send", {
      route: route.name,
      webhookId: id,
      test: true,
      event: delivery.event,
      status: sent.status,
      latencyMs: sent.durationMs,
    });
    return c.json(
      {
        route: route.name,
        test: true as const,
        webhookId: id,
        event: delivery.event,
        status: sent.status,
        durationMs: sent.durationMs,
        answer: sent.body,
        ...(sent.error ? { error: sent.error } : {}),
        ...(where && "pass" in where ? { where: where.pass } : {}),
      },
      200,
    );
  },
);
