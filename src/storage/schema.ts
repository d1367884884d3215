/**
 * The D1 schema: the one source of truth. It is created at runtime on first use in each isolate
 * (`CREATE TABLE IF NOT EXISTS`, see `ready()`), so `wrangler dev` and a fresh deploy need no
 * migration step; migrations/*.sql, in order, are the same text for `wrangler d1 migrations
 * apply` (kept in sync by test/delivery/schema.test.ts). New tables go in a new migration file.
 *
 * What the Worker writes here: `dead_letters`, `erasures`, `sink`. `seen`, `events`, `attempts`,
 * `delivered` and `deliveries` (and their indexes) are the D1 store's, from before the shards:
 * read by the upgrade, which marks the deliveries it takes `moved` (src/store/legacy-sql.ts),
 * erased from on request for an old id (erase.ts) and pruned by the hourly cron
 * (housekeeping.ts); test/d1-store writes them as the old version did.
 */
export const SCHEMA: readonly string[] = [
  // A key per received event (source + delivery id / envelope id / content hash), kept 24 hours.
  `CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, event_id TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS seen_expires ON seen (expires_at)`,
  // Accepted source events: what the queue messages point at (bodies can be 1 MiB, messages 128 KB).
  `CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, dispatch TEXT, payload TEXT NOT NULL, received_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS events_received ON events (received_at)`,
  // Every delivery attempt: status 0 means no HTTP answer (network error, timeout).
  `CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, route TEXT NOT NULL, webhook_id TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER NOT NULL, error TEXT, latency_ms INTEGER NOT NULL, at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS attempts_event_route ON attempts (event_id, route)`,
  // Deliveries that succeeded: a retry or replay skips them.
  `CREATE TABLE IF NOT EXISTS delivered (webhook_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, route TEXT NOT NULL, status INTEGER NOT NULL, at INTEGER NOT NULL)`,
  // Messages that will not be delivered, with everything needed to replay them.
  `CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, event_id TEXT NOT NULL, source TEXT NOT NULL, event_name TEXT NOT NULL, dispatch TEXT, route TEXT NOT NULL, target TEXT, payload TEXT NOT NULL, attempts TEXT NOT NULL, last_error TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'dead', replays INTEGER NOT NULL DEFAULT 0, replayed_at INTEGER)`,
  // The local dev sink (only used when DEV_SINK is set).
  `CREATE TABLE IF NOT EXISTS sink (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, path TEXT NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL)`,
  // The D1 store's outbox: one row per accepted event and route, written with the event.
  // status: queued | retrying | delivered | dead | filtered | skipped; times in unix seconds.
  `CREATE TABLE IF NOT EXISTS deliveries (event_id TEXT NOT NULL, route TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, queued_at INTEGER NOT NULL, due_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, delivered_at INTEGER, requeues INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (event_id, route))`,
  // The sweep: pending rows by due time.
  `CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, due_at)`,
  // The console: a route's deliveries by status, latest change first; and all of them by change.
  `CREATE INDEX IF NOT EXISTS deliveries_route ON deliveries (route, status, updated_at)`,
  `CREATE INDEX IF NOT EXISTS deliveries_updated ON deliveries (updated_at)`,
  // The D1 store's console reads: events newest first by source (cursor paging on
  // (received_at, rowid); events_received serves the unfiltered list), and attempts by time
  // (deliveries per minute).
  `CREATE INDEX IF NOT EXISTS events_source_received ON events (source, received_at)`,
  `CREATE INDEX IF NOT EXISTS attempts_at ON attempts (at)`,
  // A delivery's successful posts, read by every queue message (without it, a scan of them all).
  `CREATE INDEX IF NOT EXISTS delivered_event_route ON delivered (event_id, route)`,
  // Events erased on request (DELETE /events/:id, src/storage/erase.ts): that they existed, nothing they held.
  `CREATE TABLE IF NOT EXISTS erasures (event_id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, received_at INTEGER NOT NULL, erased_at INTEGER NOT NULL)`,
];
