/**
 * The queue consumer: one message is one (event, route) delivery. Its outbox row (src/storage/
 * deliveries.ts) is read first and updated on every outcome, so the row always says where the
 * delivery stands and the sweep can tell a live message from a lost one.
 */
import type { Env } from "../config/env.ts";
import { type Config, eventAllowed, loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { batchGates, sleep } from "../coordinate/index.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { enqueueOne } from "../enqueue/index.ts";
import { sweepSoon } from "../enqueue/sweep.ts";
import { findFormat } from "../formats/index.ts";
import {
  type Attempt,
  addDeadLetter,
  type DeliveryOutcome,
  type DeliveryState,
  deliveredIds,
  getDeliveryState,
  getEvent,
  isSettled,
  listAttempts,
  nowSeconds,
  postpone,
  recordOutcome,
  type StoredEvent,
} from "../storage/index.ts";
import { translateEvent } from "../translate/index.ts";
import {
  type Attempted,
  backoffSeconds,
  CONFIG_RETRY_SECONDS,
  type Job,
  logAttempts,
  type Outcome,
  post,
  QUEUE_MAX_DELAY_SECONDS,
  RETRY_WINDOW_SECONDS,
  webhookId,
} from "./index.ts";

/**
 * A delayed retry may come back this much before the time recorded for it without being taken
 * for an extra copy (see `redundant`).
 */
const EARLY_SECONDS = 2;

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
 * Why this message needs no work, or undefined when it does. A settled row (delivered, dead,
 * filtered, skipped) is left alone, and a row whose delayed retry is still to come belongs to
 * that retry's message, so this one is an extra copy (from the sweep or a sender's repeat) and
 * is dropped instead of starting a second chain of retries. A paused row goes to the route's
 * gate, which holds it again or lets it through. Rows are absent for messages queued before
 * the outbox existed: worked on.
 */
function redundant(state: DeliveryState | undefined, now: number): string | undefined {
  if (!state) return undefined;
  if (isSettled(state.status)) return `the delivery is ${state.status}`;
  if (state.status === "retrying" && state.dueAt > now + EARLY_SECONDS) {
    return "its retry is already scheduled";
  }
  return undefined;
}

/**
 * Handles one queue message: translate the event for the route with the current mappings, keep
 * the deliveries the route's event filter allows, POST those not yet delivered, then ack, retry
 * later, or dead-letter; the outbox row records the outcome.
 *
 * - A message whose delivery needs no work (see `redundant`) is acked without sending anything.
 * - A translation that is skipped (the target has no such event) or filtered out is logged and acked.
 * - A translation error, a route or format no longer configured, or a non-retryable answer (any
 *   4xx but 408/429, a 3xx) dead-letters the message at once (other deliveries of the same event
 *   are still attempted; a replay re-sends only those not yet delivered).
 * - Retryable failures retry the message after `Retry-After` or the backoff; after `MAX_ATTEMPTS`
 *   attempts, or when the next retry would fall outside `RETRY_WINDOW_SECONDS` of the delivery's
 *   first queueing, it is dead-lettered. Deliveries already made are never re-sent.
 *
 * Attempts are counted on the outbox row (and carried in `tries` by a message sent again after a
 * pause or a rate-limit wait), so a message queued again carries on the count.
 *
 * Before posting, the route's gate (src/coordinate) may hold the delivery (the route is paused:
 * the row becomes `paused`, the Durable Object keeps it and queues it on resume) or ask for it
 * to come back later (a rate limit: sent again with that delay, not counted as an attempt).
 */
export async function handleMessage(
  message: Message<DeliveryMessage>,
  env: Env,
  config: Config,
  gates: Gates = batchGates(env),
): Promise<void> {
  const { settings } = config;
  const body = message.body;
  const [event, state] = await Promise.all([
    getEvent(env.DB, body.event),
    getDeliveryState(env.DB, body.event, body.route),
  ]);
  const skip = redundant(state, nowSeconds());
  if (skip) {
    log("info", "extra message dropped", { eventId: body.event, route: body.route, reason: skip });
    message.ack();
    return;
  }
  const settle = (outcome: DeliveryOutcome) =>
    recordOutcome(env.DB, body.event, body.route, outcome);
  const giveUp = async (
    target: string | undefined,
    error: string,
    made: { attempts?: number; lastStatus?: number } = {},
  ) => {
    if (event) await deadLetter(env, event, body.route, target, error);
    await settle({ status: "dead", lastError: error, ...made });
    message.ack();
  };

  if (!event) {
    log("error", "event not found; message dropped", { eventId: body.event, route: body.route });
    if (state) await settle({ status: "dead", lastError: "the event is no longer stored" });
    message.ack();
    return;
  }
  const route = config.routes.find((candidate) => candidate.name === body.route);
  if (!route) {
    await giveUp(undefined, `route "${body.route}" is no longer configured`);
    return;
  }
  const source = findFormat(event.source);
  const target = findFormat(route.target);
  if (!source.ok || !target.ok) {
    const problem = !source.ok ? source.error.message : !target.ok ? target.error.message : "";
    await giveUp(route.target, problem);
    return;
  }

  const translation = await translateEvent(source.value, target.value, {
    name: event.name,
    ...(event.dispatch ? { dispatch: event.dispatch } : {}),
    payload: event.payload,
  });
  if (!translation.ok) {
    await giveUp(route.target, `translation failed: ${translation.error.message}`);
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
  if (deliveries.length === 0) {
    const filtered = translation.value.deliveries.length > 0;
    await settle({
      status: filtered ? "filtered" : "skipped",
      lastError: filtered
        ? "the route's event filter leaves nothing to deliver"
        : `the target has no such event${translation.value.skipped[0] ? `: ${translation.value.skipped[0].reason}` : ""}`,
    });
    message.ack();
    return;
  }

  /** This attempt's number: the queue's count plus attempts made before the message was re-sent, or the row's. */
  const attempt = Math.max(message.attempts + (body.tries ?? 0), (state?.attempts ?? 0) + 1);
  // --- reliability: deliveries already made are never sent again, replays included. A replay of
  // the event (`again`) forgot its earlier successes when it was queued (requeueForReplay), so
  // what is recorded now was delivered by the replay itself (a retry must not re-send it). ---
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
      await settle({ status: "paused" });
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
  const outcomes: Attempted[] = [];
  for (const [position, { delivery, index }] of pending.entries()) {
    await sleep(slot.at + position * slot.spacingMs - Date.now());
    outcomes.push(await post(job, delivery, index));
  }
  const lastStatus = outcomes.at(-1)?.status;
  const made: { attempts?: number; lastStatus?: number } =
    outcomes.length > 0
      ? { attempts: attempt, ...(lastStatus !== undefined ? { lastStatus } : {}) }
      : {};

  const rejected = outcomes.find((o) => o.kind === "rejected");
  if (rejected) {
    logAttempts(outcomes, "dead");
    await giveUp(route.target, `not retried: ${rejected.error}`, made);
    return;
  }
  const retries = outcomes.filter((o) => o.kind === "retry");
  if (retries.length === 0) {
    logAttempts(outcomes, "ack");
    await settle({ status: "delivered", ...made });
    message.ack();
    return;
  }
  const last = retries[retries.length - 1] as Extract<Outcome, { kind: "retry" }>;
  if (attempt >= settings.maxAttempts) {
    logAttempts(outcomes, "dead");
    await giveUp(route.target, `gave up after ${attempt} attempts: ${last.error}`, made);
    return;
  }
  const hinted = retries.map((o) => o.retryAfter ?? -1).reduce((a, b) => Math.max(a, b), -1);
  const delaySeconds = Math.min(
    QUEUE_MAX_DELAY_SECONDS,
    hinted >= 0 ? Math.max(hinted, 0) : backoffSeconds(attempt, settings),
  );
  const firstQueued = Math.min(
    message.timestamp.getTime() / 1000,
    state?.queuedAt ?? Number.POSITIVE_INFINITY,
  );
  const queuedForSeconds = Math.max(0, Date.now() / 1000 - firstQueued);
  if (queuedForSeconds + delaySeconds > RETRY_WINDOW_SECONDS) {
    logAttempts(outcomes, "dead");
    await giveUp(
      route.target,
      `gave up after ${attempt} attempts: the next retry (in ${delaySeconds} s) would fall outside the ${RETRY_WINDOW_SECONDS / 3600} h retry window; last error: ${last.error}`,
      made,
    );
    return;
  }
  logAttempts(outcomes, "retry");
  log("info", "delivery retry scheduled", {
    route: route.name,
    eventId: event.id,
    attempt,
    delaySeconds,
  });
  await settle({
    status: "retrying",
    ...made,
    lastError: last.error,
    dueAt: nowSeconds() + delaySeconds,
  });
  message.retry({ delaySeconds });
}

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
  if (batch.queue.endsWith("-dlq")) {
    for (const message of batch.messages) await keepFromDeadLetterQueue(message, env);
    return;
  }
  const config = loadConfig(env);
  if (!config.ok) {
    log("error", "configuration invalid; deliveries postponed", { errors: config.errors });
    // The rows say why and when, so the sweep does not take the postponed messages for lost.
    await postpone(
      env.DB,
      batch.messages.map((m) => ({ eventId: m.body.event, route: m.body.route })),
      nowSeconds() + CONFIG_RETRY_SECONDS,
      `configuration invalid: ${config.errors.join("; ")}`,
    ).catch(() => undefined);
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

/**
 * A message on the dead-letter queue: the delivery consumer failed on it `max_retries` times.
 * It is kept as a dead letter and its row settled `dead`. When that fails too (D1 unavailable),
 * the message is retried after a minute, up to the dead-letter queue's own `max_retries`
 * (wrangler.toml); should it run out, the row is still pending, so the sweep queues the delivery
 * again once D1 answers: the message can be dropped, the delivery cannot.
 */
async function keepFromDeadLetterQueue(message: Message<DeliveryMessage>, env: Env) {
  try {
    const event = await getEvent(env.DB, message.body.event);
    const lastError =
      "the delivery consumer failed on every attempt (moved to the dead-letter queue)";
    if (event) {
      await deadLetter(env, event, message.body.route, undefined, lastError);
      await recordOutcome(env.DB, event.id, message.body.route, { status: "dead", lastError });
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
