/**
 * The D1 store's outbox (see index.ts): one row per (accepted event, route) in `deliveries`,
 * written in the same batch as the event (`admit`), updated by the consumer on every outcome.
 * The statuses and their meanings are those of a shard's deliveries (src/storage/types.ts).
 */
import { nowSeconds, ready } from "../../src/storage/db.ts";
import type { DeliveryOutcome, DeliveryState } from "../../src/storage/types.ts";

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

function toDeliveryState(row: DeliveryRow): DeliveryState {
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
 * The row of one delivery, or undefined.
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
 * An ordered route's deliveries that wait behind another event of their conversation: `waiting`,
 * looked at again by the sweep when `dueAt` passes; `requeues` starts again from 0.
 *
 * @example await parkDeliveries(env.DB, "crm", ["e2", "e3"], nowSeconds() + 60);
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
