-- Events erased on request (src/storage/erase.ts); same statement as src/storage/schema.ts.
CREATE TABLE IF NOT EXISTS erasures (event_id TEXT PRIMARY KEY, source TEXT NOT NULL, name TEXT NOT NULL, received_at INTEGER NOT NULL, erased_at INTEGER NOT NULL);
