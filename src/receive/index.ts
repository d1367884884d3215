import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Env } from "../config/env.ts";
import { loadConfig, routesFor } from "../config/index.ts";
import { log } from "../config/log.ts";
import { refusedMessage } from "../config/sources.ts";
import { EnqueueError, enqueue } from "../enqueue/index.ts";
import { type AppError, toResponseBody } from "../errors/index.ts";
import { findFormat } from "../formats/index.ts";
import type { HandshakeReply, InboundRequest } from "../formats/types.ts";
import {
  Accepted,
  defineRoute,
  errors,
  formatParam,
  openApiApp,
  queryText,
  webhookBodySchema,
} from "../openapi/schemas.ts";
import { StoreRefused } from "../store/index.ts";
import { readEvents } from "../translate/index.ts";
import { limitBody, readJsonBody } from "../validate/index.ts";
import { sourceSecrets, transportOf, verifyTokenName } from "../verify/index.ts";
import { dedupeKeys } from "../verify/keys.ts";
import { countAnswers } from "./count.ts";

/** What a 503 for a refused store or queue asks the sender to wait before retrying. */
const RETRY_AFTER_SECONDS = 5;

type Ctx = Context<{ Bindings: Env }>;

const error = (c: Ctx, e: AppError) => c.json(toResponseBody(e), e.status);

const reply = (c: Ctx, handshake: HandshakeReply) =>
  c.body(handshake.body, handshake.status, {
    "Content-Type": handshake.contentType,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  });

/**
 * `POST /webhooks/:source`: the sender's path, which never waits on a destination.
 *
 *   unknown source → 404 · broken config, an unsigned source in a deployed environment
 *   (src/config/sources.ts) or no route for the source → 503 · body over 1 MiB → 413
 *   → read JSON (415/400) → verify when `WEBHOOK_SECRET_<SOURCE>` is set (401)
 *   → handshake (Support Hunt test POST: 200, the token as text/plain)
 *   → validate and split into events (400; nothing queued) → dedupe (24 h) → store + queue
 *   → `202 {"accepted": [ids], "duplicates": [ids]}` (200 when everything was a repeat).
 *
 * `GET /webhooks/:source`: subscription checks (dotted `?type=subscribe&challenge=X` → 200 `X`;
 * WhatsApp `?hub.mode=subscribe&hub.verify_token=T&hub.challenge=X` → 200 `X`, or 403).
 */
export const webhookRoutes = openApiApp<{ Bindings: Env }>();
webhookRoutes.use("/:source", countAnswers);

const handshakeText = {
  "text/plain": { schema: z.string().openapi({ description: "The challenge or the token" }) },
};

export const subscribeRoute = createRoute({
  method: "get",
  path: "/{source}",
  tags: ["webhooks"],
  summary:
    "Subscription check (dotted-topic: ?type=subscribe&challenge=X answers X; WhatsApp: hub.mode, hub.verify_token, hub.challenge)",
  description:
    "A dotted-topic sender checks the URL before it sends events: `GET /webhooks/dotted?type=subscribe&challenge=X` answers `200 X` as text/plain. No verification applies (the check carries no signature). Meta checks a WhatsApp URL with `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=T&hub.challenge=X`: `200 X` when T is `WEBHOOK_VERIFY_TOKEN_WHATSAPP` (either value during a rotation), 403 otherwise. Other formats have no GET: 404.",
  request: {
    params: z.object({ source: formatParam("source") }),
    query: z.object({
      type: queryText("`subscribe`", "subscribe"),
      challenge: queryText("Answered back as the body", "abc123"),
      "hub.mode": queryText("WhatsApp: `subscribe`", "subscribe"),
      "hub.verify_token": queryText("WhatsApp: the verify token typed in Meta's settings", "…"),
      "hub.challenge": queryText("WhatsApp: answered back as the body", "1158201444"),
    }),
  },
  responses: {
    200: { description: "The challenge, as text/plain", content: handshakeText },
    ...errors(403, 404),
  },
});

export const receiveRoute = createRoute({
  method: "post",
  path: "/{source}",
  tags: ["webhooks"],
  summary: "Receive a platform's webhook: verify, validate, store and queue for delivery",
  description:
    "Answers at once; a queue consumer translates every event for every route taking this source and POSTs it. Verified when `WEBHOOK_SECRET_<SOURCE>` is set: Chatwoot family `X-Chatwoot-Signature` + `X-Chatwoot-Timestamp`; dotted `X-Hub-Signature`; WhatsApp `X-Hub-Signature-256` (the Meta app secret); Support Hunt the token (`Authorization: Bearer`, `X-Webhook-Token`, `?token=` or a `token` field); Telegram `X-Telegram-Bot-Api-Secret-Token` (the setWebhook `secret_token`). A deployed environment (`ENVIRONMENT` set) refuses a source without a secret with 503 `invalid_config` unless `WEBHOOK_UNSIGNED_<SOURCE>` is true. A Support Hunt test POST (the token and no events) answers the token as text/plain. Repeats within 24 hours answer 200 and are not delivered again; a verified request sent again (the same signed timestamp and body, or dotted body) is a repeat whatever its delivery id.",
  middleware: [limitBody()] as const,
  request: {
    params: z.object({ source: formatParam("source") }),
    query: z.object({
      token: queryText("Support Hunt only: the events page token, when not sent in a header", "…"),
    }),
    body: { required: true, content: { "application/json": { schema: webhookBodySchema() } } },
  },
  responses: {
    202: {
      description: "Accepted: stored and queued; `accepted` lists the new event ids",
      content: { "application/json": { schema: Accepted } },
    },
    200: {
      description:
        "Every event was a repeat (`duplicates` names the originals; JSON), or a Support Hunt test POST (the token, text/plain)",
      content: { "application/json": { schema: Accepted }, ...handshakeText },
    },
    ...errors(400, 401, 404, 413, 415, 503),
  },
});

defineRoute(webhookRoutes, subscribeRoute, (c) => {
  const format = findFormat(c.req.param("source") ?? "");
  if (!format.ok) return error(c, format.error);
  const request: InboundRequest = {
    method: "GET",
    url: new URL(c.req.url),
    headers: c.req.raw.headers,
    text: "",
    body: undefined,
  };
  const tokens = sourceSecrets(c.env, format.value.id, verifyTokenName);
  const handshake = transportOf(format.value)?.challenge?.(request, tokens);
  if (handshake && "code" in handshake) return error(c, handshake);
  if (handshake) return reply(c, handshake);
  return error(c, {
    code: "not_found",
    status: 404,
    message:
      format.value.id === "dotted"
        ? "A GET here is a subscription check: send ?type=subscribe&challenge=<text>. Webhooks are POSTed."
        : `${format.value.name} webhooks are POSTed to this URL; GET has no meaning here.`,
  });
});

defineRoute(webhookRoutes, receiveRoute, async (c) => {
  const format = findFormat(c.req.param("source") ?? "");
  if (!format.ok) return error(c, format.error);
  const source = format.value;

  const config = loadConfig(c.env);
  if (!config.ok) {
    return c.json(
      {
        // Senders are told nothing about the configuration: the operator sees it in /health and the log.
        error: "invalid_config",
        message:
          "The service is not configured correctly, so nothing is accepted; retry later (its operator is told why).",
      },
      503,
    );
  }
  const access = config.config.sources.access[source.id];
  if (access?.kind === "refused") {
    log("warn", "webhook refused: unsigned source in a deployed environment", {
      requestId: c.get("requestId"),
      source: source.id,
      reason: access.reason,
    });
    return c.json(
      { error: "invalid_config", message: refusedMessage(source.id, source.name) },
      503,
    );
  }
  const routes = routesFor(config.config, source.id);
  if (routes.length === 0) {
    // Which routes exist is the operator's business: the admin /health names them and warns.
    log("warn", "webhook refused: no route takes this source", {
      requestId: c.get("requestId"),
      source: source.id,
    });
    return c.json(
      {
        error: "no_destination",
        message: `No destination takes ${source.name} events yet, so nothing is accepted: retry once the operator has configured one.`,
      },
      503,
    );
  }

  const body = await readJsonBody(c);
  if (!body.ok) return error(c, body.error);
  const request: InboundRequest = {
    method: "POST",
    url: new URL(c.req.url),
    headers: c.req.raw.headers,
    text: body.value.text,
    body: body.value.value,
  };

  const transport = transportOf(source);
  const secrets = sourceSecrets(c.env, source.id);
  if (secrets.length > 0) {
    if (!transport) {
      return error(c, {
        code: "unauthorized",
        status: 401,
        message: `${source.name} has no known way to verify requests, but a secret is configured.`,
      });
    }
    const verified = await transport.verify(request, secrets, Math.floor(Date.now() / 1000));
    if (!verified.ok) {
      log("warn", "webhook rejected", {
        requestId: c.get("requestId"),
        source: source.id,
        reason: verified.error.details?.reason,
      });
      return error(c, verified.error);
    }
  }

  const handshake = transport?.handshake?.(request);
  if (handshake) return reply(c, handshake);

  const events = readEvents(source, request.body);
  if (!events.ok) return error(c, events.error);
  if (events.value.length === 0) {
    // A 2xx means "queued" or "handshake": an empty batch that is not the exact test POST is neither.
    return error(c, {
      code: "invalid_payload",
      status: 400,
      message: `The body holds no events, so there is nothing to queue.${source.id === "supporthunt" ? ' (A Support Hunt test POST is {"token": "..."} or {"events": [], "token": "..."}, with the token.)' : ""}`,
      issues: [{ path: "events", message: "no events" }],
    });
  }

  const keyed = await dedupeKeys(source, request, events.value, { signed: secrets.length > 0 });
  c.set("admitting", true);
  try {
    const result = await enqueue(c.env, source.id, keyed, routes);
    log("info", "webhook accepted", {
      requestId: c.get("requestId"),
      source: source.id,
      events: events.value.map((e) => e.name),
      accepted: result.accepted,
      duplicates: result.duplicates,
      routes: routes.map((r) => r.name),
    });
    return c.json(result, result.accepted.length > 0 ? 202 : 200);
  } catch (e) {
    // Overload is never answered with a 2xx: the sender is told to come back, and when.
    if (e instanceof StoreRefused) {
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return c.json(
        {
          error: "unavailable",
          message: `Nothing was kept: the event store is ${e.overloaded ? "overloaded" : "unavailable"}. Send the same request again after ${RETRY_AFTER_SECONDS} seconds.`,
        },
        503,
      );
    }
    if (!(e instanceof EnqueueError)) throw e;
    c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    return c.json(
      {
        error: "unavailable",
        message: e.message,
        ...(e.stored.length > 0 ? { stored: e.stored, queued: e.queued } : {}),
      },
      503,
    );
  }
});
