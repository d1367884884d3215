import pkg from "../../package.json";
import type { Env } from "../config/env.ts";
import { routeHeaders } from "../config/headers.ts";
import { type Route, routeKeys, type Settings } from "../config/index.ts";
import { log } from "../config/log.ts";
import { sha256Hex, standardSignature } from "../crypto/index.ts";
import type { DestinationKeys } from "../crypto/secrets.ts";
import type { FormatDefinition } from "../formats/types.ts";
import { ANSWER_READ_BYTES } from "../limits/read.ts";
import type { Attempt, StoredEvent } from "../storage/types.ts";
import type { Delivery } from "../translate/index.ts";
import { transportOf } from "../verify/index.ts";
import { sendOnce } from "./send.ts";

export const USER_AGENT = `webhook-translator/${pkg.version}`;

/** Longest delay a Queue accepts for `retry({delaySeconds})` (12 hours). */
export const QUEUE_MAX_DELAY_SECONDS = 43_200;
/**
 * How long after a message was queued its retries may go on. Cloudflare Queues deletes a message
 * 4 days after it was sent (the default retention), retried or not, and events are kept 7 days:
 * past this window the message is dead-lettered instead, so a long `Retry-After` or a large
 * `MAX_ATTEMPTS` cannot let it expire unseen.
 */
export const RETRY_WINDOW_SECONDS = 72 * 60 * 60;
/** Delay before retrying when the configuration is broken (it needs a deploy to fix). */
export const CONFIG_RETRY_SECONDS = 60;

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
    headers["webhook-signature"] = await standardSignature(keys.signing, message);
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

/**
 * How long one POST to `route` may take, in ms: its `timeoutSeconds`, else `DELIVERY_TIMEOUT_MS`.
 *
 * @example timeoutOf({ ...route, timeoutSeconds: 2 }, settings) // 2000
 */
export function timeoutOf(route: Pick<Route, "timeoutSeconds">, settings: Settings): number {
  return route.timeoutSeconds !== undefined ? route.timeoutSeconds * 1000 : settings.timeoutMs;
}

/** Network errors, timeouts, 408, 429 and 5xx are retried; other statuses are final. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

export type Outcome =
  | { kind: "delivered" }
  | { kind: "retry"; error: string; retryAfter?: number }
  | { kind: "rejected"; error: string };

export interface Job {
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

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * An attempt's outcome, its HTTP status (0: none), its record (kept by the settle when it failed)
 * and its log fields (see `logAttempts`).
 */
export type Attempted = Outcome & {
  status: number;
  record: Attempt;
  attemptLog: Record<string, unknown>;
};

/**
 * One delivery attempt: POSTs delivery `index` of the job's translation to the route. Returns the
 * outcome with the HTTP status (0: none) and the attempt's record; the consumer keeps the records
 * with its one settle of the delivery, and logs them with `logAttempts` once it knows what the
 * attempt led to.
 */
export async function post(job: Job, delivery: Delivery, index: number): Promise<Attempted> {
  const { env, route, target, event, settings, attempt } = job;
  const id = await webhookId(event.id, route.name, index);
  const request = await signedRequest(env, route, target, {
    id,
    type: delivery.event,
    source: route.cloudeventsSource ?? `/webhooks/${event.source}`,
    time: job.time,
    data: delivery.body,
  });
  // Whatever the destination sends, at most a few KB are read (none of a 2xx): its answer
  // decides success, retry or dead letter, never what we hold.
  const sent = await sendOnce(
    route.url,
    request.headers,
    request.body,
    timeoutOf(route, settings),
    (s) => (s >= 200 && s < 300 ? 0 : ANSWER_READ_BYTES),
  );
  const status = sent.status;
  let outcome: Outcome;
  if (status >= 200 && status < 300) outcome = { kind: "delivered" };
  else if (sent.error !== undefined) outcome = { kind: "retry", error: sent.error };
  else {
    const snippet = sent.body.slice(0, 200).trim();
    const error = `HTTP ${status}${snippet ? `: ${snippet}` : ""}`;
    const retryAfter = retryAfterSeconds(sent.retryAfter);
    outcome = isRetryable(status)
      ? { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfter } : {}) }
      : { kind: "rejected", error };
  }
  const latencyMs = sent.durationMs;
  return {
    ...outcome,
    status,
    record: {
      webhookId: id,
      attempt,
      status,
      ...(outcome.kind === "delivered" ? {} : { error: outcome.error }),
      latencyMs,
      at: nowSeconds(),
    },
    attemptLog: {
      route: route.name,
      target: target.id,
      source: event.source,
      eventId: event.id,
      event: delivery.event,
      webhookId: id,
      attempt,
      status,
      latencyMs,
    },
  };
}

/**
 * The exact body and every header of one POST to a route: the route's own `headers` (secrets
 * read now), then ours (`deliveryHeaders`, CloudEvents), which no route header can replace.
 *
 * @example const { headers, body } = await signedRequest(env, route, dotted, { id, type, source, time, data });
 */
export async function signedRequest(
  env: Env,
  route: Route,
  target: FormatDefinition,
  message: CloudEventAttributes & { data: unknown },
): Promise<{ headers: Headers; body: string }> {
  const { data, ...attributes } = message;
  const cloud = cloudEvent(route.cloudevents, attributes, data);
  const timestamp = nowSeconds();
  const ours = {
    ...(await deliveryHeaders(
      target,
      { id: message.id, timestamp, body: cloud.body },
      routeKeys(env, route),
    )),
    ...cloud.headers,
  };
  const headers = new Headers(routeHeaders(env, route));
  for (const [name, value] of Object.entries(ours)) headers.set(name, value);
  return { headers, body: cloud.body };
}

/**
 * What an attempt led to, once the message is decided: `delivered`; `retry` (it will be tried
 * again); `dead` (refused by the destination: a dead letter now); `gave_up` (retryable, but out of
 * attempts or of the retry window, or another delivery of the event was refused: a dead letter).
 */
export type AttemptOutcome = "delivered" | "retry" | "dead" | "gave_up";

/**
 * Logs each attempt (`delivery attempt`) with what it really led to: the last attempt before a
 * dead letter is never logged as `retry`.
 *
 * @example logAttempts(outcomes, "dead") // 503 on the last attempt → outcome "gave_up"
 */
export function logAttempts(outcomes: Attempted[], message: "retry" | "ack" | "dead"): void {
  for (const { attemptLog, ...outcome } of outcomes) {
    const result: AttemptOutcome =
      outcome.kind === "delivered"
        ? "delivered"
        : message === "retry"
          ? "retry"
          : outcome.kind === "rejected"
            ? "dead"
            : "gave_up";
    log(result === "delivered" ? "info" : "warn", "delivery attempt", {
      ...attemptLog,
      outcome: result,
    });
  }
}
