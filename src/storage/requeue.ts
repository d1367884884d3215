/**
 * Putting outbox rows (deliveries.ts) back in line for a new queue message: the sweep's and a
 * sender's repeat's claims on overdue rows, a route's resume, a replay, and undoing a claim whose
 * message the queue refused. Each is one statement whatever the number of rows ((event, route)
 * pairs travel as one JSON parameter, read back with `json_each`: no 100-parameter limit).
 *
 * `requeues` counts the times a delivery was queued again since the consumer last handled it:
 * how many messages in a row were lost. Any outcome the consumer records sets it back to 0; and
 * a claim counts on from it only when nothing touched the row since the previous claim (which
 * left `updated_at` = `due_at`): any other write since, by whatever module, means the delivery
 * was handled, and the count starts again at 1.
 */
import { nowSeconds, ready } from "./db.ts";
import { PENDING_STATUSES } from "./deliveries.ts";

/** A delivery to queue again: the (event, route) of a message. */
export interface Requeue {
  eventId: string;
  route: string;
}

/** A claimed delivery and its `requeues` count, this claim included. */
export interface Claimed extends Requeue {
  requeues: number;
}

/** `status IN (...)` for the statuses the sweep looks after. */
const PENDING = `status IN (${PENDING_STATUSES.map((status) => `'${status}'`).join(", ")})`;

const pairsJson = (rows: Requeue[]): string =>
  JSON.stringify(rows.map((r) => [r.eventId, r.route]));
const PAIRS = `SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`;

/** What a claim does to a row: due now, counted as one more message sent for it. */
/** Messages lost in a row before this claim (see the module comment). */
const LOST = "(CASE WHEN updated_at = due_at THEN requeues ELSE 0 END)";
const CLAIM = `due_at = ?1, updated_at = ?1, requeues = ${LOST} + 1`;
const claimed = (rows: D1Result<{ event_id: string; route: string; requeues: number }>) =>
  rows.results.map((row) => ({ eventId: row.event_id, route: row.route, requeues: row.requeues }));

/** How overdue rows are told apart from rows whose message is merely slow (see `claimOverdue`). */
export interface OverdueCutoffs {
  /** Due at or before this while the consumer is idle: overdue. */
  quietBefore: number;
  /** ... and while it is busy (no attempt recorded since `idleSince` means idle). */
  busyBefore: number;
  idleSince: number;
  /**
   * Back-off for a row already queued again: `requeues` = n must also be `backoffSeconds` ×
   * (2^n − 1) past the cutoff, at most `backoffCapSeconds`.
   */
  backoffSeconds: number;
  backoffCapSeconds: number;
}

/**
 * Claims up to `limit` pending rows that are overdue, oldest first, and marks them queued again
 * now (`due_at = now`, `requeues + 1`), in one statement: two sweeps running at once never claim
 * the same row. Overdue means due at or before `quietBefore` while the consumer is idle (no
 * attempt recorded since `idleSince`: nothing is flowing, so no message is waiting behind
 * others), else at or before `busyBefore` (a queue backlog is not taken for a loss); a row whose
 * messages were already lost before waits longer each time (see `OverdueCutoffs`). The caller
 * sends one message per row returned. Uses the (status, due_at) index; the last attempt is read
 * by its primary key.
 *
 * @example const rows = await claimOverdue(env.DB, cutoffs, 100); // [{ eventId, route, requeues }]
 */
export async function claimOverdue(
  db: D1Database,
  cutoffs: OverdueCutoffs,
  limit: number,
  now = nowSeconds(),
): Promise<Claimed[]> {
  await ready(db);
  const rows = await db
    .prepare(
      `WITH cutoff (at) AS (
         SELECT CASE WHEN COALESCE((SELECT at FROM attempts ORDER BY seq DESC LIMIT 1), 0) < ?2
           THEN ?3 ELSE ?4 END)
       UPDATE deliveries SET ${CLAIM}
       WHERE rowid IN (
         SELECT rowid FROM deliveries
         WHERE ${PENDING} AND due_at <= (SELECT at FROM cutoff)
           AND due_at + MIN(?6 * ((1 << MIN(${LOST}, 20)) - 1), ?7) <= (SELECT at FROM cutoff)
         ORDER BY due_at LIMIT ?5)
       RETURNING event_id, route, requeues`,
    )
    .bind(
      now,
      cutoffs.idleSince,
      cutoffs.quietBefore,
      cutoffs.busyBefore,
      limit,
      cutoffs.backoffSeconds,
      cutoffs.backoffCapSeconds,
    )
    .all<{ event_id: string; route: string; requeues: number }>();
  return claimed(rows);
}

/**
 * For a sender's repeat of events already stored: claims their pending rows that are overdue
 * (due at or before `before`: the message never reached the queue, or was lost) and were queued
 * again fewer than `maxRequeues` times (past that, the sweep dead-letters them), so that the
 * repeat queues them again, as the sweep would. Returns the rows claimed (the caller sends them).
 */
export async function claimRepeats(
  db: D1Database,
  eventIds: string[],
  before: number,
  maxRequeues: number,
  now = nowSeconds(),
): Promise<Claimed[]> {
  if (eventIds.length === 0) return [];
  await ready(db);
  const rows = await db
    .prepare(
      `UPDATE deliveries SET ${CLAIM}
       WHERE event_id IN (SELECT value FROM json_each(?2))
         AND ${PENDING} AND due_at <= ?3 AND ${LOST} < ?4
       RETURNING event_id, route, requeues`,
    )
    .bind(now, JSON.stringify(eventIds), before, maxRequeues)
    .all<{ event_id: string; route: string; requeues: number }>();
  return claimed(rows);
}

/** Updates the rows of `rows` that match `where`: one statement, `binds` then the pairs. */
async function updateRows(
  db: D1Database,
  rows: Requeue[],
  change: { set: string; where: string },
  ...binds: unknown[]
): Promise<void> {
  if (rows.length === 0) return;
  await ready(db);
  await db
    .prepare(
      `UPDATE deliveries SET ${change.set}
       WHERE ${change.where} AND (event_id, route) IN (${PAIRS})`,
    )
    .bind(...binds, pairsJson(rows))
    .run();
}

/**
 * Rows whose message the queue refused (at acceptance, or after a claim): due at `dueAt` (in the
 * past, so the next sweep takes them without waiting for the grace period), and the claim is not
 * counted (the message was never sent, so it was not lost).
 */
export const markUnqueued = (db: D1Database, rows: Requeue[], dueAt: number): Promise<void> =>
  updateRows(
    db,
    rows,
    { set: "due_at = ?, requeues = MAX(requeues - 1, 0)", where: PENDING },
    dueAt,
  );

/**
 * Held deliveries that a route's resume is about to queue again: `paused` → `queued`, due now,
 * so that if their messages are lost the sweep queues them. Call before sending them.
 *
 * @example await resumeDeliveries(env.DB, rows.map((r) => ({ eventId: r.event, route: r.route })));
 */
export const resumeDeliveries = (db: D1Database, rows: Requeue[], now = nowSeconds()) =>
  updateRows(
    db,
    rows,
    { set: "status = 'queued', due_at = ?, updated_at = ?", where: "status = 'paused'" },
    now,
    now,
  );

/**
 * Postpones pending deliveries to `dueAt` with a reason (the configuration is broken and the
 * consumer retries the messages then): they are `retrying`, not lost, until then, and the
 * consumer having handled them, no earlier loss counts any more.
 */
export const postpone = (
  db: D1Database,
  rows: Requeue[],
  dueAt: number,
  reason: string,
  now = nowSeconds(),
) =>
  updateRows(
    db,
    rows,
    {
      set: "status = 'retrying', due_at = ?, last_error = ?, updated_at = ?, requeues = 0",
      where: PENDING,
    },
    dueAt,
    reason.slice(0, 500),
    now,
  );

/**
 * Puts deliveries back to `queued` for a replay, before its messages are sent: attempts from 0,
 * due now (the sweep sends them should the messages be lost), creating a row where there is none
 * (an event accepted before the outbox existed). With `redeliver` (a replay of the event, POST
 * /events/:id/replay) their record of successful deliveries is forgotten too, so that what the
 * replay delivers, and only that, counts as delivered from now on: a retry of the replay's
 * message, a copy queued by the sweep or a resume after a pause skips what the replay already
 * delivered and sends the rest. Without it (a dead letter's replay) deliveries made before are
 * not sent again. One D1 batch (a transaction).
 *
 * @example await requeueForReplay(env.DB, [{ eventId: id, route: "crm" }], { redeliver: true });
 */
export async function requeueForReplay(
  db: D1Database,
  rows: Requeue[],
  options: { redeliver?: boolean; now?: number } = {},
): Promise<void> {
  if (rows.length === 0) return;
  await ready(db);
  const now = options.now ?? nowSeconds();
  const pairs = pairsJson(rows);
  const statements = [
    db
      .prepare(
        `INSERT INTO deliveries (event_id, route, status, attempts, queued_at, due_at, updated_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'queued', 0, ?1, ?1, ?1
         FROM json_each(?2) WHERE true
         ON CONFLICT (event_id, route) DO UPDATE SET status = 'queued', attempts = 0,
           last_error = NULL, queued_at = ?1, due_at = ?1, updated_at = ?1, delivered_at = NULL,
           requeues = 0`,
      )
      .bind(now, pairs),
  ];
  if (options.redeliver) {
    statements.push(
      db.prepare(`DELETE FROM delivered WHERE (event_id, route) IN (${PAIRS})`).bind(pairs),
    );
  }
  await db.batch(statements);
}

/**
 * Held deliveries of routes that are no longer configured (`paused` rows whose route is not in
 * `configured`): nothing would ever resume them, since the route's pause lives with the route.
 * They become `queued`, due now, and are returned for the caller to send: the consumer then
 * dead-letters each, naming the missing route, so they stay visible and replayable.
 *
 * @example const orphans = await claimOrphanedHolds(env.DB, ["crm", "bot"], 100);
 */
export async function claimOrphanedHolds(
  db: D1Database,
  configured: string[],
  limit: number,
  now = nowSeconds(),
): Promise<Requeue[]> {
  await ready(db);
  const rows = await db
    .prepare(
      `UPDATE deliveries SET status = 'queued', due_at = ?1, updated_at = ?1, requeues = 0
       WHERE rowid IN (
         SELECT rowid FROM deliveries
         WHERE status = 'paused' AND route NOT IN (SELECT value FROM json_each(?2))
         LIMIT ?3)
       RETURNING event_id, route`,
    )
    .bind(now, JSON.stringify(configured), limit)
    .all<{ event_id: string; route: string }>();
  return rows.results.map((row) => ({ eventId: row.event_id, route: row.route }));
}
