/**
 * The outbox: one row per (accepted event, route) in `deliveries`, the truth about where each
 * delivery stands. Rows are written in the same D1 batch as the event (`admit`), so a stored
 * event always has its pending deliveries; the queue message is only a means of getting them
 * done. The consumer updates the row on every outcome; the sweep (src/enqueue/sweep.ts) queues
 * again the rows that are pending and overdue; the delivery console reads them.
 *
 * Life of a row (times are unix seconds):
 *
 *   queued ──(consumer: 2xx)──────────────────────────→ delivered
 *     │  └──(consumer: retryable failure)→ retrying ──→ delivered | dead
 *     ├──(translation skipped it / the route's filter left nothing)→ skipped | filtered
 *     └──(rejected, untranslatable, route gone)──────→ dead   (a dead letter holds a copy)
 *   dead ──(replay)→ queued
 *   queued | retrying ──(the route is paused: its Durable Object holds it)→ paused ──(resume)→ queued
 *   queued ──(an ordered route: another event of its conversation is ahead)→ waiting ──(its turn)→ queued
 *
 * `due_at` is when the row is next expected to be handled: the time it was queued, or, while
 * retrying, when the delayed retry comes back. A pending row whose `due_at` is more than a
 * grace period in the past has no live queue message, as far as anyone can tell, and is queued
 * again by the sweep (requeue.ts); after too many lost messages in a row it is dead-lettered.
 */
import { nowSeconds, ready } from "./db.ts";

/** Where one delivery stands. */
export type DeliveryStatus =
  | "queued"
  | "retrying"
  | "paused"
  | "waiting"
  | "delivered"
  | "dead"
  | "filtered"
  | "skipped"
  | "erased";

/**
 * Statuses the sweep looks after: a queue message should exist for these, or (`waiting`) the
 * delivery waits for its turn in an ordered route and is looked at again when due (see
 * `parkDeliveries`). (`paused` deliveries are held by their route's Durable Object,
 * src/coordinate, which queues them on resume.)
 */
export const PENDING_STATUSES = ["queued", "retrying", "waiting"] as const;
/** Statuses that are final until a person acts (a replay): never queued again by the sweep. */
export const SETTLED_STATUSES = ["delivered", "dead", "filtered", "skipped", "erased"] as const;

export const isSettled = (status: string): boolean =>
  (SETTLED_STATUSES as readonly string[]).includes(status);

/** One row of `deliveries`, as the code sees it. */
export interface DeliveryState {
  eventId: string;
  route: string;
  status: DeliveryStatus | (string & {});
  /** Attempts made since the event was accepted (or last replayed). */
  attempts: number;
  /** HTTP status of the last attempt (0: no answer). */
  lastStatus?: number;
  lastError?: string;
  /** When the delivery was first queued (accepted, or replayed). */
  queuedAt: number;
  /** When it is next expected to be handled (see the module comment). */
  dueAt: number;
  updatedAt: number;
  deliveredAt?: number;
  /**
   * How many times in a row the sweep (or a sender's repeat) queued it again since the consumer
   * last handled it: messages lost one after the other (src/storage/requeue.ts).
   */
  requeues: number;
}

interface DeliveryRow {
  event_id: string;
  route: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  queued_at: number;
  due_at: number;
  updated_at: number;
  delivered_at: number | null;
  requeues: number;
}

export function toDeliveryState(row: DeliveryRow): DeliveryState {
  return {
    eventId: row.event_id,
    route: row.route,
    status: row.status,
    attempts: row.attempts,
    ...(row.last_status !== null ? { lastStatus: row.last_status } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    queuedAt: row.queued_at,
    dueAt: row.due_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
    requeues: row.requeues,
  };
}

/**
 * The statement, for `admit`'s batch, that gives every event in `eventIds` that is stored a
 * `queued` row per route. Events the batch did not store (repeats) get none: it reads `events`.
 */
export function insertPending(
  db: D1Database,
  eventIds: string[],
  routes: string[],
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (event_id, route, status, attempts, queued_at, due_at, updated_at)
       SELECT e.id, r.value, 'queued', 0, ?1, ?1, ?1
       FROM json_each(?2) AS i JOIN events AS e ON e.id = i.value, json_each(?3) AS r`,
    )
    .bind(now, JSON.stringify(eventIds), JSON.stringify(routes));
}

/**
 * The row of one delivery, or undefined (an event accepted before the outbox existed).
 *
 * @example const state = await getDeliveryState(env.DB, eventId, "default"); // state?.status
 */
export async function getDeliveryState(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<DeliveryState | undefined> {
  await ready(db);
  const row = await db
    .prepare("SELECT * FROM deliveries WHERE event_id = ? AND route = ?")
    .bind(eventId, route)
    .first<DeliveryRow>();
  return row ? toDeliveryState(row) : undefined;
}

/** What the consumer learnt from handling one message. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  /** The attempt number just made (unchanged when nothing was posted). */
  attempts?: number;
  lastStatus?: number;
  lastError?: string;
  /** When the row is next expected to be handled (for `retrying`: when the retry comes back). */
  dueAt?: number;
}

/**
 * Records the outcome of handling one (event, route) message on its row, creating the row if it
 * is missing (a message queued before the outbox existed).
 *
 * @example await recordOutcome(env.DB, eventId, "default", { status: "retrying", attempts: 2, lastStatus: 503, lastError: "HTTP 503", dueAt: now + 20 });
 */
export async function recordOutcome(
  db: D1Database,
  eventId: string,
  route: string,
  outcome: DeliveryOutcome,
  now = nowSeconds(),
): Promise<void> {
  await ready(db);
  await db
    .prepare(
      `INSERT INTO deliveries (event_id, route, status, attempts, last_status, last_error, queued_at, due_at, updated_at, delivered_at)
       VALUES (?1, ?2, ?3, COALESCE(?4, 0), ?5, ?6, ?7, ?8, ?7, ?9)
       ON CONFLICT (event_id, route) DO UPDATE SET
         status = excluded.status,
         attempts = COALESCE(?4, deliveries.attempts),
         last_status = COALESCE(?5, deliveries.last_status),
         last_error = CASE WHEN ?3 = 'delivered' THEN NULL ELSE COALESCE(?6, deliveries.last_error) END,
         due_at = excluded.due_at,
         updated_at = excluded.updated_at,
         requeues = 0,
         delivered_at = COALESCE(deliveries.delivered_at, excluded.delivered_at)`,
    )
    .bind(
      eventId,
      route,
      outcome.status,
      outcome.attempts ?? null,
      outcome.lastStatus ?? null,
      outcome.lastError?.slice(0, 500) ?? null,
      now,
      outcome.dueAt ?? now,
      outcome.status === "delivered" ? now : null,
    )
    .run();
}

/**
 * Records that a pending delivery's next message is due at `dueAt` (sent again with a delay), so
 * the sweep does not take the wait for a lost message. A paused one becomes `queued` again.
 */
export async function expectAt(
  db: D1Database,
  delivery: { event: string; route: string },
  dueAt: number,
  now = nowSeconds(),
): Promise<void> {
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET status = CASE status WHEN 'paused' THEN 'queued' ELSE status END,
         due_at = ?, updated_at = ?, requeues = 0
       WHERE event_id = ? AND route = ? AND status IN ('queued', 'retrying', 'paused')`,
    )
    .bind(dueAt, now, delivery.event, delivery.route)
    .run();
}

// --- Ordered routes (src/coordinate): deliveries waiting for their conversation's turn. ---

/**
 * Deliveries of an ordered route that wait behind another event of their conversation: no
 * queue message exists for them until their turn. `dueAt` is a safety net, not a schedule: when
 * it passes, the sweep queues the delivery again and the consumer asks whose turn it is (this
 * recovers a turn that was never passed on because a Worker died in between, or a head
 * dead-lettered by the sweep). `requeues` starts again from 0: a waiting delivery looked at
 * again is not a lost message.
 *
 * @example await parkDeliveries(env.DB, "crm", ["e2", "e3"], nowSeconds() + WAIT_RECHECK_SECONDS);
 */
export async function parkDeliveries(
  db: D1Database,
  route: string,
  eventIds: string[],
  dueAt: number,
  now = nowSeconds(),
): Promise<void> {
  if (eventIds.length === 0) return;
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET status = 'waiting', due_at = ?, updated_at = ?, requeues = 0
       WHERE route = ? AND event_id IN (SELECT value FROM json_each(?))
         AND status IN ('queued', 'retrying', 'waiting')`,
    )
    .bind(dueAt, now, route, JSON.stringify(eventIds))
    .run();
}

/** A waiting delivery's turn came: `queued`, due now (the caller queues its message). */
export async function releaseDelivery(
  db: D1Database,
  eventId: string,
  route: string,
  now = nowSeconds(),
): Promise<void> {
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET status = 'queued', due_at = ?, updated_at = ?, requeues = 0
       WHERE event_id = ? AND route = ? AND status IN ('waiting', 'queued')`,
    )
    .bind(now, now, eventId, route)
    .run();
}
