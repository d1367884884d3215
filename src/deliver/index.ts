import pkg from "../../package.json";
import type { Env } from "../config/env.ts";
import {
  type Config,
  eventAllowed,
  loadConfig,
  type Route,
  routeKeys,
  type Settings,
} from "../config/index.ts";
import { log } from "../config/log.ts";
import { batchGates, sleep } from "../coordinate/index.ts";
import { hmac, sha256Hex, toBase64 } from "../crypto/index.ts";
import type { DestinationKeys } from "../crypto/secrets.ts";
import { type DeliveryMessage, enqueueOne } from "../enqueue/index.ts";
import { findFormat } from "../formats/index.ts";
import type { FormatDefinition } from "../formats/types.ts";
import {
  type Attempt,
  addDeadLetter,
  deliveredIds,
  getEvent,
  listAttempts,
  nowSeconds,
  recordAttempt,
  type StoredEvent,
} from "../storage/index.ts";
import { type Delivery, translateEvent } from "../translate/index.ts";
import { transportOf } from "../verify/index.ts";

export const USER_AGENT = `webhook-translator/${pkg.version}`;

/** Longest delay a Queue accepts for `retry({delaySeconds})` (12 hours). */
const QUEUE_MAX_DELAY_SECONDS = 43_200;
/**
 * How long after a message was queued its retries may go on. Cloudflare Queues deletes a message
 * 4 days after it was sent (the default retention), retried or not, and events are kept 7 days:
 * past this window the message is dead-lettered instead, so a long `Retry-After` or a large
 * `MAX_ATTEMPTS` cannot let it expire unseen.
 */
export const RETRY_WINDOW_SECONDS = 72 * 60 * 60;
/** Delay before retrying when the configuration is broken (it needs a deploy to fix). */
const CONFIG_RETRY_SECONDS = 60;

/**
 * The `webhook-id` of one delivery: derived from the accepted event's id, the route and the
 * delivery's position in the translation, so it is the same on every attempt and on a replay
 * (a replay is another attempt of the same delivery). Shaped as a UUID (version 8, from
 * SHA-256) because it is also the Chatwoot family's `X-Chatwoot-Delivery`.
 */
export async function webhookId(eventId: string, route: string, index: number): Promise<string> {
  const hex = (await sha256Hex(`${eventId}\n${route}\n${index}`)).slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Every header of one delivery attempt. Always: `Content-Type`, `User-Agent`, `webhook-id`,
 * `webhook-timestamp` (this attempt's unix seconds) and the target format's identifiers. With
 * Standard Webhooks keys: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
 * one space-separated signature per key (both halves of a rotation, as that spec allows). With a
 * native secret: the target's own signature or token, keyed with that string as written (UTF-8).
 *
 * @example await deliveryHeaders(dotted, {id, timestamp, body}, {signing: [key], native: "whsec_..."})
 * // {"webhook-signature": "v1,K5oZ...", "X-Hub-Signature": "sha1=...", ...}
 */
export async function deliveryHeaders(
  target: FormatDefinition,
  message: { id: string; timestamp: number; body: string },
  keys: DestinationKeys | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "webhook-id": message.id,
    "webhook-timestamp": String(message.timestamp),
  };
  if (keys && keys.signing.length > 0) {
    const signed = `${message.id}.${message.timestamp}.${message.body}`;
    const signatures = await Promise.all(
      keys.signing.map(async (key) => `v1,${toBase64(await hmac("SHA-256", key, signed))}`),
    );
    headers["webhook-signature"] = signatures.join(" ");
  }
  const native = await transportOf(target)?.outboundHeaders(message, keys?.native);
  return { ...headers, ...native };
}

/**
 * Exponential backoff with jitter for the n-th attempt that failed (1-based): the base doubles on
 * each attempt up to the cap, and the delay is drawn between half of that and all of it.
 */
export function backoffSeconds(attempt: number, settings: Settings, random = Math.random): number {
  const ceiling = Math.min(
    settings.retryMaxSeconds,
    settings.retryBaseSeconds * 2 ** Math.max(0, attempt - 1),
  );
  return Math.min(QUEUE_MAX_DELAY_SECONDS, Math.ceil(ceiling / 2 + (random() * ceiling) / 2));
}

/** `Retry-After` as seconds (a number or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Network errors, timeouts, 408, 429 and 5xx are retried; other statuses are final. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

type Gates = ReturnType<typeof batchGates>;

/**
 * Sends the message again after `delaySeconds` (a rate-limited route's slot is further away than
 * the gate hands out), carrying the attempts already made: waiting for a slot is not an attempt,
 * so a deep backlog behind a rate limit never exhausts MAX_ATTEMPTS or the queue's retention.
 */
async function sendAgain(env: Env, body: DeliveryMessage, tries: number, delaySeconds: number) {
  const { tries: _, ...rest } = body;
  await enqueueOne(env, { ...rest, ...(tries > 0 ? { tries } : {}) }, delaySeconds);
}

type Outcome =
  | { kind: "delivered" }
  | { kind: "retry"; error: string; retryAfter?: number }
  | { kind: "rejected"; error: string };

interface Job {
  env: Env;
  settings: Settings;
  event: StoredEvent;
  route: Route;
  target: FormatDefinition;
  attempt: number;
  /** When the event happened (the canonical `occurredAt`, else when it was received), ISO 8601. */
  time: string;
}

/** The CloudEvents attributes of one delivery. */
export interface CloudEventAttributes {
  /** = `webhook-id`: the same on every attempt and on a replay. */
  id: string;
  /** The target event name (`message.create.contact.chat`, `message_created`...). */
  type: string;
  source: string;
  time: string;
}

/**
 * A delivery as CloudEvents 1.0 over HTTP, when the route asks for it (`cloudevents`):
 * - `binary`: the body is sent as is, with `ce-specversion`, `ce-id`, `ce-type`, `ce-source`,
 *   `ce-time` headers and `Content-Type: application/json`;
 * - `structured`: the body becomes the `data` of an `application/cloudevents+json` envelope
 *   `{specversion, id, type, source, time, datacontenttype, data}`.
 * Without the option the body is sent as is and there are no extra headers. Signatures are
 * computed afterwards, over the exact body returned here.
 */
export function cloudEvent(
  mode: Route["cloudevents"],
  attributes: CloudEventAttributes,
  data: unknown,
): { body: string; headers: Record<string, string> } {
  if (mode === "structured") {
    const envelope = {
      specversion: "1.0",
      ...attributes,
      datacontenttype: "application/json",
      data,
    };
    return {
      body: JSON.stringify(envelope),
      headers: { "Content-Type": "application/cloudevents+json" },
    };
  }
  const body = JSON.stringify(data);
  if (mode !== "binary") return { body, headers: {} };
  return {
    body,
    headers: {
      "ce-specversion": "1.0",
      "ce-id": attributes.id,
      "ce-type": attributes.type,
      "ce-source": attributes.source,
      "ce-time": attributes.time,
    },
  };
}

async function post(job: Job, delivery: Delivery, index: number): Promise<Outcome> {
  const { env, route, target, event, settings, attempt } = job;
  const id = await webhookId(event.id, route.name, index);
  const cloud = cloudEvent(
    route.cloudevents,
    {
      id,
      type: delivery.event,
      source: route.cloudeventsSource ?? `/webhooks/${event.source}`,
      time: job.time,
    },
    delivery.body,
  );
  const body = cloud.body;
  const timestamp = nowSeconds();
  const headers = {
    ...(await deliveryHeaders(target, { id, timestamp, body }, routeKeys(env, route))),
    ...cloud.headers,
  };
  const started = Date.now();
  let status = 0;
  let outcome: Outcome;
  try {
    const response = await fetch(route.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    status = response.status;
    if (status >= 200 && status < 300) {
      await response.body?.cancel();
      outcome = { kind: "delivered" };
    } else {
      const snippet = (await response.text().catch(() => "")).slice(0, 200).trim();
      const error = `HTTP ${status}${snippet ? `: ${snippet}` : ""}`;
      const retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
      outcome = isRetryable(status)
        ? { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfter } : {}) }
        : { kind: "rejected", error };
    }
  } catch (e) {
    const name = (e as Error)?.name;
    const error =
      name === "TimeoutError" || name === "AbortError"
        ? `timeout: no answer within ${settings.timeoutMs} ms`
        : `network error: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
    outcome = { kind: "retry", error };
  }
  const latencyMs = Date.now() - started;
  await recordAttempt(env.DB, event.id, route.name, {
    webhookId: id,
    attempt,
    status,
    ...(outcome.kind === "delivered" ? {} : { error: outcome.error }),
    latencyMs,
    at: nowSeconds(),
  });
  log(outcome.kind === "delivered" ? "info" : "warn", "delivery attempt", {
    route: route.name,
    target: target.id,
    source: event.source,
    eventId: event.id,
    event: delivery.event,
    webhookId: id,
    attempt,
    status,
    latencyMs,
    outcome: outcome.kind,
  });
  return outcome;
}

async function deadLetter(
  env: Env,
  event: StoredEvent,
  routeName: string,
  target: string | undefined,
  lastError: string,
): Promise<void> {
  const attempts: Attempt[] = await listAttempts(env.DB, event.id, routeName);
  const id = await addDeadLetter(env.DB, {
    event,
    route: routeName,
    ...(target ? { target } : {}),
    attempts,
    lastError,
  });
  log("error", "dead letter", {
    deadLetter: id,
    route: routeName,
    source: event.source,
    eventId: event.id,
    event: event.name,
    attempts: attempts.length,
    lastError: lastError.slice(0, 200),
  });
}

/**
 * Handles one queue message: translate the event for the route with the current mappings, keep
 * the deliveries the route's event filter allows, POST those not yet delivered, then ack, retry
 * later, or dead-letter.
 *
 * - A translation that is skipped (the target has no such event) or filtered out is logged and acked.
 * - A translation error, a route or format no longer configured, or a non-retryable answer (any
 *   4xx but 408/429, a 3xx) dead-letters the message at once (other deliveries of the same event
 *   are still attempted; a replay re-sends only those not yet delivered).
 * - Retryable failures retry the message after `Retry-After` or the backoff; after `MAX_ATTEMPTS`
 *   attempts, or when the next retry would fall outside `RETRY_WINDOW_SECONDS` of the message's
 *   first queueing, it is dead-lettered. Deliveries already made are never re-sent.
 */
export async function handleMessage(
  message: Message<DeliveryMessage>,
  env: Env,
  config: Config,
  gates: Gates = batchGates(env),
): Promise<void> {
  const { settings } = config;
  const body = message.body;
  /** This attempt's number: the queue's count plus attempts made before the message was re-sent. */
  const attempt = message.attempts + (body.tries ?? 0);
  const event = await getEvent(env.DB, body.event);
  if (!event) {
    log("error", "event not found; message dropped", { eventId: body.event, route: body.route });
    message.ack();
    return;
  }
  const route = config.routes.find((candidate) => candidate.name === body.route);
  if (!route) {
    await deadLetter(
      env,
      event,
      body.route,
      undefined,
      `route "${body.route}" is no longer configured`,
    );
    message.ack();
    return;
  }
  const source = findFormat(event.source);
  const target = findFormat(route.target);
  if (!source.ok || !target.ok) {
    const problem = !source.ok ? source.error.message : !target.ok ? target.error.message : "";
    await deadLetter(env, event, route.name, route.target, problem);
    message.ack();
    return;
  }

  const translation = await translateEvent(source.value, target.value, {
    name: event.name,
    ...(event.dispatch ? { dispatch: event.dispatch } : {}),
    payload: event.payload,
  });
  if (!translation.ok) {
    await deadLetter(
      env,
      event,
      route.name,
      route.target,
      `translation failed: ${translation.error.message}`,
    );
    message.ack();
    return;
  }
  for (const skip of translation.value.skipped) {
    log("info", "delivery skipped", {
      route: route.name,
      eventId: event.id,
      event: skip.event,
      reason: skip.reason,
    });
  }
  const deliveries = translation.value.deliveries
    .map((delivery, index) => ({ delivery, index }))
    .filter(({ delivery }) => {
      const allowed = eventAllowed(route, delivery.event);
      if (!allowed) {
        log("info", "delivery filtered", {
          route: route.name,
          eventId: event.id,
          event: delivery.event,
        });
      }
      return allowed;
    });

  const done = await deliveredIds(env.DB, event.id, route.name);
  const job: Job = {
    env,
    settings,
    event,
    route,
    target: target.value,
    attempt,
    time:
      translation.value.trace.canonical?.occurredAt ??
      new Date(event.receivedAt * 1000).toISOString(),
  };
  const pending: typeof deliveries = [];
  for (const each of deliveries) {
    if (!done.has(await webhookId(event.id, route.name, each.index))) pending.push(each);
  }
  // --- The route's gate (src/coordinate): pause and rate limit. ---
  let slot = { at: 0, spacingMs: 0 };
  if (pending.length > 0) {
    const verdict = await gates.admit(route, {
      event: event.id,
      deliveries: pending.length,
      tries: attempt - 1,
    });
    if (verdict.kind === "held") {
      log("info", "delivery held", { route: route.name, eventId: event.id, reason: "paused" });
      message.ack();
      return;
    }
    if (verdict.kind === "later") {
      await sendAgain(env, body, attempt - 1, verdict.delaySeconds);
      message.ack();
      return;
    }
    slot = verdict;
  }
  // --- end of the gate ---
  const outcomes: Outcome[] = [];
  for (const [position, { delivery, index }] of pending.entries()) {
    await sleep(slot.at + position * slot.spacingMs - Date.now());
    outcomes.push(await post(job, delivery, index));
  }

  const rejected = outcomes.find((o) => o.kind === "rejected");
  if (rejected) {
    await deadLetter(env, event, route.name, route.target, `not retried: ${rejected.error}`);
    message.ack();
    return;
  }
  const retries = outcomes.filter((o) => o.kind === "retry");
  if (retries.length === 0) {
    message.ack();
    return;
  }
  const last = retries[retries.length - 1] as Extract<Outcome, { kind: "retry" }>;
  if (attempt >= settings.maxAttempts) {
    await deadLetter(
      env,
      event,
      route.name,
      route.target,
      `gave up after ${attempt} attempts: ${last.error}`,
    );
    message.ack();
    return;
  }
  const hinted = retries.map((o) => o.retryAfter ?? -1).reduce((a, b) => Math.max(a, b), -1);
  const delaySeconds = Math.min(
    QUEUE_MAX_DELAY_SECONDS,
    hinted >= 0 ? Math.max(hinted, 0) : backoffSeconds(attempt, settings),
  );
  const queuedForSeconds = Math.max(0, (Date.now() - message.timestamp.getTime()) / 1000);
  if (queuedForSeconds + delaySeconds > RETRY_WINDOW_SECONDS) {
    await deadLetter(
      env,
      event,
      route.name,
      route.target,
      `gave up after ${attempt} attempts: the next retry (in ${delaySeconds} s) would fall outside the ${RETRY_WINDOW_SECONDS / 3600} h retry window; last error: ${last.error}`,
    );
    message.ack();
    return;
  }
  log("info", "delivery retry scheduled", {
    route: route.name,
    eventId: event.id,
    attempt,
    delaySeconds,
  });
  message.retry({ delaySeconds });
}

/**
 * The queue consumer. Messages of the delivery queue are handled one by one (each catches its own
 * failures: an unexpected error retries that message; after the queue's `max_retries` it moves to
 * the dead-letter queue). Messages arriving on the dead-letter queue (name ending in `-dlq`) are
 * kept as dead letters.
 */
export async function handleBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  if (batch.queue.endsWith("-dlq")) {
    for (const message of batch.messages) await keepFromDeadLetterQueue(message, env);
    return;
  }
  const config = loadConfig(env);
  if (!config.ok) {
    log("error", "configuration invalid; deliveries postponed", { errors: config.errors });
    batch.retryAll({ delaySeconds: CONFIG_RETRY_SECONDS });
    return;
  }
  const gates = batchGates(env);
  for (const message of batch.messages) {
    try {
      await handleMessage(message, env, config.config, gates);
    } catch (error) {
      log("error", "delivery consumer failed", {
        eventId: message.body?.event,
        route: message.body?.route,
        attempt: message.attempts,
        error: String(error).slice(0, 300),
      });
      message.retry({ delaySeconds: backoffSeconds(message.attempts, config.config.settings) });
    }
  }
}

async function keepFromDeadLetterQueue(message: Message<DeliveryMessage>, env: Env) {
  try {
    const event = await getEvent(env.DB, message.body.event);
    if (event) {
      await deadLetter(
        env,
        event,
        message.body.route,
        undefined,
        "the delivery consumer failed on every attempt (moved to the dead-letter queue)",
      );
    } else {
      log("error", "dead-letter queue message for an unknown event", {
        eventId: message.body.event,
      });
    }
    message.ack();
  } catch (error) {
    log("error", "dead-letter queue consumer failed", { error: String(error).slice(0, 300) });
    message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
  }
}
