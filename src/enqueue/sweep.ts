/**
 * The outbox sweep: deliveries that are pending (`queued`, `retrying`) and overdue are queued
 * again. A delivery is overdue when its `due_at` (when it was queued, or when its delayed retry
 * comes back) is more than `OVERDUE_GRACE_SECONDS` in the past: its message is then presumed
 * lost (the Worker died between storing and queueing, the queue refused it, or a local
 * `wrangler dev` queue was dropped by a restart). A message merely waiting for its backoff has
 * `due_at` in the future and is never touched. Re-queueing an in-flight message by mistake (a
 * queue backlog longer than the grace period) costs one extra message: the consumer drops copies
 * of a delivery that is settled or already has its retry scheduled, and never re-sends a
 * delivery recorded as delivered.
 *
 * Overdue: by `OVERDUE_GRACE_SECONDS` while the consumer is idle, by `BUSY_GRACE_SECONDS` while
 * it works (a message may then just be waiting behind others), except right after an isolate
 * starts (see `sweepSoon`).
 *
 * Where it runs:
 * - the cron trigger, every minute (wrangler.toml), in production and staging;
 * - opportunistically, from the fetch and queue handlers (`sweepSoon`): at most once per isolate
 *   every `SWEEP_INTERVAL_MS`, in `ctx.waitUntil` so no request waits for it. The cron trigger
 *   never fires under `npm start` / `wrangler dev`, and a restart there drops the local queue,
 *   so the first request after a restart must find the stranded deliveries. A fresh isolate's
 *   first sweep therefore looks once more after the grace period, to take what was in flight
 *   when the process died (still within the 30 s a Worker may keep running after a response).
 *   A Durable Object alarm was the alternative; local alarms do not survive a restart either.
 *
 * A message that keeps vanishing (a queue that drops it, a consumer that dies on it before
 * recording anything) must not be queued again forever: each further loss in a row waits twice
 * as long before it is taken for one (20 s, 40 s, 80 s, ... at most an hour), and a delivery
 * whose message was lost `MAX_REQUEUES` + 1 times in a row (over about 4 hours) is dead-lettered with
 * that reason, so every accepted event ends delivered or dead-lettered. Any outcome the consumer
 * records starts the count again (a local restart costs one, then the consumer handles it).
 *
 * Cost: one indexed UPDATE ... LIMIT (the (status, due_at) index), usually matching nothing.
 */
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { lineOf, passTurn } from "../coordinate/order.ts";
import {
  addDeadLetter,
  type Claimed,
  claimOrphanedHolds,
  claimOverdue,
  getEvent,
  listAttempts,
  markUnqueued,
  nowSeconds,
  type Requeue,
  recordOutcome,
} from "../storage/index.ts";
import { messageOf, sendAll } from "./queue.ts";

/** How long past its due time a pending delivery may go unhandled, while the consumer is idle. */
export const OVERDUE_GRACE_SECONDS = 20;
/** ... and while the consumer is busy (a backlog is not a loss): the longest a copy waits. */
export const BUSY_GRACE_SECONDS = 600;
/** The consumer is idle when it recorded no attempt for this long. */
export const IDLE_SECONDS = 10;
/** Most deliveries one sweep batch queues again. */
export const SWEEP_BATCH = 100;
/** Batches per cron sweep, and per sweep of an isolate's start (see `sweepSoon`). */
const MAX_BATCHES = 10;
/** Lost messages in a row after which a delivery is dead-lettered instead of queued again. */
export const MAX_REQUEUES = 10;
/** The longest the sweep waits, past the grace period, before taking a message lost again. */
export const REQUEUE_BACKOFF_CAP_SECONDS = 3600;
/** An isolate sweeps opportunistically at most this often. */
export const SWEEP_INTERVAL_MS = 15_000;

/**
 * Queues again up to `limit` overdue deliveries (claimed atomically: concurrent sweeps never
 * take the same one twice; see `claimOverdue` for what overdue means). With `restart`, a
 * delivery is overdue after `OVERDUE_GRACE_SECONDS` even while the consumer is busy. A delivery
 * whose message was lost more than `MAX_REQUEUES` times in a row is dead-lettered instead
 * (`buried`). Returns the deliveries claimed (buried ones included) and how many messages were
 * sent; a delivery claimed but not sent (the queue refused it) is due for the next sweep.
 *
 * @example const { requeued } = await sweep(env); // requeued: [{ eventId, route }]
 */
export async function sweep(
  env: Env,
  options: { now?: number; limit?: number; restart?: boolean } = {},
): Promise<{ requeued: Requeue[]; sent: number; buried: Requeue[] }> {
  const now = options.now ?? nowSeconds();
  const quietBefore = now - OVERDUE_GRACE_SECONDS;
  const claimed = await claimOverdue(
    env.DB,
    {
      quietBefore,
      busyBefore: options.restart ? quietBefore : now - BUSY_GRACE_SECONDS,
      idleSince: now - IDLE_SECONDS,
      backoffSeconds: OVERDUE_GRACE_SECONDS,
      backoffCapSeconds: REQUEUE_BACKOFF_CAP_SECONDS,
    },
    options.limit ?? SWEEP_BATCH,
    now,
  );
  // Held deliveries of a route removed while paused: queued, so the consumer dead-letters them.
  // Only with a configuration that loads: a broken one names no route, and holds nothing back.
  const loaded = loadConfig(env);
  const orphans = loaded.ok
    ? await claimOrphanedHolds(
        env.DB,
        loaded.config.routes.map((route) => route.name),
        options.limit ?? SWEEP_BATCH,
        now,
      )
    : [];
  const requeued = [...claimed.map(({ eventId, route }) => ({ eventId, route })), ...orphans];
  const lost = claimed.filter((row) => row.requeues > MAX_REQUEUES);
  const buried = lost.length > 0 ? await bury(env, lost) : [];
  const toSend = [...claimed.filter((row) => row.requeues <= MAX_REQUEUES), ...orphans];
  if (toSend.length === 0) return { requeued, sent: 0, buried };
  const { sent, error } = await sendAll(env, toSend.map(messageOf));
  if (error !== undefined) await markUnqueued(env.DB, toSend.slice(sent), now - BUSY_GRACE_SECONDS);
  log(error === undefined ? "warn" : "error", "outbox sweep queued overdue deliveries", {
    deliveries: toSend.length,
    sent,
    ...(error !== undefined ? { error: String(error).slice(0, 300) } : {}),
  });
  return { requeued, sent, buried };
}

/**
 * Dead-letters deliveries whose message was lost more than `MAX_REQUEUES` times in a row: a
 * dead letter with the attempts made and the reason, then the row settled `dead` (in that order,
 * as the consumer does: a crash in between leaves the row pending, and the next sweep buries it).
 * Returns those buried (an event no longer stored has nothing to replay: its row is settled dead).
 */
async function bury(env: Env, rows: Claimed[]): Promise<Requeue[]> {
  const loaded = loadConfig(env);
  const routes = new Map((loaded.ok ? loaded.config.routes : []).map((r) => [r.name, r]));
  const buried: Requeue[] = [];
  for (const { eventId, route, requeues } of rows) {
    const lastError = `its queue message was lost ${requeues} times in a row (queued again ${requeues - 1} times by the outbox sweep, never handled by the consumer): a queue dropping messages, or a consumer that dies on this event before recording anything; replay it once the cause is fixed`;
    const event = await getEvent(env.DB, eventId);
    if (event) {
      const target = routes.get(route)?.target;
      await addDeadLetter(env.DB, {
        event,
        route,
        ...(target ? { target } : {}),
        attempts: await listAttempts(env.DB, eventId, route),
        lastError,
      });
    }
    const record = () =>
      recordOutcome(env.DB, eventId, route, {
        status: "dead",
        lastError: event ? lastError : "the event is no longer stored",
      });
    // An ordered route: the conversation moves on at once, as after any dead letter.
    if (routes.get(route)?.ordered) await passTurn(env, route, event && lineOf(event), record);
    else await record();
    buried.push({ eventId, route });
    log("error", "dead letter", {
      route,
      eventId,
      reason: "queue message lost too many times in a row",
      lost: requeues,
    });
  }
  return buried;
}

/** Sweeps batch after batch until nothing is overdue or `MAX_BATCHES` were taken; the count sent. */
export async function sweepAll(env: Env, restart = false): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { requeued, sent, buried } = await sweep(env, { restart });
    total += sent;
    if (requeued.length < SWEEP_BATCH || sent < requeued.length - buried.length) break;
  }
  return total;
}

let lastSweep = 0;
let sweptBefore = false;

const quietly = (work: Promise<unknown>) =>
  work.catch((error) => {
    log("error", "outbox sweep failed", { error: String(error).slice(0, 300) });
  });

/**
 * Starts a sweep in the background unless this isolate swept in the last `SWEEP_INTERVAL_MS`:
 * one batch. An isolate's first sweep is a restart recovery: it takes every delivery overdue by
 * `OVERDUE_GRACE_SECONDS`, busy consumer or not (after a local restart the consumer soon works
 * on the first deliveries swept, which must not hide the rest), batch after batch, and once more
 * after the grace period. Called by the fetch and queue handlers; cheap when nothing is overdue.
 *
 * @example sweepSoon(env, ctx); // in a handler, before answering
 */
export function sweepSoon(env: Env, ctx: ExecutionContext): void {
  const now = Date.now();
  if (now - lastSweep < SWEEP_INTERVAL_MS) return;
  lastSweep = now;
  if (sweptBefore) {
    ctx.waitUntil(quietly(sweep(env)));
    return;
  }
  sweptBefore = true;
  ctx.waitUntil(
    quietly(
      (async () => {
        await sweepAll(env, true);
        await new Promise((resolve) => setTimeout(resolve, (OVERDUE_GRACE_SECONDS + 1) * 1000));
        await sweepAll(env, true);
      })(),
    ),
  );
}
