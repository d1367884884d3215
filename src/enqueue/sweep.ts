/**
 * The outbox sweep: deliveries that are pending (`queued`, `retrying`, `waiting`) and overdue are
 * queued again. A delivery is overdue when its `due_at` (when it was queued, or when its delayed
 * retry comes back) is more than `OVERDUE_GRACE_SECONDS` in the past: its message is then
 * presumed lost (the Worker died between storing and queueing, the queue refused it, or a local
 * `wrangler dev` queue was dropped by a restart). A message merely waiting for its backoff has
 * `due_at` in the future and is never touched. Re-queueing an in-flight message by mistake (a
 * queue backlog longer than the grace period) costs one extra message: the consumer drops copies
 * of a delivery that is settled or already has its retry scheduled, and never re-sends a
 * delivery recorded as delivered.
 *
 * Overdue: by `OVERDUE_GRACE_SECONDS` while the shard's consumer side is idle, by
 * `BUSY_GRACE_SECONDS` while it settles deliveries (a message may then just be waiting behind
 * others), except right after a restart (see `sweepSoon`).
 *
 * Where it runs (docs/store.md):
 * - each shard's alarm, every minute while the shard holds anything (src/store/event-store.ts):
 *   the sweep in production and under `npm start`;
 * - this module, over every shard ever written (one call each, in parallel): from the cron
 *   trigger once an hour (a safety net: an alarm is retried by the platform until it succeeds),
 *   and locally from the fetch and queue handlers (`sweepSoon`): a `wrangler dev` restart drops
 *   the local queue, and a Durable Object's alarm may not survive it either, so the first
 *   request after a restart finds the stranded deliveries and re-arms the alarms. It looks once
 *   more after the grace period, to take what was in flight when the process died, and every
 *   15 s of traffic after that, as the alarms do every minute.
 *
 * A message that keeps vanishing (a queue that drops it, a consumer that dies on it before
 * recording anything) must not be queued again forever: each further loss in a row waits twice
 * as long before it is taken for one (20 s, 40 s, 80 s, ... at most an hour), and a delivery
 * whose message was lost `MAX_REQUEUES` + 1 times in a row (over about 4 hours) is dead-lettered
 * with that reason, so every accepted event ends delivered or dead-lettered. Any outcome the
 * consumer records starts the count again (a local restart costs one, then the consumer handles it).
 *
 * Cost per shard: one UPDATE ... LIMIT on the partial index of pending rows, usually matching
 * nothing, and a walk over the deliveries admitted since the oldest one still untouched (a few
 * seconds of traffic; src/store/housekeeping.ts `claimFreshIn`).
 */
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import { lineOf, passTurn } from "../coordinate/order.ts";
import { addDeadLetter } from "../storage/dead-letters.ts";
import {
  attemptsOf,
  BUSY_GRACE_SECONDS,
  type Claimed,
  claimOrphanedHolds,
  claimOverdue,
  getEvent,
  MAX_REQUEUES,
  markUnqueued,
  OVERDUE_GRACE_SECONDS,
  type Requeue,
  recordOutcome,
  SWEEP_BATCH,
  writtenShards,
} from "../store/index.ts";
import { messageOf, sendAll } from "./queue.ts";

/** Batches per sweep of every shard (see `sweepAll`). */
const MAX_BATCHES = 10;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Queues again up to `limit` overdue deliveries per shard (claimed atomically: concurrent
 * sweeps never take the same one twice). With `restart` (or `restartAt`, when the restart
 * was: only deliveries due before it were stranded by it), a delivery is overdue after
 * `OVERDUE_GRACE_SECONDS` even while its shard is busy. A delivery whose message was lost more
 * than `MAX_REQUEUES` times in a row is dead-lettered instead (`buried`). Held deliveries of
 * routes no longer configured are queued too, for the consumer to dead-letter. `shards` limits
 * the sweep to those shards (default: every shard ever written). Returns the deliveries
 * claimed (buried ones included) and how many messages were sent; a delivery claimed but not
 * sent (the queue refused it) is due for the next sweep.
 *
 * @example const { requeued } = await sweep(env); // requeued: [{ eventId, route }]
 */
export async function sweep(
  env: Env,
  options: {
    now?: number;
    limit?: number;
    restart?: boolean;
    restartAt?: number;
    shards?: number[];
  } = {},
): Promise<{ requeued: Requeue[]; sent: number; buried: Requeue[] }> {
  const now = options.now ?? nowSeconds();
  const limit = options.limit ?? SWEEP_BATCH;
  const shards = options.shards ? { shards: options.shards } : {};
  const claimed = await claimOverdue(env, {
    now,
    limit,
    ...(options.restart || options.restartAt !== undefined
      ? { restartAt: options.restartAt ?? now }
      : {}),
    ...shards,
  });
  // Held deliveries of a route removed while paused: queued, so the consumer dead-letters them.
  // Only with a configuration that loads: a broken one names no route, and holds nothing back.
  const loaded = loadConfig(env);
  const orphans = loaded.ok
    ? await claimOrphanedHolds(
        env,
        loaded.config.routes.map((route) => route.name),
        limit,
        { now, ...shards },
      )
    : [];
  const requeued = [...claimed.map(({ eventId, route }) => ({ eventId, route })), ...orphans];
  const lost = claimed.filter((row) => row.requeues > MAX_REQUEUES);
  const buried = lost.length > 0 ? await bury(env, lost) : [];
  const toSend = [...claimed.filter((row) => row.requeues <= MAX_REQUEUES), ...orphans];
  if (toSend.length === 0) return { requeued, sent: 0, buried };
  const { sent, error } = await sendAll(env, toSend.map(messageOf));
  if (error !== undefined) await markUnqueued(env, toSend.slice(sent), now - BUSY_GRACE_SECONDS);
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
    const event = await getEvent(env, eventId);
    if (event) {
      const target = routes.get(route)?.target;
      await addDeadLetter(env.DB, {
        event,
        route,
        ...(target ? { target } : {}),
        attempts: await attemptsOf(env, eventId, route),
        lastError,
      });
    }
    const record = () =>
      recordOutcome(env, eventId, route, {
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

/**
 * Sweeps every shard batch after batch until nothing is overdue or `MAX_BATCHES` were taken;
 * returns the count sent.
 */
export async function sweepAll(env: Env, restartAt?: number): Promise<number> {
  const shards = await writtenShards(env);
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { requeued, sent, buried } = await sweep(env, {
      shards,
      ...(restartAt !== undefined ? { restartAt } : {}),
    });
    total += sent;
    if (requeued.length < SWEEP_BATCH || sent < requeued.length - buried.length) break;
  }
  return total;
}

/** Locally, an isolate sweeps opportunistically at most this often (see `sweepSoon`). */
export const SWEEP_INTERVAL_MS = 15_000;

let lastSweep = 0;
let sweptBefore = false;

const quietly = (work: Promise<unknown>) =>
  work.catch((error) => {
    log("error", "outbox sweep failed", { error: String(error).slice(0, 300) });
  });

/**
 * Locally only (`ENVIRONMENT` unset: `npm start`, `wrangler dev`, the tests), starts a sweep of
 * every shard written in the background, at most once per isolate every `SWEEP_INTERVAL_MS`.
 * An isolate's first sweep is a restart recovery: a restart dropped the local queue, and the
 * shards' alarms may not have survived it, so every delivery due before the isolate started and
 * overdue by `OVERDUE_GRACE_SECONDS` is taken, busy consumer or not (the consumer soon works on
 * the first ones, which must not hide the rest), batch after batch, which also re-arms each
 * shard's alarm; and once more after the grace period. A deployed Worker leaves the sweep to the shards' alarms and the hourly cron, so
 * its requests cost nothing here. Called by the fetch and queue handlers.
 *
 * @example sweepSoon(env, ctx); // in a handler, before answering
 */
export function sweepSoon(env: Env, ctx: ExecutionContext): void {
  const now = Date.now();
  if (env.ENVIRONMENT || now - lastSweep < SWEEP_INTERVAL_MS) return;
  lastSweep = now;
  if (sweptBefore) {
    ctx.waitUntil(quietly(sweep(env)));
    return;
  }
  sweptBefore = true;
  ctx.waitUntil(
    quietly(
      (async () => {
        // The second before this isolate's first request: events this isolate accepts in its
        // first second (a burst right after start) have messages in the queue, not lost ones.
        const startedAt = Math.floor(now / 1000) - 1;
        await sweepAll(env, startedAt);
        await new Promise((resolve) => setTimeout(resolve, (OVERDUE_GRACE_SECONDS + 1) * 1000));
        await sweepAll(env, startedAt);
      })(),
    ),
  );
}
