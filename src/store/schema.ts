/**
 * One shard's tables and every statement the shard runs (docs/store.md, "Tables of one shard").
 * The statements live here, by name, so that test/store/plans.test.ts can run EXPLAIN QUERY PLAN
 * on each and fail on a full scan of events, deliveries or attempts.
 */

/**
 * Statuses the sweep looks after (a queue message should exist, or the turn is awaited). `new` is
 * `queued` as admission wrote it, untouched since: the happy path's row, kept out of the pending
 * index (one row written fewer per delivery) and found by the sweep's walk in rowid order instead
 * (housekeeping.ts). Any change to such a row makes it `queued` (or another status) again, so
 * every other pending row is in the index. The rest of the code sees `new` as `queued` (ops.ts).
 */
const PENDING = "('new', 'queued', 'retrying', 'waiting')";
/** The pending statuses the index holds. */
const INDEXED = "('queued', 'retrying', 'waiting')";

export const SHARD_SCHEMA: readonly string[] = [
  // seq is the rowid: the order of acceptance in this shard, and so of received_at. key is the
  // dedupe key as given (NULL once given up: unique indexes let NULLs repeat).
  `CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, tag TEXT NOT NULL, key TEXT,
     source TEXT NOT NULL, name TEXT NOT NULL, dispatch TEXT, payload TEXT NOT NULL,
     received_at INTEGER NOT NULL)`,
  "CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (key)",
  // The outbox: one row per (event, route), the settled attempt on the row; delivered_ids only
  // while some but not all of a route's webhooks were delivered.
  // queued_at: when the delivery was first queued (accepted, or replayed): the retry window's start.
  `CREATE TABLE IF NOT EXISTS deliveries (event_seq INTEGER NOT NULL, route TEXT NOT NULL,
     status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER,
     last_error TEXT, queued_at INTEGER NOT NULL, due_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL, delivered_at INTEGER, requeues INTEGER NOT NULL DEFAULT 0,
     delivered_ids TEXT, PRIMARY KEY (event_seq, route)) WITHOUT ROWID`,
  // What the sweep may have to do, and nothing else: pending rows by due time.
  `CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (due_at) WHERE status IN ${INDEXED}`,
  // Where the sweep's walk over `new` rows starts: no delivery row below this event is `new`.
  // A shard made before `new` existed starts past its last event (it has none).
  "CREATE TABLE IF NOT EXISTS fresh_walk (id INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL)",
  "INSERT OR IGNORE INTO fresh_walk (id, next_seq) SELECT 0, COALESCE(MAX(seq), 0) + 1 FROM events",
  // Held deliveries (a paused route), by route: the sweep's check for routes removed while
  // paused reads these only (none on the happy path: a row enters it only while paused).
  "CREATE INDEX IF NOT EXISTS deliveries_paused ON deliveries (route) WHERE status = 'paused'",
  // Failed attempts only (a delivery that succeeds at once writes none).
  `CREATE TABLE IF NOT EXISTS attempts (event_seq INTEGER NOT NULL, route TEXT NOT NULL,
     attempt INTEGER NOT NULL, webhook_id TEXT NOT NULL, status INTEGER NOT NULL, error TEXT,
     latency_ms INTEGER NOT NULL, at INTEGER NOT NULL,
     PRIMARY KEY (event_seq, route, attempt)) WITHOUT ROWID`,
  // GET /metrics: per source, requests admitted here and their events, added by each admit call
  // (one row per source, whatever the number of events), summed over the shards at scrape.
  `CREATE TABLE IF NOT EXISTS source_counts (source TEXT PRIMARY KEY,
     requests INTEGER NOT NULL, accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL)
     WITHOUT ROWID`,
  // Requests the Worker answered without admitting anything (4xx, 503, a handshake), by status.
  `CREATE TABLE IF NOT EXISTS answer_counts (source TEXT NOT NULL, code INTEGER NOT NULL,
     n INTEGER NOT NULL, PRIMARY KEY (source, code)) WITHOUT ROWID`,
];

/**
 * Messages lost in a row before a claim. `requeues` counts the times a delivery was queued again
 * (by the sweep or a sender's repeat) since the consumer last handled it. Any outcome the
 * consumer records sets it back to 0; and a claim counts on from it only when nothing touched the
 * row since the previous claim (which left `updated_at` = `due_at`): any other write since means
 * the delivery was handled, and the count starts again at 1.
 */
const LOST = "(CASE WHEN updated_at = due_at THEN requeues ELSE 0 END)";

/** Every statement a shard runs, by name (parameters are positional, `?1`...). */
export const SQL = {
  // --- admission (request path) ---
  /** A key whose event is older than the dedupe window is given up (matches nothing normally). */
  releaseKey: "UPDATE events SET key = NULL WHERE key = ?1 AND received_at <= ?2",
  insertEvent: `INSERT INTO events (tag, key, source, name, dispatch, payload, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key) DO NOTHING RETURNING seq`,
  ownerOfKey: "SELECT seq, tag FROM events WHERE key = ?1",
  /** Keys of these that are still repeats (re-sharding: the previous shard is asked first). */
  liveKeys: `SELECT key, seq, tag FROM events
     WHERE key IN (SELECT value FROM json_each(?1)) AND received_at > ?2`,
  insertDelivery: `INSERT INTO deliveries (event_seq, route, status, queued_at, due_at, updated_at)
     VALUES (?1, ?2, 'new', ?3, ?3, ?3)`,
  /** A sender's repeat of an event whose pending deliveries are overdue: queued again. */
  claimRepeat: `UPDATE deliveries SET due_at = ?1, updated_at = ?1, requeues = ${LOST} + 1,
       status = CASE status WHEN 'new' THEN 'queued' ELSE status END
     WHERE event_seq = ?2 AND status IN ${PENDING} AND due_at <= ?3 AND ${LOST} < ?4
     RETURNING route, requeues`,

  /** One admit call's counts for one source (GET /metrics). */
  countAdmitted: `INSERT INTO source_counts (source, requests, accepted, duplicates)
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source) DO UPDATE SET
       requests = requests + ?2, accepted = accepted + ?3, duplicates = duplicates + ?4`,
  /** A request answered without an admission (GET /metrics). */
  countAnswered: `INSERT INTO answer_counts (source, code, n) VALUES (?1, ?2, 1)
     ON CONFLICT (source, code) DO UPDATE SET n = n + 1`,
  sourceCounts: "SELECT source, requests, accepted, duplicates FROM source_counts",
  answerCounts: "SELECT source, code, n FROM answer_counts",

  // --- the consumer ---
  event: `SELECT seq, tag, source, name, dispatch, payload, received_at FROM events
     WHERE seq = ?1 AND tag = ?2`,
  delivery: "SELECT * FROM deliveries WHERE event_seq = ?1 AND route = ?2",
  settle: `INSERT INTO deliveries (event_seq, route, status, attempts, last_status, last_error,
       queued_at, due_at, updated_at, delivered_at, delivered_ids)
     VALUES (?1, ?2, ?3, COALESCE(?4, 0), ?5, ?6, ?8, ?7, ?8, ?9, ?10)
     ON CONFLICT (event_seq, route) DO UPDATE SET status = excluded.status,
       attempts = COALESCE(?4, attempts), last_status = COALESCE(?5, last_status),
       last_error = CASE WHEN ?3 = 'delivered' THEN NULL ELSE COALESCE(?6, last_error) END,
       due_at = excluded.due_at, updated_at = excluded.updated_at, requeues = 0,
       delivered_at = COALESCE(delivered_at, excluded.delivered_at),
       delivered_ids = CASE WHEN ?3 = 'delivered' THEN NULL ELSE COALESCE(?10, delivered_ids) END`,
  failedAttempt: `INSERT OR REPLACE INTO attempts (event_seq, route, attempt, webhook_id, status,
     error, latency_ms, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
  attemptsOf: `SELECT route, attempt, webhook_id, status, error, latency_ms, at FROM attempts
     WHERE event_seq = ?1 ORDER BY route, attempt`,
  /** One delivery's failed attempts (the consumer's read: a dead letter carries them). */
  attemptsOfRoute: `SELECT route, attempt, webhook_id, status, error, latency_ms, at FROM attempts
     WHERE event_seq = ?1 AND route = ?2 ORDER BY attempt`,

  // --- rows put back in line or set aside (requeue.ts); pairs travel as JSON [[seq, route], ...] ---
  /** A rate-limited delivery sent again later: due then; a paused one becomes queued again. */
  expectAt: `UPDATE deliveries
     SET status = CASE WHEN status IN ('paused', 'new') THEN 'queued' ELSE status END,
       due_at = ?1, updated_at = ?2, requeues = 0
     WHERE event_seq = ?3 AND route = ?4 AND status IN ('new', 'queued', 'retrying', 'paused')`,
  /** Ordered routes: deliveries waiting behind another event of their conversation. */
  park: `UPDATE deliveries SET status = 'waiting', due_at = ?1, updated_at = ?2, requeues = 0
     WHERE event_seq IN (SELECT value FROM json_each(?3)) AND route = ?4
       AND status IN ${PENDING}`,
  /** A waiting delivery's turn came: queued, due now. */
  release: `UPDATE deliveries SET status = 'queued', due_at = ?1, updated_at = ?1, requeues = 0
     WHERE event_seq = ?2 AND route = ?3 AND status IN ('waiting', 'queued', 'new')`,
  /** Held deliveries a route's resume is about to queue again. */
  resume: `UPDATE deliveries SET status = 'queued', due_at = ?1, updated_at = ?1
     WHERE (event_seq, route) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
       FROM json_each(?2)) AND status = 'paused'`,
  /** The configuration is broken: pending deliveries retried then, with the reason. */
  postpone: `UPDATE deliveries SET status = 'retrying', due_at = ?1, last_error = ?2,
       updated_at = ?3, requeues = 0
     WHERE (event_seq, route) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
       FROM json_each(?4)) AND status IN ${PENDING}`,
  /** A replay: queued from attempt 0, created where missing; `?3` forgets earlier successes. */
  replay: `INSERT INTO deliveries (event_seq, route, status, queued_at, due_at, updated_at)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'queued', ?1, ?1, ?1
     FROM json_each(?2) WHERE true
     ON CONFLICT (event_seq, route) DO UPDATE SET status = 'queued', attempts = 0,
       last_error = NULL, queued_at = ?1, due_at = ?1, updated_at = ?1, delivered_at = NULL,
       requeues = 0, delivered_ids = CASE WHEN ?3 THEN NULL ELSE delivered_ids END`,
  /**
   * A dead letter's event put back where its id says (it was pruned). Its time is at most the
   * next event's, so the prune's walk in rowid order still meets events in time order. Nothing
   * happens when the row is there, or when its number now belongs to another event (the tag).
   */
  restoreEvent: `INSERT OR IGNORE INTO events (seq, tag, key, source, name, dispatch, payload,
       received_at)
     SELECT ?1, ?2, NULL, ?3, ?4, ?5, ?6,
       MIN(?7, COALESCE((SELECT received_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT 1), ?7))`,
  /** Held deliveries of routes no longer configured: queued, for the consumer to dead-letter. */
  claimOrphans: `UPDATE deliveries SET status = 'queued', due_at = ?1, updated_at = ?1, requeues = 0
     WHERE (event_seq, route) IN (
       SELECT event_seq, route FROM deliveries INDEXED BY deliveries_paused
       WHERE status = 'paused' AND route NOT IN (SELECT value FROM json_each(?2)) LIMIT ?3)
     RETURNING event_seq, route`,

  // --- housekeeping (the alarm) ---
  /** Pending rows past their due time, oldest first, claimed as queued again now. */
  claimOverdue: `UPDATE deliveries SET due_at = ?1, updated_at = ?1, requeues = ${LOST} + 1
     WHERE (event_seq, route) IN (
       SELECT event_seq, route FROM deliveries INDEXED BY deliveries_pending
       WHERE status IN ${INDEXED} AND due_at <= ?2
         AND due_at + MIN(?3 * ((1 << MIN(${LOST}, 20)) - 1), ?4) <= ?2
       ORDER BY due_at LIMIT ?5)
     RETURNING event_seq, route, requeues`,
  /** A claim whose message the queue refused: due again at once, the claim not counted. */
  unqueue: `UPDATE deliveries SET due_at = ?1, requeues = MAX(requeues - 1, 0),
       status = CASE status WHEN 'new' THEN 'queued' ELSE status END
     WHERE event_seq = ?2 AND route = ?3 AND status IN ${PENDING}`,
  /** The tags of events (ids for the rows claimed; a call's ids checked against their rows). */
  tagsOf: "SELECT seq, tag FROM events WHERE seq IN (SELECT value FROM json_each(?1))",
  /** The next time a pending row falls due (when the alarm must run next). */
  nextDue: `SELECT MIN(due_at) AS at FROM deliveries INDEXED BY deliveries_pending
     WHERE status IN ${INDEXED}`,
  /** The sweep's walk over `new` rows: where it starts, the rows from there, a claim, the move. */
  freshFrom: "SELECT next_seq FROM fresh_walk WHERE id = 0",
  freshRows: `SELECT event_seq, route, status, due_at FROM deliveries WHERE event_seq >= ?1
     ORDER BY event_seq, route LIMIT ?2`,
  claimFresh: `UPDATE deliveries SET status = 'queued', due_at = ?1, updated_at = ?1, requeues = 1
     WHERE event_seq = ?2 AND route = ?3 AND status = 'new'`,
  moveFresh: "UPDATE fresh_walk SET next_seq = ?1 WHERE id = 0 AND next_seq <> ?1",
  /**
   * After a prune: seq is a rowid without AUTOINCREMENT, so once the newest events are gone the
   * next one gets MAX(seq) + 1 again, which may be below the walk's start. Bring the start back.
   */
  rewindFresh: `UPDATE fresh_walk SET next_seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM events)
     WHERE id = 0 AND next_seq > (SELECT COALESCE(MAX(seq), 0) + 1 FROM events)`,
  /** The oldest events, by rowid: the prune stops at the first one not yet past retention. */
  oldest: `SELECT seq, received_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2`,
  /** Of those, the ones with a delivery still to be done (kept, whatever their age). */
  unsettledAmong: `SELECT DISTINCT event_seq FROM deliveries
     WHERE event_seq IN (SELECT value FROM json_each(?1))
       AND status NOT IN ('delivered', 'dead', 'filtered', 'skipped', 'erased')`,
  pruneEvents: "DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?1)) RETURNING seq",
  pruneDeliveries: "DELETE FROM deliveries WHERE event_seq IN (SELECT value FROM json_each(?1))",
  pruneAttempts: "DELETE FROM attempts WHERE event_seq IN (SELECT value FROM json_each(?1))",

  // --- erasure (DELETE /events/:id): the payload and what destinations answered go ---
  eraseEvent: `UPDATE events SET payload = 'null', dispatch = NULL WHERE seq = ?1 AND tag = ?2
     RETURNING source, name, received_at`,
  eraseDeliveries: `UPDATE deliveries SET status = CASE WHEN status IN ${PENDING} OR status = 'paused'
       THEN 'erased' ELSE status END, last_error = NULL, delivered_ids = NULL WHERE event_seq = ?1`,
  eraseAttempts: "UPDATE attempts SET error = NULL WHERE event_seq = ?1",

  // --- the console: a page's events and their deliveries, by rowid ---
  deliveriesOf: `SELECT * FROM deliveries WHERE event_seq IN (SELECT value FROM json_each(?1))
     ORDER BY event_seq, route`,
  newest: `SELECT seq, tag, source, name, received_at FROM events WHERE seq < ?1
     ORDER BY seq DESC LIMIT ?2`,
} as const;

export type StatementName = keyof typeof SQL;
