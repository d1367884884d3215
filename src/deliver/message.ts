/**
 * One queue message: one (event, route) delivery. Its outbox row, in the event's shard
 * (src/store), is read first with the event (one call) and updated once with the outcome and the
 * attempts that failed (one call), so the row always says where the delivery stands and the
 * sweep can tell a live message from a lost one.
 */
import type { Env } from "../config/env.ts";
import type { Config, Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import { batchGates, sleep } from "../coordinate/index.ts";
import type { InLine } from "../coordinate/lineup.ts";
import { awaitTurn, lineOf, park, passTurn } from "../coordinate/order.ts";
import { LATE_MS } from "../coordinate/route-gate.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { findFormat } from "../formats/index.ts";
import { type DeliveryOutcome, isSettled, type StoredEvent } from "../storage/types.ts";
import { begin, recordOutcome } from "../store/index.ts";
import { translateEvent } from "../translate/index.ts";
import { routeFilter } from "./filter.ts";
import {
  type Attempted,
  type Job,
  logAttempts,
  post,
  RETRY_WINDOW_SECONDS,
  webhookId,
} from "./index.ts";
import { conclude, deadLetter, redundant, sendAgain } from "./outcome.ts";
import { noteOutcome } from "./watch.ts";

export type Gates = ReturnType<typeof batchGates>;

/**
 * The conversation line an ordered route keeps this delivery in, or undefined: the route is not
 * ordered, the event belongs to no conversation, or the message is a replay (a replay is
 * delivered at once, out of order: POST /deadletters/:id/replay says so).
 */
function lineFor(
  route: Route | undefined,
  event: StoredEvent,
  body: DeliveryMessage,
): InLine | undefined {
  if (!route?.ordered || body.replay || body.again) return undefined;
  return lineOf(event);
}

/**
 * Handles one queue message: translate the event for the route with the current mappings, keep
 * the deliveries the route's event filter allows, POST those not yet delivered, then ack, retry
 * later, or dead-letter; the outbox row records the outcome.
 *
 * - A message whose delivery needs no work (see `redundant`) is acked without sending anything.
 * - A translation that is skipped (the target has no such event) or filtered out (the route's
 *   `where` or `events`) is recorded `skipped` or `filtered` with the reason, and acked; a
 *   `where` that fails to run dead-letters the message.
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
 * Before posting, an ordered route's delivery may be told to wait for its conversation's turn
 * (the row becomes `waiting`; it is queued when the delivery ahead settles), and the route's gate
 * (src/coordinate) may hold it (the route is paused or its circuit open: the row becomes
 * `paused`, the Durable Object keeps it and queues it on resume, or when the circuit closes),
 * dead-letter it (held by an open circuit past its retry window) or ask for it to come back
 * later (a rate limit: sent again with that delay, not counted as an attempt). Once an ordered delivery settles, its conversation's next
 * event is queued, or handed to `takeOver` (the batch loop delivers it next, see consumer.ts);
 * such a follower is handled with `inTurn`: its line just named it the head, so its turn is not
 * asked again.
 */
export async function handleMessage(
  message: Message<DeliveryMessage>,
  env: Env,
  config: Config,
  gates: Gates = batchGates(env),
  takeOver?: (route: string, event: string) => boolean,
  inTurn = false,
): Promise<void> {
  const { settings } = config;
  const body = message.body;
  const { event, delivery: state, failures: earlier } = await begin(env, body.event, body.route);
  const route = config.routes.find((candidate) => candidate.name === body.route);
  const line = event ? lineFor(route, event, body) : undefined;
  const skip = redundant(state, Math.floor(Date.now() / 1000));
  if (skip) {
    log("info", "extra message dropped", { eventId: body.event, route: body.route, reason: skip });
    // An ordered delivery settled but its turn may not have been passed on (idempotent).
    if (line && state && isSettled(state.status)) await passTurn(env, body.route, line);
    message.ack();
    return;
  }
  // This message's attempts, kept with the outcome in one write (the failed ones as attempts).
  const outcomes: Attempted[] = [];
  const settle = async (outcome: DeliveryOutcome) => {
    const record = () =>
      recordOutcome(env, body.event, body.route, outcome, {
        failures: outcomes.filter((o) => o.kind !== "delivered").map((o) => o.record),
        deliveredIds: [...(state?.deliveredIds ?? []), ...delivered(outcomes)],
      });
    // An ordered delivery that settles passes its conversation's turn on (src/coordinate/order.ts).
    if (line && isSettled(outcome.status)) {
      await passTurn(env, body.route, line, record, (next) =>
        takeOver ? takeOver(body.route, next) : false,
      );
    } else await record();
  };
  const giveUp = async (
    target: string | undefined,
    error: string,
    made: { attempts?: number; lastStatus?: number } = {},
  ) => {
    const attempts = [...earlier, ...outcomes.map((o) => o.record)];
    if (event) await deadLetter(env, event, body.route, target, error, attempts);
    if (event && route) noteOutcome(gates, route.name, event, made.attempts ?? 1, outcomes, "dead");
    await settle({ status: "dead", lastError: error, ...made });
    message.ack();
  };

  if (!event) {
    // Pruned, or an id no shard knows (an event of the D1 store before the upgrade): its row,
    // if any, went with it.
    log("error", "event not found; message dropped", { eventId: body.event, route: body.route });
    message.ack();
    return;
  }
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
  const filtered = await routeFilter(route, translation.value, event.id);
  if (filtered.kind === "failed") {
    await giveUp(route.target, filtered.error);
    return;
  }
  if (filtered.kind !== "deliver") {
    noteOutcome(gates, route.name, event, 1, [], filtered.kind);
    await settle({ status: filtered.kind, lastError: filtered.reason });
    message.ack();
    return;
  }
  const deliveries = filtered.deliveries;

  /** This attempt's number: the queue's count plus attempts made before the message was re-sent, or the row's. */
  const attempt = Math.max(message.attempts + (body.tries ?? 0), (state?.attempts ?? 0) + 1);
  // --- reliability: deliveries already made are never sent again, replays included. A replay of
  // the event (`again`) forgot its earlier successes when it was queued (requeueForReplay), so
  // what is recorded now was delivered by the replay itself (a retry must not re-send it). ---
  const done = new Set(state?.deliveredIds ?? []);
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
  const firstQueued = Math.min(
    message.timestamp.getTime() / 1000,
    state?.queuedAt ?? Number.POSITIVE_INFINITY,
  );
  // --- The route's gate (src/coordinate): order, pause, circuit breaker and rate limit. ---
  let slot = { at: 0, spacingMs: 0 };
  if (pending.length > 0) {
    const ahead = line && !inTurn ? await awaitTurn(env, route.name, line) : undefined;
    if (ahead !== undefined) {
      log("info", "delivery waits for its turn", {
        route: route.name,
        eventId: event.id,
        behind: ahead,
      });
      await park(env, route.name, event.id);
      message.ack();
      return;
    }
    const verdict = await gates.admit(route, {
      event: event.id,
      deliveries: pending.length,
      tries: attempt - 1,
      deadline: (firstQueued + RETRY_WINDOW_SECONDS) * 1000,
    });
    if (verdict.kind === "held") {
      log("info", "delivery held", {
        route: route.name,
        eventId: event.id,
        reason: verdict.reason,
      });
      await settle({ status: "paused" });
      message.ack();
      return;
    }
    if (verdict.kind === "expired") {
      const hours = RETRY_WINDOW_SECONDS / 3600;
      const last = state?.lastError ? `; last error: ${state.lastError}` : "";
      await giveUp(
        route.target,
        `gave up after ${attempt - 1} attempts: the route's circuit stayed open past the ${hours} h retry window${last}`,
        { attempts: attempt - 1 },
      );
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
  let first = 0; // the position `slot.at` belongs to
  for (const [position, { delivery, index }] of pending.entries()) {
    let due = slot.at + (position - first) * slot.spacingMs;
    await sleep(due - Date.now());
    // A rate-limited POST starts within LATE_MS of its slot, or takes new slots (route-gate.ts).
    while (route.maxPerSecond && Date.now() > due + LATE_MS) {
      slot = await gates.reslot(route.name, route.maxPerSecond, pending.length - position);
      first = position;
      due = slot.at;
      await sleep(due - Date.now());
    }
    outcomes.push(await post(job, delivery, index));
  }
  const lastStatus = outcomes.at(-1)?.status;
  const made: { attempts?: number; lastStatus?: number } =
    outcomes.length > 0
      ? { attempts: attempt, ...(lastStatus !== undefined ? { lastStatus } : {}) }
      : {};

  const conclusion = conclude(outcomes, attempt, settings, firstQueued);
  if (conclusion.kind === "dead") {
    logAttempts(outcomes, "dead");
    await giveUp(route.target, conclusion.error, made);
    return;
  }
  if (conclusion.kind === "delivered") {
    logAttempts(outcomes, "ack");
    noteOutcome(gates, route.name, event, attempt, outcomes, "delivered");
    await settle({ status: "delivered", ...made });
    message.ack();
    return;
  }
  const { delaySeconds } = conclusion;
  logAttempts(outcomes, "retry");
  noteOutcome(gates, route.name, event, attempt, outcomes, "retrying");
  log("info", "delivery retry scheduled", {
    route: route.name,
    eventId: event.id,
    attempt,
    delaySeconds,
  });
  await settle({
    status: "retrying",
    ...made,
    lastError: conclusion.error,
    dueAt: Math.floor(Date.now() / 1000) + delaySeconds,
  });
  message.retry({ delaySeconds });
}

/** The webhooks these attempts delivered. */
const delivered = (outcomes: Attempted[]): string[] =>
  outcomes.filter((o) => o.kind === "delivered").map((o) => o.record.webhookId);
