/**
 * Replays (src/admin: POST /events/:id/replay, POST /deadletters/replay): the dead letters
 * matching a filter, a batch at a time; their events put back; the letters marked replayed.
 * Their deliveries are put back in line by `requeueForReplay` (requeue.ts).
 */
import { ready } from "./db.ts";
import { where } from "./where.ts";

export interface DeadLetterFilter {
  route?: string;
  source?: string;
  /** Unix seconds: dead letters made at or after. */
  since?: number;
}

export interface DeadLetterRef {
  id: string;
  seq: number;
  eventId: string;
  route: string;
}

/** Up to `limit` dead letters still dead (not replayed) matching `filter`, oldest first after `afterSeq`. */
export async function deadLettersMatching(
  db: D1Database,
  filter: DeadLetterFilter,
  limit: number,
  afterSeq = 0,
): Promise<DeadLetterRef[]> {
  await ready(db);
  const { sql, binds } = where([
    ["state = 'dead'"],
    ["seq > ?", afterSeq],
    filter.route ? ["route = ?", filter.route] : undefined,
    filter.source ? ["source = ?", filter.source] : undefined,
    filter.since !== undefined ? ["created_at >= ?", filter.since] : undefined,
  ]);
  const rows = await db
    .prepare(`SELECT id, seq, event_id, route FROM dead_letters ${sql} ORDER BY seq LIMIT ?`)
    .bind(...binds, limit)
    .all<{ id: string; seq: number; event_id: string; route: string }>();
  return rows.results.map((row) => ({
    id: row.id,
    seq: row.seq,
    eventId: row.event_id,
    route: row.route,
  }));
}

/**
 * Puts back the events of these dead letters (their events may have been pruned), in one
 * statement whatever the number of ids.
 */
export async function restoreFromDeadLetters(
  db: D1Database,
  ids: string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  await ready(db);
  const list = JSON.stringify(ids);
  await db
    .prepare(
      `INSERT OR IGNORE INTO events (id, source, name, dispatch, payload, received_at)
       SELECT event_id, source, event_name, dispatch, payload, ?1 FROM dead_letters
       WHERE id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(now, list)
    .run();
}

/** Marks dead letters replayed (after their messages were queued). */
export async function markDeadLettersReplayed(
  db: D1Database,
  ids: string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_at = ?1
       WHERE id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(now, JSON.stringify(ids))
    .run();
}
