/**
 * The queue consumer: the batch loop (message.ts handles each message, outcome.ts the attempt
 * bookkeeping, follow.ts an ordered conversation's next event delivered at once) and the
 * dead-letter queue.
 */

import { sendAlerts } from "../alerts/send.ts";
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { batchGates } from "../coordinate/index.ts";
import { passTurn } from "../coordinate/order.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { sweepSoon } from "../enqueue/sweep.ts";
import { getEvent, postpone, recordOutcome } from "../store/index.ts";
import { followerMessage, followers } from "./follow.ts";
import { backoffSeconds, CONFIG_RETRY_SECONDS } from "./index.ts";
import { type Gates, handleMessage } from "./message.ts";
import { deadLetter } from "./outcome.ts";
import { noteOutcome } from "./watch.ts";

export { handleMessage } from "./message.ts";

/**
 * The queue consumer. Messages of the delivery queue are handled one by one (each catches its own
 * failures: an unexpected error retries that message; after the queue's `max_retries` it moves to
 * the dead-letter queue). Messages arriving on the dead-letter queue (name ending in `-dlq`) are
 * kept as dead letters. Each batch may also start an outbox sweep (at most one per isolate every
 * few seconds, see src/enqueue/sweep.ts).
 */
export async function handleBatch(
  batch: MessageBatch<DeliveryMessage>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  if (ctx) sweepSoon(env, ctx);
  const gates = batchGates(env);
  if (batch.queue.endsWith("-dlq")) {
    for (const message of batch.messages) await keepFromDeadLetterQueue(message, env, gates);
    await tell(env, gates, ctx);
    return;
  }
  const config = loadConfig(env);
  if (!config.ok) {
    log("error", "configuration invalid; deliveries postponed", { errors: config.errors });
    // The rows say why and when, so the sweep does not take the postponed messages for lost.
    await postpone(
      env,
      batch.messages.map((m) => ({ eventId: m.body.event, route: m.body.route })),
      Math.floor(Date.now() / 1000) + CONFIG_RETRY_SECONDS,
      `configuration invalid: ${config.errors.join("; ")}`,
    ).catch(() => undefined);
    batch.retryAll({ delaySeconds: CONFIG_RETRY_SECONDS });
    return;
  }
  const follow = followers();
  const handle = async (message: Message<DeliveryMessage>) => {
    try {
      await handleMessage(message, env, config.config, gates, follow.take);
    } catch (error) {
      log("error", "delivery consumer failed", {
        eventId: message.body?.event,
        route: message.body?.route,
        attempt: message.attempts,
        error: String(error).slice(0, 300),
      });
      message.retry({ delaySeconds: backoffSeconds(message.attempts, config.config.settings) });
    }
  };
  for (const message of batch.messages) {
    await handle(message);
    // An ordered delivery that settled may have handed its conversation's next event to this
    // batch (follow.ts): delivered now, before the batch's next message.
    for (let body = follow.next(); body; body = follow.next()) {
      const follower = followerMessage(body);
      await handle(follower.message);
      await follower.done(env).catch((error) => {
        log("error", "follower not queued for its retry; the sweep queues it", {
          eventId: body?.event,
          route: body?.route,
          error: String(error).slice(0, 300),
        });
      });
    }
  }
  await tell(env, gates, ctx);
}

/**
 * Reports the batch to each route's object (counters, health) and sends the alerts that raises
 * in the background: a slow or failing alert destination delays no delivery.
 */
async function tell(env: Env, gates: Gates, ctx: ExecutionContext | undefined): Promise<void> {
  const config = loadConfig(env);
  if (!config.ok) return;
  try {
    const alerts = await gates.flush(config.config);
    if (alerts.length === 0) return;
    const sending = sendAlerts(config.config.alerts, alerts);
    if (ctx) ctx.waitUntil(sending);
  } catch (error) {
    // Counters and alerts must never fail a batch whose deliveries are made.
    log("error", "route report failed; counters and alerts of this batch are lost", {
      error: String(error).slice(0, 300),
    });
  }
}

/**
 * A message on the dead-letter queue: the delivery consumer failed on it `max_retries` times.
 * It is kept as a dead letter and its row settled `dead`. When that fails too (D1 or the store
 * unavailable),
 * the message is retried after a minute, up to the dead-letter queue's own `max_retries`
 * (wrangler.toml); should it run out, the row is still pending, so the sweep queues the delivery
 * again once they answer: the message can be dropped, the delivery cannot.
 */
async function keepFromDeadLetterQueue(message: Message<DeliveryMessage>, env: Env, gates: Gates) {
  try {
    const event = await getEvent(env, message.body.event);
    const lastError =
      "the delivery consumer failed on every attempt (moved to the dead-letter queue)";
    if (event) {
      await deadLetter(env, event, message.body.route, undefined, lastError);
      const record = () =>
        recordOutcome(env, event.id, message.body.route, { status: "dead", lastError });
      const config = loadConfig(env);
      const route = config.ok
        ? config.config.routes.find((each) => each.name === message.body.route)
        : undefined;
      // A dead letter of an ordered route lets its conversation move on.
      if (route?.ordered) await passTurn(env, route.name, event.id, record);
      else await record();
      noteOutcome(gates, message.body.route, event, message.attempts + 1, [], "dead");
    } else {
      log("error", "dead-letter queue message for an unknown event", {
        eventId: message.body.event,
      });
    }
    message.ack();
  } catch (error) {
    log("error", "dead-letter queue consumer failed", {
      eventId: message.body?.event,
      route: message.body?.route,
      attempt: message.attempts,
      error: String(error).slice(0, 300),
    });
    message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
  }
}
