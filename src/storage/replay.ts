/**
 * Replays (src/admin: POST /deadletters/replay): the dead letters matching a filter, a batch at
 * a time; the copies of their events (to put back in the event store should they have been
 * pruned); the letters marked replayed. Their deliveries are put back in line by the event
 * store's `requeueForReplay` (src/store).
 */
import { ready } from "./db.ts";
import type { StoredEvent } from "./types.ts";
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
 * The events of these dead letters as their copies hold them, by dead letter id (one statement
 * whatever the number of ids). `receivedAt` is when the letter was made (the event's own time is
 * not kept in it).
 */
export async function deadLetterEvents(
  db: D1Database,
  ids: string[],
): Promise<Map<string, StoredEvent>> {
  if (ids.length === 0) return new Map();
  await ready(db);
  const { results } = await db
    .prepare(
      `SELECT id, event_id, source, event_name, dispatch, payload, created_at FROM dead_letters
       WHERE id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids))
    .all<{
      id: string;
      event_id: string;
      source: string;
      event_name: string;
      dispatch: string | null;
      payload: string;
      created_at: number;
    }>();
  return new Map(
    results.map((row) => [
      row.id,
      {
        id: row.event_id,
        source: row.source,
        name: row.event_name,
        ...(row.dispatch ? { dispatch: row.dispatch } : {}),
        payload: JSON.parse(row.payload),
        receivedAt: row.created_at,
      },
    ]),
  );
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
