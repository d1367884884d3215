/**
 * Erasure (DELETE /events/:id): everything an event held goes, in one D1 batch: its payload (the
 * event row, its dead letters), what destinations answered (the text of its attempts' errors and
 * of its deliveries' last errors), its dedupe keys and, locally, the dev sink's copies of its
 * deliveries. Kept: that it existed and was erased (`erasures`), its attempts' statuses and times
 * (the counts and the chart), each delivery's status (one not yet settled becomes `erased`).
 *
 * Events of the sharded store (src/store) are erased in their shard first (src/admin/erase.ts);
 * what D1 still holds of them (the erasure record, dead letters, the dev sink's copies) goes with
 * `eraseKept`. `eraseEvent` erases an event that D1 itself holds (an id from before the upgrade).
 */
import { nowSeconds, ready } from "./db.ts";
import { SETTLED_STATUSES } from "./types.ts";

export interface Erasure {
  id: string;
  source: string;
  /** The event's name (`message_created`). */
  name: string;
  receivedAt: number;
  erasedAt: number;
}

const SETTLED = SETTLED_STATUSES.map((status) => `'${status}'`).join(", ");
const ERASED_NOTE = "the event was erased";

/** The erasure record of an event, if it was erased. */
export async function erasureOf(db: D1Database, id: string): Promise<Erasure | undefined> {
  await ready(db);
  const row = await db
    .prepare("SELECT source, name, received_at, erased_at FROM erasures WHERE event_id = ?")
    .bind(id)
    .first<{ source: string; name: string; received_at: number; erased_at: number }>();
  return row
    ? {
        id,
        source: row.source,
        name: row.name,
        receivedAt: row.received_at,
        erasedAt: row.erased_at,
      }
    : undefined;
}

/**
 * Erases an event everywhere; idempotent. Undefined when no store knows the id (nothing to erase).
 *
 * @example const erased = await eraseEvent(env.DB, id); // { id, source, name, receivedAt, erasedAt }
 */
export async function eraseEvent(db: D1Database, id: string): Promise<Erasure | undefined> {
  await ready(db);
  const now = nowSeconds();
  const bind = (sql: string, ...values: unknown[]) => db.prepare(sql).bind(...values);
  await db.batch([
    // What is kept: taken from the event, else from a dead letter (the event row may be pruned).
    bind(
      `INSERT OR IGNORE INTO erasures (event_id, source, name, received_at, erased_at)
       SELECT id, source, name, received_at, ? FROM events WHERE id = ?
       UNION ALL SELECT event_id, source, event_name, created_at, ? FROM dead_letters WHERE event_id = ?
       LIMIT 1`,
      now,
      id,
      now,
      id,
    ),
    bind(
      `DELETE FROM sink WHERE EXISTS (SELECT 1 FROM attempts
         WHERE attempts.event_id = ? AND instr(sink.headers, attempts.webhook_id) > 0)`,
      id,
    ),
    bind("DELETE FROM events WHERE id = ?", id),
    bind("DELETE FROM dead_letters WHERE event_id = ?", id),
    bind("DELETE FROM seen WHERE event_id = ?", id),
    bind(
      "UPDATE attempts SET error = CASE WHEN status > 0 THEN 'HTTP ' || status ELSE error END WHERE event_id = ?",
      id,
    ),
    bind(
      `UPDATE deliveries SET last_error = ?, updated_at = ?,
         status = CASE WHEN status IN (${SETTLED}) THEN status ELSE 'erased' END
       WHERE event_id = ?`,
      ERASED_NOTE,
      now,
      id,
    ),
  ]);
  return erasureOf(db, id);
}

/** What a shard kept of an event it erased (EventStore.erase). */
export interface Kept {
  source: string;
  name: string;
  receivedAt: number;
}

/**
 * The D1 side of erasing an event of the sharded store: records the erasure (from what the shard
 * kept, else from a dead letter, the event being pruned), deletes its dead letters and the dev
 * sink's copies of its deliveries (by their `webhook-id`s). Idempotent; undefined when neither
 * the shard nor a dead letter knew the event.
 *
 * @example const erased = await eraseKept(env.DB, id, kept, webhookIds); // { id, source, name, receivedAt, erasedAt }
 */
export async function eraseKept(
  db: D1Database,
  id: string,
  kept: Kept | undefined,
  webhookIds: string[],
): Promise<Erasure | undefined> {
  await ready(db);
  const now = nowSeconds();
  await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO erasures (event_id, source, name, received_at, erased_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE ?2 IS NOT NULL
         UNION ALL SELECT event_id, source, event_name, created_at, ?5 FROM dead_letters WHERE event_id = ?1
         LIMIT 1`,
      )
      .bind(id, kept?.source ?? null, kept?.name ?? null, kept?.receivedAt ?? null, now),
    db
      .prepare(
        "DELETE FROM sink WHERE EXISTS (SELECT 1 FROM json_each(?) WHERE instr(sink.headers, value) > 0)",
      )
      .bind(JSON.stringify(webhookIds)),
    db.prepare("DELETE FROM dead_letters WHERE event_id = ?").bind(id),
  ]);
  return erasureOf(db, id);
}
