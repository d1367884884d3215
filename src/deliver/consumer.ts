/**
 * The queue consumer: the batch loop (message.ts handles each message, outcome.ts the attempt
 * bookkeeping, follow.ts an ordered conversation's next event delivered at once) and the
 * dead-letter queue.
 */

import { sendAlerts } from "../alerts/send.ts";
import type { Env } from "../config/env.ts";
import { loadConfig, type Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import { batchGates, sleep } from "../coordinate/index.ts";
import { lineOf, passTurn } from "../coordinate/order.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { sweepSoon } from "../enqueue/sweep.ts";
import { consumerBeat, getEvent, postpone, recordOutcome } from "../store/index.ts";
import { crowded, DETACH_AFTER_MS, DETACH_MAX_TIMEOUT_MS, detachable } from "./detach.ts";
import { followerMessage, followers } from "./follow.ts";
import { backoffSeconds, CONFIG_RETRY_SECONDS, timeoutOf } from "./index.ts";
import { type Gates, handleMessage } from "./message.ts";
import { deadLetter, sendAgain } from "./outcome.ts";
import { runLanes, takeFree } from "./pool.ts";
import { noteOutcome } from "./watch.ts";

export { handleMessage } from "./message.ts";

/**
 * The queue consumer. Messages of the delivery queue are handled concurrently, on up to
 * `DELIVERY_CONCURRENCY` lanes (pool.ts). Each catches its own failures: an unexpected error
 * retries that message; after the queue's `max_retries` it moves to the dead-letter queue.
 * Messages arriving on the dead-letter queue (name ending in `-dlq`) are kept as dead letters.
 * Each batch may also start an outbox sweep (at most one per isolate every few seconds, see
 * src/enqueue/sweep.ts).
 */
export async function handleBatch(
  batch: MessageBatch<DeliveryMessage>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  if (ctx) {
    sweepSoon(env, ctx);
    ctx.waitUntil(consumerBeat(env));
  }
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
  const handle = async (message: Message<DeliveryMessage>, inTurn = false) => {
    try {
      await handleMessage(message, env, config.config, gates, follow.take, inTurn);
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
  // A follower: an ordered delivery that settled handed its conversation's next event to this
  // batch (follow.ts).
  const handleFollower = async (body: DeliveryMessage) => {
    const follower = followerMessage(body);
    await handle(follower.message, true);
    await follower.done(env).catch((error) => {
      log("error", "follower not queued for its retry; the sweep queues it", {
        eventId: body.event,
        route: body.route,
        error: String(error).slice(0, 300),
      });
    });
  };
  // The batch's deliveries run on up to `concurrency` lanes (pool.ts): a destination that is slow
  // to answer holds one lane while the others go on. Followers go first, as soon as a lane is
  // free. Two copies of one delivery in a batch never run at once (the second finds the first's
  // outcome). Once nothing else is left, the batch does not wait for a hanging attempt
  // (detach.ts).
  const { settings, routes } = config.config;
  const waiting = [...batch.messages];
  const keyOf = (body: DeliveryMessage) => `${body.route}\n${body.event}`;
  const running = new Map<string, Running>();
  const track = async (key: string, entry: Running, work: () => Promise<void>) => {
    running.set(key, entry);
    try {
      await work();
    } finally {
      entry.each?.end();
      running.delete(key);
    }
  };
  const routeOf = (name: string) => routes.find((each) => each.name === name);
  const detachableRoute = (route: Route | undefined) =>
    !!route && !route.maxPerSecond && timeoutOf(route, settings) <= DETACH_MAX_TIMEOUT_MS;
  const handleOne = async (each: ReturnType<typeof detachable>, route: Route | undefined) => {
    const { body } = each.message;
    if (route && crowded(route.name, settings.concurrency)) {
      // Its attempts outlive their batches: wait for them (and the breaker) instead of opening
      // another connection; not an attempt.
      const tries = (body.tries ?? 0) + each.message.attempts - 1;
      const delay = Math.min(Math.ceil(timeoutOf(route, settings) / 1000), CROWDED_WAIT_SECONDS);
      await sendAgain(env, body, tries, delay).then(
        () => each.message.ack(),
        () => each.message.retry({ delaySeconds: delay }),
      );
      return;
    }
    await handle(each.message);
    await each.done(env).catch((error) => {
      log("error", "detached delivery not queued for its retry; the sweep queues it", {
        eventId: body.event,
        route: body.route,
        error: String(error).slice(0, 300),
      });
    });
  };
  const lanes = runLanes(settings.concurrency, (busy) => {
    const body = follow.next(busy, keyOf);
    if (body) {
      const key = keyOf(body);
      const entry = { since: Date.now(), detachable: detachableRoute(routeOf(body.route)) };
      return { key, run: () => track(key, entry, () => handleFollower(body)) };
    }
    const message = takeFree(waiting, busy, (each) => keyOf(each.body));
    if (!message) return undefined;
    const key = keyOf(message.body);
    const each = detachable(message);
    const route = routeOf(message.body.route);
    const entry = { since: Date.now(), detachable: detachableRoute(route), each };
    return { key, run: () => track(key, entry, () => handleOne(each, route)) };
  });
  if (!ctx) {
    await lanes;
  } else if (await leftBehind(lanes, () => waiting.length === 0 && !follow.pending(), running)) {
    for (const entry of running.values()) entry.each?.detach();
    log("info", "batch returned before its slowest deliveries", {
      running: [...running.keys()].map((key) => key.replace("\n", " ")),
    });
    ctx.waitUntil(lanes.then(() => tell(env, gates, ctx)));
  }
  await tell(env, gates, ctx);
}

/** A delivery running on a lane: since when, whether it may be left behind, its message. */
interface Running {
  since: number;
  detachable: boolean;
  each?: ReturnType<typeof detachable>;
}

/**
 * How long a message of a crowded route (detach.ts) waits before it is tried again, at most: below
 * the sweep's 20 s grace (OVERDUE_GRACE_SECONDS), so its row need not say it is waiting.
 */
const CROWDED_WAIT_SECONDS = 15;

/**
 * Resolves false when `lanes` end, or true as soon as the batch may return without them: nothing
 * is left to start (`idle`) and every delivery still running may be left behind and has run
 * `DETACH_AFTER_MS`.
 */
async function leftBehind(
  lanes: Promise<void>,
  idle: () => boolean,
  running: ReadonlyMap<string, Running>,
): Promise<boolean> {
  let ended = false;
  const end = lanes.then(() => {
    ended = true;
    return false;
  });
  const watch = async () => {
    while (!ended) {
      await sleep(DETACH_AFTER_MS / 4);
      if (ended) return false;
      const now = Date.now();
      const all = [...running.values()];
      if (
        idle() &&
        all.length > 0 &&
        all.every((entry) => entry.detachable && now - entry.since >= DETACH_AFTER_MS)
      )
        return true;
    }
    return false;
  };
  return Promise.race([end, watch()]);
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
      if (route?.ordered) await passTurn(env, route.name, lineOf(event), record);
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
