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
 * Cost: one indexed UPDATE ... LIMIT (the (status, due_at) index), usually matching nothing.
 */
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { claimOverdue, nowSeconds, type Requeue } from "../storage/index.ts";
import { messageOf, sendAll } from "./queue.ts";

/** How long past its due time a pending delivery may go unhandled, while the consumer is idle. */
export const OVERDUE_GRACE_SECONDS = 20;
/** ... and while the consumer is busy (a backlog is not a loss): the longest a copy waits. */
export const BUSY_GRACE_SECONDS = 600;
/** The consumer is idle when it recorded no attempt for this long. */
const IDLE_SECONDS = 10;
/** Most deliveries one sweep batch queues again. */
export const SWEEP_BATCH = 100;
/** Batches per cron sweep, and per sweep of an isolate's start (see `sweepSoon`). */
const MAX_BATCHES = 10;
/** An isolate sweeps opportunistically at most this often. */
export const SWEEP_INTERVAL_MS = 15_000;

/**
 * Queues again up to `limit` overdue deliveries (claimed atomically: concurrent sweeps never
 * take the same one twice; see `claimOverdue` for what overdue means). With `restart`, a
 * delivery is overdue after `OVERDUE_GRACE_SECONDS` even while the consumer is busy. Returns the
 * deliveries claimed and how many messages were sent; a delivery claimed but not sent (the queue
 * refused it) is overdue again later.
 *
 * @example const { requeued } = await sweep(env); // requeued: [{ eventId, route }]
 */
export async function sweep(
  env: Env,
  options: { now?: number; limit?: number; restart?: boolean } = {},
): Promise<{ requeued: Requeue[]; sent: number }> {
  const now = options.now ?? nowSeconds();
  const quietBefore = now - OVERDUE_GRACE_SECONDS;
  const requeued = await claimOverdue(
    env.DB,
    {
      quietBefore,
      busyBefore: options.restart ? quietBefore : now - BUSY_GRACE_SECONDS,
      idleSince: now - IDLE_SECONDS,
    },
    options.limit ?? SWEEP_BATCH,
    now,
  );
  if (requeued.length === 0) return { requeued, sent: 0 };
  const { sent, error } = await sendAll(env, requeued.map(messageOf));
  log(error === undefined ? "warn" : "error", "outbox sweep queued overdue deliveries", {
    deliveries: requeued.length,
    sent,
    ...(error !== undefined ? { error: String(error).slice(0, 300) } : {}),
  });
  return { requeued, sent };
}

/** Sweeps batch after batch until nothing is overdue or `MAX_BATCHES` were taken; the count sent. */
export async function sweepAll(env: Env, restart = false): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { requeued, sent } = await sweep(env, { restart });
    total += sent;
    if (requeued.length < SWEEP_BATCH || sent < requeued.length) break;
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
