/**
 * Every statement of the upgrade from the D1 store (src/store/legacy.ts, docs/store.md "Upgrade
 * from the D1 schema"), by name: those the legacy shard runs on its own SQLite storage, and those
 * it and the request path run on D1's old tables (src/storage/schema.ts). test/store/plans.test.ts
 * runs EXPLAIN QUERY PLAN on each and fails on a full scan of events, deliveries or attempts.
 */

/** The D1 statuses of a delivery not settled: what the import takes. */
const UNSETTLED = "('queued', 'retrying', 'waiting', 'paused')";

/**
 * The legacy shard's one addition to a shard's tables: its events are found by their D1 id (a
 * UUID, kept as the tag). Only `shard-legacy` creates it; the numbered shards pay nothing for it.
 */
export const LEGACY_SCHEMA: readonly string[] = [
  "CREATE UNIQUE INDEX IF NOT EXISTS events_tag ON events (tag)",
];

/** What the legacy shard runs on its own storage (parameters are positional, `?1`...). */
export const LEGACY_SQL = {
  /** An imported event keeps its id (the tag); no key: D1's `seen` answers its repeats. */
  importEvent: `INSERT INTO events (tag, key, source, name, dispatch, payload, received_at)
     VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tag) DO NOTHING RETURNING seq`,
  importDelivery: `INSERT INTO deliveries (event_seq, route, status, attempts, last_status,
       last_error, queued_at, due_at, updated_at, delivered_at, requeues, delivered_ids)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING`,
  importAttempt: `INSERT OR REPLACE INTO attempts (event_seq, route, attempt, webhook_id, status,
     error, latency_ms, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
  /** The row of an event known by its D1 id. */
  seqOfTag: "SELECT seq FROM events WHERE tag = ?1",
} as const;

/** What is read from and written to D1's old tables (parameters are positional, `?1`...). */
export const D1_SQL = {
  /** Events with a delivery not settled and not yet taken (the (status, due_at) index). */
  pendingEvents: `SELECT DISTINCT event_id FROM deliveries WHERE status IN ${UNSETTLED} LIMIT ?1`,
  events: `SELECT id, source, name, dispatch, payload, received_at FROM events
     WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY received_at`,
  deliveries: "SELECT * FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?1))",
  /** Failed attempts only: a shard keeps no row for a success (it is on the delivery row). */
  failedAttempts: `SELECT event_id, route, webhook_id, attempt, status, error, latency_ms, at
     FROM attempts WHERE event_id IN (SELECT value FROM json_each(?1))
       AND NOT (status BETWEEN 200 AND 299) ORDER BY seq`,
  /** Webhooks already posted successfully (a route whose translation yields several). */
  delivered: `SELECT event_id, route, webhook_id FROM delivered
     WHERE event_id IN (SELECT value FROM json_each(?1))`,
  /** The import's mark: a row taken is `moved`, so no later batch takes it again. */
  markMoved: `UPDATE deliveries SET status = 'moved'
     WHERE event_id IN (SELECT value FROM json_each(?1)) AND status IN ${UNSETTLED}`,
  /** Keys the D1 store saw less than 24 hours ago, and the event each names. */
  seenKeys: `SELECT key, event_id FROM seen
     WHERE key IN (SELECT value FROM json_each(?1)) AND expires_at > ?2`,
  /** When the last key the D1 store saw stops deciding repeats (the seen_expires index). */
  seenUntil: "SELECT MAX(expires_at) AS until FROM seen",
} as const;

export type LegacyStatementName = keyof typeof LEGACY_SQL;
export type D1StatementName = keyof typeof D1_SQL;
