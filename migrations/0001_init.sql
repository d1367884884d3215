-- Same statements as src/storage/schema.ts (the Worker also creates these at runtime).
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, event_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS seen_expires ON seen (expires_at);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, dispatch TEXT, payload TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, route TEXT NOT NULL, webhook_id TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER NOT NULL, error TEXT, latency_ms INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_event_route ON attempts (event_id, route);
CREATE TABLE IF NOT EXISTS delivered (webhook_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, route TEXT NOT NULL, status INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, event_id TEXT NOT NULL, source TEXT NOT NULL, event_name TEXT NOT NULL, dispatch TEXT, route TEXT NOT NULL, target TEXT, payload TEXT NOT NULL, attempts TEXT NOT NULL, last_error TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'dead', replays INTEGER NOT NULL DEFAULT 0, replayed_at INTEGER);
CREATE TABLE IF NOT EXISTS sink (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, path TEXT NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL);
