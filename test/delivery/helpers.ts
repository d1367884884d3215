/**
 * Helpers for the delivery tests: real local bindings (the event store's shards, D1, the queue
 * producer) and the local
 * destination server; the queue consumer is driven directly with `createMessageBatch`.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import type { Env } from "../../src/config/env.ts";
import { hmac, toHex } from "../../src/crypto/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import worker from "../../src/index.ts";
import { setDelivery } from "../store/rows.ts";

export const baseEnv = bindings as unknown as Env & { TEST_DESTINATION: string };

/** A fresh key for the destination server and for ids that must not collide between tests. */
export const unique = (prefix = "t") => `${prefix}${crypto.randomUUID().replaceAll("-", "")}`;

/** A destination URL answering per `script` (see destination.ts), and the key to read it back. */
export function destination(script = "200"): { url: string; key: string } {
  const key = unique("k");
  return { url: `${baseEnv.TEST_DESTINATION}/d/${key}/${script}`, key };
}

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** When the destination received it, epoch ms. */
  at: number;
  /** The destination's answer (0: none, the connection was closed or left hanging). */
  status: number;
}

export async function received(key: string): Promise<Received[]> {
  const response = await fetch(`${baseEnv.TEST_DESTINATION}/received/${key}`);
  return response.json();
}

/**
 * The env with test settings (no real backoff waits, a short timeout) and the given vars. The
 * circuit breaker is off (`CIRCUIT_FAILURES: 0`): tests share route names (the simple route's
 * "default") and with them each route's object, so a test whose destination fails on purpose
 * would open the circuit for the next test. The breaker's own tests turn it on, on routes of
 * their own (test/delivery/breaker.test.ts).
 */
export function testEnv(vars: Record<string, unknown> = {}): Env {
  return {
    ...baseEnv,
    RETRY_BASE_SECONDS: "0",
    DELIVERY_TIMEOUT_MS: "5000",
    CIRCUIT_FAILURES: "0",
    ...vars,
  } as Env;
}

/** Calls the Worker's fetch handler with `env`. */
export async function call(
  env: Env,
  path: string,
  init: RequestInit & { json?: unknown; text?: string } = {},
): Promise<Response> {
  const { json, text, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined || text !== undefined) headers.set("content-type", "application/json");
  const request = new Request(`https://translator.test${path}`, {
    method: json !== undefined || text !== undefined ? "POST" : "GET",
    ...rest,
    headers,
    ...(text !== undefined
      ? { body: text }
      : json !== undefined
        ? { body: JSON.stringify(json) }
        : {}),
  });
  const ctx = createExecutionContext();
  return (worker.fetch as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>)(
    request,
    env,
    ctx,
  );
}

/** `GET /health` as the admin: the details (routes, sources, errors) need the admin token. */
export function adminHealth(env: Env): Promise<Response> {
  const token = "health-admin-token";
  return call({ ...env, ADMIN_TOKEN: token } as Env, "/health", {
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** Runs the queue consumer once on these messages (all at the given attempt number, first queued at `queuedAt`). */
export async function consume(
  env: Env,
  messages: DeliveryMessage[],
  attempts = 1,
  queue = "webhook-translator-deliveries",
  queuedAt = new Date(),
) {
  return startConsume(env, messages, attempts, queue, queuedAt).done;
}

/**
 * Starts the queue consumer on these messages: `returned` resolves when the handler returns (the
 * queue then acknowledges the batch), `done` once its background work has ended too, with what
 * the queue was told (`getQueueResult`), each retry's delay and what the consumer sent to the
 * queue itself (`sent`).
 */
export function startConsume(
  env: Env,
  messages: DeliveryMessage[],
  attempts = 1,
  queue = "webhook-translator-deliveries",
  queuedAt = new Date(),
) {
  const batch = createMessageBatch<DeliveryMessage>(
    queue,
    messages.map((body, i) => ({ id: `m${i}-${unique()}`, timestamp: queuedAt, attempts, body })),
  );
  // getQueueResult does not report retry delays: each message's retry() records its own.
  const delays: Array<number | undefined> = [];
  batch.messages.forEach((message, index) => {
    const retry = message.retry.bind(message);
    message.retry = (options) => {
      delays[index] = options?.delaySeconds;
      retry(options);
    };
  });
  // What the consumer sends to the queue itself: a detached delivery's retry (src/deliver/detach.ts),
  // a follower's, a message sent again after a wait.
  const sent: Array<{ body: DeliveryMessage; delaySeconds?: number }> = [];
  const recording = {
    send: async (body: DeliveryMessage, options?: QueueSendOptions) => {
      sent.push({ body, ...(options?.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) });
      await env.DELIVERY_QUEUE.send(body, options);
    },
    sendBatch: async (list: Iterable<MessageSendRequest<DeliveryMessage>>) => {
      const all = [...list];
      for (const each of all)
        sent.push({
          body: each.body,
          ...(each.delaySeconds ? { delaySeconds: each.delaySeconds } : {}),
        });
      await env.DELIVERY_QUEUE.sendBatch(all);
    },
  } as unknown as Queue<DeliveryMessage>;
  const ctx = createExecutionContext();
  const returned = (async () => {
    await (worker.queue as ExportedHandlerQueueHandler<Env, DeliveryMessage>)(
      batch,
      { ...env, DELIVERY_QUEUE: recording },
      ctx,
    );
  })();
  const done = returned.then(async () => ({ ...(await getQueueResult(batch, ctx)), delays, sent }));
  return { returned, done };
}

/**
 * Makes the delayed retry of this message due now, as if its delay had passed: the consumer drops
 * a message arriving before the retry time its outbox row records (an extra copy).
 */
export async function retryIsDue(env: Env, message: DeliveryMessage): Promise<void> {
  await setDelivery(env, message.event, { due_at: Math.floor(Date.now() / 1000) }, message.route);
}

/**
 * Drives one message the way the queue would: consume, and while it asks to be retried, consume
 * again with the next attempt number once its delay has passed (without waiting: see
 * `retryIsDue`). Returns every round's result.
 */
export async function drive(env: Env, message: DeliveryMessage, maxRounds = 20) {
  const rounds: Array<{ attempt: number; retried: boolean; delaySeconds?: number }> = [];
  for (let attempt = 1; attempt <= maxRounds; attempt++) {
    if (attempt > 1) await retryIsDue(env, message);
    const result = await consume(env, [message], attempt);
    // A retry: the queue's (retry()), or sent by a delivery the batch left running (detach.ts).
    const again = result.sent.find((each) => each.body.event === message.event);
    const retry = result.retryMessages[0] ?? again;
    const delaySeconds = result.delays[0] ?? again?.delaySeconds;
    rounds.push({
      attempt,
      retried: retry !== undefined,
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    });
    if (!retry && !result.retryBatch.retry) break;
  }
  return rounds;
}

/** Headers of a correctly signed Chatwoot-family request. */
export async function chatwootSigned(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    "X-Chatwoot-Timestamp": String(timestamp),
    "X-Chatwoot-Signature": `sha256=${toHex(await hmac("SHA-256", secret, `${timestamp}.${body}`))}`,
    "X-Chatwoot-Delivery": crypto.randomUUID(),
  };
}

export async function hubSignature(secret: string, body: string) {
  return `sha1=${toHex(await hmac("SHA-1", secret, body))}`;
}
