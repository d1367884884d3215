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
 *
 * `due_at` is when the row is next expected to be handled: the time it was queued, or, while
 * retrying, when the delayed retry comes back. A pending row whose `due_at` is more than a
 * grace period in the past has no live queue message, as far as anyone can tell, and is queued
 * again by the sweep.
 */
import { nowSeconds, ready } from "./db.ts";

/** Where one delivery stands. */
export type DeliveryStatus =
  | "queued"
  | "retrying"
  | "paused"
  | "delivered"
  | "dead"
  | "filtered"
  | "skipped";

/**
 * Statuses the sweep looks after: a queue message should exist for these. (`paused` deliveries
 * are held by their route's Durable Object, src/coordinate, which queues them on resume.)
 */
export const PENDING_STATUSES = ["queued", "retrying"] as const;
/** Statuses that are final until a person acts (a replay): never queued again by the sweep. */
export const SETTLED_STATUSES = ["delivered", "dead", "filtered", "skipped"] as const;

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
  /** How many times the sweep (or a sender's repeat) queued it again. */
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

/** (event, route) pairs as one JSON parameter, read back with `json_each` (no 100-parameter limit). */
const pairsJson = (rows: Requeue[]): string =>
  JSON.stringify(rows.map((r) => [r.eventId, r.route]));
const PAIRS = `SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`;

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

/** A delivery to queue again: the (event, route) of a message. */
export interface Requeue {
  eventId: string;
  route: string;
}

/**
 * Claims up to `limit` pending rows that are overdue, oldest first, and marks them queued again
 * now (`due_at = now`, `requeues + 1`), in one statement: two sweeps running at once never claim
 * the same row. Overdue means due at or before `quietBefore` while the consumer is idle (no
 * attempt recorded since `idleSince`: nothing is flowing, so no message is waiting behind
 * others), else at or before `busyBefore` (a queue backlog is not taken for a loss). The caller
 * sends one message per row returned. Uses the (status, due_at) index; the last attempt is read
 * by its primary key.
 */
export async function claimOverdue(
  db: D1Database,
  cutoffs: { quietBefore: number; busyBefore: number; idleSince: number },
  limit: number,
  now = nowSeconds(),
): Promise<Requeue[]> {
  await ready(db);
  const rows = await db
    .prepare(
      `UPDATE deliveries SET due_at = ?1, updated_at = ?1, requeues = requeues + 1
       WHERE rowid IN (
         SELECT rowid FROM deliveries
         WHERE status IN ('queued', 'retrying') AND due_at <= (
           CASE WHEN COALESCE((SELECT at FROM attempts ORDER BY seq DESC LIMIT 1), 0) < ?2
           THEN ?3 ELSE ?4 END)
         ORDER BY due_at LIMIT ?5)
       RETURNING event_id, route`,
    )
    .bind(now, cutoffs.idleSince, cutoffs.quietBefore, cutoffs.busyBefore, limit)
    .all<{ event_id: string; route: string }>();
  return rows.results.map((row) => ({ eventId: row.event_id, route: row.route }));
}

/**
 * For a sender's repeat of events already stored: claims their pending rows that are overdue
 * (due at or before `before`: the message never reached the queue, or was lost), so that the
 * repeat queues them again, as the sweep would. Returns the rows claimed (the caller sends them).
 */
export async function claimRepeats(
  db: D1Database,
  eventIds: string[],
  before: number,
  now = nowSeconds(),
): Promise<Requeue[]> {
  if (eventIds.length === 0) return [];
  await ready(db);
  const rows = await db
    .prepare(
      `UPDATE deliveries SET due_at = ?1, updated_at = ?1, requeues = requeues + 1
       WHERE event_id IN (SELECT value FROM json_each(?2))
         AND status IN ('queued', 'retrying') AND due_at <= ?3
       RETURNING event_id, route`,
    )
    .bind(now, JSON.stringify(eventIds), before)
    .all<{ event_id: string; route: string }>();
  return rows.results.map((row) => ({ eventId: row.event_id, route: row.route }));
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
         due_at = ?, updated_at = ?
       WHERE event_id = ? AND route = ? AND status IN ('queued', 'retrying', 'paused')`,
    )
    .bind(dueAt, now, delivery.event, delivery.route)
    .run();
}

/**
 * Held deliveries that a route's resume is about to queue again: `paused` → `queued`, due now,
 * so that if their messages are lost the sweep queues them. Call before sending them.
 *
 * @example await resumeDeliveries(env.DB, rows.map((r) => ({ eventId: r.event, route: r.route })));
 */
export async function resumeDeliveries(
  db: D1Database,
  rows: Requeue[],
  now = nowSeconds(),
): Promise<void> {
  if (rows.length === 0) return;
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET status = 'queued', due_at = ?, updated_at = ?
       WHERE status = 'paused' AND (event_id, route) IN (${PAIRS})`,
    )
    .bind(now, now, pairsJson(rows))
    .run();
}

/** Puts a delivery back to `queued` with a fresh attempt count (a replay of its dead letter). */
export async function resetForReplay(
  db: D1Database,
  eventId: string,
  route: string,
  now = nowSeconds(),
): Promise<void> {
  await ready(db);
  await db
    .prepare(
      `INSERT INTO deliveries (event_id, route, status, attempts, queued_at, due_at, updated_at)
       VALUES (?1, ?2, 'queued', 0, ?3, ?3, ?3)
       ON CONFLICT (event_id, route) DO UPDATE SET status = 'queued', attempts = 0,
         last_error = NULL, queued_at = ?3, due_at = ?3, updated_at = ?3, delivered_at = NULL`,
    )
    .bind(eventId, route, now)
    .run();
}

/**
 * Marks pending deliveries whose message could not be sent as due at `dueAt` (in the past, so
 * the next sweep takes them without waiting for the grace period).
 */
export async function markUnqueued(db: D1Database, rows: Requeue[], dueAt: number): Promise<void> {
  if (rows.length === 0) return;
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET due_at = ? WHERE status IN ('queued', 'retrying')
       AND (event_id, route) IN (${PAIRS})`,
    )
    .bind(dueAt, pairsJson(rows))
    .run();
}

/**
 * Postpones pending deliveries to `dueAt` with a reason (the configuration is broken and the
 * messages are retried later): they are `retrying`, not lost, until then.
 */
export async function postpone(
  db: D1Database,
  rows: Requeue[],
  dueAt: number,
  reason: string,
  now = nowSeconds(),
): Promise<void> {
  if (rows.length === 0) return;
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET status = 'retrying', due_at = ?, last_error = ?, updated_at = ?
       WHERE status IN ('queued', 'retrying') AND (event_id, route) IN (${PAIRS})`,
    )
    .bind(dueAt, reason.slice(0, 500), now, pairsJson(rows))
    .run();
}
